"""Synthetic THERA trials: seeded, realistic data in the package's table layout.

The registered protocol's outcome definitions and visit schedule are not
public, so the scenario here is illustrative: pain VAS on days 0 (baseline),
1-5 (the five daily injections), 8, 15 and 30; a mix of responders and
non-responders whose improvement builds over the injection days and wanes after
the course; a few missed visits; one withdrawal; injection-site reactions among
the adverse events, each coded to its MedDRA system organ class (:data:`AE_SOC`),
the withdrawn patient's reaction flagged as the one that led to the treatment's
withdrawal.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from thera_stats.data import Trial, check_output_folder
from thera_stats.errors import DataValidationError
from thera_stats.plan import AnalysisPlan, plan_toml_text

__all__ = ["THERA_PLAN", "simulate_trial", "write_trial"]

VISIT_DAYS = (0, 1, 2, 3, 4, 5, 8, 15, 30)

# Fraction of a patient's full improvement reached on each day: it builds while
# the injections are given (days 1-5) and wanes once the course is over.
_TIME_PROFILE = {0: 0.0, 1: 0.35, 2: 0.6, 3: 0.8, 4: 0.9, 5: 1.0, 8: 1.0, 15: 0.7, 30: 0.4}

THERA_PLAN: dict[str, Any] = {
    "trial": {
        "name": "THERA",
        "treatment": "anakinra 100 mg subcutaneously once a day for 5 days",
        "registration": "NCT02263638",
        "note": (
            "Illustrative plan for the synthetic THERA data: the registered protocol's outcome "
            "definitions and design parameters are not public."
        ),
    },
    "design": {
        "type": "simon",
        "criterion": "optimal",
        "p0": 0.20,
        "p1": 0.45,
        "alpha": 0.05,
        "power": 0.80,
        "r1": 2,
        "n1": 10,
        "r": 7,
        "n": 22,
    },
    "endpoint": {
        "kind": "score",
        "table": "vas",
        "column": "vas_mm",
        "label": "pain VAS",
        "unit": "mm",
        "range": [0, 100],
        "better": "lower",
        "day": 8,
        "relative_change": 0.50,
        "absolute_change": 20.0,
        "combine": "and",
        "missing": "non-responder",
    },
    "eligibility": {
        "rules": [
            {"column": "age_years", "op": ">=", "value": 18},
            {"column": "hfe_genotype", "op": "==", "value": "C282Y/C282Y"},
            {"column": "baseline", "op": ">", "value": 40},
        ],
    },
    "treatment": {"column": "injections_received", "planned": 5},
    "schedule": {"days": list(VISIT_DAYS), "window": 0},
    "analysis": {
        "population": "treated",
        "baseline_day": 0,
        "data_cutoff": "2017-06-30",
        "confidence_level": 0.90,
        "score_confidence_level": 0.95,
        "auc_days": [0, 5],
    },
}

_AE_TERMS = (
    # term, probability per patient, grade probabilities (1, 2, 3), related
    ("Injection site reaction", 0.45, (0.75, 0.25, 0.0), True),
    ("Headache", 0.15, (0.8, 0.2, 0.0), True),
    ("Nasopharyngitis", 0.10, (0.9, 0.1, 0.0), False),
    ("Neutropenia", 0.06, (0.0, 1.0, 0.0), True),
    ("Arthralgia flare", 0.06, (0.0, 0.0, 1.0), False),
)

#: MedDRA system organ class of each simulated term (the primary SOC of the
#: preferred term; "Arthralgia flare" is classed with the preferred term Arthralgia).
AE_SOC: dict[str, str] = {
    "Injection site reaction": "General disorders and administration site conditions",
    "Headache": "Nervous system disorders",
    "Nasopharyngitis": "Infections and infestations",
    "Neutropenia": "Blood and lymphatic system disorders",
    "Arthralgia flare": "Musculoskeletal and connective tissue disorders",
}


def simulate_trial(
    *,
    seed: int = 2026,
    n_patients: int = 17,
    response_rate: float = 0.40,
    sites: Sequence[str] = ("Rennes", "Paris", "Lille"),
    site_weights: Sequence[float] = (0.45, 0.30, 0.25),
    missed_visit_rate: float = 0.04,
    withdrawals: int | None = None,
    plan: dict[str, Any] | None = None,
) -> Trial:
    """Simulate a THERA-like single-arm trial.

    Parameters
    ----------
    seed : int
        Seed of the random generator: the same seed gives the same trial.
    n_patients : int
        Patients enrolled (THERA stopped at 17).
    response_rate : float
        Probability that a patient is a true responder (a large, lasting pain
        reduction); others improve little.
    sites, site_weights : sequence
        Centres and the share of patients each enrols.
    missed_visit_rate : float
        Probability that a post-baseline visit is missed.
    withdrawals : int, optional
        Patients who withdraw after the third injection (chosen among those
        enrolled after the first ten, so stage 1 stays complete). Default 1, or
        0 in a one-patient trial. A withdrawn patient leaves before the primary
        endpoint day, so at least one patient must stay (``withdrawals <
        n_patients``) unless the plan's endpoint day is on or before day 3.
    plan : dict, optional
        The analysis plan as nested dictionaries; default :data:`THERA_PLAN` with
        the data cut-off at the end of the month two months after the last
        enrolment.

    Returns
    -------
    Trial
        Validated tables and plan (``source`` is ``None``).

    Raises
    ------
    ValueError
        For an argument out of range.
    DataValidationError
        If the simulated tables break the plan's rules (only possible with a
        ``plan`` of one's own); the message says the tables were simulated.

    Notes
    -----
    Every simulated trial can be analysed: at least one patient is assessed on
    the plan's primary endpoint day (default day 8). When the random draw leaves
    no such assessment (every patient who stayed missed that visit, which a
    small trial can draw), the first patient who did not withdraw keeps the
    visit, its value drawn as for any visit. A draw that already has a
    primary-day assessment is left as it is, so every seed that gave a trial
    before this rule gives the same trial.

    Examples
    --------
    >>> from thera_stats import simulate_trial
    >>> trial = simulate_trial(seed=1)
    >>> len(trial.patients), sorted(trial.score["day"].unique().tolist())
    (17, [0, 1, 2, 3, 4, 5, 8, 15, 30])
    """
    if n_patients < 1:
        raise ValueError(f"`n_patients` ({n_patients!r}) must be at least 1.")
    if not 0 <= response_rate <= 1:
        raise ValueError(f"`response_rate` ({response_rate!r}) must lie in [0, 1].")
    if len(sites) != len(site_weights):
        raise ValueError("`sites` and `site_weights` must have the same length.")
    primary_day = _primary_day(plan)
    if withdrawals is None:
        withdrawals = 1 if n_patients > 1 else 0
    withdrawal_day = 3
    # Withdrawn patients have no assessment after their withdrawal day.
    stay = 0 if primary_day is None or primary_day <= withdrawal_day else 1
    if not 0 <= withdrawals <= n_patients - stay:
        why = (f": withdrawn patients leave on day {withdrawal_day}, before the primary "
               f"endpoint day {primary_day}, so at least one of the {n_patients} patient(s) "
               "must stay" if stay else "")
        raise ValueError(f"`withdrawals` ({withdrawals!r}) must lie in "
                         f"[0, {n_patients - stay}]{why}.")
    rng = np.random.default_rng(seed)
    weights = np.asarray(site_weights, dtype=float) / np.sum(site_weights)

    ids = [f"THR-{i:03d}" for i in range(1, n_patients + 1)]
    # Slow recruitment from February 2015: gaps of about two months.
    gaps = rng.gamma(shape=2.0, scale=30.0, size=n_patients).round().astype(int) + 7
    start = pd.Timestamp("2015-02-09")
    dates = [start + pd.Timedelta(days=int(d)) for d in np.cumsum(gaps) - gaps[0]]
    site = rng.choice(np.asarray(sites), size=n_patients, p=weights)
    sex = np.where(rng.random(n_patients) < 0.65, "M", "F")
    age = np.clip(rng.normal(58, 9, n_patients).round(), 25, 85).astype(int)
    baseline = np.clip(rng.normal(66, 10, n_patients).round(), 45, 95).astype(int)
    responder = rng.random(n_patients) < response_rate
    # Full improvement as a fraction of baseline pain.
    full = np.where(
        responder, rng.uniform(0.55, 0.85, n_patients), rng.uniform(-0.05, 0.35, n_patients)
    )

    late = np.arange(min(10, n_patients), n_patients)
    pool = late if len(late) >= withdrawals else np.arange(n_patients)
    withdrawn_idx = set(rng.choice(pool, size=withdrawals, replace=False).tolist())

    vas_rows: list[dict[str, Any]] = []
    for i, pid in enumerate(ids):
        for day in VISIT_DAYS:
            if i in withdrawn_idx and day > withdrawal_day:
                break
            if day > 0 and rng.random() < missed_visit_rate:
                continue
            mean = baseline[i] * (1.0 - full[i] * _TIME_PROFILE[day])
            noise = 0.0 if day == 0 else rng.normal(0.0, 4.0)
            vas_rows.append(
                {"patient_id": pid, "day": day, "vas_mm": int(np.clip(round(mean + noise), 0, 100))}
            )
    if primary_day in VISIT_DAYS and not any(r["day"] == primary_day for r in vas_rows):
        # Nobody was assessed on the primary endpoint day: the first patient who could
        # be keeps that visit (see Notes), so that the trial can be analysed.
        i = next(k for k in range(n_patients)
                 if k not in withdrawn_idx or primary_day <= withdrawal_day)
        mean = baseline[i] * (1.0 - full[i] * _TIME_PROFILE[primary_day])
        noise = rng.normal(0.0, 4.0)
        at = 1 + max(k for k, r in enumerate(vas_rows)
                     if r["patient_id"] == ids[i] and r["day"] < primary_day)
        vas_rows.insert(at, {"patient_id": ids[i], "day": primary_day,
                             "vas_mm": int(np.clip(round(mean + noise), 0, 100))})

    ae_rows: list[dict[str, Any]] = []
    for i, pid in enumerate(ids):
        last_day = withdrawal_day if i in withdrawn_idx else 30
        for term, prob, grades, related in _AE_TERMS:
            forced = i in withdrawn_idx and term == "Injection site reaction"
            if forced or rng.random() < prob:
                grade = 2 if forced else int(rng.choice([1, 2, 3], p=grades))
                day = withdrawal_day if forced else int(rng.integers(1, min(last_day, 8) + 1))
                # The withdrawn patient's injection-site reaction stopped the treatment.
                ae_rows.append(
                    {"patient_id": pid, "day": day, "term": term, "grade": grade,
                     "serious": grade >= 3, "related": related, "soc": AE_SOC[term],
                     "led_to_withdrawal": forced}
                )

    patients = pd.DataFrame(
        {
            "patient_id": ids,
            "site": site,
            "sex": sex,
            "age_years": age,
            "hfe_genotype": "C282Y/C282Y",
            "enrolment_date": [d.strftime("%Y-%m-%d") for d in dates],
            "injections_received": [withdrawal_day if i in withdrawn_idx else 5
                                    for i in range(n_patients)],
            "withdrawn": [i in withdrawn_idx for i in range(n_patients)],
            "withdrawal_day": [withdrawal_day if i in withdrawn_idx else None
                               for i in range(n_patients)],
            "withdrawal_reason": [
                "Adverse event: injection site reaction" if i in withdrawn_idx else ""
                for i in range(n_patients)
            ],
        }
    )
    vas = pd.DataFrame(vas_rows, columns=["patient_id", "day", "vas_mm"])
    aes = pd.DataFrame(ae_rows, columns=["patient_id", "day", "term", "grade", "serious",
                                         "related", "soc", "led_to_withdrawal"])
    aes = aes.sort_values(["patient_id", "day", "term"], kind="stable").reset_index(drop=True)
    if plan is None:
        # The data cut-off: the end of the month two months after the last enrolment
        # (2017-06-30 for the bundled trial), so every simulated trial is complete.
        plan = copy.deepcopy(THERA_PLAN)
        cutoff = (dates[-1] + pd.Timedelta(days=60) + pd.offsets.MonthEnd(0)).strftime("%Y-%m-%d")
        plan["analysis"]["data_cutoff"] = cutoff
    analysis_plan = AnalysisPlan.from_dict(plan)
    try:
        return Trial.from_frames(patients, vas, aes, analysis_plan)
    except DataValidationError as err:
        raise DataValidationError(
            err.problems, context=f"simulated trial (seed {seed}, {n_patients} patient(s); "
            "simulate_trial's tables, not a file)") from None


def _primary_day(plan: dict[str, Any] | None) -> int | None:
    """The primary endpoint day of a score endpoint in a plan given as dictionaries."""
    endpoint = (THERA_PLAN if plan is None else plan).get("endpoint")
    if not isinstance(endpoint, dict) or endpoint.get("kind", "score") != "score":
        return None
    day = endpoint.get("day")
    return day if isinstance(day, int) and not isinstance(day, bool) else None


# --------------------------------------------------------------------------- writing
def _csv_cell(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float | np.floating):
        return f"{float(value):.10g}"
    return str(value)


def _csv_text(frame: pd.DataFrame) -> str:
    def quote(s: str) -> str:
        return f'"{s}"' if any(c in s for c in ',"\n') else s

    lines = [",".join(quote(str(c)) for c in frame.columns)]
    for rec in frame.itertuples(index=False):
        lines.append(",".join(quote(_csv_cell(v)) for v in rec))
    return "\n".join(lines) + "\n"


_HEADER = (
    "# Pre-specified analysis plan. thera_stats reads it with AnalysisPlan.from_toml;\n"
    "# unknown keys are errors. See docs/data.md for every setting.\n\n"
)


def score_table_as_recorded(trial: Trial) -> pd.DataFrame | None:
    """The score table with the recorded assessment days, as the file holds it."""
    s = trial.score
    if s is None:
        return None
    out = s.drop(columns=["day"]).rename(columns={"assessment_day": "day"})
    value = trial.plan.endpoint.column
    first = ["patient_id", "day", value]
    return out[first + [c for c in out.columns if c not in first]]


def write_trial(
    trial: Trial, folder: str | Path, *, overwrite: bool = False, format: str = "csv",
) -> list[Path]:
    """Write a trial's tables and plan in ``folder``: tidy CSV (default) or CDISC ADaM.

    ``format="csv"`` writes ``patients.csv``, the score table, ``adverse_events.csv``
    (when collected) and ``plan.toml``. ``format="adam"`` writes ``adsl.xpt``, the
    BDS dataset and ``adae.xpt`` (SAS transport files, see :mod:`thera_stats.adam`)
    and a ``plan.toml`` with an ``[adam]`` section. The bytes depend only on the
    trial's contents, so the same trial always gives byte-identical files.

    Raises
    ------
    FileExistsError
        If a file would be replaced and ``overwrite`` is false, or if ``folder``
        is the folder the trial was read from.
    ValueError
        For an unknown ``format``.
    """
    if format not in ("csv", "adam"):
        raise ValueError(f"`format` ({format!r}) must be 'csv' or 'adam'.")
    plan = trial.plan
    score = score_table_as_recorded(trial)
    if format == "adam":
        return _write_adam(trial, folder, score, overwrite=overwrite)
    contents: dict[str, str] = {"patients.csv": _csv_text(trial.patients)}
    if score is not None:
        contents[f"{plan.endpoint.table}.csv"] = _csv_text(score)
    if trial.adverse_events is not None:
        contents["adverse_events.csv"] = _csv_text(trial.adverse_events)
    contents["plan.toml"] = _HEADER + plan_toml_text(plan)
    folder = check_output_folder(folder, trial.source, list(contents), overwrite=overwrite)
    targets = [folder / name for name in contents]
    folder.mkdir(parents=True, exist_ok=True)
    for path, text in zip(targets, contents.values(), strict=True):
        path.write_bytes(text.encode("utf-8"))
    return targets


def adam_plan(plan: AnalysisPlan) -> dict[str, Any]:
    """The plan of a trial written as ADaM: the same plan with an ``[adam]`` section.

    :func:`thera_stats.adam.read_adam` maps the ADSL variables it writes back to
    the tidy column names, so the plan's column names stay as they are.
    """
    d = plan.to_dict()
    d["adam"] = {"bds": "adqs", "paramcd": _paramcd(plan), "day": "ADY"}
    return d


def _paramcd(plan: AnalysisPlan) -> str:
    word = "".join(ch for ch in plan.endpoint.column.upper() if ch.isalnum())
    return word[:8] or "SCORE"


def _write_adam(trial: Trial, folder: str | Path, score: pd.DataFrame | None, *,
                overwrite: bool) -> list[Path]:
    from thera_stats.adam import write_adam

    plan = trial.plan
    names = ["adsl.xpt", "adqs.xpt", "adae.xpt", "plan.toml"]
    out = check_output_folder(folder, trial.source, names, overwrite=overwrite)
    out.mkdir(parents=True, exist_ok=True)
    paths = write_adam(
        out, patients=trial.patients, score=score, adverse_events=trial.adverse_events,
        bds="adqs", paramcd=_paramcd(plan), param=plan.endpoint.name,
        value_column=plan.endpoint.column, baseline_day=plan.baseline_day,
        study_id=plan.name, format="xpt",
    )
    toml = out / "plan.toml"
    toml.write_bytes((_HEADER + plan_toml_text(adam_plan(plan))).encode("utf-8"))
    return [*paths, toml]
