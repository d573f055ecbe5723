"""thera_stats: a single-arm phase II trial from design to the phase III go/no-go decision."""

from thera_stats._results import ConfidenceInterval
from thera_stats.data import Trial, load_trial, synthetic_data_path, validate_tables
from thera_stats.errors import ConvergenceError, DataValidationError, TheraStatsError
from thera_stats.plan import AnalysisPlan
from thera_stats.simulate import simulate_trial, write_trial

__version__ = "0.1.0"

__all__ = [
    "AnalysisPlan",
    "ConfidenceInterval",
    "ConvergenceError",
    "DataValidationError",
    "TheraStatsError",
    "Trial",
    "__version__",
    "load_trial",
    "simulate_trial",
    "synthetic_data_path",
    "validate_tables",
    "write_trial",
]
