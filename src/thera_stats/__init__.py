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
  one long-table validator), ``formatting`` (the one number style: p-values,
  estimates by unit, intervals, n (%), and their typesetting for text, HTML and
  LaTeX);
- the endpoint layer: ``score`` (change from baseline, responders, AUC,
  missing-data sensitivity of a repeated score);
- the trial layer, which reads the plan: ``plan``, ``data``, ``adam`` (CDISC
  ADaM input and output), ``decision``, ``analysis``, ``sensitivity``,
  ``tables``, ``safety`` (adverse events by system organ class and preferred
  term), ``docx_tables`` (every table in a Word document), ``simulate``, ``template``, ``report``, ``monitor`` (where an
  ongoing trial stands), ``validation`` (the installation check against shipped
  reference values); figures in
  ``thera_stats.plotting``, which is not imported here so that matplotlib
  loads only when plotting.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names, for type checkers; at run time they load on first use
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
    from thera_stats.docx_tables import table_to_docx, tables_to_docx
    from thera_stats.errors import (
        ConvergenceError,
        DataValidationError,
        TheraStatsError,
        TrialFolderError,
    )
    from thera_stats.fleming import FlemingBoundaries, fleming_boundaries, fleming_design
    from thera_stats.formatting import (
        format_df,
        format_estimate,
        format_interval,
        format_mean_sd,
        format_median_iqr,
        format_min_max,
        format_n_pct,
        format_pvalue,
        latex_escape,
        typeset,
    )
    from thera_stats.location import (
        OneSampleTResult,
        SignedRankResult,
        one_sample_t,
        walsh_median,
        wilcoxon_signed_rank,
    )
    from thera_stats.longtable import check_long_table, validate_long_table
    from thera_stats.mmrm import MMRMResult, mmrm, mmrm_select_covariance
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
    from thera_stats.safety import adverse_event_summary, safety_tables
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
    from thera_stats.tables import Table, latex_document
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

#: Public name -> the module that defines it. A module is imported the first time one of
#: its names is used, so ``thera-stats --version`` and commands that need little start fast.
_EXPORTS: dict[str, str] = {
    "AdamPlan": "thera_stats.plan",
    "AnalysisPlan": "thera_stats.plan",
    "BOP2Design": "thera_stats.bayesian_design",
    "BetaPosterior": "thera_stats.binomial",
    "BetaPrior": "thera_stats.bayesian",
    "BinomialTestResult": "thera_stats.binomial",
    "ConfidenceInterval": "thera_stats._results",
    "ConvergenceError": "thera_stats.errors",
    "CurtailedOC": "thera_stats.curtailment",
    "DataValidationError": "thera_stats.errors",
    "Decision": "thera_stats.simon",
    "DesignChoice": "thera_stats.design_search",
    "DesignPlan": "thera_stats.plan",
    "EligibilityRule": "thera_stats.plan",
    "EndpointPlan": "thera_stats.plan",
    "FlemingBoundaries": "thera_stats.fleming",
    "GoNoGoAnalysis": "thera_stats.analysis",
    "InterimOutlook": "thera_stats.analysis",
    "IntervalCoverage": "thera_stats.binomial",
    "MMRMResult": "thera_stats.mmrm",
    "MultiStageDecision": "thera_stats.multistage",
    "MultiStageDesign": "thera_stats.multistage",
    "MultiStageInference": "thera_stats.multistage_inference",
    "MultiStageOC": "thera_stats.multistage",
    "OffPlanRule": "thera_stats.off_plan",
    "OneSampleTResult": "thera_stats.location",
    "OperatingCharacteristics": "thera_stats.simon",
    "PredictiveDesign": "thera_stats.bayesian_design",
    "PredictiveProbability": "thera_stats.bayesian",
    "SchedulePlan": "thera_stats.plan",
    "ScoreTable": "thera_stats.score",
    "SearchBoundWarning": "thera_stats.simon",
    "SensitivityResult": "thera_stats.sensitivity",
    "SignedRankResult": "thera_stats.location",
    "SimonDesign": "thera_stats.simon",
    "SingleStageDesign": "thera_stats.simon",
    "Table": "thera_stats.tables",
    "TheraStatsError": "thera_stats.errors",
    "ThreeOutcomeChoice": "thera_stats.three_outcome",
    "TippingPoint": "thera_stats.sensitivity",
    "TreatmentPlan": "thera_stats.plan",
    "Trial": "thera_stats.data",
    "TrialFolderError": "thera_stats.errors",
    "TrialInfo": "thera_stats.plan",
    "TrialStatus": "thera_stats.monitor",
    "TwoStageInference": "thera_stats.two_stage",
    "ValidationReport": "thera_stats.validation",
    "adverse_event_summary": "thera_stats.safety",
    "analyze": "thera_stats.analysis",
    "as_beta_prior": "thera_stats.bayesian",
    "as_multistage": "thera_stats.design_search",
    "beta_posterior": "thera_stats.binomial",
    "beta_prior": "thera_stats.bayesian",
    "binomial_ci": "thera_stats.binomial",
    "binomial_test": "thera_stats.binomial",
    "bop2_design": "thera_stats.bayesian_design",
    "bundled_examples": "thera_stats.data",
    "change_from_baseline": "thera_stats.score",
    "check_long_table": "thera_stats.longtable",
    "compare_designs": "thera_stats.design_search",
    "compare_intervals": "thera_stats.binomial",
    "compare_off_plan_rules": "thera_stats.off_plan",
    "conditional_error": "thera_stats.off_plan",
    "conditional_power": "thera_stats.conditional_power",
    "curtailed_operating_characteristics": "thera_stats.curtailment",
    "endpoint_sensitivity": "thera_stats.sensitivity",
    "exact_coverage": "thera_stats.two_stage",
    "fleming_boundaries": "thera_stats.fleming",
    "fleming_design": "thera_stats.fleming",
    "format_df": "thera_stats.formatting",
    "format_estimate": "thera_stats.formatting",
    "format_interval": "thera_stats.formatting",
    "format_mean_sd": "thera_stats.formatting",
    "format_median_iqr": "thera_stats.formatting",
    "format_min_max": "thera_stats.formatting",
    "format_n_pct": "thera_stats.formatting",
    "format_pvalue": "thera_stats.formatting",
    "interim_outlook": "thera_stats.analysis",
    "interval_coverage": "thera_stats.binomial",
    "latex_document": "thera_stats.tables",
    "latex_escape": "thera_stats.formatting",
    "load_trial": "thera_stats.data",
    "mander_thompson_design": "thera_stats.design_search",
    "missing_data_sensitivity": "thera_stats.score",
    "mmrm": "thera_stats.mmrm",
    "mmrm_select_covariance": "thera_stats.mmrm",
    "monitor": "thera_stats.monitor",
    "multistage_coverage": "thera_stats.multistage_inference",
    "multistage_inference": "thera_stats.multistage_inference",
    "multistage_outcome_table": "thera_stats.multistage_inference",
    "off_plan_rule": "thera_stats.off_plan",
    "one_sample_t": "thera_stats.location",
    "outcome_table": "thera_stats.two_stage",
    "plan_template": "thera_stats.template",
    "plan_toml_text": "thera_stats.plan",
    "population": "thera_stats.data",
    "posterior_boundaries": "thera_stats.bayesian",
    "posterior_probability": "thera_stats.bayesian",
    "predictive_boundaries": "thera_stats.bayesian",
    "predictive_design": "thera_stats.bayesian_design",
    "predictive_power": "thera_stats.conditional_power",
    "predictive_probability": "thera_stats.bayesian",
    "primary_endpoint": "thera_stats.analysis",
    "provenance": "thera_stats.analysis",
    "read_adam": "thera_stats.adam",
    "responder_curve": "thera_stats.score",
    "responder_flags": "thera_stats.score",
    "responder_rates": "thera_stats.score",
    "safety_tables": "thera_stats.safety",
    "sargent_design": "thera_stats.three_outcome",
    "sargent_two_stage_design": "thera_stats.three_outcome",
    "score_auc": "thera_stats.score",
    "simon_design": "thera_stats.simon",
    "simon_designs": "thera_stats.simon",
    "simulate_trial": "thera_stats.simulate",
    "single_stage_design": "thera_stats.simon",
    "stage2_size_for_power": "thera_stats.off_plan",
    "summarize_change": "thera_stats.score",
    "summarize_responders": "thera_stats.score",
    "summarize_score": "thera_stats.score",
    "synthetic_data_path": "thera_stats.data",
    "table_to_docx": "thera_stats.docx_tables",
    "tables_to_docx": "thera_stats.docx_tables",
    "three_stage_design": "thera_stats.design_search",
    "trial_as_of": "thera_stats.monitor",
    "two_stage_inference": "thera_stats.two_stage",
    "typeset": "thera_stats.formatting",
    "validate_install": "thera_stats.validation",
    "validate_long_table": "thera_stats.longtable",
    "validate_tables": "thera_stats.data",
    "walsh_median": "thera_stats.location",
    "wilcoxon_signed_rank": "thera_stats.location",
    "write_adam": "thera_stats.adam",
    "write_template": "thera_stats.template",
    "write_trial": "thera_stats.simulate",
}

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
    "adverse_event_summary",
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
    "format_df",
    "format_estimate",
    "format_interval",
    "format_mean_sd",
    "format_median_iqr",
    "format_min_max",
    "format_n_pct",
    "format_pvalue",
    "interim_outlook",
    "interval_coverage",
    "latex_document",
    "latex_escape",
    "load_trial",
    "mander_thompson_design",
    "missing_data_sensitivity",
    "mmrm",
    "mmrm_select_covariance",
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
    "safety_tables",
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
    "table_to_docx",
    "tables_to_docx",
    "three_stage_design",
    "trial_as_of",
    "two_stage_inference",
    "typeset",
    "validate_install",
    "validate_long_table",
    "validate_tables",
    "walsh_median",
    "wilcoxon_signed_rank",
    "write_adam",
    "write_template",
    "write_trial",
]



#: Public functions named like the module that defines them (``mmrm``, ``monitor``): importing
#: that module sets the package attribute to the module, so the package resolves it to the
#: function, as ``from thera_stats import mmrm`` always gave.
_SHADOWED = frozenset(n for n, m in _EXPORTS.items() if m == f"thera_stats.{n}")


class _Package(types.ModuleType):
    def __getattribute__(self, name: str) -> Any:
        value = super().__getattribute__(name)
        if name in _SHADOWED and isinstance(value, types.ModuleType):
            value = getattr(value, name)
        return value


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'thera_stats' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
