"""What the trajectory stages (generate, refine, synthesize; judge reads them) share: payload, rules and
outcome. Each checks trajectories with its own rule profile (`validate.profiles.<stage>`): a rejection
rejects the row with its first code; warnings are kept on the row in `rule_findings` and do not reject."""

from __future__ import annotations

from typing import Any

from pyspark.sql.types import ArrayType, StringType, StructField, StructType

from gem_spark.parse import ParseFailure
from gem_spark.schema import Trajectory, to_json
from gem_spark.stages.common import OK, REJECTED, STATS_STRUCT, TRUNCATED, StageContext, field
from gem_spark.stages.llm_stage import LLMStage, Outcome
from gem_spark.validate import check_trajectory
from gem_spark.validate.rules import profile_rules

TRAJECTORY = field("trajectory", StringType())
STATS = field("stats", STATS_STRUCT)
RULE_REASONS = field("rule_reasons", ArrayType(StringType()))
FINDING_STRUCT = StructType([field(name, StringType()) for name in ("code", "severity", "detail")])
RULE_FINDINGS = field("rule_findings", ArrayType(FINDING_STRUCT))


def trajectory_payload(trajectory: Trajectory, truncated: bool = False) -> dict[str, Any]:
    return {"trajectory": to_json(trajectory), "stats": trajectory.stats().model_dump(), "truncated": truncated}


class TrajectoryStage(LLMStage):
    key = "trajectory_id"
    reason_lists = ("rule_reasons",)

    def __init__(self, ctx: StageContext, source: str | None = None) -> None:
        super().__init__(ctx, source)
        self.rules = profile_rules(ctx.config, self.name)

    def payload(self) -> list[StructField]:
        return [TRAJECTORY, STATS, TRUNCATED, RULE_REASONS, RULE_FINDINGS]

    def extra_fingerprint(self) -> dict[str, Any]:
        return {"rules": self.rules.describe()}

    def trajectory_outcome(self, parsed: Trajectory | ParseFailure, truncated: bool) -> Outcome:
        if isinstance(parsed, ParseFailure):
            return Outcome(REJECTED, parsed.reason, {"truncated": truncated})
        verdict = check_trajectory(parsed, self.rules)
        payload = {
            **trajectory_payload(parsed, truncated),
            "rule_reasons": verdict.rejects,
            "rule_findings": verdict.findings(),
        }
        if verdict.rejects:
            return Outcome(REJECTED, verdict.rejects[0], payload)
        return Outcome(OK, None, payload)
