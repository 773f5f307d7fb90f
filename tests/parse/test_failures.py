"""Malformed outputs: each parse reason code is produced, with a typed failure and never an exception."""

from __future__ import annotations

import pytest

from gem_spark.parse import (
    PARSE_REASONS,
    ParseFailure,
    parse_judgement,
    parse_selection,
    parse_toolset_trajectory,
    parse_trajectory,
    parse_workflows,
)
from gem_spark.parse.importers import import_record, parse_python_calls
from gem_spark.parse.text import MAX_INPUT_CHARS
from gem_spark.schema import Trajectory
from tests.support.outputs_extract import EXTRACT_OUTPUTS
from tests.support.outputs_trajectories import GENERATE_OUTPUTS, REFINE_OUTPUTS, ROUTER_TOOLS

_WORKFLOW = EXTRACT_OUTPUTS[0][0]
_GENERATED = GENERATE_OUTPUTS[3][0]

CASES = [
    ("input_not_text", lambda: parse_selection(None)),
    ("input_not_text", lambda: parse_judgement(b'{"R1": 1}')),
    ("input_too_large", lambda: parse_trajectory("<user>" + "a" * MAX_INPUT_CHARS + "</user>", [])),
    ("empty_output", lambda: parse_selection("<think>long reasoning, then the budget ran out")),
    ("empty_output", lambda: parse_judgement("   \n ")),
    ("missing_tag", lambda: parse_selection("The text is a how-to. Answer: True")),
    ("missing_tag", lambda: parse_workflows("<description>no workflow wrapper</description>")),
    ("missing_tag", lambda: parse_workflows(_WORKFLOW.replace("<execution_graph>", "<graph>"))),
    ("missing_tag", lambda: parse_toolset_trajectory(_GENERATED)),
    ("invalid_boolean", lambda: parse_selection("<multi_step>Maybe</multi_step>")),
    (
        "missing_label",
        lambda: parse_selection("<multi_step>True</multi_step><summary>x</summary><domain>news</domain>"),
    ),
    (
        "json_invalid",
        lambda: parse_workflows(
            _WORKFLOW.replace('"login_admin", "description"', '"login_admin" "description"')
        ),
    ),
    (
        "json_invalid",
        lambda: parse_trajectory(
            '<user>hi</user><assistant><func>{"name": "reboot_router", "arguments": {}</func></assistant>',
            ROUTER_TOOLS,
        ),
    ),
    ("json_too_deep", lambda: parse_judgement('{"R1": ' + "[" * 100_000 + "]" * 100_000 + "}")),
    (
        "json_too_deep",
        lambda: parse_toolset_trajectory("<toolsets>" + '{"a":' * 100_000 + "</toolsets><user>x</user>"),
    ),
    (
        "json_wrong_type",
        lambda: parse_workflows(_WORKFLOW.replace("<actions>[", '<actions>"none"</actions><x>[')),
    ),
    (
        "json_wrong_type",
        lambda: parse_workflows(
            _WORKFLOW.replace("<actions>[", '<actions>{"a": [').replace("]</actions>", "]}</actions>")
        ),
    ),
    (
        "tool_invalid",
        lambda: parse_toolset_trajectory('<toolsets>[{"description": "no name"}]</toolsets><user>x</user>'),
    ),
    (
        "tool_invalid",
        lambda: parse_toolset_trajectory('<toolsets>{"name": "not_a_list"}</toolsets><user>x</user>'),
    ),
    (
        "call_invalid",
        lambda: parse_trajectory('<user>x</user><assistant><func>{"arguments": {}}</func></assistant>', []),
    ),
    (
        "call_invalid",
        lambda: parse_trajectory(
            '<user>x</user><assistant><func>{"name": "a", "arguments": [1]}</func></assistant>', []
        ),
    ),
    ("call_invalid", lambda: parse_python_calls("[get_weather(city=__import__('os'))]")),
    (
        "graph_invalid",
        lambda: parse_workflows(
            _WORKFLOW.replace("(login_admin)->(get_wifi_settings)", "(login_admin->(get_wifi_settings)")
        ),
    ),
    (
        "graph_invalid",
        lambda: parse_workflows(_WORKFLOW.replace("(login_admin)->(get_wifi_settings)", "(login_admin)->()")),
    ),
    ("no_messages", lambda: parse_trajectory("Sure! Here is the conversation you asked for.", ROUTER_TOOLS)),
    ("score_invalid", lambda: parse_judgement('{"R1": 1, "R2": 2, "R3": 1}')),
    ("score_invalid", lambda: parse_judgement('{"R1": true, "R2": 1, "R3": 1}')),
    ("score_invalid", lambda: parse_judgement('{"R1": 1, "R2": 1}')),
    ("score_invalid", lambda: parse_judgement("All three rubrics pass.")),
    ("record_invalid", lambda: import_record({"unknown": "format"})),
    (
        "record_invalid",
        lambda: import_record({"conversations": [{"from": "wizard", "value": "hi"}], "tools": ""}),
    ),
]


@pytest.mark.parametrize(("reason", "make"), CASES)
def test_malformed_output_gives_reason(reason: str, make) -> None:
    result = make()
    assert isinstance(result, ParseFailure), result
    assert result.reason == reason, result
    assert result.detail


def test_every_parse_reason_is_exercised() -> None:
    assert {reason for reason, _ in CASES} == PARSE_REASONS


def test_structural_problems_are_recorded_not_fatal() -> None:
    text = REFINE_OUTPUTS[4][0].replace("</user>\n<assistant>", "\n<assistant>", 1)
    trajectory = parse_toolset_trajectory(text)
    assert isinstance(trajectory, Trajectory)
    assert trajectory.issues == ["unclosed_tag"]
    unclosed_func = parse_trajectory(
        '<user>x</user><assistant><func>{"name": "reboot_router", "arguments": {}}', ROUTER_TOOLS
    )
    assert isinstance(unclosed_func, Trajectory)
    assert unclosed_func.issues == ["unclosed_tag"]
    assert unclosed_func.messages[1].tool_calls[0].name == "reboot_router"


def test_tool_message_without_a_call_stays_unlinked() -> None:
    trajectory = parse_trajectory(
        '<user>x</user><assistant>ok</assistant><tool>{"a": 1}</tool>', ROUTER_TOOLS
    )
    assert isinstance(trajectory, Trajectory)
    assert trajectory.messages[2].tool_call_id is None
