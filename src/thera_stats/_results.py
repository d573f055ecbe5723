"""Small result types shared across modules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class ConfidenceInterval:
    """A confidence interval ``[low, high]``.

    ``low`` and ``high`` are floats for scalar input and arrays for array input.
    ``method`` names how it was computed and ``confidence_level`` is the level
    it was asked for (the one-sided level when ``alternative`` is one-sided).
    """

    low: Any
    high: Any
    method: str = ""
    confidence_level: float = 0.95
    alternative: str = "two-sided"

    def __repr__(self) -> str:
        return (
            f"ConfidenceInterval(low={self.low!r}, high={self.high!r}, method={self.method!r}, "
            f"confidence_level={self.confidence_level!r}, alternative={self.alternative!r})"
        )
