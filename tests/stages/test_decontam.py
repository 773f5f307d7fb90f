"""Planted benchmark contamination in real conversations: BFCL v3 multi-turn, tau2-bench and plain-text
benchmark files written in their native formats, checked through the real table store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gem_spark.config import BenchmarkFile
from gem_spark.schema import Trajectory
from gem_spark.stages.accepted import CONTAMINATED
from gem_spark.stages.decontam import (
    BenchmarkFormatError,
    build_index,
    checked_texts,
    mark_contaminated,
    read_benchmark,
)
from gem_spark.stages.near_duplicates import words
from gem_spark.tables.latest import latest_rows
from tests.support.accepted_rows import Lake, accepted_row, real_trajectories
from tests.support.trajectories import refined_trajectory

N_REAL = 30


def _user_turns(trajectory: Trajectory) -> list[str]:
    return [message.content for message in trajectory.messages if message.role == "user"]


def _bfcl(path: Path, questions: dict[str, list[str]]) -> None:
    """BFCL v3 multi-turn question file: one JSON object per line, turns as lists of messages."""
    lines = [
        json.dumps({"id": item_id, "question": [[{"role": "user", "content": text}] for text in turns],
                    "initial_config": {}, "path": ["GorillaFileSystem.cd"], "involved_classes": ["GorillaFileSystem"]})
        for item_id, turns in questions.items()
    ]  # fmt: skip
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _tau2_task(task_id: str, reason: str, actions: list[str]) -> dict:
    return {
        "id": task_id,
        "description": {"purpose": "test", "relevant_policies": None, "notes": None},
        "user_scenario": {
            "persona": None,
            "instructions": {"domain": "retail", "reason_for_call": reason, "known_info": "You are Yusuf Rossi.",
                             "unknown_info": None, "task_instructions": "Be polite but firm."},
        },
        "initial_state": None,
        "evaluation_criteria": {
            "actions": [{"action_id": f"{task_id}_{i}", "name": name, "arguments": {}} for i, name in enumerate(actions)],
            "communicate_info": [],
            "nl_assertions": [],
        },
    }  # fmt: skip


def _contains(haystack: list[str], needle: str) -> bool:
    target = " ".join(words(needle))
    return any(target in " ".join(words(text)) for text in haystack)


@pytest.fixture
def planted(spark, shared_data: Path, tmp_path: Path) -> tuple[Lake, dict[str, str], dict[str, Trajectory]]:
    real = real_trajectories(shared_data)[:N_REAL]
    trajectories = {f"a{i:03d}": trajectory for i, trajectory in enumerate(real)}
    trajectories["r-retail"] = refined_trajectory(0)
    clean = [
        turn
        for t in real_trajectories(shared_data, "toolace_sharegpt_func_fixed_100.json")[:20]
        for turn in _user_turns(t)
    ]
    bfcl_turn = _user_turns(real[2])[1]  # 15 words
    tau2_turn = _user_turns(real[8])[0]  # 39 words, embedded in a longer instruction
    text_turn = _user_turns(real[1])[1]  # 11 words: shorter than the 13-gram, matched whole
    retail = trajectories["r-retail"]
    system_fragment = " ".join(retail.messages[0].content.split()[5:30])
    _bfcl(
        tmp_path / "bfcl.jsonl",
        {"multi_turn_base_0": ["Please help.", bfcl_turn], "multi_turn_base_1": clean[:3]},
    )
    tasks = [
        _tau2_task(
            "7", f"You want to sort out an order. {tau2_turn} Ask twice if needed.", ["find_user_id_by_email"]
        ),
        _tau2_task("12", "You want to return a jacket.", [tool.name for tool in retail.tools]),
        _tau2_task("13", clean[3], ["get_order_details"]),
    ]
    (tmp_path / "tasks.json").write_text(json.dumps(tasks), encoding="utf-8")
    (tmp_path / "lines.txt").write_text(
        "\n".join([clean[4], text_turn, system_fragment, clean[5]]) + "\n", encoding="utf-8"
    )
    benchmarks = [
        {"name": "bfcl_mt", "path": str(tmp_path / "bfcl.jsonl"), "format": "bfcl"},
        {"name": "tau2_retail", "path": str(tmp_path / "tasks.json"), "format": "tau2"},
        {"name": "notes", "path": str(tmp_path / "lines.txt"), "format": "text"},
    ]
    lake = Lake(spark, tmp_path / "lake", decontam={"benchmarks": benchmarks})
    lake.accept([accepted_row(key, t, minutes=i) for i, (key, t) in enumerate(trajectories.items())])
    plants = {"bfcl_mt:multi_turn_base_0": bfcl_turn, "tau2_retail:7": tau2_turn, "notes:2": text_turn}
    return lake, plants, trajectories


def test_planted_contamination_is_caught_and_clean_data_is_not(planted) -> None:
    lake, plants, trajectories = planted
    counts = mark_contaminated(lake.context("run-decontam-1"))

    latest = latest_rows(lake.store.read("accepted"), ["trajectory_id"])
    marked = {
        row["trajectory_id"]: row["detail"] for row in latest.where(f"status = '{CONTAMINATED}'").collect()
    }
    # Oracle: a trajectory whose checked texts contain a planted text verbatim, and the retail one
    # (its system prompt and its whole tool list were planted).
    expected = {
        key: label
        for key, trajectory in trajectories.items()
        for label, text in plants.items()
        if _contains(checked_texts(trajectory), text)
    }
    assert {"a002", "a008", "a001"} <= expected.keys()
    assert marked.pop("r-retail") in {"tau2_retail:12", "notes:3"}
    assert marked == expected
    assert counts.n_rejected == len(expected) + 1

    again = mark_contaminated(lake.context("run-decontam-2"))
    assert again.n_rejected == 0


def test_system_prompt_and_tool_names_each_match_alone(planted) -> None:
    lake, _, trajectories = planted
    retail_texts = checked_texts(trajectories["r-retail"])
    for name in ("tau2_retail", "notes"):
        only = [b for b in lake.config.decontam.benchmarks if b.name == name]
        index = build_index(lake.config.decontam.model_copy(update={"benchmarks": only}))
        assert index.match(retail_texts) == {"tau2_retail": "tau2_retail:12", "notes": "notes:3"}[name]
        assert index.match(_user_turns(trajectories["r-retail"])) is None  # its user turns alone are clean


def test_bad_benchmark_files_raise_clear_errors(tmp_path: Path) -> None:
    missing = BenchmarkFile(name="x", path=str(tmp_path / "nope.jsonl"), format="bfcl")
    with pytest.raises(BenchmarkFormatError, match="file not found"):
        read_benchmark(missing)
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"id": "a", "question": []}\n{not json\n', encoding="utf-8")
    with pytest.raises(BenchmarkFormatError, match="line 2"):
        read_benchmark(BenchmarkFile(name="x", path=str(broken), format="bfcl"))
    tasks = tmp_path / "tasks.json"
    tasks.write_text(json.dumps([{"user_scenario": {}}]), encoding="utf-8")
    with pytest.raises(BenchmarkFormatError, match="task 0 has no 'id'"):
        read_benchmark(BenchmarkFile(name="x", path=str(tasks), format="tau2"))
