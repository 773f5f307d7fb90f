"""Stage 2: turn a selected segment into workflows — steps, execution graph, actions and tools."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyspark.sql.types import ArrayType, IntegerType, StringType

from gem_spark.llm.protocol import LLMRequest
from gem_spark.parse import ParseFailure, parse_workflows
from gem_spark.schema import to_json
from gem_spark.stages.codes import NO_WORKFLOW, Reason
from gem_spark.stages.common import OK, REASONS, REJECTED, TRUNCATED, StageContext, field, truncate
from gem_spark.stages.llm_stage import LLMStage, Outcome
from gem_spark.validate.workflow import GRAPH_UNKNOWN_TOOL, NO_TOOLS, validate_workflow

if TYPE_CHECKING:
    from pyspark.sql import DataFrame
    from pyspark.sql.types import StructField


class ExtractStage(LLMStage):
    name = "extract"
    key = "segment_id"
    template = "extract"
    requires = ("text",)
    reason_lists = ("reasons",)
    reasons = (
        Reason(NO_WORKFLOW, name, "expected", "no usable workflow was extracted"),
        Reason(NO_TOOLS, name, "expected", "a workflow without tools"),
        Reason(GRAPH_UNKNOWN_TOOL, name, "expected", "the execution graph names a tool the workflow lacks"),
    )

    def payload(self) -> list[StructField]:
        # Each workflow is one JSON document, so the next stage can explode them by position.
        return [field("workflows", ArrayType(StringType())), field("n_workflows", IntegerType()), REASONS, TRUNCATED]

    def inputs(self, ctx: StageContext) -> DataFrame:
        return self.segment_inputs(ctx)

    def build_request(self, row: dict[str, Any]) -> LLMRequest:
        return self.text_request(row)

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
