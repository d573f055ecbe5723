"""Where an ongoing trial stands: the rule's decision so far and the chances ahead.

:func:`monitor` reads a trial as it was known on a date (``as_of``): patients
enrolled by then, assessments made by then (enrolment date + assessment day),
withdrawals that had happened. A patient whose endpoint day has not yet come is
**pending** and not counted; one whose endpoint day has passed without the
assessment counts as the plan's ``missing`` rule says, as in the analysis.
The evaluable patients, in enrolment order, give the responses at each look the
design has passed, and the design's rule gives its decision (the planned look
sizes: the rule is applied as planned, never re-derived). For the trial as it
stands it then reports the posterior probability that the response rate exceeds
p0, the predictive power (the posterior-predictive probability that the rule
ends in "go"), the conditional power under p0, p1 and the current estimate
(:mod:`thera_stats.conditional_power`), and the bounds at the looks ahead.

The prior defaults to the plan's (``[design] prior``, for a Bayesian design),
else Jeffreys' Beta(0.5, 0.5), the prior of the analysis's posterior summary.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import html
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from thera_stats.bayesian import BetaPrior, as_beta_prior, posterior_probability
from thera_stats.conditional_power import conditional_power, predictive_power
from thera_stats.data import Trial
from thera_stats.decision import primary_endpoint
from thera_stats.formatting import format_estimate, typeset
from thera_stats.multistage import MultiStageDecision, MultiStageDesign

__all__ = ["TrialStatus", "monitor", "trial_as_of"]

JEFFREYS = (0.5, 0.5)


def trial_as_of(trial: Trial, as_of: _dt.date) -> Trial:
    """The trial as it was known on ``as_of`` (a new object; the trial is not modified).

    Keeps the patients enrolled on or before ``as_of``, the assessments and
    adverse events dated on or before it (enrolment date + day), and clears a
    withdrawal that had not yet happened.
    """
    if not isinstance(as_of, _dt.date):
        raise TypeError(f"`as_of` ({as_of!r}) must be a date.")
    day0 = pd.Timestamp(as_of)
    p = trial.patients.copy()
    enrolled = pd.to_datetime(p["enrolment_date"])
    p = p[enrolled <= day0].reset_index(drop=True)
    start = pd.to_datetime(p.set_index("patient_id")["enrolment_date"])

    def known(table: pd.DataFrame | None, day_col: str) -> pd.DataFrame | None:
        if table is None:
            return None
        t = table[table["patient_id"].isin(start.index)]
        if t.empty:
            return t.reset_index(drop=True)
        when = t["patient_id"].map(start) + pd.to_timedelta(t[day_col], unit="D")
        return t[(when <= day0).to_numpy()].reset_index(drop=True)

    if "withdrawn" in p.columns and "withdrawal_day" in p.columns:
        when = (pd.to_datetime(p["enrolment_date"])
                + pd.to_timedelta(p["withdrawal_day"], unit="D"))
        later = (p["withdrawn"].fillna(False).astype(bool) & (when > day0)).to_numpy()
        p.loc[later, "withdrawn"] = False
        p.loc[later, "withdrawal_day"] = np.nan
        if "withdrawal_reason" in p.columns:
            p.loc[later, "withdrawal_reason"] = None
    score = None
    if trial.score is not None:
        day_col = "assessment_day" if "assessment_day" in trial.score.columns else "day"
        score = known(trial.score, day_col)
    ae = known(trial.adverse_events, "day") if trial.adverse_events is not None else None
    dev = trial.deviations
    if "patient_id" in dev.columns:
        dev = dev[dev["patient_id"].isna() | dev["patient_id"].isin(start.index)]
    return dataclasses.replace(trial, patients=p, score=score, adverse_events=ae,
                               deviations=dev.reset_index(drop=True))


@dataclass(frozen=True)
class TrialStatus:
    """Where a trial stands on a date (result of :func:`monitor`).

    Attributes
    ----------
    trial_name : str
    as_of : datetime.date
        The date the data are read as of.
    design : MultiStageDesign
        The planned design.
    enrolled, evaluable, pending : int
        Patients enrolled by ``as_of``; with the endpoint (or counted by the
        missing rule); whose endpoint day has not yet come.
    responses : int
        Responses among the evaluable patients.
    look_counts : tuple of int
        Cumulative responses at each look passed (planned sizes).
    decision : MultiStageDecision or None
        The rule's decision at the last look passed (``None`` before the first).
    prior : BetaPrior
    posterior_probability, predictive_power : float
        P(p > p0 | data) and P(the rule ends "go" | data), averaged over the
        posterior.
    conditional_power : DataFrame
        ``scenario, p, probability``: P(the rule ends "go") under p0, p1 and the
        current estimate.
    looks_ahead : DataFrame
        One row per look still to come: ``look, n, patients_to_go, futility,
        efficacy, stop_for_futility_if_at_most, stop_for_efficacy_if_at_least``
        (further responses among the patients to go; NaN: no such stop).
    """

    trial_name: str
    as_of: _dt.date
    design: MultiStageDesign
    enrolled: int
    evaluable: int
    pending: int
    responses: int
    look_counts: tuple[int, ...]
    decision: MultiStageDecision | None
    prior: BetaPrior
    posterior_probability: float
    predictive_power: float
    conditional_power: pd.DataFrame
    looks_ahead: pd.DataFrame

    @property
    def stopped(self) -> bool:
        """True when the rule has ended the trial (a stop, or the last look reached)."""
        return self.decision is not None and self.decision.action != "continue"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values."""
        d = self.design
        return {
            "trial": self.trial_name, "as_of": self.as_of.isoformat(),
            "design": {"p0": d.p0, "p1": d.p1, "sizes": list(d.sizes),
                       "futility": list(d.futility),
                       "efficacy": [e if e < n else None
                                    for e, n in zip(d.efficacy, d.sizes, strict=False)]},
            "enrolled": self.enrolled, "evaluable": self.evaluable, "pending": self.pending,
            "responses": self.responses, "look_counts": list(self.look_counts),
            "decision": None if self.decision is None else {
                "action": self.decision.action, "look": self.decision.look,
                "explanation": self.decision.explanation},
            "prior": {"a": self.prior.a, "b": self.prior.b},
            "posterior_probability": self.posterior_probability,
            "predictive_power": self.predictive_power,
            "conditional_power": self.conditional_power.to_dict("records"),
            "looks_ahead": json.loads(self.looks_ahead.to_json(orient="records")),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def __str__(self) -> str:
        d = self.design
        lines = [
            f"{self.trial_name}: where the trial stands on {self.as_of.isoformat()}",
            f"Design: looks at {', '.join(map(str, d.sizes))} patients; "
            f"p0 = {d.p0:g}, p1 = {d.p1:g}",
            f"Patients: {self.enrolled} enrolled, {self.evaluable} evaluable, "
            f"{self.pending} pending (endpoint day not yet reached)",
            f"Responses: {self.responses} of {self.evaluable}",
            "Rule: " + ("no look passed yet" if self.decision is None
                        else self.decision.explanation),
            f"Posterior P(p > p0 = {d.p0:g}) = {_prob(self.posterior_probability)} "
            f"(prior Beta({self.prior.a:g}, {self.prior.b:g}))",
        ]
        if not self.stopped:
            lines.append(f'Predictive power (P(final "go") averaged over the posterior) = '
                         f"{_prob(self.predictive_power)}")
            for row in self.conditional_power.itertuples():
                lines.append(f"Conditional power {row.scenario} (p = {_prob(row.p)}) = "
                             f"{_prob(row.probability)}")
            for r in self.looks_ahead.itertuples():
                word = "final analysis" if r.look == d.n_looks else f"look {r.look}"
                lines.append(f"Ahead, {word} at {r.n} patients ({r.patients_to_go} to go): "
                             + _ahead_text(d, int(r.look), self.responses,
                                           int(r.patients_to_go)))
        return typeset("\n".join(lines))

    def _repr_html_(self) -> str:
        return "<pre>" + html.escape(str(self), quote=False) + "</pre>"


def monitor(trial: Trial, *, as_of: _dt.date | None = None, prior: Any = None) -> TrialStatus:
    """Where the trial stands on ``as_of``: the rule's decision and the chances ahead.

    Parameters
    ----------
    trial : Trial
        A validated trial (:func:`thera_stats.load_trial`).
    as_of : datetime.date, optional
        The date to read the data as of (default: the plan's ``data_cutoff``,
        else today).
    prior : (a, b), optional
        Beta prior of the response rate (default: the plan's ``[design] prior``,
        else Jeffreys, (0.5, 0.5)).

    Returns
    -------
    TrialStatus

    Examples
    --------
    >>> import datetime
    >>> from thera_stats import load_trial, synthetic_data_path
    >>> from thera_stats.monitor import monitor
    >>> status = monitor(load_trial(synthetic_data_path()), as_of=datetime.date(2016, 9, 1))
    >>> status.evaluable, status.responses, status.look_counts, status.decision.action
    (11, 5, (4,), 'continue')
    >>> round(status.predictive_power, 3)
    0.869
    """
    plan = trial.plan
    day = as_of or plan.data_cutoff or _dt.date.today()
    known = trial_as_of(trial, day)
    design = plan.design.to_multistage()
    if prior is None:
        prior = plan.design.prior if plan.design.prior is not None else JEFFREYS
    beta = as_beta_prior(prior)
    pop = known.population()
    if pop.empty:
        endpoint = pd.DataFrame({"patient_id": [], "order": [], "responder": []})
    else:
        endpoint = primary_endpoint(known, pop)
    ep_day = plan.endpoint.day
    if ep_day is not None and len(endpoint):
        start = pd.to_datetime(known.patients.set_index("patient_id")["enrolment_date"])
        due = endpoint["patient_id"].map(start) + pd.to_timedelta(ep_day, unit="D")
        is_pending = (due > pd.Timestamp(day)).to_numpy()
    else:
        is_pending = np.zeros(len(endpoint), dtype=bool)
    evaluable = endpoint[~is_pending].sort_values("order")
    flags = evaluable["responder"].to_numpy(dtype=bool)
    n, x = len(flags), int(flags.sum())
    if n > design.n_max:
        flags = flags[: design.n_max]
        n, x = design.n_max, int(flags.sum())
    counts = tuple(int(flags[:nk].sum()) for nk in design.sizes if nk <= n)
    decision = _decide(design, counts)
    stopped = decision is not None and decision.action != "continue"
    # After a stop the trial's chances are settled; beyond it CP is not defined.
    look_n = design.sizes[len(counts) - 1] if counts else 0
    cp_n, cp_x = (look_n, counts[-1]) if stopped and counts else (n, x)
    estimate = x / n if n else design.p0
    rows = [("under p0", design.p0), ("under p1", design.p1)]
    if n:  # no estimate before the first evaluable patient
        rows.append(("under the current estimate", estimate))
    cp = pd.DataFrame([{"scenario": s, "p": float(p),
                        "probability": float(conditional_power(design, cp_x, cp_n, p))}
                       for s, p in rows])
    ahead = []
    for k, nk in enumerate(design.sizes):
        if nk <= n or stopped:
            continue
        last = k == design.n_looks - 1
        fut = design.futility[k] - x
        eff = (design.final_go if last else design.efficacy[k]) - x + 1
        ahead.append({
            "look": k + 1, "n": nk, "patients_to_go": nk - n,
            "futility": design.futility[k],
            "efficacy": float("nan") if not last and design.efficacy[k] >= nk
            else (design.final_go if last else design.efficacy[k]),
            "stop_for_futility_if_at_most": fut if fut >= 0 else float("nan"),
            "stop_for_efficacy_if_at_least": (float("nan") if last or design.efficacy[k] >= nk
                                              or eff > nk - n else max(eff, 0)),
        })
    cols = ["look", "n", "patients_to_go", "futility", "efficacy",
            "stop_for_futility_if_at_most", "stop_for_efficacy_if_at_least"]
    return TrialStatus(
        trial_name=plan.trial.name, as_of=day, design=design, enrolled=len(known.patients),
        evaluable=n, pending=int(is_pending.sum()), responses=x, look_counts=counts,
        decision=decision, prior=beta,
        posterior_probability=float(posterior_probability(x, n, design.p0, prior=beta)),
        predictive_power=(float(decision.go) if stopped and decision is not None
                          else predictive_power(design, x, n, prior=beta)),
        conditional_power=cp, looks_ahead=pd.DataFrame(ahead, columns=cols))


def _prob(p: float) -> str:
    """A probability or rate, in the package's style (3 decimals)."""
    return format_estimate(p, "proportion")


def _more(k: int) -> str:
    return f"{k} more response" + ("" if k == 1 else "s")


def _responses(k: int) -> str:
    return f"{k} response" + ("" if k == 1 else "s")


def _ahead_text(design: MultiStageDesign, look: int, x: int, to_go: int) -> str:
    """What a look still to come decides, given ``x`` responses now and ``to_go`` patients
    before it: the further responses that stop the trial there, or that the outcome is
    already certain (or no longer possible) whatever those patients show.

    Worked from the design's integer bounds (never from the NaN-coded columns of
    ``looks_ahead``), so every case has a sentence: a bound already passed, a stop
    already certain, a stop no longer reachable.
    """
    k = look - 1
    fut = design.futility[k]
    if look == design.n_looks:
        go = design.final_go
        need = go - x + 1
        if need <= 0:
            text = (f'the final "go" is already reached: {_responses(x)}, more than the '
                    f"final boundary {go}, whatever the {to_go} patients to go show")
        elif need > to_go:
            text = (f'"go" is no longer possible: it needs more than {go} responses, '
                    f"at least {_more(need)}, and only {to_go} patients are to go")
        else:
            text = f'"go" needs at least {_more(need)}'
        if design.three_outcome and need > 0:
            nogo = fut - x
            text += ('; "no go" is no longer possible (already more than '
                     f"{fut} responses)" if nogo < 0 else
                     f'; "no go" if at most {_more(nogo)}')
        return text
    if fut < 0:
        text = "no futility stop"
    elif x > fut:
        text = f"no futility stop possible (already more than {fut} responses)"
    elif fut - x >= to_go:
        text = (f"a stop for futility is certain: even {_more(to_go)} "
                f"{'leaves' if to_go == 1 else 'leave'} at most the futility bound {fut}")
    else:
        text = f"stop for futility if at most {_more(fut - x)}"
    eff = design.efficacy[k]
    if eff >= design.sizes[k]:
        return text        # no efficacy stop at this look
    need = eff - x + 1
    if need <= 0:
        return text + (f"; a stop for efficacy is certain (already more than {eff} "
                       "responses)")
    if need > to_go:
        return text + (f"; no stop for efficacy possible (it needs at least {_more(need)}, "
                       f"only {to_go} patients are to go)")
    return text + f"; stop for efficacy if at least {_more(need)}"


def _decide(design: MultiStageDesign, counts: tuple[int, ...]) -> MultiStageDecision | None:
    """The rule at the looks passed, stopping at the first look that ends the trial."""
    if not counts:
        return None
    for k in range(1, len(counts) + 1):
        dec = design.decide(list(counts[:k]))
        if dec.action != "continue":
            return dec
    return dec
