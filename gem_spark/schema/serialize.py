"""JSON strings for table columns: models in, models out (our own rows, so invalid JSON here is a bug)."""

from __future__ import annotations

from pydantic import BaseModel, TypeAdapter

from gem_spark.schema.tool import Tool
from gem_spark.schema.trajectory import Trajectory
from gem_spark.schema.workflow import Workflow

_WORKFLOWS = TypeAdapter(list[Workflow])
_TOOLS = TypeAdapter(list[Tool])


def to_json(model: BaseModel) -> str:
    return model.model_dump_json()


def trajectory_from_json(text: str) -> Trajectory:
    return Trajectory.model_validate_json(text)


def workflow_from_json(text: str) -> Workflow:
    return Workflow.model_validate_json(text)


def workflows_to_json(workflows: list[Workflow]) -> str:
    return _WORKFLOWS.dump_json(workflows).decode()


def workflows_from_json(text: str) -> list[Workflow]:
    return _WORKFLOWS.validate_json(text)


def tools_to_json(tools: list[Tool]) -> str:
    return _TOOLS.dump_json(tools).decode()


def tools_from_json(text: str) -> list[Tool]:
    return _TOOLS.validate_json(text)
