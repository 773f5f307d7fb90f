"""What the three trajectory-writing stages (generate, refine, synthesize) share: payload and outcome."""

from __future__ import annotations

from typing import Any

from pyspark.sql.types import StringType, StructField

from gem_spark.parse import ParseFailure
from gem_spark.schema import Trajectory, to_json
from gem_spark.stages.common import OK, REJECTED, STATS_STRUCT, TRUNCATED, field
from gem_spark.stages.llm_stage import LLMStage, Outcome

TRAJECTORY = field("trajectory", StringType())
STATS = field("stats", STATS_STRUCT)


def trajectory_payload(trajectory: Trajectory, truncated: bool = False) -> dict[str, Any]:
    return {"trajectory": to_json(trajectory), "stats": trajectory.stats().model_dump(), "truncated": truncated}


class TrajectoryStage(LLMStage):
    key = "trajectory_id"

    def payload(self) -> list[StructField]:
        return [TRAJECTORY, STATS, TRUNCATED]

    def trajectory_outcome(self, parsed: Trajectory | ParseFailure, truncated: bool) -> Outcome:
        if isinstance(parsed, ParseFailure):
            return Outcome(REJECTED, parsed.reason, {"truncated": truncated})
        return Outcome(OK, None, trajectory_payload(parsed, truncated))
