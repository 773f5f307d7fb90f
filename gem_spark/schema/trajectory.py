"""A multi-turn tool-use conversation with its tools, provenance and parse notes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from gem_spark.schema.message import Message
from gem_spark.schema.tool import Tool


class TrajectoryStats(BaseModel):
    model_config = ConfigDict(frozen=True)

    messages: int
    user_turns: int
    tool_calls: int
    distinct_tools_called: int
    tools_defined: int


class Trajectory(BaseModel):
    model_config = ConfigDict(frozen=True)

    tools: list[Tool] = Field(default_factory=list)
    messages: list[Message] = Field(default_factory=list)
    segment_id: str | None = None
    # Which stage (or importer, e.g. "import:glaive") produced it.
    stage: str | None = None
    # Structural problems found while parsing, as validator reason codes (e.g. "unclosed_tag").
    issues: list[str] = Field(default_factory=list)
    # Repairs applied while parsing or importing (e.g. "json_trailing_comma"), for the record.
    repairs: list[str] = Field(default_factory=list)

    def stats(self) -> TrajectoryStats:
        calls = [call for message in self.messages for call in message.tool_calls]
        return TrajectoryStats(
            messages=len(self.messages),
            user_turns=sum(1 for message in self.messages if message.role == "user"),
            tool_calls=len(calls),
            distinct_tools_called=len({call.name for call in calls}),
            tools_defined=len(self.tools),
        )
