"""validate_trajectory: every rule of GEM.md's rule-based validation, returning all codes found.

Turn order (GEM.md Stage 3), over the messages after an optional leading system message:
- a system message is allowed only as the very first message (elsewhere: bad_turn_order);
- the first non-system message is a user message (else bad_turn_order);
- user → assistant; tool → assistant or tool (a parallel call's next response);
- assistant with calls → tool; assistant without calls → user;
- any other transition is bad_turn_order, except tool → user, reported as tool_followed_by_user;
- the last message is an assistant message (else not_ending_with_assistant).
Calls and responses: each tool message must answer an open call of the latest assistant turn
(tool_call_id of that turn, same tool name), else response_without_call; every call of a turn must be
answered before the next non-tool message, else call_without_response (a final turn's calls are exempt
under RuleConfig.allow_trailing_call). An empty user/assistant turn without calls is empty_message; an
empty tool message is empty_tool_result (a warning by default: some tools return nothing).

Each code is found once, with the detail of its first occurrence (tool, key, message index); the
RuleConfig's severities split the codes into rejections and warnings (`check_trajectory`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gem_spark.schema import Message, Tool, Trajectory
from gem_spark.validate import codes as c
from gem_spark.validate.content import (
    is_error_value,
    is_short_error,
    load_response,
    may_hold_placeholder,
    text_has_placeholder,
    value_has_placeholder,
)
from gem_spark.validate.rules import RuleConfig
from gem_spark.validate.schemas import ArgumentChecker, argument_checker, parameters_problem, schema_key
from gem_spark.validate.structure import ResponseShapes

# OpenAI's function-name rule.
_TOOL_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
# Allowed successors per role; an assistant is split by whether it made calls.
_NEXT = {
    "user": {"assistant"},
    "tool": {"assistant", "tool"},
    "assistant+calls": {"tool"},
    "assistant": {"user"},
}


class Findings(dict[str, str]):
    """code → detail of its first occurrence."""

    def add(self, code: str, detail: str = "") -> None:
        if code not in self:
            self[code] = detail


@dataclass(frozen=True)
class Verdict:
    rejects: list[str]
    warnings: list[str]
    # code → where it was first found (tool, key, message index), for every reported code
    details: dict[str, str]

    def findings(self) -> list[dict[str, str]]:
        """Rows of (code, severity, detail), rejections first (what tables and the CLI store)."""
        return [
            {"code": code, "severity": severity, "detail": self.details.get(code, "")}
            for severity, codes in (("reject", self.rejects), ("warn", self.warnings))
            for code in codes
        ]


def tool_codes(tools: list[Tool], found: Findings) -> dict[str, ArgumentChecker]:
    """Check the definitions; return argument checkers for the tools whose schema is valid."""
    checkers: dict[str, ArgumentChecker] = {}
    seen: set[str] = set()
    for tool in tools:
        name = tool.function.name
        if name in seen:
            found.add(c.DUPLICATE_TOOL_NAME, f"tool {name!r}")
        seen.add(name)
        if not _TOOL_NAME.fullmatch(name):
            found.add(c.TOOL_NAME_INVALID, f"tool {name[:80]!r}")
        parameters = tool.function.parameters
        try:
            key = schema_key(parameters)
        except RecursionError:
            found.add(c.TOOL_SCHEMA_INVALID, f"tool {name!r}: schema nested too deeply")
            continue
        problem = parameters_problem(parameters, key)
        if problem is not None:
            found.add(c.TOOL_SCHEMA_INVALID, f"tool {name!r}: {problem}")
            continue
        if not tool.function.description.strip():
            found.add(c.TOOL_DESCRIPTION_MISSING, f"tool {name!r}")
        checkers.setdefault(name, argument_checker(parameters, key))
    return checkers


def _call_codes(
    index: int, message: Message, checkers: dict[str, ArgumentChecker], names: set[str], found: Findings
) -> None:
    for call in message.tool_calls:
        where = f"message {index}, call {call.name!r}"
        if call.name not in names:
            found.add(c.UNKNOWN_TOOL_CALLED if names else c.NO_TOOL_DEFINITIONS, where)
        checker = checkers.get(call.name)
        if checker is not None:
            arguments = call.arguments
            if not checker.required.issubset(arguments):
                missing = sorted(checker.required - set(arguments))
                found.add(c.MISSING_REQUIRED_ARGUMENT, f"{where}: {missing}")
            if checker.allowed is not None and not checker.allowed.issuperset(arguments):
                found.add(c.UNEXPECTED_ARGUMENT, f"{where}: {sorted(set(arguments) - checker.allowed)}")
            if checker.mismatched(arguments):
                found.add(c.ARGUMENT_TYPE_MISMATCH, where)
        if value_has_placeholder(call.arguments):
            found.add(c.PLACEHOLDER_VALUE, where)


def _response_codes(
    index: int, message: Message, rules: RuleConfig, shapes: ResponseShapes, found: Findings
) -> None:
    content = message.content
    is_json, value = load_response(content)
    if not is_json:
        if content.strip() and not is_short_error(content, rules.max_error_chars):
            found.add(c.TOOL_RESPONSE_MALFORMED, f"message {index}")
        if text_has_placeholder(content):
            found.add(c.PLACEHOLDER_VALUE, f"message {index}")
        return
    if not is_error_value(value) and message.name is not None:
        contradiction = shapes.add(message.name, index, value)
        if contradiction is not None:
            found.add(c.INCONSISTENT_RESPONSE_STRUCTURE, contradiction)
    if may_hold_placeholder(content) and value_has_placeholder(value):
        found.add(c.PLACEHOLDER_VALUE, f"message {index}")


def _slot(message: Message) -> str:
    return "assistant+calls" if message.role == "assistant" and message.tool_calls else message.role


def _transition_code(previous: Message | None, current: Message) -> str | None:
    if previous is None:
        return None if current.role == "user" else c.BAD_TURN_ORDER
    if current.role in _NEXT[_slot(previous)]:
        return None
    if previous.role == "tool" and current.role == "user":
        return c.TOOL_FOLLOWED_BY_USER
    return c.BAD_TURN_ORDER


def turn_codes(messages: list[Message], rules: RuleConfig, found: Findings) -> None:
    if rules.require_system and (not messages or messages[0].role != "system"):
        found.add(c.MISSING_SYSTEM, f"first message: {messages[0].role if messages else None}")
    previous: Message | None = None
    open_calls: dict[str, str] = {}
    for index, message in enumerate(messages):
        role = message.role
        if role == "system":
            if index:
                found.add(c.BAD_TURN_ORDER, f"system message at {index}")
            continue
        if not message.tool_calls and not message.content.strip():
            found.add(c.EMPTY_TOOL_RESULT if role == "tool" else c.EMPTY_MESSAGE, f"message {index} ({role})")
        if role == "tool":
            call_id = message.tool_call_id
            if call_id is not None and open_calls.get(call_id, None) == message.name:
                del open_calls[call_id]
            else:
                found.add(c.RESPONSE_WITHOUT_CALL, f"message {index}")
        elif open_calls:
            found.add(c.CALL_WITHOUT_RESPONSE, f"before message {index}: {sorted(open_calls.values())}")
        code = _transition_code(previous, message)
        if code is not None:
            found.add(code, f"message {index} ({role})")
        if role == "assistant":
            open_calls = {call.id: call.name for call in message.tool_calls}
            if rules.single_call_per_turn and len(message.tool_calls) > 1:
                found.add(c.MULTIPLE_CALLS_PER_TURN, f"message {index}")
        previous = message
    trailing_exempt = rules.allow_trailing_call and previous is not None and previous.role == "assistant"
    if open_calls and not trailing_exempt:
        found.add(c.CALL_WITHOUT_RESPONSE, f"at the end: {sorted(open_calls.values())}")
    if previous is None or previous.role != "assistant":
        found.add(c.NOT_ENDING_WITH_ASSISTANT, f"last role {previous.role if previous else None}")


def find_codes(trajectory: Trajectory, rules: RuleConfig) -> Findings:
    """Every code found, before severities apply."""
    found = Findings.fromkeys(trajectory.issues, "found while parsing")
    checkers = tool_codes(trajectory.tools, found)
    names = {tool.function.name for tool in trajectory.tools}
    shapes = ResponseShapes()
    calls = 0
    for index, message in enumerate(trajectory.messages):
        if message.tool_calls:
            calls += len(message.tool_calls)
            _call_codes(index, message, checkers, names, found)
        elif message.role == "tool":
            _response_codes(index, message, rules, shapes, found)
    if calls < rules.min_tool_calls:
        found.add(c.TOO_FEW_TOOL_CALLS, f"{calls} < {rules.min_tool_calls}")
    disjoint = shapes.disjoint()
    if disjoint is not None:
        found.add(c.INCONSISTENT_RESPONSE_STRUCTURE, disjoint)
    turn_codes(trajectory.messages, rules, found)
    return found


def check_trajectory(trajectory: Trajectory, rules: RuleConfig) -> Verdict:
    """Every code found, split by the rules' severities (rejections make the trajectory fail)."""
    return _verdict(find_codes(trajectory, rules), rules)


def check_tools(tools: list[Tool], rules: RuleConfig) -> Verdict:
    """The definition rules alone, for files that hold tools but no conversation (tau-bench)."""
    found = Findings()
    tool_codes(tools, found)
    return _verdict(found, rules)


def _verdict(found: Findings, rules: RuleConfig) -> Verdict:
    rejects = sorted(code for code in found if code not in rules.skip and code not in rules.warn)
    warnings = sorted(code for code in found if code in rules.warn and code not in rules.skip)
    return Verdict(rejects, warnings, {code: found[code] for code in (*rejects, *warnings)})


def validate_trajectory(trajectory: Trajectory, rules: RuleConfig) -> list[str]:
    """The codes that reject the trajectory, sorted (empty: it passes; warnings are not included)."""
    return check_trajectory(trajectory, rules).rejects
