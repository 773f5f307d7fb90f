"""Schema models: stats, JSON round trips, GEM.md's label sets."""

from __future__ import annotations

from gem_spark.schema import (
    DOMAINS,
    PLATFORMS,
    TASKS,
    Judgement,
    Workflow,
    to_json,
    trajectory_from_json,
    workflow_from_json,
    workflows_from_json,
    workflows_to_json,
)
from tests.support.trajectories import refined_trajectory


def test_label_sets_match_gem_md() -> None:
    assert (len(PLATFORMS), len(DOMAINS), len(TASKS)) == (5, 26, 38)
    assert "computers_and_electronics" in DOMAINS and "robot_control" in TASKS and "operator" in PLATFORMS


def test_trajectory_stats_and_json_round_trip() -> None:
    trajectory = refined_trajectory(3)
    stats = trajectory.stats()
    assert (stats.messages, stats.user_turns, stats.tool_calls) == (51, 9, 16)
    assert (stats.distinct_tools_called, stats.tools_defined) == (9, 9)
    assert trajectory_from_json(to_json(trajectory)) == trajectory


def test_workflow_round_trip_keeps_edges_as_tuples() -> None:
    workflow = Workflow(description="d", execution_graph="(a)->(b)", nodes=["a", "b"], edges=[("a", "b")])
    assert workflow_from_json(to_json(workflow)) == workflow
    assert workflows_from_json(workflows_to_json([workflow, workflow])) == [workflow, workflow]


def test_judgement_passes_only_with_three_ones() -> None:
    assert Judgement(r1=1, r2=1, r3=1).passed
    assert not Judgement(r1=1, r2=0, r3=1).passed
