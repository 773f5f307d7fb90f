"""Rule-based validation of trajectories (GEM.md "Validation" 1): reason codes, never exceptions."""

from gem_spark.validate.codes import RULE_CODES
from gem_spark.validate.rules import RuleConfig
from gem_spark.validate.schemas import clear_caches, parameters_problem
from gem_spark.validate.trajectory import Verdict, check_tools, check_trajectory, validate_trajectory

__all__ = [
    "RULE_CODES",
    "RuleConfig",
    "Verdict",
    "check_tools",
    "check_trajectory",
    "clear_caches",
    "parameters_problem",
    "validate_trajectory",
]
