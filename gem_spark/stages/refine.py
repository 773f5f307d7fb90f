"""Stage 4: the teacher rewrites a stage-3 conversation to be harder and more realistic."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyspark.sql import functions as F

from gem_spark.llm.protocol import LLMRequest
from gem_spark.parse import parse_toolset_trajectory
from gem_spark.schema import tools_to_json, trajectory_from_json
from gem_spark.stages.common import StageContext, truncate
from gem_spark.stages.inputs import upstream
from gem_spark.stages.llm_stage import Outcome
from gem_spark.stages.trajectory_stage import TrajectoryStage

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


class RefineStage(TrajectoryStage):
    name = "refine"
    template = "refine"
    carry = ("segment_id", "workflow_index")
    requires = ("trajectory", "generated_text")

    def inputs(self, ctx: StageContext) -> DataFrame:
        # The teacher refines its own stage-3 text (tags and all), as GEM.md's stage 4 asks.
        return upstream(
            ctx, self.source, "trajectory_id", "segment_id", "workflow_index", "trajectory",
            F.col("llm.raw_output").alias("generated_text"),
        )

    def build_request(self, row: dict[str, Any]) -> LLMRequest:
        tools = trajectory_from_json(row["trajectory"]).tools
        generated, _ = truncate(row["generated_text"], self.stage_config.max_input_chars)
        return self.request(
            row, tools_json=tools_to_json(tools), trajectory=generated
        )

    def outcome(self, row: dict[str, Any], text: str) -> Outcome:
        _, truncated = truncate(row["generated_text"], self.stage_config.max_input_chars)
        return self.trajectory_outcome(parse_toolset_trajectory(text), truncated)
