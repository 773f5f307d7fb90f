"""The recorded model responses of the offline demo (examples/responses.jsonl) are complete and well-formed.

They are hand-written stand-ins for the filter, teacher, synthesizer and judge models, so these tests hold
them to what the real parsers and the rule validator demand, and to GEM.md's complexity figures.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from pathlib import Path

import pytest

from examples.assemble_responses import CORPUS, OUTPUT, collect, corpus_segment_ids, render
from gem_spark.parse import (
    ParseFailure,
    parse_judgement,
    parse_selection,
    parse_toolset_trajectory,
    parse_trajectory,
    parse_workflows,
)
from gem_spark.schema import Judgement, Trajectory, Workflow
from gem_spark.validate import RuleConfig, validate_trajectory
from gem_spark.validate.workflow import validate_workflow

# The one synthesized trajectory written to break a rule although the judge model scores it 1/1/1:
# the rule checks, not the LLM judge, must reject it.
BROKEN_BY_DESIGN = ("ex-proc-05", "synthesize", "unknown_tool_called")
# The judge rejects these on purpose (doc, stage, rubric scored 0).
JUDGE_REJECTS = {
    ("ex-proc-02", "refine"): "R1",
    ("ex-proc-04", "synthesize"): "R3",
    ("ex-proc-09", "synthesize"): "R2",
}


def _responses() -> dict[tuple[str, str], str]:
    rows = [json.loads(line) for line in OUTPUT.read_text(encoding="utf-8").splitlines()]
    return {(row["stage"], row["key"]): row["text"] for row in rows}


def _parsed(value: object) -> object:
    assert not isinstance(value, ParseFailure), value
    return value


RESPONSES = _responses()
SEGMENTS = corpus_segment_ids()
DOCS_BY_SEGMENT = {seg: doc for doc, seg in SEGMENTS.items()}


def _workflows(segment_id: str) -> list[Workflow]:
    return _parsed(parse_workflows(RESPONSES["extract", segment_id]))  # type: ignore[return-value]


def _trajectories(stage: str) -> dict[str, Trajectory]:
    """trajectory_id → parsed trajectory of one stage (generate gets its workflow's tools)."""
    out = {}
    for (row_stage, key), text in RESPONSES.items():
        if row_stage != stage:
            continue
        if stage == "generate":
            segment_id, index = key.rsplit("-w", 1)
            tools = _workflows(segment_id)[int(index)].tools
            out[key] = _parsed(parse_trajectory(text, tools, stage=stage))
        else:
            out[key] = _parsed(parse_toolset_trajectory(text, stage=stage))
    return out  # type: ignore[return-value]


def _doc(trajectory_id: str) -> str:
    return DOCS_BY_SEGMENT[trajectory_id.rsplit("-", 1)[0]]


def test_responses_file_is_assembled_from_sources() -> None:
    assert OUTPUT.read_text(encoding="utf-8") == render(collect())


def test_every_corpus_document_has_a_selection_and_procedural_ones_are_selected() -> None:
    for doc, segment_id in SEGMENTS.items():
        selection = _parsed(parse_selection(RESPONSES["select", segment_id]))
        assert selection.multi_step == doc.startswith("ex-proc-"), doc  # type: ignore[attr-defined]
        assert selection.invalid_labels == [], doc  # type: ignore[attr-defined]


def test_every_selected_document_has_valid_workflows_and_the_later_stages_planned_for_it() -> None:
    procedural = [seg for doc, seg in SEGMENTS.items() if doc.startswith("ex-proc-")]
    workflow_counts: Counter[int] = Counter()
    for segment_id in procedural:
        doc = DOCS_BY_SEGMENT[segment_id]
        workflows = _workflows(segment_id)
        workflow_counts[len(workflows)] += 1
        expected = [(stage, f"{segment_id}-s0") for stage in ("synthesize", "judge")]
        for index, workflow in enumerate(workflows):
            assert validate_workflow(workflow) == [], (doc, index)
            expected += [(stage, f"{segment_id}-w{index}") for stage in ("generate", "refine", "judge")]
        missing = [key for key in expected if key not in RESPONSES]
        assert missing == [], (doc, missing)
    assert workflow_counts[2] >= 2


def test_no_response_is_recorded_for_an_unknown_key() -> None:
    known = set(SEGMENTS.values())
    for stage, key in RESPONSES:
        segment_id = key if stage in {"select", "extract"} else key.rsplit("-", 1)[0]
        assert segment_id in known, (stage, key)


@pytest.mark.parametrize("stage", ["generate", "refine", "synthesize"])
def test_trajectories_judged_acceptable_pass_the_rules(stage: str) -> None:
    for trajectory_id, trajectory in _trajectories(stage).items():
        codes = validate_trajectory(trajectory, RuleConfig.for_stage(stage))
        if (_doc(trajectory_id), stage, "unknown_tool_called") == BROKEN_BY_DESIGN:
            assert codes == ["unknown_tool_called"]
        else:
            assert codes == [], (_doc(trajectory_id), stage, codes)


def test_judge_scores_every_judged_trajectory_and_rejects_exactly_the_planned_ones() -> None:
    judged = {"refine": _trajectories("refine"), "synthesize": _trajectories("synthesize")}
    rejected = {}
    for (stage, key), text in RESPONSES.items():
        if stage != "judge":
            continue
        judgement: Judgement = _parsed(parse_judgement(text))  # type: ignore[assignment]
        produced_by = "synthesize" if key.endswith("-s0") else "refine"
        assert key in judged[produced_by], key
        zeros = [name.upper() for name in ("r1", "r2", "r3") if getattr(judgement, name) == 0]
        assert judgement.passed == (not zeros)
        if zeros:
            rejected[_doc(key), produced_by] = "".join(zeros)
    assert rejected == JUDGE_REJECTS


def test_refined_and_synthesized_trajectories_are_as_complex_as_gems() -> None:
    stats = [t.stats() for stage in ("refine", "synthesize") for t in _trajectories(stage).values()]
    means = {
        "messages": statistics.mean(s.messages for s in stats),
        "distinct_tools_called": statistics.mean(s.distinct_tools_called for s in stats),
        "tool_calls": statistics.mean(s.tool_calls for s in stats),
    }
    print("refine+synthesize means:", {k: round(v, 1) for k, v in means.items()})
    assert 36 <= means["messages"] <= 50
    assert 7 <= means["distinct_tools_called"] <= 10
    assert 12 <= means["tool_calls"] <= 17


def test_generated_trajectories_are_as_complex_as_gems_stage_three() -> None:
    stats = [t.stats() for t in _trajectories("generate").values()]
    assert 20 <= statistics.mean(s.messages for s in stats) <= 34
    assert 4 <= statistics.mean(s.distinct_tools_called for s in stats) <= 7
    assert 6 <= statistics.mean(s.tool_calls for s in stats) <= 10


def test_corpus_is_the_one_the_responses_were_written_for() -> None:
    assert Path(CORPUS).is_file()
    assert len(SEGMENTS) == 30
