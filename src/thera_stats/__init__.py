"""thera_stats: a single-arm phase II trial from design to the phase III go/no-go decision.

Every public name is importable from here. Three layers:

- the statistical core, which takes counts, arrays or long tables with
  caller-given column names and carries no trial defaults: ``binomial``,
  ``simon``, ``two_stage``, the multi-stage engine ``multistage`` with
  ``multistage_inference``, ``curtailment`` and the design families
  ``design_search`` (Mander-Thompson, three-stage), ``fleming``,
  ``three_outcome`` (Sargent), ``bayesian`` and ``bayesian_design``
  (posterior and predictive probability, Lee & Liu, BOP2), ``off_plan`` (the
  published rules for a trial that ends off plan), ``location``
  (one-sample t, signed-rank, Hodges-Lehmann), ``mmrm``, ``longtable`` (the
  one long-table validator);
- the endpoint layer: ``score`` (change from baseline, responders, AUC,
  missing-data sensitivity of a repeated score);
- the trial layer, which reads the plan: ``plan``, ``data``, ``adam`` (CDISC
  ADaM input and output), ``decision``, ``analysis``, ``sensitivity``,
  ``tables``, ``simulate``, ``template``, ``report``, ``monitor`` (where an
  ongoing trial stands), ``validation`` (the installation check against shipped
  reference values); figures in
  ``thera_stats.plotting``, which is not imported here so that matplotlib
  loads only when plotting.
"""

from thera_stats._results import ConfidenceInterval
from thera_stats.adam import read_adam, write_adam
from thera_stats.analysis import (
    GoNoGoAnalysis,
    InterimOutlook,
    analyze,
    interim_outlook,
    primary_endpoint,
    provenance,
)
from thera_stats.bayesian import (
    BetaPrior,
    PredictiveProbability,
    as_beta_prior,
    beta_prior,
    posterior_boundaries,
    posterior_probability,
    predictive_boundaries,
    predictive_probability,
)
from thera_stats.bayesian_design import (
    BOP2Design,
    PredictiveDesign,
    bop2_design,
    predictive_design,
)
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
from thera_stats.conditional_power import conditional_power, predictive_power
from thera_stats.curtailment import CurtailedOC, curtailed_operating_characteristics
from thera_stats.data import (
    Trial,
    bundled_examples,
    load_trial,
    population,
    synthetic_data_path,
    validate_tables,
)
from thera_stats.design_search import (
    DesignChoice,
    as_multistage,
    compare_designs,
    mander_thompson_design,
    three_stage_design,
)
from thera_stats.errors import (
    ConvergenceError,
    DataValidationError,
    TheraStatsError,
    TrialFolderError,
)
from thera_stats.fleming import FlemingBoundaries, fleming_boundaries, fleming_design
from thera_stats.location import (
    OneSampleTResult,
    SignedRankResult,
    one_sample_t,
    walsh_median,
    wilcoxon_signed_rank,
)
from thera_stats.longtable import check_long_table, validate_long_table
from thera_stats.mmrm import MMRMResult, mmrm
from thera_stats.monitor import TrialStatus, monitor, trial_as_of
from thera_stats.multistage import MultiStageDecision, MultiStageDesign, MultiStageOC
from thera_stats.multistage_inference import (
    MultiStageInference,
    multistage_coverage,
    multistage_inference,
    multistage_outcome_table,
)
from thera_stats.off_plan import (
    OffPlanRule,
    compare_off_plan_rules,
    conditional_error,
    off_plan_rule,
    stage2_size_for_power,
)
from thera_stats.plan import (
    AdamPlan,
    AnalysisPlan,
    DesignPlan,
    EligibilityRule,
    EndpointPlan,
    SchedulePlan,
    TreatmentPlan,
    TrialInfo,
    plan_toml_text,
)
from thera_stats.score import (
    ScoreTable,
    change_from_baseline,
    missing_data_sensitivity,
    responder_curve,
    responder_flags,
    responder_rates,
    score_auc,
    summarize_change,
    summarize_responders,
    summarize_score,
)
from thera_stats.sensitivity import SensitivityResult, TippingPoint, endpoint_sensitivity
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
from thera_stats.template import plan_template, write_template
from thera_stats.three_outcome import (
    ThreeOutcomeChoice,
    sargent_design,
    sargent_two_stage_design,
)
from thera_stats.two_stage import (
    TwoStageInference,
    exact_coverage,
    outcome_table,
    two_stage_inference,
)
from thera_stats.validation import ValidationReport, validate_install

__version__ = "0.2.0"

__all__ = [
    "AdamPlan",
    "AnalysisPlan",
    "BOP2Design",
    "BetaPosterior",
    "BetaPrior",
    "BinomialTestResult",
    "ConfidenceInterval",
    "ConvergenceError",
    "CurtailedOC",
    "DataValidationError",
    "Decision",
    "DesignChoice",
    "DesignPlan",
    "EligibilityRule",
    "EndpointPlan",
    "FlemingBoundaries",
    "GoNoGoAnalysis",
    "InterimOutlook",
    "IntervalCoverage",
    "MMRMResult",
    "MultiStageDecision",
    "MultiStageDesign",
    "MultiStageInference",
    "MultiStageOC",
    "OffPlanRule",
    "OneSampleTResult",
    "OperatingCharacteristics",
    "PredictiveDesign",
    "PredictiveProbability",
    "SchedulePlan",
    "ScoreTable",
    "SearchBoundWarning",
    "SensitivityResult",
    "SignedRankResult",
    "SimonDesign",
    "SingleStageDesign",
    "Table",
    "TheraStatsError",
    "ThreeOutcomeChoice",
    "TippingPoint",
    "TreatmentPlan",
    "Trial",
    "TrialFolderError",
    "TrialInfo",
    "TrialStatus",
    "TwoStageInference",
    "ValidationReport",
    "__version__",
    "analyze",
    "as_beta_prior",
    "as_multistage",
    "beta_posterior",
    "beta_prior",
    "binomial_ci",
    "binomial_test",
    "bop2_design",
    "bundled_examples",
    "change_from_baseline",
    "check_long_table",
    "compare_designs",
    "compare_intervals",
    "compare_off_plan_rules",
    "conditional_error",
    "conditional_power",
    "curtailed_operating_characteristics",
    "endpoint_sensitivity",
    "exact_coverage",
    "fleming_boundaries",
    "fleming_design",
    "interim_outlook",
    "interval_coverage",
    "load_trial",
    "mander_thompson_design",
    "missing_data_sensitivity",
    "mmrm",
    "monitor",
    "multistage_coverage",
    "multistage_inference",
    "multistage_outcome_table",
    "off_plan_rule",
    "one_sample_t",
    "outcome_table",
    "plan_template",
    "plan_toml_text",
    "population",
    "posterior_boundaries",
    "posterior_probability",
    "predictive_boundaries",
    "predictive_design",
    "predictive_power",
    "predictive_probability",
    "primary_endpoint",
    "provenance",
    "read_adam",
    "responder_curve",
    "responder_flags",
    "responder_rates",
    "sargent_design",
    "sargent_two_stage_design",
    "score_auc",
    "simon_design",
    "simon_designs",
    "simulate_trial",
    "single_stage_design",
    "stage2_size_for_power",
    "summarize_change",
    "summarize_responders",
    "summarize_score",
    "synthetic_data_path",
    "three_stage_design",
    "trial_as_of",
    "two_stage_inference",
    "validate_install",
    "validate_long_table",
    "validate_tables",
    "walsh_median",
    "wilcoxon_signed_rank",
    "write_adam",
    "write_template",
    "write_trial",
]
