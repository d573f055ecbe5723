"""The pre-specified statistical analysis plan, read from ``plan.toml``.

The plan fixes, before the data are seen, the design and its decision rule,
the primary endpoint (how a responder is defined), the analysis population,
the baseline day and the confidence level. Unknown keys are errors, never
ignored, so a misspelt setting cannot silently fall back to a default.

A complete plan::

    [trial]
    name = "THERA"
    registration = "NCT02263638"          # optional
    note = "..."                          # optional

    [design]
    type = "simon"                        # "simon" or "single-stage"
    criterion = "optimal"                 # optimal | minimax | admissible | custom
    p0 = 0.20                             # uninteresting response rate
    p1 = 0.45                             # target response rate
    alpha = 0.05                          # one-sided type I error
    power = 0.80
    r1 = 2                                # stop after n1 if responses <= r1
    n1 = 10
    r = 7                                 # "go" if total responses > r
    n = 22

    [primary_endpoint]
    day = 8                               # the assessment day of the endpoint
    relative_reduction = 0.50             # >= 50 % reduction from baseline (optional)
    absolute_reduction_mm = 20            # >= 20 mm reduction (optional)
    combine = "and"                       # both criteria ("and") or either ("or")
    missing = "non-responder"             # or "exclude"

    [analysis]
    population = "treated"                # "enrolled" | "treated" | "per-protocol"
    baseline_day = 0
    confidence_level = 0.90               # response-rate intervals (two-sided 90 % <-> one-sided 5 %)
    vas_confidence_level = 0.95           # pain-VAS intervals (t, Hodges-Lehmann, MMRM)
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from thera_stats.errors import DataValidationError

if TYPE_CHECKING:
    from thera_stats.simon import SimonDesign

__all__ = ["AnalysisPlan", "DesignPlan", "EndpointPlan"]

DESIGN_TYPES = ("simon", "single-stage")
CRITERIA = ("optimal", "minimax", "admissible", "custom")
POPULATIONS = ("enrolled", "treated", "per-protocol")
COMBINE = ("and", "or")
MISSING = ("non-responder", "exclude")


@dataclass(frozen=True, slots=True)
class DesignPlan:
    """The planned design: error rates and the planned decision boundaries.

    For a single-stage design, ``r1`` and ``n1`` are ``None`` and the trial
    concludes "go" when more than ``r`` of ``n`` respond.
    """

    type: str
    criterion: str
    p0: float
    p1: float
    alpha: float
    power: float
    r: int
    n: int
    r1: int | None = None
    n1: int | None = None

    def to_simon(self) -> SimonDesign:
        """The planned boundaries as a :class:`~thera_stats.simon.SimonDesign`."""
        from thera_stats.simon import SimonDesign

        if self.type != "simon" or self.r1 is None or self.n1 is None:
            raise ValueError(f"the planned design is {self.type!r}, not a Simon two-stage design")
        return SimonDesign(
            p0=self.p0, p1=self.p1, alpha=self.alpha, power=self.power,
            r1=self.r1, n1=self.n1, r=self.r, n=self.n, criterion=self.criterion,
        )


@dataclass(frozen=True, slots=True)
class EndpointPlan:
    """The primary endpoint: who counts as a responder on which day.

    A patient responds when pain VAS at ``day`` is reduced from baseline by at
    least ``relative_reduction`` (a fraction) and/or at least
    ``absolute_reduction_mm``, as ``combine`` says. Boundaries count as response.
    """

    day: int
    relative_reduction: float | None
    absolute_reduction_mm: float | None
    combine: str = "and"
    missing: str = "non-responder"

    def describe(self) -> str:
        parts = []
        if self.relative_reduction is not None:
            parts.append(f"at least {100 * self.relative_reduction:g} %")
        if self.absolute_reduction_mm is not None:
            parts.append(f"at least {self.absolute_reduction_mm:g} mm")
        crit = f" {self.combine} ".join(parts)
        miss = (
            "a missing assessment counts as non-response"
            if self.missing == "non-responder"
            else "patients without the assessment are excluded"
        )
        return f"pain VAS reduced from baseline by {crit} on day {self.day}; {miss}"


@dataclass(frozen=True, slots=True)
class AnalysisPlan:
    """A validated analysis plan (see the module docstring for the file format).

    Examples
    --------
    >>> from thera_stats import AnalysisPlan, synthetic_data_path
    >>> plan = AnalysisPlan.from_toml(synthetic_data_path() / "plan.toml")
    >>> plan.design.r1, plan.design.n1, plan.design.r, plan.design.n
    (2, 10, 7, 22)
    >>> plan.endpoint.describe()
    'pain VAS reduced from baseline by at least 50 % and at least 20 mm on day 8; a missing assessment counts as non-response'
    """

    name: str
    design: DesignPlan
    endpoint: EndpointPlan
    population: str = "treated"
    baseline_day: int = 0
    confidence_level: float = 0.90
    vas_confidence_level: float = 0.95
    registration: str = ""
    note: str = ""

    @classmethod
    def from_toml(cls, path: str | Path) -> AnalysisPlan:
        """Read and validate a ``plan.toml`` file.

        Raises
        ------
        DataValidationError
            Listing every problem (unknown or missing keys, wrong types, values
            out of range, inconsistent boundaries) with its ``section.key``.
        """
        path = Path(path)
        try:
            with path.open("rb") as fh:
                raw = tomllib.load(fh)
        except tomllib.TOMLDecodeError as err:
            raise DataValidationError(
                [{"table": "plan", "rule": f"{path.name} is not valid TOML: {err}"}],
                context=f"analysis plan {path}",
            ) from None
        return cls.from_dict(raw, context=f"analysis plan {path}")

    @classmethod
    def from_dict(cls, raw: dict[str, Any], *, context: str = "analysis plan") -> AnalysisPlan:
        """Validate a plan given as nested dictionaries (the parsed TOML)."""
        checker = _PlanChecker(raw)
        plan = checker.build()
        if checker.problems:
            raise DataValidationError(checker.problems, context=context)
        assert plan is not None
        return plan

    def to_dict(self) -> dict[str, Any]:
        """The plan as nested dictionaries in the file's layout (for provenance)."""
        order = ("type", "criterion", "p0", "p1", "alpha", "power", "r1", "n1", "r", "n")
        fields = asdict(self.design)
        design = {k: fields[k] for k in order if fields[k] is not None}
        endpoint = {k: v for k, v in asdict(self.endpoint).items() if v is not None}
        trial = {"name": self.name}
        if self.registration:
            trial["registration"] = self.registration
        if self.note:
            trial["note"] = self.note
        return {
            "trial": trial,
            "design": design,
            "primary_endpoint": endpoint,
            "analysis": {
                "population": self.population,
                "baseline_day": self.baseline_day,
                "confidence_level": self.confidence_level,
                "vas_confidence_level": self.vas_confidence_level,
            },
        }


# Schema: section -> key -> (kind, required). Kinds: str, prob, int, number, choice tuple.
_SCHEMA: dict[str, dict[str, tuple[Any, bool]]] = {
    "trial": {"name": (str, True), "registration": (str, False), "note": (str, False)},
    "design": {
        "type": (DESIGN_TYPES, True),
        "criterion": (CRITERIA, False),
        "p0": ("prob", True),
        "p1": ("prob", True),
        "alpha": ("prob", True),
        "power": ("prob", True),
        "r1": (int, False),
        "n1": (int, False),
        "r": (int, True),
        "n": (int, True),
    },
    "primary_endpoint": {
        "day": (int, True),
        "relative_reduction": ("prob", False),
        "absolute_reduction_mm": ("number", False),
        "combine": (COMBINE, False),
        "missing": (MISSING, False),
    },
    "analysis": {
        "population": (POPULATIONS, False),
        "baseline_day": (int, False),
        "confidence_level": ("prob", False),
        "vas_confidence_level": ("prob", False),
    },
}


class _PlanChecker:
    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.problems: list[dict[str, Any]] = []

    def add(self, key: str, value: Any, rule: str) -> None:
        self.problems.append(
            {"table": "plan", "column": key, "value": None if value is None else str(value),
             "rule": rule}
        )

    def section(self, name: str) -> dict[str, Any]:
        sec = self.raw.get(name)
        if sec is None:
            self.add(f"[{name}]", None, "required section is missing")
            return {}
        if not isinstance(sec, dict):
            self.add(f"[{name}]", sec, "must be a table of settings")
            return {}
        out: dict[str, Any] = {}
        for key, (kind, required) in _SCHEMA[name].items():
            full = f"{name}.{key}"
            if key not in sec:
                if required:
                    self.add(full, None, "required key is missing")
                continue
            value = sec[key]
            if isinstance(kind, tuple):
                if value not in kind:
                    self.add(full, value, f"must be one of {', '.join(map(repr, kind))}")
                    continue
            elif kind is str:
                if not isinstance(value, str):
                    self.add(full, value, "must be text")
                    continue
            elif kind is int:
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    self.add(full, value, "must be a whole number >= 0")
                    continue
            elif kind == "prob":
                if isinstance(value, bool) or not isinstance(value, int | float) or not (
                    0 < value < 1
                ):
                    self.add(full, value, "must be a number strictly between 0 and 1")
                    continue
                value = float(value)
            elif kind == "number":
                if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                    self.add(full, value, "must be a positive number")
                    continue
                value = float(value)
            out[key] = value
        for key in sec:
            if key not in _SCHEMA[name]:
                self.add(f"{name}.{key}", sec[key], "unknown key (check the spelling)")
        return out

    def build(self) -> AnalysisPlan | None:
        for key in self.raw:
            if key not in _SCHEMA:
                self.add(f"[{key}]", None, "unknown section (check the spelling)")
        trial = self.section("trial")
        design = self.section("design")
        endpoint = self.section("primary_endpoint")
        analysis = self.section("analysis")
        self._check_design(design)
        self._check_endpoint(endpoint, analysis)
        if self.problems:
            return None
        return AnalysisPlan(
            name=trial["name"],
            registration=trial.get("registration", ""),
            note=trial.get("note", ""),
            design=DesignPlan(criterion=design.get("criterion", "custom"), **{
                k: v for k, v in design.items() if k != "criterion"
            }),
            endpoint=EndpointPlan(
                day=endpoint["day"],
                relative_reduction=endpoint.get("relative_reduction"),
                absolute_reduction_mm=endpoint.get("absolute_reduction_mm"),
                combine=endpoint.get("combine", "and"),
                missing=endpoint.get("missing", "non-responder"),
            ),
            population=analysis.get("population", "treated"),
            baseline_day=analysis.get("baseline_day", 0),
            confidence_level=analysis.get("confidence_level", 0.90),
            vas_confidence_level=analysis.get("vas_confidence_level", 0.95),
        )

    def _check_design(self, d: dict[str, Any]) -> None:
        if {"p0", "p1"} <= d.keys() and d["p1"] <= d["p0"]:
            self.add("design.p1", d["p1"], f"must be greater than design.p0 ({d['p0']!r})")
        if d.get("type") == "simon":
            for key in ("r1", "n1"):
                if key not in d:
                    self.add(f"design.{key}", None, "required for a Simon two-stage design")
            if {"r1", "n1", "r", "n"} <= d.keys():
                r1, n1, r, n = d["r1"], d["n1"], d["r"], d["n"]
                if not (r1 < n1 < n):
                    self.add("design.n1", n1, f"need r1 < n1 < n (r1={r1}, n1={n1}, n={n})")
                if not (r1 <= r < n):
                    self.add("design.r", r, f"need r1 <= r < n (r1={r1}, r={r}, n={n})")
        elif d.get("type") == "single-stage":
            for key in ("r1", "n1"):
                if key in d:
                    self.add(f"design.{key}", d[key], "not used by a single-stage design")
            if {"r", "n"} <= d.keys() and d["r"] >= d["n"]:
                self.add("design.r", d["r"], f"must be less than design.n ({d['n']})")

    def _check_endpoint(self, e: dict[str, Any], a: dict[str, Any]) -> None:
        if e and "relative_reduction" not in e and "absolute_reduction_mm" not in e:
            self.add(
                "primary_endpoint", None,
                "give relative_reduction, absolute_reduction_mm or both",
            )
        base = a.get("baseline_day", 0)
        if "day" in e and e["day"] <= base:
            self.add(
                "primary_endpoint.day", e["day"],
                f"must be after the baseline day ({base})",
            )
