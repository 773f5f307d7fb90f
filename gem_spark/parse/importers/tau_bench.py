"""tau-bench: tool files (a JSON list of OpenAI function definitions) and result logs, whose records
hold the conversation under `traj` as OpenAI messages (`{task_id, reward, info, traj, trial}`). The logs
carry no tool definitions (they live in the environment's tool file): pass those as `tools`."""

from __future__ import annotations

from typing import Any

from gem_spark.parse.failure import ParseFailure
from gem_spark.parse.importers.common import field, tools_from
from gem_spark.parse.importers.openai_chat import messages_to_trajectory
from gem_spark.schema import Tool, Trajectory


def import_tau_bench_tools(data: Any) -> list[Tool] | ParseFailure:
    return tools_from(data, set())


def import_tau_bench(record: Any, tools: list[Tool] | None = None) -> Trajectory | ParseFailure:
    messages = field(record, "traj", list)
    if isinstance(messages, ParseFailure):
        return messages
    return messages_to_trajectory(messages, tools or [], "import:tau_bench", set())
