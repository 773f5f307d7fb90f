"""One test per validator reason code: a valid refined trajectory, broken in exactly one way."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from gem_spark.schema import Message, Tool, ToolCall, Trajectory
from gem_spark.validate import RULE_CODES, RuleConfig, check_trajectory, validate_trajectory
from tests.support.trajectories import refined_trajectory

REFINE = RuleConfig.for_stage("refine", min_tool_calls=3)
BASE = refined_trajectory(7)


def _messages(trajectory: Trajectory, messages: list[Message]) -> Trajectory:
    return trajectory.model_copy(update={"messages": messages})


def _tools(trajectory: Trajectory, tools: list[Tool]) -> Trajectory:
    return trajectory.model_copy(update={"tools": tools})


def _first_call_index(trajectory: Trajectory, name: str) -> int:
    return next(i for i, m in enumerate(trajectory.messages) if m.tool_calls and m.tool_calls[0].name == name)


def _with_arguments(name: str, change: Callable[[dict], dict]) -> Trajectory:
    index = _first_call_index(BASE, name)
    message = BASE.messages[index]
    call = message.tool_calls[0]
    new_call = call.model_copy(update={"arguments": change(dict(call.arguments))})
    messages = list(BASE.messages)
    messages[index] = message.model_copy(update={"tool_calls": [new_call]})
    return _messages(BASE, messages)


def _with_parameters(index: int, parameters: dict) -> Trajectory:
    tools = list(BASE.tools)
    tools[index] = Tool.of(tools[index].name, tools[index].function.description, parameters)
    return _tools(BASE, tools)


def _with_content(index: int, content: str) -> Trajectory:
    messages = list(BASE.messages)
    messages[index] = messages[index].model_copy(update={"content": content})
    return _messages(BASE, messages)


def _tool_message_index(name: str, occurrence: int = 0) -> int:
    indexes = [i for i, m in enumerate(BASE.messages) if m.role == "tool" and m.name == name]
    return indexes[occurrence]


_SEARCH = _first_call_index(BASE, "search_products")
_LAST_CALL = max(i for i, m in enumerate(BASE.messages) if m.tool_calls)


def _parallel_search() -> list[Message]:
    """The two consecutive search_products rounds merged into one assistant turn with two calls."""
    first_call, first_answer, second_call, second_answer = BASE.messages[_SEARCH : _SEARCH + 4]
    second = second_call.tool_calls[0].model_copy(update={"id": "call_x"})
    merged = first_call.model_copy(update={"tool_calls": [first_call.tool_calls[0], second]})
    answer = second_answer.model_copy(update={"tool_call_id": "call_x"})
    return [*BASE.messages[:_SEARCH], merged, first_answer, answer, *BASE.messages[_SEARCH + 4 :]]


CASES: dict[str, Trajectory] = {
    "tool_schema_invalid": _with_parameters(0, {"type": "object", "properties": {"email": {"type": "text"}}}),
    "duplicate_tool_name": _tools(BASE, [*BASE.tools, BASE.tools[0]]),
    "tool_name_invalid": _tools(BASE, [*BASE.tools, Tool.of("track parcel!", "Track.", {"type": "object"})]),
    "unknown_tool_called": _with_arguments("search_products", lambda a: a).model_copy(
        update={"tools": [t for t in BASE.tools if t.name != "search_products"]}
    ),
    "missing_required_argument": _with_arguments("cancel_order", lambda a: {"order_id": a["order_id"]}),
    "argument_type_mismatch": _with_arguments("list_orders", lambda a: {**a, "limit": "five"}),
    "unexpected_argument": _with_arguments("cancel_order", lambda a: {**a, "refund_to": "gift_card"}),
    "call_without_response": _messages(BASE, BASE.messages[: _LAST_CALL + 1]),
    "response_without_call": _messages(
        BASE, [*BASE.messages[:-1], Message(role="tool", content='{"ok": true}'), BASE.messages[-1]]
    ),
    "tool_followed_by_user": _messages(BASE, [*BASE.messages[:-1], Message(role="user", content="thanks")]),
    "bad_turn_order": _messages(BASE, [*BASE.messages, Message(role="assistant", content="Anything else?")]),
    "empty_message": _with_content(1, "   "),
    "missing_system": _messages(BASE, BASE.messages[1:]),
    "multiple_calls_per_turn": _messages(BASE, _parallel_search()),
    "unclosed_tag": BASE.model_copy(update={"issues": ["unclosed_tag"]}),
    "not_ending_with_assistant": _messages(BASE, [*BASE.messages, Message(role="user", content="Bye.")]),
    "too_few_tool_calls": _messages(BASE, BASE.messages[:3] + BASE.messages[4:5] + BASE.messages[-1:]),
    "tool_response_malformed": _with_content(
        _tool_message_index("get_customer_profile"), "Profile found:\nname: Maya\ncity: San Francisco"
    ),
    "inconsistent_response_structure": _with_content(
        _tool_message_index("get_return_status", 1), '{"id": "RET1", "state": "label_sent"}'
    ),
    "placeholder_value": _with_arguments("get_customer_profile", lambda a: {"customer_id": "12345"}),
    "tool_description_missing": _tools(BASE, [Tool.of(BASE.tools[0].name, " ", BASE.tools[0].function.parameters),
                                              *BASE.tools[1:]]),
    "no_tool_definitions": _tools(BASE, []),
    "empty_tool_result": _with_content(_tool_message_index("get_customer_profile"), ""),
}
# Codes that only warn by default: the trajectory is still usable.
WARNINGS = {"tool_description_missing", "empty_tool_result"}


def test_base_trajectory_passes() -> None:
    assert validate_trajectory(BASE, REFINE) == []


def test_every_code_has_a_case() -> None:
    assert set(CASES) == RULE_CODES


@pytest.mark.parametrize("code", sorted(CASES))
def test_each_break_is_reported_with_its_severity(code: str) -> None:
    verdict = check_trajectory(CASES[code], REFINE)
    assert code in (verdict.warnings if code in WARNINGS else verdict.rejects)
    assert verdict.details[code] or code == "unclosed_tag"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("missing_required_argument", ["missing_required_argument"]),
        ("argument_type_mismatch", ["argument_type_mismatch"]),
        ("unexpected_argument", ["unexpected_argument"]),
        ("call_without_response", ["call_without_response"]),
        ("tool_followed_by_user", ["not_ending_with_assistant", "tool_followed_by_user"]),
        ("bad_turn_order", ["bad_turn_order"]),
        ("missing_system", ["missing_system"]),
        ("multiple_calls_per_turn", ["multiple_calls_per_turn"]),
        ("placeholder_value", ["placeholder_value"]),
        ("duplicate_tool_name", ["duplicate_tool_name"]),
        ("no_tool_definitions", ["no_tool_definitions"]),
        ("tool_description_missing", []),
        ("empty_tool_result", []),
    ],
)
def test_breaks_report_exactly_their_codes(code: str, expected: list[str]) -> None:
    assert validate_trajectory(CASES[code], REFINE) == expected


def test_all_codes_at_once_sorted_and_unique() -> None:
    broken = Trajectory(
        tools=[Tool.of("a b", "", {"type": "object"}), Tool.of("a b", "", {"type": "object"})],
        messages=[
            Message(role="user", content=""),
            Message(role="tool", content="line one\nline two"),
            Message(role="user", content="again"),
        ],
        issues=["unclosed_tag"],
    )
    assert validate_trajectory(broken, RuleConfig(min_tool_calls=1)) == sorted(
        {
            "bad_turn_order", "duplicate_tool_name", "empty_message", "missing_system", "not_ending_with_assistant",
            "response_without_call", "tool_followed_by_user", "tool_name_invalid", "tool_response_malformed",
            "too_few_tool_calls", "unclosed_tag",
        }
    )  # fmt: skip
    assert check_trajectory(broken, RuleConfig(min_tool_calls=1)).warnings == ["tool_description_missing"]


def test_generate_stage_allows_parallel_calls_and_skip_removes_codes() -> None:
    assert validate_trajectory(CASES["multiple_calls_per_turn"], RuleConfig.for_stage("generate", 3)) == []
    assert validate_trajectory(CASES["missing_system"], RuleConfig(skip=frozenset({"missing_system"}))) == []
    assert validate_trajectory(CASES["missing_system"], RuleConfig(require_system=False)) == []


def test_trailing_call_is_allowed_only_when_configured() -> None:
    ends_at_call = CASES["call_without_response"]
    assert validate_trajectory(ends_at_call, RuleConfig(allow_trailing_call=True, min_tool_calls=3)) == []


def test_short_error_lines_are_valid_tool_responses() -> None:
    index = _tool_message_index("get_customer_profile")
    assert validate_trajectory(_with_content(index, "Error: customer not found"), REFINE) == []
    assert "tool_response_malformed" in validate_trajectory(_with_content(index, "E" * 301), REFINE)


@pytest.mark.parametrize(
    "value",
    [
        "xxx",
        "<order_id>",
        "example",
        "...",
        "/path/to/receipt.pdf",
        "/example/file",
        "5+ more results",
        "YOUR_API_KEY",
    ],
)
def test_placeholder_values(value: str) -> None:
    broken = _with_arguments("get_customer_profile", lambda a: {"customer_id": value})
    assert "placeholder_value" in validate_trajectory(broken, REFINE)


@pytest.mark.parametrize(
    "value", ["CUS123456X", "ORD-12345-B", "example.com support", "Read more at our site"]
)
def test_real_values_are_not_placeholders(value: str) -> None:
    assert (
        validate_trajectory(_with_arguments("get_customer_profile", lambda a: {"customer_id": value}), REFINE)
        == []
    )


def test_error_responses_are_not_compared_for_structure() -> None:
    index = _tool_message_index("get_return_status", 1)
    assert validate_trajectory(_with_content(index, '{"error": "return not found"}'), REFINE) == []


def test_tool_call_ids_must_match_names() -> None:
    index = _tool_message_index("get_customer_profile")
    messages = list(BASE.messages)
    messages[index] = messages[index].model_copy(update={"name": "list_orders"})
    codes = validate_trajectory(_messages(BASE, messages), REFINE)
    assert {"response_without_call", "call_without_response"} <= set(codes)


def test_call_ids_are_what_links() -> None:
    call = ToolCall(id="c9", name="get_return_status", arguments={"return_id": "RET7K2M9QA"})
    messages = [
        BASE.messages[0], Message(role="user", content="status?"),
        Message(role="assistant", content="", tool_calls=[call]),
        Message(role="tool", content='{"return_id": "RET7K2M9QA", "status": "open", "refund_to": "visa_4242"}',
                tool_call_id="c8", name="get_return_status"),
        Message(role="assistant", content="It is open."),
    ]  # fmt: skip
    codes = validate_trajectory(_messages(BASE, messages), RuleConfig())
    assert codes == ["call_without_response", "response_without_call"]
