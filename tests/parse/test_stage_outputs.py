"""Realistic hand-written outputs of every stage parse into the expected models (and pass the rules)."""

from __future__ import annotations

import pytest

from gem_spark.parse import (
    parse_judgement,
    parse_selection,
    parse_toolset_trajectory,
    parse_trajectory,
    parse_workflows,
)
from gem_spark.schema import Judgement, Selection, Trajectory
from gem_spark.validate import RuleConfig, validate_trajectory
from tests.support.outputs_extract import EXTRACT_OUTPUTS
from tests.support.outputs_select import SELECT_OUTPUTS
from tests.support.outputs_trajectories import (
    GENERATE_OUTPUTS,
    JUDGE_OUTPUTS,
    REFINE_OUTPUTS,
    ROUTER_TOOLS,
    SYNTHESIZE_OUTPUTS,
)


@pytest.mark.parametrize(("text", "expected"), SELECT_OUTPUTS)
def test_select_outputs(text: str, expected: dict) -> None:
    selection = parse_selection(text)
    assert isinstance(selection, Selection)
    assert selection.multi_step is expected["multi_step"]
    assert selection.domain == expected["domain"]
    if expected["multi_step"]:
        assert (selection.platform, selection.task) == (expected["platform"], expected["task"])
        assert selection.summary
    assert selection.invalid_labels == expected.get("invalid", [])


@pytest.mark.parametrize(("text", "expected"), EXTRACT_OUTPUTS)
def test_extract_outputs(text: str, expected: dict) -> None:
    workflows = parse_workflows(text)
    assert isinstance(workflows, list)
    assert len(workflows) == expected["count"]
    first = workflows[0]
    assert (len(first.nodes), len(first.edges)) == (expected["nodes"], expected["edges"])
    assert (len(first.tools), len(first.actions)) == (expected["tools"], expected["actions"])
    assert first.repairs == expected.get("repairs", [])
    assert first.steps and first.description
    # Every graph node of these outputs is one of the workflow's own tools, in OpenAI format.
    assert set(first.nodes) <= {tool.name for tool in first.tools}
    assert all(tool.function.parameters["type"] == "object" for w in workflows for tool in w.tools)


def test_extract_parallel_branches_make_edges_to_and_from_each_branch() -> None:
    workflows = parse_workflows(EXTRACT_OUTPUTS[1][0])
    assert isinstance(workflows, list)
    assert workflows[1].edges == [
        ("find_order", "check_stock"),
        ("find_order", "check_return_window"),
        ("check_stock", "create_exchange"),
        ("check_return_window", "create_exchange"),
    ]
    # "type": "dict" / "str" / "List[str]" became JSON Schema.
    create_return = workflows[0].tools[2].function.parameters
    assert create_return["type"] == "object"
    assert create_return["properties"]["items"] == {"type": "array", "items": {"type": "string"}}


def _check_trajectory(result: object, expected: dict, rules: RuleConfig) -> Trajectory:
    assert isinstance(result, Trajectory), result
    stats = result.stats()
    assert (stats.messages, stats.tool_calls) == (expected["messages"], expected["calls"])
    assert result.issues == []
    assert result.repairs == expected.get("repairs", result.repairs)
    assert validate_trajectory(result, rules) == expected["codes"]
    return result


@pytest.mark.parametrize(("text", "expected"), GENERATE_OUTPUTS)
def test_generate_outputs(text: str, expected: dict) -> None:
    trajectory = _check_trajectory(
        parse_trajectory(text, ROUTER_TOOLS), expected, RuleConfig.for_stage("generate")
    )
    assert trajectory.tools == ROUTER_TOOLS
    assert trajectory.messages[0].role == "system"


def test_generate_parallel_calls_get_ids_and_linked_responses() -> None:
    trajectory = parse_trajectory(GENERATE_OUTPUTS[0][0], ROUTER_TOOLS)
    assert isinstance(trajectory, Trajectory)
    parallel = trajectory.messages[6]
    assert [call.id for call in parallel.tool_calls] == ["call_1", "call_2"]
    answers = trajectory.messages[7:9]
    assert [(m.tool_call_id, m.name) for m in answers] == [("call_1", "update_wifi_settings")] * 1 + [
        ("call_2", "update_wifi_settings")
    ]
    assert trajectory.messages[4].content == "Logging in first."


@pytest.mark.parametrize(("text", "expected"), REFINE_OUTPUTS)
def test_refine_outputs(text: str, expected: dict) -> None:
    trajectory = _check_trajectory(parse_toolset_trajectory(text), expected, RuleConfig.for_stage("refine"))
    assert len(trajectory.tools) == expected["tools"]
    assert trajectory.stage == "refine"


@pytest.mark.parametrize(("text", "expected"), SYNTHESIZE_OUTPUTS)
def test_synthesize_outputs(text: str, expected: dict) -> None:
    trajectory = parse_toolset_trajectory(text, stage="synthesize")
    _check_trajectory(trajectory, expected, RuleConfig.for_stage("synthesize"))


@pytest.mark.parametrize(("text", "scores"), JUDGE_OUTPUTS)
def test_judge_outputs(text: str, scores: tuple[int, int, int]) -> None:
    judgement = parse_judgement(text)
    assert isinstance(judgement, Judgement)
    assert (judgement.r1, judgement.r2, judgement.r3) == scores
    assert judgement.passed is (scores == (1, 1, 1))
