"""Stage-2 output: one or more `<workflow>` blocks, each with description, steps, execution_graph,
actions and tools. One bad block fails the whole output (reason names the block), so no workflow is
dropped silently. A last block that was never closed is parsed to the end and recorded."""

from __future__ import annotations

import re

from gem_spark.parse.calls import read_call
from gem_spark.parse.failure import JSON_WRONG_TYPE, MISSING_TAG, ParseFailure
from gem_spark.parse.graph import parse_execution_graph
from gem_spark.parse.jsonload import load_json
from gem_spark.parse.text import find_tag, open_tag, prepare, tag_pattern
from gem_spark.parse.tools import normalize_tools
from gem_spark.schema import Action, Workflow

WORKFLOW_UNCLOSED = "workflow_unclosed"

_WORKFLOW = tag_pattern("workflow")
_WORKFLOW_OPEN = open_tag("workflow")
_STEP_MARKER = re.compile(r"(?:^|\s)step\s*\d+\s*[:.)]\s*", re.IGNORECASE)
_LIST_MARKER = re.compile(r"^\s*(?:\d+[.)]|[-*•])\s*")


def parse_steps(text: str) -> list[str]:
    """`Step1: … Step2: …` (inline or one per line) or plain/numbered lines → step texts."""
    if _STEP_MARKER.search(text):
        parts = _STEP_MARKER.split(text)
    else:
        parts = [_LIST_MARKER.sub("", line) for line in text.splitlines()]
    return [part.strip() for part in parts if part.strip()]


def _blocks(body: str) -> list[tuple[str, bool]]:
    """(inner text, closed?) per workflow; an unclosed trailing block runs to the end of the text."""
    blocks = [(match.group(1), True) for match in _WORKFLOW.finditer(body)]
    last_end = max((m.end() for m in _WORKFLOW.finditer(body)), default=0)
    trailing = _WORKFLOW_OPEN.search(body, last_end)
    if trailing:
        blocks.append((body[trailing.end() :], False))
    return blocks


def _parse_block(block: str, closed: bool) -> Workflow | ParseFailure:
    fields = {name: find_tag(block, name) for name in ("description", "steps", "execution_graph", "tools")}
    missing = [f"<{name}>" for name, value in fields.items() if value is None]
    if missing:
        return ParseFailure(MISSING_TAG, ", ".join(missing))
    graph = parse_execution_graph(fields["execution_graph"] or "")
    if isinstance(graph, ParseFailure):
        return graph
    loaded_tools = load_json(fields["tools"] or "")
    if isinstance(loaded_tools, ParseFailure):
        return loaded_tools.with_context("<tools>")
    tools = normalize_tools(loaded_tools[0])
    if isinstance(tools, ParseFailure):
        return tools
    repairs = set(loaded_tools[1]) | set(tools[1])
    actions = _parse_actions(find_tag(block, "actions"), repairs)
    if isinstance(actions, ParseFailure):
        return actions
    if not closed:
        repairs.add(WORKFLOW_UNCLOSED)
    return Workflow(
        description=fields["description"] or "",
        steps=parse_steps(fields["steps"] or ""),
        execution_graph=fields["execution_graph"] or "",
        nodes=graph[0],
        edges=graph[1],
        actions=actions,
        tools=tools[0],
        repairs=sorted(repairs),
    )


def _parse_actions(text: str | None, repairs: set[str]) -> list[Action] | ParseFailure:
    if not text:
        return []
    loaded = load_json(text)
    if isinstance(loaded, ParseFailure):
        return loaded.with_context("<actions>")
    value, json_repairs = loaded
    repairs.update(json_repairs)
    if not isinstance(value, list):
        return ParseFailure(JSON_WRONG_TYPE, f"<actions> is a {type(value).__name__}, not a list")
    actions = []
    for index, item in enumerate(value):
        call = read_call(item, repairs)
        if isinstance(call, ParseFailure):
            return call.with_context(f"action {index}")
        actions.append(Action(name=call[0], arguments=call[1]))
    return actions


def parse_workflows(text: object) -> list[Workflow] | ParseFailure:
    body = prepare(text)
    if isinstance(body, ParseFailure):
        return body
    blocks = _blocks(body)
    if not blocks:
        return ParseFailure(MISSING_TAG, "<workflow>")
    workflows = []
    for index, (block, closed) in enumerate(blocks):
        workflow = _parse_block(block, closed)
        if isinstance(workflow, ParseFailure):
            return workflow.with_context(f"workflow {index}")
        workflows.append(workflow)
    return workflows
