"""Stage-3/4/synthesizer output → Trajectory.

Tags: `<system>`, `<user>`, `<assistant>… <func>{"name": …, "arguments": {…}}</func></assistant>`,
`<tool>`; refine/synthesize put `<toolsets>[…]</toolsets>` first. Calls get deterministic ids
(call_0, call_1, … in order of appearance); each `<tool>` message answers the oldest unanswered call of
the latest assistant turn (tool_call_id + name). A tool message with no call to answer keeps
tool_call_id None, so the validator reports `response_without_call`.

Structural problems do not fail the parse: a role or `<func>` tag opened and not closed (or closed and
not opened) is kept in `Trajectory.issues` as `unclosed_tag`, which the validator reports. Anything that
makes the content unreadable (a `<func>` body that is not a call) is a ParseFailure.
"""

from __future__ import annotations

import re
from typing import Any

from gem_spark.parse.builder import TrajectoryBuilder
from gem_spark.parse.calls import read_call
from gem_spark.parse.failure import MISSING_TAG, NO_MESSAGES, ParseFailure
from gem_spark.parse.jsonload import load_json
from gem_spark.parse.text import find_tag, prepare, tag_pattern
from gem_spark.parse.tools import normalize_tools
from gem_spark.schema import Tool, Trajectory

UNCLOSED_TAG = "unclosed_tag"
CODE_FENCE = "tool_content_fence"

_ROLE_TAG = re.compile(r"<\s*(/?)\s*(system|user|assistant|tool)\s*>", re.IGNORECASE)
_FUNC_TAG = re.compile(r"<\s*(/?)\s*func\s*>", re.IGNORECASE)
_TOOLSETS = tag_pattern("toolsets")
_WRAPPING_FENCE = re.compile(r"^```[\w+-]*\s*\n?(.*?)\n?\s*```$", re.DOTALL)


def _role_spans(body: str, state: TrajectoryBuilder) -> list[tuple[str, str]]:
    """(role, inner text) in order; mismatched tags are noted and their text kept."""
    spans: list[tuple[str, str]] = []
    current: tuple[str, int] | None = None
    for match in _ROLE_TAG.finditer(body):
        closing, role = match.group(1) == "/", match.group(2).lower()
        if current is not None and (not closing or role != current[0]):
            state.issues.add(UNCLOSED_TAG)
            spans.append((current[0], body[current[1] : match.start()]))
            current = None
        elif current is None and closing:
            state.issues.add(UNCLOSED_TAG)
        if not closing:
            current = (role, match.end())
        elif current is not None:
            spans.append((current[0], body[current[1] : match.start()]))
            current = None
    if current is not None:
        state.issues.add(UNCLOSED_TAG)
        spans.append((current[0], body[current[1] :]))
    return spans


def _func_bodies(content: str, state: TrajectoryBuilder) -> tuple[str, list[str]]:
    """Split assistant text from its `<func>` bodies (an unclosed last one runs to the end)."""
    text_parts: list[str] = []
    bodies: list[str] = []
    position, opened = 0, None
    for match in _FUNC_TAG.finditer(content):
        if match.group(1) == "":
            if opened is not None:
                state.issues.add(UNCLOSED_TAG)
                bodies.append(content[opened : match.start()])
            else:
                text_parts.append(content[position : match.start()])
            opened = match.end()
        elif opened is not None:
            bodies.append(content[opened : match.start()])
            opened, position = None, match.end()
        else:
            state.issues.add(UNCLOSED_TAG)
            position = match.end()
    if opened is not None:
        state.issues.add(UNCLOSED_TAG)
        bodies.append(content[opened:])
    else:
        text_parts.append(content[position:])
    return "".join(text_parts).strip(), bodies


def _assistant(content: str, state: TrajectoryBuilder) -> ParseFailure | None:
    text, bodies = _func_bodies(content, state)
    calls: list[tuple[str, dict[str, Any], str | None]] = []
    for index, body in enumerate(bodies):
        loaded = load_json(body)
        if isinstance(loaded, ParseFailure):
            return loaded.with_context(f"<func> {index} of assistant turn {len(state.messages)}")
        state.repairs.update(loaded[1])
        call = read_call(loaded[0], state.repairs)
        if isinstance(call, ParseFailure):
            return call.with_context(f"<func> {index} of assistant turn {len(state.messages)}")
        calls.append((call[0], call[1], None))
    state.assistant(text, calls)
    return None


def _tool_content(content: str, state: TrajectoryBuilder) -> str:
    fenced = _WRAPPING_FENCE.match(content)
    if fenced:
        state.repairs.add(CODE_FENCE)
        return fenced.group(1).strip()
    return content


def _build(body: str, tools: list[Tool], stage: str | None, repairs: list[str]) -> Trajectory | ParseFailure:
    state = TrajectoryBuilder()
    for role, inner in _role_spans(body, state):
        content = inner.strip()
        if role == "assistant":
            failure = _assistant(content, state)
            if failure is not None:
                return failure
        elif role == "tool":
            state.tool(_tool_content(content, state))
        else:
            state.text(role, content)
    if not state.messages:
        return ParseFailure(NO_MESSAGES, "no <system>/<user>/<assistant>/<tool> tags")
    return state.build(tools, stage, repairs)


def parse_trajectory(
    text: object, tools: list[Tool], stage: str | None = "generate"
) -> Trajectory | ParseFailure:
    """Stage-3 output with the tools the caller gave the model."""
    body = prepare(text)
    if isinstance(body, ParseFailure):
        return body
    return _build(body, list(tools), stage, [])


def parse_toolset_trajectory(text: object, stage: str | None = "refine") -> Trajectory | ParseFailure:
    """Refine/synthesize output: `<toolsets>[…]</toolsets>` then the conversation's tags."""
    body = prepare(text)
    if isinstance(body, ParseFailure):
        return body
    raw_tools = find_tag(body, "toolsets")
    if raw_tools is None:
        return ParseFailure(MISSING_TAG, "<toolsets>")
    loaded = load_json(raw_tools)
    if isinstance(loaded, ParseFailure):
        return loaded.with_context("<toolsets>")
    tools = normalize_tools(loaded[0])
    if isinstance(tools, ParseFailure):
        return tools
    rest = _TOOLSETS.sub("", body, count=1)
    return _build(rest, tools[0], stage, loaded[1] + tools[1])
