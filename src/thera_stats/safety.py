"""Safety tables of a clinical study report: adverse events by patient, organ class and term.

Two tables, counted in the **safety population** (every patient who received at
least one dose of the study treatment; every enrolled patient when the plan has
no ``[treatment]`` section):

- an *overview*: patients n (%) and events with any adverse event, any serious
  one, any related to the treatment, any of CTCAE grade >= 3, any that led to
  the withdrawal of the treatment and any fatal one (grade 5);
- adverse events by MedDRA *system organ class* (SOC) with the *preferred terms*
  (PT) of each class indented beneath it, with the patients by the maximum grade
  of their events in the row (grades 1-2 and >= 3).

A patient is counted once in a row, however many events of the row they had; the
events are counted each time. Percentages are ``100 * n / N`` with ``N`` the size
of the safety population. Nothing is guessed: without a ``soc`` column every term
sits under "SOC not recorded", and without a ``led_to_withdrawal`` column the
overview says "not recorded" for that row. A trial whose adverse events were not
collected (no adverse-event table) gets tables that say so.

:func:`adverse_event_summary` gives the unformatted counts as a tidy DataFrame;
:func:`safety_tables` formats them as :class:`~thera_stats.tables.Table` objects.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd

from thera_stats.formatting import format_n_pct
from thera_stats.tables import Table

if TYPE_CHECKING:
    from thera_stats.data import Trial

__all__ = ["NOT_COLLECTED", "SOC_NOT_RECORDED", "adverse_event_summary", "safety_tables"]

#: The class under which events without a system organ class are listed.
SOC_NOT_RECORDED = "SOC not recorded"
#: What the safety tables say for a trial without an adverse-event table.
NOT_COLLECTED = "Adverse events were not collected."

#: Rows of the overview: category key and label.
_OVERVIEW: tuple[tuple[str, str], ...] = (
    ("any", "Any adverse event"),
    ("serious", "Any serious adverse event"),
    ("related", "Any treatment-related adverse event"),
    ("grade_3_or_higher", "Any adverse event of grade >= 3"),
    ("led_to_withdrawal", "Any adverse event leading to withdrawal of treatment"),
    ("fatal", "Any fatal adverse event (grade 5)"),
)

_COLUMNS: dict[str, str] = {
    "level": "string",
    "category": "string",
    "soc": "string",
    "term": "string",
    "patients": "Int64",
    "events": "Int64",
    "denominator": "Int64",
    "percent": "Float64",
    "patients_max_grade_1_2": "Int64",
    "patients_max_grade_3_or_higher": "Int64",
}
_INDENT = "\u00a0" * 4  # no-break spaces: the indent survives HTML and text alike


# --------------------------------------------------------------------------- population
def _safety_population(trial: Trial) -> tuple[list[str], str]:
    """Patient ids of the safety population and a sentence saying who they are."""
    p = trial.patients
    treat = trial.plan.treatment
    ids = p["patient_id"].astype(str)
    if treat is None:
        return ids.tolist(), (f"Safety population: every enrolled patient (N = {len(p)}); the "
                              "plan has no [treatment] section, so every patient counts as "
                              "treated.")
    treated = (p[treat.column] >= 1).fillna(False).to_numpy(dtype=bool)
    return ids[treated].tolist(), (
        f"Safety population: the {int(treated.sum())} of {len(p)} patients who received at "
        f"least one dose ({treat.column} >= 1).")


# --------------------------------------------------------------------------- counting
class _Event(NamedTuple):
    """One adverse event as counted (``led_to_withdrawal`` None: not recorded)."""

    patient_id: str
    soc: str
    term: str
    grade: int
    serious: bool
    related: bool
    led_to_withdrawal: bool | None


def _counts(events: list[_Event] | None, n: int, *, grades: bool) -> dict[str, Any]:
    """Patients, events and percentage of one row (``events`` None: not recorded)."""
    out: dict[str, Any] = {"patients": pd.NA, "events": pd.NA, "denominator": n,
                           "percent": np.nan, "patients_max_grade_1_2": pd.NA,
                           "patients_max_grade_3_or_higher": pd.NA}
    if events is None:
        return out
    worst: dict[str, int] = {}
    for e in events:
        worst[e.patient_id] = max(e.grade, worst.get(e.patient_id, 0))
    k = len(worst)
    out.update(patients=k, events=len(events), percent=100.0 * k / n if n else np.nan)
    if grades:
        out["patients_max_grade_1_2"] = sum(g <= 2 for g in worst.values())
        out["patients_max_grade_3_or_higher"] = sum(g >= 3 for g in worst.values())
    return out


def _overview_events(events: list[_Event], key: str, *,
                     withdrawal_recorded: bool) -> list[_Event] | None:
    """The events of one overview row; None when the data do not record it."""
    rules: dict[str, Callable[[_Event], bool]] = {
        "any": lambda e: True,
        "serious": lambda e: e.serious,
        "related": lambda e: e.related,
        "grade_3_or_higher": lambda e: e.grade >= 3,
        "fatal": lambda e: e.grade == 5,
        "led_to_withdrawal": lambda e: bool(e.led_to_withdrawal),
    }
    if key == "led_to_withdrawal" and not withdrawal_recorded:
        return None
    return [e for e in events if rules[key](e)]


def _by_frequency(groups: dict[str, list[_Event]]) -> list[str]:
    """Names by decreasing patients, then events, then alphabetically."""
    return sorted(groups, key=lambda name: (-len({e.patient_id for e in groups[name]}),
                                            -len(groups[name]), name))


def _empty_summary() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in _COLUMNS.items()})


def _cells(a: pd.DataFrame, column: str) -> list[Any]:
    """A column as Python values, a missing cell as None."""
    return [None if pd.isna(v) else v for v in a[column].astype(object).tolist()]


def _safety_events(trial: Trial) -> tuple[list[_Event] | None, list[str], str, int]:
    """Adverse events of the safety population, its ids, its sentence, events left out."""
    ids, sentence = _safety_population(trial)
    a = trial.adverse_events
    if a is None:
        return None, ids, sentence, 0
    n_rows = len(a)
    blank = [None] * n_rows
    socs = _cells(a, "soc") if "soc" in a.columns else blank
    led = _cells(a, "led_to_withdrawal") if "led_to_withdrawal" in a.columns else blank
    population = set(ids)
    events = []
    for pid, soc, term, grade, serious, related, flag in zip(
            _cells(a, "patient_id"), socs, _cells(a, "term"), _cells(a, "grade"),
            _cells(a, "serious"), _cells(a, "related"), led, strict=True):
        if str(pid) not in population:
            continue
        soc_text = "" if soc is None else str(soc).strip()
        events.append(_Event(str(pid), soc_text or SOC_NOT_RECORDED,
                             "" if term is None else str(term).strip(),
                             0 if grade is None else int(grade), bool(serious), bool(related),
                             None if flag is None else bool(flag)))
    return events, ids, sentence, n_rows - len(events)


def _group(events: list[_Event], key: Callable[[_Event], str]) -> dict[str, list[_Event]]:
    out: dict[str, list[_Event]] = {}
    for e in events:
        out.setdefault(key(e), []).append(e)
    return out


def adverse_event_summary(trial: Trial) -> pd.DataFrame:
    """Adverse-event counts of the safety population as a tidy table (unformatted).

    Parameters
    ----------
    trial : Trial
        A validated trial (:func:`thera_stats.load_trial`).

    Returns
    -------
    DataFrame
        One row per table row, with the columns

        - ``level``: ``"overview"`` (a row of the overview), ``"total"`` (any
          adverse event, the first row of the SOC/PT table), ``"soc"`` or ``"term"``;
        - ``category``: the overview row (``"any"``, ``"serious"``, ``"related"``,
          ``"grade_3_or_higher"``, ``"led_to_withdrawal"``, ``"fatal"``); ``"any"``
          on the other levels;
        - ``soc``, ``term``: the system organ class and preferred term of the row
          (missing where they do not apply);
        - ``patients`` (patients with at least one event of the row), ``events``,
          ``denominator`` (``N``, the safety population), ``percent``
          (``100 * patients / N``);
        - ``patients_max_grade_1_2``, ``patients_max_grade_3_or_higher``: the
          row's patients by the maximum CTCAE grade of their events in the row
          (missing on overview rows).

        ``patients`` and ``events`` are missing (``<NA>``) on the
        ``led_to_withdrawal`` row when the adverse-event table has no
        ``led_to_withdrawal`` column. Without an adverse-event table (not
        collected) the frame has these columns and no rows.

    Notes
    -----
    SOC rows are ordered by decreasing number of patients, then of events, then
    alphabetically, with "SOC not recorded" last; the terms of a class follow it
    in the same order. Events of patients outside the safety population (no
    dose received) are not counted.

    Examples
    --------
    >>> from thera_stats import load_trial, synthetic_data_path
    >>> from thera_stats.safety import adverse_event_summary
    >>> s = adverse_event_summary(load_trial(synthetic_data_path()))
    >>> overview = s[s["level"] == "overview"]
    >>> dict(zip(overview["category"], overview["patients"].tolist()))
    {'any': 14, 'serious': 1, 'related': 13, 'grade_3_or_higher': 1, 'led_to_withdrawal': 1, 'fatal': 0}
    >>> s.loc[s["level"] == "soc", "soc"].iloc[0], int(s["events"].iloc[0])
    ('General disorders and administration site conditions', 17)
    """
    events, ids, _, _ = _safety_events(trial)
    if events is None:
        return _empty_summary()
    assert trial.adverse_events is not None
    recorded = "led_to_withdrawal" in trial.adverse_events.columns
    n = len(ids)
    records: list[dict[str, Any]] = []
    for key, _label in _OVERVIEW:
        rows = _overview_events(events, key, withdrawal_recorded=recorded)
        records.append({"level": "overview", "category": key, "soc": pd.NA, "term": pd.NA,
                        **_counts(rows, n, grades=False)})
    records.append({"level": "total", "category": "any", "soc": pd.NA, "term": pd.NA,
                    **_counts(events, n, grades=True)})
    socs = _group(events, lambda e: e.soc)
    order = [s for s in _by_frequency(socs) if s != SOC_NOT_RECORDED]
    if SOC_NOT_RECORDED in socs:
        order.append(SOC_NOT_RECORDED)
    for soc in order:
        records.append({"level": "soc", "category": "any", "soc": soc, "term": pd.NA,
                        **_counts(socs[soc], n, grades=True)})
        terms = _group(socs[soc], lambda e: e.term)
        for term in _by_frequency(terms):
            records.append({"level": "term", "category": "any", "soc": soc, "term": term,
                            **_counts(terms[term], n, grades=True)})
    out = pd.DataFrame.from_records(records, columns=list(_COLUMNS))
    return out.astype(_COLUMNS)


# --------------------------------------------------------------------------- tables
def _n_pct(k: Any, n: int) -> str:
    return "not recorded" if pd.isna(k) else format_n_pct(int(k), n)


def _not_collected(title: str, sentence: str) -> Table:
    frame = pd.DataFrame({"Adverse events": [NOT_COLLECTED]})
    return Table(title, frame, notes=("The trial folder has no adverse-event table.", sentence),
                 data=_empty_summary())


def safety_tables(trial: Trial) -> dict[str, Table]:
    """The safety tables of a clinical study report.

    Parameters
    ----------
    trial : Trial
        A validated trial (:func:`thera_stats.load_trial`).

    Returns
    -------
    dict of str to Table
        ``"overview"``: patients n (%) and events with any adverse event, any
        serious, any treatment-related, any of grade >= 3, any leading to
        withdrawal of treatment ("not recorded" without a ``led_to_withdrawal``
        column) and any fatal (grade 5) adverse event. ``"by_soc_pt"``: any
        adverse event, then each system organ class with its preferred terms
        indented beneath it: patients n (%), events, and patients by the
        maximum grade of their events in the row. Both count the safety
        population (said in a footnote); ``Table.data`` holds the unformatted
        counts (the rows of :func:`adverse_event_summary`). Without an
        adverse-event table both say "Adverse events were not collected."

    See Also
    --------
    adverse_event_summary : the counts as a tidy DataFrame.

    Examples
    --------
    >>> from thera_stats import load_trial, synthetic_data_path
    >>> from thera_stats.safety import safety_tables
    >>> tables = safety_tables(load_trial(synthetic_data_path()))
    >>> tables["overview"].frame.iloc[0].tolist()
    ['Any adverse event', '14 (82.4 %)', '17']
    >>> tables["by_soc_pt"].frame.iloc[:3, 0].tolist()
    ['Any adverse event', 'General disorders and administration site conditions', '\xa0\xa0\xa0\xa0Injection site reaction']
    """
    plan = trial.plan
    events, ids, sentence, left_out = _safety_events(trial)
    n = len(ids)
    titles = {
        "overview": f"{plan.name}: overview of adverse events (safety population, N = {n})",
        "by_soc_pt": (f"{plan.name}: adverse events by system organ class and preferred term "
                      f"(safety population, N = {n})"),
    }
    a = trial.adverse_events
    if events is None or a is None:
        return {key: _not_collected(title, sentence) for key, title in titles.items()}
    summary = adverse_event_summary(trial)
    counting = ("Patients are counted once in each row, however many events of the row they "
                "had; events are counted each time. Percentages: of N.")
    common = [sentence, counting]
    if left_out:
        common.append(f"{left_out} adverse event(s) of patients who received no dose are not "
                      "counted.")
    return {"overview": _overview_table(summary, titles["overview"], n, a, common, plan),
            "by_soc_pt": _soc_pt_table(summary, titles["by_soc_pt"], n, a, events, common)}


def _overview_table(summary: pd.DataFrame, title: str, n: int, a: pd.DataFrame,
                    common: list[str], plan: Any) -> Table:
    rows = summary[summary["level"] == "overview"].reset_index(drop=True)
    labels = dict(_OVERVIEW)
    frame = pd.DataFrame({
        "Adverse events": [labels[str(c)] for c in rows["category"]],
        "Patients, n (%)": [_n_pct(k, n) for k in rows["patients"]],
        "Events": ["not recorded" if pd.isna(e) else str(int(e)) for e in rows["events"]],
    })
    notes = [*common,
             f"Grades: CTCAE (grade 5: death). Treatment-related: judged related to "
             f"{plan.trial.treatment}."]
    if "led_to_withdrawal" in a.columns:
        notes.append("Leading to withdrawal of treatment: the study treatment was stopped for "
                     "good because of the event.")
    else:
        notes.append("Whether an adverse event led to withdrawal of treatment was not recorded "
                     "(the adverse-event table has no led_to_withdrawal column).")
    return Table(title, frame, notes=tuple(notes), data=rows)


def _soc_pt_table(summary: pd.DataFrame, title: str, n: int, a: pd.DataFrame,
                  events: list[_Event], common: list[str]) -> Table:
    rows = summary[summary["level"] != "overview"].reset_index(drop=True)
    labels = []
    for level, soc, term in zip(rows["level"], rows["soc"], rows["term"], strict=True):
        labels.append("Any adverse event" if level == "total" else
                      str(soc) if level == "soc" else _INDENT + str(term))
    frame = pd.DataFrame({
        "System organ class / Preferred term": labels,
        "Patients, n (%)": [_n_pct(k, n) for k in rows["patients"]],
        "Events": [str(int(e)) for e in rows["events"]],
        "Max. grade 1-2, n (%)": [_n_pct(k, n) for k in rows["patients_max_grade_1_2"]],
        "Max. grade >= 3, n (%)": [_n_pct(k, n) for k in rows["patients_max_grade_3_or_higher"]],
    })
    notes = [*common,
             "System organ classes are ordered by decreasing number of patients, then of "
             "events, then alphabetically; the preferred terms of each class are indented "
             "beneath it in the same order. A patient with events in several terms of a class "
             "counts once in the class row.",
             "Max. grade: each patient once, under the highest CTCAE grade of their events in "
             "the row."]
    if not events:
        notes.append("No adverse event was reported.")
    if "soc" not in a.columns:
        notes.append(f"The adverse-event table records no system organ class (no soc column): "
                     f"every term is listed under \"{SOC_NOT_RECORDED}\"; no MedDRA coding is "
                     "guessed.")
    elif any(e.soc == SOC_NOT_RECORDED for e in events):
        k = sum(e.soc == SOC_NOT_RECORDED for e in events)
        notes.append(f"{k} event(s) without a system organ class are listed under "
                     f"\"{SOC_NOT_RECORDED}\".")
    return Table(title, frame, notes=tuple(notes), data=rows)
