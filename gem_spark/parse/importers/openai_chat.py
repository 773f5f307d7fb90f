"""OpenAI chat records `{tools, messages}` (functionary test cases; APIGen-MT trajectories).

Parallel calls are kept in one assistant turn; tool messages link by tool_call_id when the source has
ids, else by name, else in order. functionary's `{"type": "code_interpreter"}` tool is its built-in
`python` tool whose arguments are raw code: it becomes a `python` function with one `code` string
parameter and raw-code arguments become {"code": …} (recorded as `code_interpreter_tool`).
"""

from __future__ import annotations

import json
from typing import Any

from gem_spark.parse.builder import TrajectoryBuilder
from gem_spark.parse.calls import read_call
from gem_spark.parse.failure import RECORD_INVALID, ParseFailure
from gem_spark.parse.importers.common import Call, field, tool_content, tools_from
from gem_spark.schema import Tool, Trajectory

CODE_INTERPRETER = "code_interpreter_tool"
PYTHON_TOOL = Tool.of(
    "python",
    "Run Python code in a stateful interpreter and return what it prints or evaluates to.",
    {"type": "object", "properties": {"code": {"type": "string"}}, "required": ["code"]},
)


def _tools(raw: Any, repairs: set[str]) -> list[Tool] | ParseFailure:
    raw = raw or []
    if not isinstance(raw, list):
        return tools_from(raw, repairs)
    functions = [
        tool for tool in raw if not (isinstance(tool, dict) and tool.get("type") == "code_interpreter")
    ]
    tools = tools_from(functions, repairs)
    if isinstance(tools, ParseFailure) or len(functions) == len(raw):
        return tools
    repairs.add(CODE_INTERPRETER)
    return [*tools, PYTHON_TOOL]


def _call(raw: Any, repairs: set[str]) -> Call | ParseFailure:
    if not isinstance(raw, dict):
        return ParseFailure(RECORD_INVALID, "tool_calls entry is not an object")
    function = raw.get("function", raw)
    if (
        isinstance(function, dict)
        and function.get("name") == "python"
        and isinstance(function.get("arguments"), str)
    ):
        try:
            json.loads(function["arguments"])
        except ValueError:
            repairs.add(CODE_INTERPRETER)
            return "python", {"code": function["arguments"]}, raw.get("id")
    call = read_call(function, repairs)
    if isinstance(call, ParseFailure):
        return call
    return call[0], call[1], raw.get("id")


def add_openai_message(message: Any, builder: TrajectoryBuilder) -> ParseFailure | None:
    if not isinstance(message, dict) or message.get("role") not in ("system", "user", "assistant", "tool"):
        return ParseFailure(RECORD_INVALID, f"message {len(builder.messages)} has no known role")
    content = message.get("content") or ""
    role = message["role"]
    if role == "tool":
        builder.tool(tool_content(content, builder.repairs), message.get("name"), message.get("tool_call_id"))
    elif role == "assistant":
        calls = []
        for raw in message.get("tool_calls") or []:
            call = _call(raw, builder.repairs)
            if isinstance(call, ParseFailure):
                return call.with_context(f"message {len(builder.messages)}")
            calls.append(call)
        builder.assistant(content if isinstance(content, str) else json.dumps(content), calls)
    else:
        builder.text(role, content if isinstance(content, str) else json.dumps(content))
    return None


def messages_to_trajectory(
    messages: list[Any], tools: list[Tool], stage: str, repairs: set[str]
) -> Trajectory | ParseFailure:
    builder = TrajectoryBuilder()
    builder.repairs.update(repairs)
    for message in messages:
        failure = add_openai_message(message, builder)
        if failure is not None:
            return failure
    return builder.build(tools, stage)


def import_openai_chat(record: Any) -> Trajectory | ParseFailure:
    messages = field(record, "messages", list)
    if isinstance(messages, ParseFailure):
        return messages
    repairs: set[str] = set()
    tools = _tools(record.get("tools"), repairs)
    if isinstance(tools, ParseFailure):
        return tools
    return messages_to_trajectory(messages, tools, "import:openai_chat", repairs)
