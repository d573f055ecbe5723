"""A new trial folder: a commented template plan and empty tables (``thera-stats init``).

The template plan is a complete, valid plan for a made-up trial, with every
key explained, so a user edits values rather than writing TOML from scratch.
The tables hold only their header lines; ``thera-stats validate`` says what is
missing until they are filled in. ``docs/own_trial.md`` walks through it.
"""

from __future__ import annotations

from pathlib import Path

from thera_stats.data import check_output_folder

__all__ = ["plan_template", "write_template"]

_HEAD = '''# Analysis plan of a single-arm phase II trial (thera_stats). Fix it before the data are seen.
# Every key is documented in docs/data.md; unknown keys are errors, so a typo cannot pass silently.
# Check it with:  thera-stats validate THIS_FOLDER

[trial]
name = "MY-TRIAL"                          # used in every title, memo and table caption
treatment = "study drug 10 mg orally once daily for 14 days"
# registration = "NCT00000000"             # optional: the registry number
# note = "Illustrative plan"               # optional: printed under the title

[design]
type = "simon"                             # "simon" (two-stage) or "single-stage"
criterion = "optimal"                      # optimal | minimax | admissible | custom
p0 = 0.20                                  # response rate not worth pursuing
p1 = 0.40                                  # response rate worth a phase III
alpha = 0.05                               # one-sided type I error, in (0, 0.5)
power = 0.80                               # in (alpha, 1)
# Boundaries: stop after n1 patients if at most r1 respond; "go" if more than r of n respond.
# Find them with:  thera-stats design --p0 0.2 --p1 0.4 --alpha 0.05 --power 0.8
# (they are checked: an exact type I error above alpha or power below power is an error)
r1 = 3
n1 = 13
r = 12
n = 43
'''

_SCORE = '''
[endpoint]
kind = "score"                             # a score measured on a schedule
table = "score"                            # file stem of the long table: score.csv
column = "pain_nrs"                        # its value column (patient_id, day, pain_nrs)
label = "pain NRS"                         # words for the reports
unit = "points"                            # "" for none
range = [0, 10]                            # values outside are errors
better = "lower"                           # improvement = baseline - value ("higher": value - baseline)
day = 14                                   # the endpoint's scheduled day
relative_change = 0.30                     # improvement >= 30 % of baseline (optional)
absolute_change = 2                        # improvement >= 2 points (optional; give one or both)
combine = "and"                            # both criteria ("and") or either ("or")
missing = "non-responder"                  # or "exclude"

[eligibility]                              # breaches are protocol deviations, listed, never dropped
rules = [
  { column = "age_years", op = ">=", value = 18 },
  { column = "baseline", op = ">=", value = 4 },     # "baseline": the endpoint's baseline value
]

[treatment]
column = "doses_received"                  # a column of patients.csv
planned = 14                               # per protocol = all planned doses received

[schedule]
days = [0, 7, 14, 28]                      # scheduled assessment days (0 = baseline)
window = 2                                 # +/- days; or a list, one per day: [0, 2, 2, 3]

[analysis]
population = "treated"                     # "enrolled" | "treated" | "per-protocol"
baseline_day = 0
# data_cutoff = 2025-06-30                 # enrolment after it is an error (default: today)
confidence_level = 0.90                    # response-rate intervals
score_confidence_level = 0.95              # score intervals (t, Hodges-Lehmann, MMRM)
# mmrm_covariance = "unstructured"         # or "toeplitz", "ar1", "compound-symmetry", ...
# mmrm_df = "kenward-roger"                # MMRM df: "satterthwaite" (default) or "kenward-roger"
'''

_BINARY = '''
[endpoint]
kind = "binary"                            # the response is recorded directly
column = "response"                        # a true/false column of patients.csv (blank = missing)
missing = "non-responder"                  # or "exclude"

[eligibility]                              # breaches are protocol deviations, listed, never dropped
rules = [
  { column = "age_years", op = ">=", value = 18 },
]

[treatment]
column = "doses_received"                  # a column of patients.csv
planned = 14                               # per protocol = all planned doses received

[analysis]
population = "treated"                     # "enrolled" | "treated" | "per-protocol"
# data_cutoff = 2025-06-30                 # enrolment after it is an error (default: today)
confidence_level = 0.90                    # response-rate intervals
'''

_PATIENTS = ("patient_id,site,sex,age_years,enrolment_date,doses_received,withdrawn,"
             "withdrawal_day,withdrawal_reason")


def plan_template(endpoint: str = "score") -> str:
    """The commented template ``plan.toml`` for a score or a binary endpoint."""
    if endpoint not in ("score", "binary"):
        raise ValueError(f"`endpoint` ({endpoint!r}) must be 'score' or 'binary'.")
    return _HEAD + (_SCORE if endpoint == "score" else _BINARY)


def write_template(folder: str | Path, *, endpoint: str = "score",
                   overwrite: bool = False) -> list[Path]:
    """Write ``plan.toml`` and header-only tables for a new trial into ``folder``.

    Raises
    ------
    FileExistsError
        If a file would be replaced and ``overwrite`` is false.
    """
    files = {"plan.toml": plan_template(endpoint)}
    if endpoint == "score":
        files["patients.csv"] = _PATIENTS + "\n"
        files["score.csv"] = "patient_id,day,pain_nrs\n"
    else:
        files["patients.csv"] = _PATIENTS + ",response\n"
    files["adverse_events.csv"] = "patient_id,day,term,soc,grade,serious,related,led_to_withdrawal\n"
    out = check_output_folder(folder, None, list(files), overwrite=overwrite)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in files.items():
        path = out / name
        path.write_bytes(text.encode("utf-8"))
        paths.append(path)
    return paths
