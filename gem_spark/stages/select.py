"""Stage 1: does the segment describe multi-step operations with an app, website, computer, phone or machine?"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyspark.sql.types import ArrayType, BooleanType, StringType

from gem_spark.llm.protocol import LLMRequest, ResponseConstraint
from gem_spark.parse import ParseFailure, parse_selection, parse_selection_json
from gem_spark.prompts import SELECT_JSON_SCHEMA
from gem_spark.stages.codes import INVALID_LABEL, NOT_MULTI_STEP, Reason
from gem_spark.stages.common import OK, REJECTED, TRUNCATED, StageContext, field, truncate
from gem_spark.stages.llm_stage import LLMStage, Outcome

if TYPE_CHECKING:
    from pyspark.sql import DataFrame
    from pyspark.sql.types import StructField


class SelectStage(LLMStage):
    name = "select"
    key = "segment_id"
    requires = ("text",)
    reasons = (
        Reason(NOT_MULTI_STEP, name, "expected", "the filter judged the text not a multi-step workflow"),
        Reason(
            INVALID_LABEL,
            name,
            "expected",
            "a label outside GEM.md's sets (with pipeline.reject_invalid_labels)",
        ),
    )

    @property
    def template(self) -> str:  # type: ignore[override]
        return "select_json" if self.stage_config.structured_output else "select"

    def payload(self) -> list[StructField]:
        return [
            field("multi_step", BooleanType()),
            field("summary", StringType()),
            field("domain", StringType()),
            field("platform", StringType()),
            field("task", StringType()),
            field("invalid_labels", ArrayType(StringType())),
            TRUNCATED,
        ]

    def extra_fingerprint(self) -> dict[str, Any]:
        schema = SELECT_JSON_SCHEMA if self.stage_config.structured_output else None
        return {"reject_invalid_labels": self.pipeline_config.reject_invalid_labels, "json_schema": schema}

    def inputs(self, ctx: StageContext) -> DataFrame:
        return self.segment_inputs(ctx)

    def build_request(self, row: dict[str, Any]) -> LLMRequest:
        request = self.text_request(row)
        if not self.stage_config.structured_output:
            return request
        return LLMRequest(
            key=request.key,
            messages=request.messages,
            stage=self.name,
            constraint=ResponseConstraint("json_schema", SELECT_JSON_SCHEMA),
        )

    def outcome(self, row: dict[str, Any], text: str) -> Outcome:
        _, truncated = truncate(row["text"], self.stage_config.max_input_chars)
        parse = parse_selection_json if self.stage_config.structured_output else parse_selection
        selection = parse(text)
        if isinstance(selection, ParseFailure):
            return Outcome(REJECTED, selection.reason, {"truncated": truncated})
        payload = {**selection.model_dump(), "truncated": truncated}
        if not selection.multi_step:
            return Outcome(REJECTED, NOT_MULTI_STEP, payload)
        if selection.invalid_labels and self.pipeline_config.reject_invalid_labels:
            return Outcome(REJECTED, INVALID_LABEL, payload)
        return Outcome(OK, None, payload)
