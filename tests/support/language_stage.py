"""A stage gem-spark does not ship, written the way a maintainer adds one: this module, its place in
`gem_spark/stages/modes.py` and its default settings. `tests/stages/test_adding_a_stage.py` runs it
inside the synthesizer mode, between select and synthesize."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyspark.sql.types import StringType

from gem_spark.llm.protocol import LLMRequest
from gem_spark.stages.codes import Reason
from gem_spark.stages.common import OK, REJECTED, StageContext, field
from gem_spark.stages.llm_stage import LLMStage, Outcome

if TYPE_CHECKING:
    from pyspark.sql import DataFrame
    from pyspark.sql.types import StructField

NOT_ENGLISH = "not_english"


class LanguageStage(LLMStage):
    """Keeps English segments only: the model answers with a language code."""

    name = "language"
    key = "segment_id"
    template = "select"  # any prompt with a `text` variable: the replayed answers do not read it
    requires = ("text",)
    reasons = (Reason(NOT_ENGLISH, name, "expected", "the model named another language than English"),)

    def payload(self) -> list[StructField]:
        return [field("language", StringType())]

    def inputs(self, ctx: StageContext) -> DataFrame:
        return self.segment_inputs(ctx)

    def build_request(self, row: dict[str, Any]) -> LLMRequest:
        return self.text_request(row)

    def outcome(self, row: dict[str, Any], text: str) -> Outcome:
        language = text.strip().lower()
        if language == "en":
            return Outcome(OK, None, {"language": language})
        return Outcome(REJECTED, NOT_ENGLISH, {"language": language})
