"""Pydantic models of GEM's data: tools, messages, trajectories, workflows, selections, judgements."""

from gem_spark.schema.judgement import Judgement
from gem_spark.schema.labels import DOMAINS, LABEL_SETS, PLATFORMS, TASKS
from gem_spark.schema.message import Message, Role, ToolCall
from gem_spark.schema.selection import Selection
from gem_spark.schema.serialize import (
    to_json,
    tools_from_json,
    tools_to_json,
    trajectory_from_json,
    workflow_from_json,
    workflows_from_json,
    workflows_to_json,
)
from gem_spark.schema.tool import Tool, ToolFunction
from gem_spark.schema.trajectory import Trajectory, TrajectoryStats
from gem_spark.schema.workflow import Action, Workflow

__all__ = [
    "DOMAINS",
    "LABEL_SETS",
    "PLATFORMS",
    "TASKS",
    "Action",
    "Judgement",
    "Message",
    "Role",
    "Selection",
    "Tool",
    "ToolCall",
    "ToolFunction",
    "Trajectory",
    "TrajectoryStats",
    "Workflow",
    "to_json",
    "tools_from_json",
    "tools_to_json",
    "trajectory_from_json",
    "workflow_from_json",
    "workflows_from_json",
    "workflows_to_json",
]
