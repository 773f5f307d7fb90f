"""The Spark runner in local[2]: replay and the real vLLM engine, 1,000 rows each, bad rows included."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from chispa import assert_df_equality
from pyspark.sql import SparkSession

from gem_spark.config import ReplayModelConfig, RunnerConfig, SamplingConfig, VllmModelConfig
from gem_spark.llm import registry
from gem_spark.llm.errors import ErrorType
from gem_spark.llm.protocol import LLMRequest, LLMResult
from gem_spark.llm.spark import LLM_STRUCT, answer_partition, gpu_profile, run_llm, with_llm_column

pytestmark = pytest.mark.spark

REPO = Path(__file__).resolve().parents[2]
ROWS = 1000
MISSING = 500  # no recorded response for this row
UNBUILDABLE = 13  # build_request raises for this row


def segment_id(n: int) -> str:
    return f"seg-{n:04d}"


def request_builder(stage: str) -> Callable[[dict[str, Any]], LLMRequest]:
    """A closure (pickled by value to the workers) that fails for one row, like a buggy stage would."""

    def build(row: dict[str, Any]) -> LLMRequest:
        if row["n"] == UNBUILDABLE:
            msg = f"row {row['n']} has no usable text"
            raise ValueError(msg)
        return LLMRequest(
            key=row["segment_id"], messages=[{"role": "user", "content": row["text"]}], stage=stage
        )

    return build


@pytest.fixture(scope="module")
def segments(spark: SparkSession):
    rows = [(segment_id(n), f"Segment {n}: book a table for {n % 7 + 1}.", n) for n in range(ROWS)]
    return spark.createDataFrame(rows, "segment_id string, text string, n long").repartition(2)


@pytest.fixture(scope="module")
def replay_model(tmp_path_factory: pytest.TempPathFactory) -> ReplayModelConfig:
    path = tmp_path_factory.mktemp("replay") / "responses.jsonl"
    records = [
        {"stage": "select", "key": segment_id(n), "text": f"answer {n}"} for n in range(ROWS) if n != MISSING
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return ReplayModelConfig(backend="replay", model="recorded", responses=str(path))


def test_replay_runner_keeps_every_row_and_marks_bad_ones(
    spark: SparkSession, segments, replay_model
) -> None:
    out = run_llm(
        segments, replay_model, RunnerConfig(batch_size=64, partitions=3), request_builder("select")
    )
    assert out.columns == ["segment_id", "text", "n", "llm"]
    assert out.schema["llm"].dataType == LLM_STRUCT
    actual = out.selectExpr(
        "segment_id", "llm.model", "llm.raw_output", "llm.finish_reason", "llm.error_type"
    )
    expected_rows = []
    for n in range(ROWS):
        if n == UNBUILDABLE:
            expected_rows.append(
                (segment_id(n), "recorded", None, None, ErrorType.REQUEST_BUILD_FAILED.value)
            )
        elif n == MISSING:
            expected_rows.append(
                (segment_id(n), "recorded", None, None, ErrorType.NO_RECORDED_RESPONSE.value)
            )
        else:
            expected_rows.append((segment_id(n), "recorded", f"answer {n}", "stop", None))
    expected = spark.createDataFrame(expected_rows, actual.schema)
    assert_df_equality(actual, expected, ignore_row_order=True)
    [failed] = out.where(f"n = {UNBUILDABLE}").select("llm.error_message").first()
    assert failed == f"ValueError: row {UNBUILDABLE} has no usable text"


def test_input_with_an_llm_column_is_refused(segments, replay_model) -> None:
    with pytest.raises(ValueError, match="llm"):
        run_llm(segments.withColumn("llm", segments.text), replay_model, RunnerConfig(), request_builder("s"))


def test_gpu_stages_carry_a_resource_profile(spark: SparkSession) -> None:
    assert gpu_profile(None) is None
    profile = gpu_profile(0.5)
    assert profile is not None
    assert profile.taskResources["gpu"].amount == 0.5


class BrokenBackendFake:
    """A backend with a bug: raises mid-feed (after two answers) instead of returning error results; no
    real backend does this."""

    model_name = "broken"

    def generate(self, requests: list[LLMRequest]) -> list[LLMResult]:
        return list(self.stream(requests))  # breaks the same way: raises at the third request

    def stream(self, requests, in_flight=None, stats=None):  # noqa: ANN001, ANN201 - the Backend protocol
        for answered, item in enumerate(requests):
            if answered == 2:
                msg = "engine died"
                raise RuntimeError(msg)
            yield item if isinstance(item, LLMResult) else LLMResult(key=item.key, text="fine")


def test_a_backend_that_raises_mid_feed_turns_the_rest_into_error_rows(
    replay_model: ReplayModelConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(registry._BACKENDS, replay_model.model_dump_json(), BrokenBackendFake())
    ns = [1, 2, 3, UNBUILDABLE, 4, 5]
    batch = pa.RecordBatch.from_pydict(
        {"segment_id": [segment_id(n) for n in ns], "text": ["x"] * len(ns), "n": ns}
    )
    out = pa.Table.from_batches(
        list(answer_partition(iter([batch]), replay_model, 4, request_builder("select")))
    ).to_pylist()
    by_n = {row["n"]: row["llm"] for row in out}
    assert sorted(by_n) == sorted(ns)  # every row leaves once, none is lost
    assert [by_n[n]["raw_output"] for n in (1, 2)] == ["fine", "fine"]
    assert by_n[UNBUILDABLE]["error_type"] == ErrorType.REQUEST_BUILD_FAILED.value
    for n in (3, 4, 5):
        assert by_n[n]["error_type"] == ErrorType.BACKEND_ERROR.value
        assert by_n[n]["error_message"] == "RuntimeError: engine died"


def test_llm_column_matches_the_spark_struct() -> None:
    from pyspark.sql.pandas.types import to_arrow_type

    chunk = pa.RecordBatch.from_pydict({"k": ["a"]})
    batch = with_llm_column(chunk, [LLMResult(key="a", text="t", prompt_tokens=3)], "m")
    assert batch.schema.field("llm").type == to_arrow_type(LLM_STRUCT)
    assert batch.column(1).to_pylist()[0]["raw_output"] == "t"


@pytest.mark.vllm
def test_vllm_runner_answers_every_row_with_the_real_engine(
    spark: SparkSession, segments, vllm_config: VllmModelConfig
) -> None:
    model = vllm_config.model_copy(update={"sampling": SamplingConfig(temperature=0.0, max_tokens=4)})
    rows = run_llm(segments, model, RunnerConfig(batch_size=64), request_builder("select")).collect()

    assert sorted(row.segment_id for row in rows) == [segment_id(n) for n in range(ROWS)]
    by_n = {row.n: row.llm for row in rows}
    assert by_n[UNBUILDABLE].error_type == ErrorType.REQUEST_BUILD_FAILED.value
    good = [llm for n, llm in by_n.items() if n != UNBUILDABLE]
    assert all(llm.error_type is None and llm.model == model.model for llm in good)
    assert all(1 <= llm.completion_tokens <= 4 and llm.prompt_tokens > 5 for llm in good)


@pytest.mark.vllm
def test_vllm_runner_builds_one_engine_per_worker_across_tasks_and_jobs(
    vllm_config: VllmModelConfig, tmp_path: Path
) -> None:
    model = vllm_config.model_copy(update={"sampling": SamplingConfig(temperature=0.0, max_tokens=4)})
    engine_log = tmp_path / "engines"
    engine_log.mkdir()
    job = subprocess.run(
        [sys.executable, "-m", "tests.support.engine_reuse_job", model.model_dump_json(), str(engine_log)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert job.returncode == 0, job.stderr[-4000:]

    [log_file] = engine_log.iterdir()  # local[1]: one task slot, one Python worker for both jobs
    lines = [line.split() for line in log_file.read_text().splitlines()]
    assert {job_id for job_id, _ in lines} == {"1", "2"}
    assert len({engine_id for _, engine_id in lines}) == 1, "engine rebuilt between tasks or jobs"
