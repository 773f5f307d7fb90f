from __future__ import annotations

import json
from pathlib import Path

import pytest

from gem_spark.config import ReplayModelConfig
from gem_spark.llm.errors import BackendConfigError, ErrorType
from gem_spark.llm.protocol import LLMRequest
from gem_spark.llm.replay import ReplayBackend


def write_lines(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def replay(path: Path) -> ReplayBackend:
    return ReplayBackend(ReplayModelConfig(backend="replay", model="recorded", responses=str(path)))


def request(stage: str, key: str) -> LLMRequest:
    return LLMRequest(key=key, messages=[{"role": "user", "content": "ignored"}], stage=stage)


def test_hits_by_stage_and_key_and_misses_as_error_rows(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "r.jsonl",
        [
            {"stage": "select", "key": "a", "text": "yes"},
            {"stage": "extract", "key": "a", "text": "{}"},
            {"stage": "select", "key": "b", "text": "old"},
            {"stage": "select", "key": "b", "text": "new"},  # a re-recording replaces the earlier line
        ],
    )
    results = replay(path).generate(
        [request("select", "a"), request("extract", "a"), request("select", "b"), request("judge", "a")]
    )
    assert [r.text for r in results] == ["yes", "{}", "new", None]
    assert [r.finish_reason for r in results[:3]] == ["stop"] * 3
    assert results[3].error_type == ErrorType.NO_RECORDED_RESPONSE.value
    assert "judge" in (results[3].error_message or "")


@pytest.mark.parametrize(
    "line", ['{"stage": "s", "key": "k"}', "not json", '{"stage": "s", "key": 1, "text": "t"}', "[1]"]
)
def test_malformed_file_names_the_line(tmp_path: Path, line: str) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text('{"stage": "s", "key": "ok", "text": "t"}\n\n' + line + "\n", encoding="utf-8")
    with pytest.raises(BackendConfigError, match=r"r\.jsonl:3"):
        replay(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(BackendConfigError, match="not found"):
        replay(tmp_path / "absent.jsonl")
