"""thera_stats: a single-arm phase II trial from design to the phase III go/no-go decision."""

from thera_stats._results import ConfidenceInterval
from thera_stats.errors import ConvergenceError, DataValidationError, TheraStatsError

__version__ = "0.1.0"

__all__ = [
    "ConfidenceInterval",
    "ConvergenceError",
    "DataValidationError",
    "TheraStatsError",
    "__version__",
]
