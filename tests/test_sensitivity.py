"""Sensitivity of the go/no-go decision (issue 13, item 3), checked independently.

Responders are recomputed from the raw CSV files with pandas and exact fractions,
decisions from the closed forms of the designs (Simon's attained-size boundary
:func:`thera_stats.simon.final_boundary`, the single-stage binomial boundary), and
the tipping point by brute force over every status of every missing patient.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest
from scipy.stats import binom

import thera_stats as ts
from thera_stats.sensitivity import SensitivityResult, endpoint_sensitivity
from thera_stats.simon import final_boundary

mpl.use("Agg")

THERA = ts.synthetic_data_path("thera")
NRS = ts.synthetic_data_path("nrs")


@pytest.fixture(scope="module")
def thera() -> ts.Trial:
    return ts.load_trial(THERA)


@pytest.fixture(scope="module")
def thera_result(thera: ts.Trial) -> SensitivityResult:
    return endpoint_sensitivity(thera)


# ------------------------------------------------------------------ independent THERA
def thera_day8() -> pd.DataFrame:
    """Treated THERA patients in enrolment order with baseline and day-8 VAS (raw CSV)."""
    patients = pd.read_csv(THERA / "patients.csv")
    vas = pd.read_csv(THERA / "vas.csv")
    treated = patients[patients["injections_received"] >= 1].sort_values(
        "enrolment_date", kind="stable").reset_index(drop=True)
    treated["stage"] = np.where(np.arange(len(treated)) < 10, 1, 2)
    base = vas[vas["day"] == 0].set_index("patient_id")["vas_mm"]
    day8 = vas[vas["day"] == 8].set_index("patient_id")["vas_mm"]
    treated["baseline"] = treated["patient_id"].map(base)
    treated["day8"] = treated["patient_id"].map(day8)
    return treated


def responders(frame: pd.DataFrame, relative: str, absolute: str) -> np.ndarray:
    """Drop >= relative * baseline and drop >= absolute (exact), missing = non-responder."""
    rel, ab = Fraction(relative), Fraction(absolute)
    out = []
    for b, v in zip(frame["baseline"], frame["day8"], strict=True):
        if pd.isna(v):
            out.append(False)
            continue
        drop = Fraction(int(b)) - Fraction(int(v))
        out.append(drop >= rel * int(b) and drop >= ab)
    return np.array(out)


def simon_decision(x1: int, n1: int, x: int, n: int) -> str:
    """THERA's design (2/10, 7/22, p0 0.2, alpha 0.05) at the attained sizes, closed form."""
    assert n1 == 10  # every THERA scenario keeps the planned stage 1
    if x1 <= 2:
        return "stop for futility"
    r = 7 if n == 22 else final_boundary(2, 10, n, 0.2, 0.05)
    return "go" if x > r else "no go"


@pytest.mark.parametrize(("relative", "absolute"),
                         [("0.3", "10"), ("0.5", "20"), ("0.6", "20"), ("0.7", "30"),
                          ("0.4", "25")])
def test_grid_cells_match_the_raw_csv(thera_result: SensitivityResult, relative: str,
                                      absolute: str) -> None:
    frame = thera_day8()
    resp = responders(frame, relative, absolute)
    g = thera_result.grid
    row = g[np.isclose(g["relative"], float(relative)) & np.isclose(g["absolute"],
                                                                    float(absolute))]
    assert len(row) == 1
    r = row.iloc[0]
    stage1 = (frame["stage"] == 1).to_numpy()
    assert (r["responders"], r["n"]) == (int(resp.sum()), len(frame))
    assert (r["responders_stage1"], r["n_stage1"]) == (int(resp[stage1].sum()), 10)
    assert r["decision"] == simon_decision(int(resp[stage1].sum()), 10, int(resp.sum()),
                                           len(frame))
    assert r["plan"] == (relative == "0.5" and absolute == "20")


def test_default_grid_is_the_plan_plus_minus_two_steps(thera_result: SensitivityResult) -> None:
    g = thera_result.grid
    assert sorted(set(g["relative"].round(10))) == [0.3, 0.4, 0.5, 0.6, 0.7]
    assert sorted(set(g["absolute"])) == [10.0, 15.0, 20.0, 25.0, 30.0]
    assert len(g) == 25
    assert int(g["plan"].sum()) == 1


def test_every_thera_decision_matches_the_closed_form(thera_result: SensitivityResult) -> None:
    t = thera_result.table
    for rec in t.itertuples(index=False):
        assert rec.decision == simon_decision(rec.responders_stage1, rec.n_stage1,
                                              rec.responders, rec.n), rec.scenario
        assert rec.go == (rec.decision == "go")


def test_missing_and_population_rows_of_thera(thera_result: SensitivityResult) -> None:
    frame = thera_day8()
    miss = frame["day8"].isna().to_numpy()
    resp = responders(frame, "0.5", "20")
    t = thera_result.table.set_index("scenario")
    assert int(miss.sum()) == 1
    worst = t.loc["missing = non-responder (worst case)"]
    assert (worst["responders"], worst["n"]) == (int(resp.sum()), 17)
    cc = t.loc["complete case (missing excluded)"]
    assert (cc["responders"], cc["n"]) == (int(resp[~miss].sum()), 16)
    best = t.loc["missing = responder (best case)"]
    assert (best["responders"], best["n"]) == (int((resp | miss).sum()), 17)
    # Per protocol: every planned injection and no protocol deviation (THERA has none).
    raw = pd.read_csv(THERA / "patients.csv")
    assert t.loc["per-protocol", "n"] == int((raw["injections_received"] == 5).sum()) == 16
    assert t.loc["enrolled", "n"] == t.loc["treated", "n"] == len(raw) == 17


# ------------------------------------------------------------------ the primary row
@pytest.mark.parametrize("name", ["thera", "nrs"])
def test_primary_row_is_the_analysis(name: str) -> None:
    trial = ts.load_trial(ts.synthetic_data_path(name))
    result = endpoint_sensitivity(trial)
    a = ts.analyze(trial)
    p = result.primary
    assert p["analysis"] == "primary"
    assert bool(p["plan"])
    assert (p["responders"], p["n"]) == (a.responses_total, a.n_total)
    assert (p["responders_stage1"], p["n_stage1"]) == (a.responses_stage1, a.n_stage1)
    assert p["decision"] == a.decision.action
    assert p["estimate"] == a.adjusted.median_unbiased
    assert (p["ci_low"], p["ci_high"]) == (a.adjusted_interval.low, a.adjusted_interval.high)
    assert p["pvalue"] == a.adjusted.pvalue
    assert p["n_missing"] == int(a.endpoint["missing"].sum())
    # The plan's own rows elsewhere in the table repeat it.
    same = result.table[result.table["plan"]]
    assert len(same) == 4  # primary, its missing rule, its population, its thresholds
    assert (same["decision"] == p["decision"]).all()
    assert np.allclose(same["estimate"], p["estimate"])


def test_nrs_per_protocol_from_the_raw_csv() -> None:
    result = endpoint_sensitivity(ts.load_trial(NRS))
    raw = pd.read_csv(NRS / "patients.csv")
    # KNR-031 breaks an eligibility rule (kl_grade 4): a protocol deviation.
    pp = raw[(raw["doses_received"] == 14) & (raw["kl_grade"].isin([2, 3]))]
    t = result.table.set_index("scenario")
    assert t.loc["per-protocol", "n"] == len(pp) == 36
    assert t.loc["treated", "n"] == int((raw["doses_received"] >= 1).sum()) == 39


# ------------------------------------------------------------------ tipping point
def brute_force_tipping(base: pd.DataFrame, rule: str,
                        decide: Callable[[pd.DataFrame], str]) -> int | None:
    """Fewest missing patients whose status (responder, non-responder, excluded) must
    differ from the plan's rule for the decision's class (go / no go) to change.

    ``base`` holds every patient, missing ones as non-responders."""
    miss = np.flatnonzero(base["missing"].to_numpy())
    plan_status = "exclude" if rule == "exclude" else "non-responder"

    def cls(action: str) -> str:
        return {"stop for futility": "no go", "stop for efficacy": "go"}.get(action, action)

    reference = cls(decide(base if rule != "exclude" else base[~base["missing"]]))
    best = None
    for statuses in itertools.product(("responder", "non-responder", "exclude"),
                                      repeat=len(miss)):
        changed = sum(s != plan_status for s in statuses)
        if changed == 0 or (best is not None and changed >= best):
            continue
        frame = base.copy()
        keep = np.ones(len(frame), dtype=bool)
        for i, s in zip(miss, statuses, strict=True):
            frame.loc[i, "responder"] = s == "responder"
            keep[i] = s != "exclude"
        if cls(decide(frame[keep])) != reference:
            best = changed
    return best


def test_thera_has_no_tipping_point(thera: ts.Trial, thera_result: SensitivityResult) -> None:
    tp = thera_result.tipping_point
    assert (tp.n_missing, tp.n_changed, tp.changed_decision) == (1, None, None)
    base = thera_day8().assign(responder=responders(thera_day8(), "0.5", "20"),
                               missing=lambda f: f["day8"].isna())

    def decide(f: pd.DataFrame) -> str:
        s1 = f["stage"] == 1
        return simon_decision(int(f.loc[s1, "responder"].sum()), int(s1.sum()),
                              int(f["responder"].sum()), len(f))

    assert brute_force_tipping(base, "non-responder", decide) is None
    assert "holds whatever the status of the 1 missing patient" in tp.explanation


SIMON_BINARY_PLAN = """\
[trial]
name = "ORR-2"
treatment = "study drug"

[design]
type = "simon"
criterion = "optimal"
p0 = 0.2
p1 = 0.45
alpha = 0.05
power = 0.8
r1 = 2
n1 = 10
r = 7
n = 22

[endpoint]
kind = "binary"
column = "response"
missing = "{missing}"

[analysis]
population = "enrolled"
data_cutoff = "2024-12-31"
confidence_level = 0.9
"""


def make_simon_binary_trial(folder: Path, responses: list[str], missing: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "plan.toml").write_text(SIMON_BINARY_PLAN.format(missing=missing),
                                      encoding="utf-8")
    start = dt.date(2024, 1, 8)
    pd.DataFrame({
        "patient_id": [f"P{i:03d}" for i in range(1, len(responses) + 1)],
        "enrolment_date": [(start + dt.timedelta(days=5 * i)).isoformat()
                           for i in range(len(responses))],
        "response": responses,
    }).to_csv(folder / "patients.csv", index=False)
    return folder


# Stage 1: 3 responders of 10 (one missing); stage 2: 4 of 12 (two missing). 7/22: "no go".
_SIMON_RESPONSES = (["true"] * 3 + ["false"] * 6 + [""]
                    + ["true"] * 4 + ["false"] * 6 + [""] * 2)


@pytest.mark.parametrize("missing", ["non-responder", "exclude"])
def test_tipping_point_by_brute_force(tmp_path: Path, missing: str) -> None:
    trial = ts.load_trial(make_simon_binary_trial(tmp_path / "orr", _SIMON_RESPONSES,
                                                  missing))
    result = endpoint_sensitivity(trial)
    design = trial.plan.design.to_simon()
    pid = [f"P{i:03d}" for i in range(1, 23)]
    base = pd.DataFrame({"patient_id": pid, "stage": [1] * 10 + [2] * 12,
                         "responder": [r == "true" for r in _SIMON_RESPONSES],
                         "missing": [r == "" for r in _SIMON_RESPONSES]})

    def decide(f: pd.DataFrame) -> str:
        s1 = f["stage"] == 1
        x1, n1, x, n = (int(f.loc[s1, "responder"].sum()), int(s1.sum()),
                        int(f["responder"].sum()), len(f))
        more = n > n1
        return design.decide(x1, x if more else None, n_stage1=n1,
                             n_total=n if more else None).action

    start = base if missing == "non-responder" else base[~base["missing"]]
    assert result.primary["decision"] == decide(start) == ts.analyze(trial).decision.action
    expected = brute_force_tipping(base, missing, decide)
    tp = result.tipping_point
    assert tp.n_missing == 3
    assert tp.n_changed == expected
    assert tp.n_changed is not None
    assert sum(tp.changes.values()) == tp.n_changed
    row = result.table[result.table["missing"] == "tipping point"]
    assert len(row) == 1
    assert row["decision"].iloc[0] == tp.changed_decision
    assert (row["decision"].iloc[0] in ("go", "stop for efficacy")) != (
        result.primary["decision"] in ("go", "stop for efficacy"))


# ------------------------------------------------------------------ binary endpoint
def test_binary_endpoint_has_no_grid(tmp_path: Path) -> None:
    responses = ["true"] * 14 + ["false"] * 18 + [""] * 3
    folder = tmp_path / "orr"
    folder.mkdir()
    plan = SIMON_BINARY_PLAN.format(missing="non-responder")
    single = plan[: plan.index("[design]")] + (
        '[design]\ntype = "single-stage"\ncriterion = "optimal"\np0 = 0.2\np1 = 0.4\n'
        "alpha = 0.05\npower = 0.8\nr = 11\nn = 35\n\n") + plan[plan.index("[endpoint]"):]
    (folder / "plan.toml").write_text(single, encoding="utf-8")
    rng = np.random.default_rng(7)
    start = dt.date(2024, 1, 8)
    pd.DataFrame({
        "patient_id": [f"P{i:03d}" for i in range(1, 36)],
        "enrolment_date": [(start + dt.timedelta(days=5 * i)).isoformat() for i in range(35)],
        "response": list(rng.permutation(responses)),
    }).to_csv(folder / "patients.csv", index=False)
    result = endpoint_sensitivity(ts.load_trial(folder))
    assert result.grid.empty
    assert result.grid_note.startswith("Binary endpoint")
    assert result.grid_note in result.summary()
    t = result.table.set_index("scenario")
    for scenario, (x, n) in {"missing = non-responder (worst case)": (14, 35),
                             "complete case (missing excluded)": (14, 32),
                             "missing = responder (best case)": (17, 35)}.items():
        r = t.loc[scenario]
        assert (r["responders"], r["n"]) == (x, n)
        boundary = 11 if n == 35 else next(k for k in range(n + 1)
                                           if binom.sf(k, n, 0.2) <= 0.05)
        assert r["decision"] == ("go" if x > boundary else "no go")
        assert r["estimate"] == pytest.approx(x / n, abs=1e-15)
        assert r["pvalue"] == pytest.approx(binom.sf(x - 1, n, 0.2), abs=1e-12)
    assert set(result.table["analysis"]) == {"primary", "missing data", "population"}
    with pytest.raises(ValueError, match="binary"):
        endpoint_sensitivity(ts.load_trial(folder), relative=[0.5])
    from thera_stats.plotting import sensitivity_plot

    axes = sensitivity_plot(result)
    assert len(axes) == 1
    mpl.pyplot.close(axes[0].figure)


# ------------------------------------------------------------------ bad input, output
@pytest.mark.parametrize(("kwargs", "match"), [
    ({"relative": [0.5, 1.2]}, r"`relative` entry \(1\.2\) is outside the scale"),
    ({"relative": [-0.1]}, r"\(-0\.1\)"),
    ({"absolute": [150]}, r"`absolute` entry \(150\) is outside the scale.*\[0, 100\]"),
    ({"absolute": [float("nan")]}, r"`absolute` entry \(nan\)"),
    ({"absolute": []}, "empty"),
])
def test_thresholds_outside_the_scale(thera: ts.Trial, kwargs: dict[str, list[float]],
                                      match: str) -> None:
    with pytest.raises(ValueError, match=match):
        endpoint_sensitivity(thera, **kwargs)  # type: ignore[arg-type]


def test_thresholds_of_the_wrong_type(thera: ts.Trial) -> None:
    with pytest.raises(TypeError, match=r"'0\.5'"):
        endpoint_sensitivity(thera, relative=["0.5"])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="sequence"):
        endpoint_sensitivity(thera, absolute=20)  # type: ignore[arg-type]


def test_a_given_grid(thera: ts.Trial) -> None:
    result = endpoint_sensitivity(thera, relative=[0.55, 0.5], absolute=[20])
    g = result.grid
    assert g["relative"].tolist() == [0.5, 0.55]
    assert g["absolute"].tolist() == [20.0, 20.0]
    frame = thera_day8()
    assert g["responders"].tolist() == [int(responders(frame, "0.5", "20").sum()),
                                        int(responders(frame, "0.55", "20").sum())]


def test_result_prints_and_plots(thera: ts.Trial, thera_result: SensitivityResult) -> None:
    from matplotlib.patches import Rectangle

    from thera_stats.plotting import REPORT_FIGURES, sensitivity_plot

    assert "sensitivity" in REPORT_FIGURES
    text = thera_result.summary()
    assert "complete case (missing excluded)" in text
    assert "tipping point:" in text
    assert repr(thera_result) == ("SensitivityResult(trial='THERA', rows=32, "
                                  "primary='go' at 7/17)")
    assert thera_result._repr_html_().startswith("<pre>")
    heat, forest = sensitivity_plot(thera_result)
    outlined = [p for p in heat.patches if isinstance(p, Rectangle) and not p.get_fill()]
    assert len(outlined) == 1
    assert outlined[0].get_xy() == (2 - 0.5, 2 - 0.5)  # 50 % and 20 mm, the plan's cell
    assert len(forest.get_yticklabels()) == 7
    mpl.pyplot.close(heat.figure)
    assert thera.plan == ts.load_trial(THERA).plan  # the plan was not modified
