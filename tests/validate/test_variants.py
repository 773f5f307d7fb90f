"""Realistic variants of what real models and datasets write (accepted) beside planted defects (caught
with their code and detail): repeated tools in execution graphs, optional keys in tool responses, empty
tool descriptions and empty tool results."""

from __future__ import annotations

import json

import pytest

from gem_spark.parse import ParseFailure, parse_workflows
from gem_spark.schema import Message, Tool, ToolCall, Trajectory
from gem_spark.validate import RuleConfig, check_trajectory
from gem_spark.validate.workflow import validate_workflow

RULES = RuleConfig.for_stage("refine", min_tool_calls=1)
_OBJECT = {"type": "object", "properties": {"path": {"type": "string"}}}


def _workflow(graph: str, tools: list[str]) -> str:
    specs = [{"name": name, "description": f"{name} tool", "parameters": _OBJECT} for name in tools]
    return (f"<workflow><description>d</description><steps>Step1: a</steps>"
            f"<execution_graph>{graph}</execution_graph><tools>{json.dumps(specs)}</tools></workflow>")  # fmt: skip


@pytest.mark.parametrize(
    ("graph", "tools"),
    [
        ("(select_item)->(list_entries)->(add_entry)->(list_entries)->(type_text)",
         ["select_item", "list_entries", "add_entry", "type_text"]),
        ("(open_file)->(read_file, stat_file)->(write_file)->(read_file)",
         ["open_file", "read_file", "stat_file", "write_file"]),
        ("(search) → (open_result) → (search) → (open_result)", ["search", "open_result"]),
        ("(login)->(fetch_page)\n(fetch_page)->(logout)", ["login", "fetch_page", "logout"]),
    ],
)  # fmt: skip
def test_a_tool_in_several_steps_is_a_valid_graph(graph: str, tools: list[str]) -> None:
    workflows = parse_workflows(_workflow(graph, tools))
    assert not isinstance(workflows, ParseFailure)
    assert validate_workflow(workflows[0]) == []


def test_graph_defects_are_still_caught() -> None:
    unknown = parse_workflows(_workflow("(login)->(delete_everything)->(login)", ["login"]))
    assert not isinstance(unknown, ParseFailure)
    assert validate_workflow(unknown[0]) == ["graph_unknown_tool"]
    malformed = parse_workflows(_workflow("(login->(search)", ["login", "search"]))
    assert isinstance(malformed, ParseFailure) and malformed.reason == "graph_invalid"
    no_tools = parse_workflows(_workflow("(login)", []))
    assert not isinstance(no_tools, ParseFailure)
    assert validate_workflow(no_tools[0]) == ["workflow_without_tools"]


def _conversation(tool: str, responses: list[object | str], description: str = "Read a thing.") -> Trajectory:
    messages = [Message(role="system", content="Rules."), Message(role="user", content="Please help.")]
    for index, response in enumerate(responses):
        call = ToolCall(id=f"c{index}", name=tool, arguments={"path": f"/srv/data/f{index}.bin"})
        content = response if isinstance(response, str) else json.dumps(response)
        messages += [
            Message(role="assistant", content="", tool_calls=[call]),
            Message(role="tool", content=content, tool_call_id=f"c{index}", name=tool),
        ]
    messages.append(Message(role="assistant", content="Done."))
    return Trajectory(tools=[Tool.of(tool, description, _OBJECT)], messages=messages)


VALID_VARIANTS = {
    "checksum for one file type only": [
        {"name": "a.tar.gz", "size": 1048576, "sha256": "9f2c…e1"}, {"name": "notes.txt", "size": 812},
    ],
    "replaced only on overwrite": [{"id": "e1", "saved": True}, {"id": "e1", "saved": True, "replaced": True}],
    "total on one page, next null at the end": [
        {"items": [{"id": 1}], "next": "cur_2", "total": 57}, {"items": [{"id": 2}], "next": None},
    ],
    "integer and fractional numbers": [{"price": 12, "currency": "EUR"}, {"price": 12.5, "currency": "EUR"}],
    "empty object beside a full one": [{"deleted": 3}, {}],
    "an error between successes": [{"rows": 3}, "Error: file is locked", {"rows": 4, "warnings": []}],
    "error object with other keys": [{"rows": 3}, {"error": {"code": 404}, "path": "/srv/x"}],
    "scalar results": [3, 4.5, 0],
    "null for nothing found": [{"id": "e1", "title": "Budget"}, None, {"id": "e2", "title": "Plan"}],
    "failures marked other ways": [
        {"reservation_id": "ZK7Q", "cabin": "economy"}, {"success": False, "message": "Reservation not found"},
        {"ok": False, "reason": "locked"}, {"status": "not_found", "detail": "no such user"},
        {"error_code": 404, "error_message": "gone"}, {"reservation_id": "QX2P", "cabin": "business"},
    ],
}


@pytest.mark.parametrize("name", sorted(VALID_VARIANTS))
def test_optional_keys_and_varying_payloads_pass(name: str) -> None:
    verdict = check_trajectory(_conversation("read_file", VALID_VARIANTS[name]), RULES)
    assert verdict.rejects == [], verdict.details


DEFECTS = {
    "same key, other type": ([{"count": 3, "unit": "rows"}, {"count": "three", "unit": "rows"}],
                             "read_file: key 'count' is number in message 3, string in message 5"),
    "object vs list": ([{"rows": [1, 2]}, [1, 2]], "read_file: message 3 returned object, message 5 returned array"),
    "nothing in common": ([{"name": "a", "size": 1}, {"name": "b", "size": 2}, {"weather": "sunny", "temp_c": 21}],
                          "read_file: message 7 has keys ['temp_c', 'weather'], the others ['name', 'size']"),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(DEFECTS))
def test_contradictions_are_flagged_with_detail(name: str) -> None:
    responses, detail = DEFECTS[name]
    verdict = check_trajectory(_conversation("read_file", responses), RULES)
    assert verdict.rejects == ["inconsistent_response_structure"]
    assert verdict.details["inconsistent_response_structure"] == detail


def test_empty_description_and_empty_result_are_their_own_warnings() -> None:
    verdict = check_trajectory(_conversation("think", [{"ok": True}, ""], description=""), RULES)
    assert (verdict.rejects, verdict.warnings) == ([], ["empty_tool_result", "tool_description_missing"])
    assert verdict.findings()[0] == {"code": "empty_tool_result", "severity": "warn", "detail": "message 5 (tool)"}
    strict = RuleConfig(single_call_per_turn=True, warn=frozenset())
    assert check_trajectory(_conversation("think", [""], description=""), strict).rejects == [
        "empty_tool_result", "tool_description_missing",
    ]  # fmt: skip


def test_an_empty_assistant_turn_is_still_rejected() -> None:
    trajectory = _conversation("read_file", [{"rows": 1}])
    messages = [*trajectory.messages[:-1], Message(role="assistant", content="  ")]
    verdict = check_trajectory(trajectory.model_copy(update={"messages": messages}), RULES)
    assert verdict.rejects == ["empty_message"]
