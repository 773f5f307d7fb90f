"""Stage 3: the teacher writes a whole user–assistant–tool conversation grounded in one workflow."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyspark.sql import functions as F

from gem_spark.llm.protocol import LLMRequest
from gem_spark.parse import parse_trajectory
from gem_spark.parse.render import describe_workflow
from gem_spark.schema import tools_to_json, workflow_from_json
from gem_spark.stages.common import StageContext, truncate
from gem_spark.stages.inputs import upstream, with_text
from gem_spark.stages.llm_stage import Outcome
from gem_spark.stages.trajectory_stage import TrajectoryStage

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


class GenerateStage(TrajectoryStage):
    name = "generate"
    template = "generate"
    carry = ("segment_id", "workflow_index")
    requires = ("workflow", "text")

    def inputs(self, ctx: StageContext) -> DataFrame:
        extracted = upstream(ctx, self.source, "segment_id", "workflows")
        per_workflow = extracted.select(
            "segment_id", "input_fingerprint", F.posexplode("workflows").alias("workflow_index", "workflow")
        ).withColumn("trajectory_id", F.format_string("%s-w%d", F.col("segment_id"), F.col("workflow_index")))
        return with_text(ctx, per_workflow)

    def build_request(self, row: dict[str, Any]) -> LLMRequest:
        workflow = workflow_from_json(row["workflow"])
        text, _ = truncate(row["text"], self.stage_config.max_input_chars)
        return self.request(
            row,
            text=text,
            tools_json=tools_to_json(workflow.tools),
            workflow=describe_workflow(workflow),
        )

    def outcome(self, row: dict[str, Any], text: str) -> Outcome:
        workflow = workflow_from_json(row["workflow"])
        _, truncated = truncate(row["text"], self.stage_config.max_input_chars)
        return self.trajectory_outcome(parse_trajectory(text, workflow.tools), truncated)
