"""Simon two-stage designs (stub: the interface other modules rely on).

The design owner fills in the search, operating characteristics and decisions.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SimonDesign:
    """A Simon two-stage design: stop after ``n1`` if responses <= ``r1``; go if total > ``r``."""

    p0: float
    p1: float
    alpha: float
    power: float
    r1: int
    n1: int
    r: int
    n: int
    criterion: str = "custom"
