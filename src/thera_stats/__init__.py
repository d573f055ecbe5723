"""thera_stats: a single-arm phase II trial from design to the phase III go/no-go decision.

Every public name is importable from here; each lives in the module named after
its statistical question (``binomial``, ``simon``, ``two_stage``, ``vas``,
``mmrm``), next to the data layer (``data``, ``plan``, ``simulate``) and the
report (``analysis``, ``tables``; figures in ``thera_stats.plotting``, which is
not imported here so that matplotlib loads only when plotting).
"""

from thera_stats._results import ConfidenceInterval
from thera_stats.analysis import GoNoGoAnalysis, analyze, provenance
from thera_stats.binomial import (
    BetaPosterior,
    BinomialTestResult,
    IntervalCoverage,
    beta_posterior,
    binomial_ci,
    binomial_test,
    compare_intervals,
    interval_coverage,
)
from thera_stats.data import Trial, load_trial, synthetic_data_path, validate_tables
from thera_stats.errors import ConvergenceError, DataValidationError, TheraStatsError
from thera_stats.mmrm import MMRMResult, mmrm
from thera_stats.plan import AnalysisPlan
from thera_stats.simon import (
    Decision,
    OperatingCharacteristics,
    SearchBoundWarning,
    SimonDesign,
    SingleStageDesign,
    simon_design,
    simon_designs,
    single_stage_design,
)
from thera_stats.simulate import simulate_trial, write_trial
from thera_stats.tables import Table
from thera_stats.two_stage import (
    TwoStageInference,
    exact_coverage,
    outcome_table,
    two_stage_inference,
)
from thera_stats.vas import (
    SignedRankResult,
    change_from_baseline,
    missing_data_sensitivity,
    responder_curve,
    responder_flags,
    responder_rates,
    summarize_change,
    summarize_vas,
    vas_auc,
    wilcoxon_signed_rank,
)

__version__ = "0.1.0"

__all__ = [
    "AnalysisPlan",
    "BetaPosterior",
    "BinomialTestResult",
    "ConfidenceInterval",
    "ConvergenceError",
    "DataValidationError",
    "Decision",
    "GoNoGoAnalysis",
    "IntervalCoverage",
    "MMRMResult",
    "OperatingCharacteristics",
    "SearchBoundWarning",
    "SignedRankResult",
    "SimonDesign",
    "SingleStageDesign",
    "Table",
    "TheraStatsError",
    "Trial",
    "TwoStageInference",
    "__version__",
    "analyze",
    "beta_posterior",
    "binomial_ci",
    "binomial_test",
    "change_from_baseline",
    "compare_intervals",
    "exact_coverage",
    "interval_coverage",
    "load_trial",
    "missing_data_sensitivity",
    "mmrm",
    "outcome_table",
    "provenance",
    "responder_curve",
    "responder_flags",
    "responder_rates",
    "simon_design",
    "simon_designs",
    "simulate_trial",
    "single_stage_design",
    "summarize_change",
    "summarize_vas",
    "synthetic_data_path",
    "two_stage_inference",
    "validate_tables",
    "vas_auc",
    "wilcoxon_signed_rank",
    "write_trial",
]
