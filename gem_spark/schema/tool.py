"""A tool in the OpenAI function format: {"type": "function", "function": {name, description, parameters}}."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class ToolFunction(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    description: str = ""
    # A JSON Schema object; checked by the rule validator, not here, so invalid schemas stay detectable.
    parameters: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})


class Tool(BaseModel):
    model_config = ConfigDict(frozen=True)

    type: Literal["function"] = "function"
    function: ToolFunction

    @property
    def name(self) -> str:
        return self.function.name

    @classmethod
    def of(cls, name: str, description: str, parameters: dict[str, Any]) -> Tool:
        return cls(function=ToolFunction(name=name, description=description, parameters=parameters))
