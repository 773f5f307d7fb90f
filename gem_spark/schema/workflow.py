"""A Stage-2 workflow: the procedure in a text turned into steps, an execution graph, actions and tools."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from gem_spark.schema.tool import Tool


class Action(BaseModel):
    """One planned call of the workflow (`<actions>` entries): a tool name and example arguments."""

    model_config = ConfigDict(frozen=True)

    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)


class Workflow(BaseModel):
    model_config = ConfigDict(frozen=True)

    description: str
    steps: list[str] = Field(default_factory=list)
    # The graph as written, e.g. "(login)->(search, browse)->(checkout)".
    execution_graph: str = ""
    # Node names in first-appearance order (a one-node graph has nodes but no edges).
    nodes: list[str] = Field(default_factory=list)
    edges: list[tuple[str, str]] = Field(default_factory=list)
    actions: list[Action] = Field(default_factory=list)
    tools: list[Tool] = Field(default_factory=list)
    repairs: list[str] = Field(default_factory=list)
