"""Stage 2: turn a selected segment into workflows — steps, execution graph, actions and tools."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyspark.sql.types import ArrayType, IntegerType, StringType

from gem_spark.llm.protocol import LLMRequest
from gem_spark.parse import ParseFailure, parse_workflows
from gem_spark.schema import to_json
from gem_spark.stages.codes import NO_WORKFLOW
from gem_spark.stages.common import OK, REASONS, REJECTED, TRUNCATED, StageContext, field, truncate
from gem_spark.stages.inputs import upstream, with_text
from gem_spark.stages.llm_stage import LLMStage, Outcome
from gem_spark.validate.workflow import validate_workflow

if TYPE_CHECKING:
    from pyspark.sql import DataFrame
    from pyspark.sql.types import StructField


class ExtractStage(LLMStage):
    name = "extract"
    key = "segment_id"
    template = "extract"
    requires = ("text",)

    def payload(self) -> list[StructField]:
        # Each workflow is one JSON document, so the next stage can explode them by position.
        return [field("workflows", ArrayType(StringType())), field("n_workflows", IntegerType()), REASONS, TRUNCATED]

    def inputs(self, ctx: StageContext) -> DataFrame:
        return with_text(ctx, upstream(ctx, "select", "segment_id"))

    def build_request(self, row: dict[str, Any]) -> LLMRequest:
        text, _ = truncate(row["text"], self.stage_config.max_input_chars)
        return self.request(row, text=text)

    def outcome(self, row: dict[str, Any], text: str) -> Outcome:
        _, truncated = truncate(row["text"], self.stage_config.max_input_chars)
        workflows = parse_workflows(text)
        if isinstance(workflows, ParseFailure):
            return Outcome(REJECTED, workflows.reason, {"truncated": truncated})
        kept, problems = [], []
        for workflow in workflows:
            reasons = validate_workflow(workflow)
            if reasons:
                problems.extend(reasons)
            else:
                kept.append(to_json(workflow))
        payload = {"workflows": kept, "n_workflows": len(kept), "reasons": sorted(set(problems)), "truncated": truncated}
        if not kept:
            return Outcome(REJECTED, problems[0] if problems else NO_WORKFLOW, payload)
        return Outcome(OK, None, payload)
