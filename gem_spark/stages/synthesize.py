"""Production path: the distilled Trajectory Synthesizer maps a segment to tools + trajectory in one call."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyspark.sql import functions as F

from gem_spark.llm.protocol import LLMRequest
from gem_spark.parse import parse_toolset_trajectory
from gem_spark.stages.common import StageContext, truncate
from gem_spark.stages.llm_stage import Outcome
from gem_spark.stages.trajectory_stage import TrajectoryStage

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


class SynthesizeStage(TrajectoryStage):
    name = "synthesize"
    template = "synthesize"
    carry = ("segment_id",)
    requires = ("text",)

    def inputs(self, ctx: StageContext) -> DataFrame:
        return self.segment_inputs(ctx).withColumn("trajectory_id", F.concat(F.col("segment_id"), F.lit("-s0")))

    def build_request(self, row: dict[str, Any]) -> LLMRequest:
        return self.text_request(row)

    def outcome(self, row: dict[str, Any], text: str) -> Outcome:
        _, truncated = truncate(row["text"], self.stage_config.max_input_chars)
        return self.trajectory_outcome(parse_toolset_trajectory(text, stage=self.name), truncated)
