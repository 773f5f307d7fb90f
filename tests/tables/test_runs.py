"""The runs table: a running row at start, a finished/failed row at the end, latest row per run."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from chispa import assert_df_equality

from gem_spark.config import GemConfig, TablesConfig
from gem_spark.tables import open_store
from gem_spark.tables.runs import RunRecorder, StageCounts, new_run_id, read_runs

pytestmark = pytest.mark.spark

CONFIG = GemConfig()


@pytest.fixture
def store(spark, tmp_path: Path):
    return open_store(TablesConfig(root=str(tmp_path / "lake")), spark)


def statuses(spark, store) -> object:
    return read_runs(store).select("run_id", "status")


def test_a_run_is_running_then_finished_with_its_stage_counts(spark, store) -> None:
    with RunRecorder(store, CONFIG, "ingest", "s1", ["a.parquet"]) as run:
        running = read_runs(store).collect()
        assert [(row["run_id"], row["status"], row["ended_at"]) for row in running] == [
            (run.run_id, "running", None)
        ]
        run.stage_done(StageCounts("ingest", 10, 7, 2, 1, 0.5))
        run.message = "10 documents"
    [row] = read_runs(store).collect()
    assert (row["status"], row["reason"], row["message"], row["snapshot"]) == (
        "finished",
        None,
        "10 documents",
        "s1",
    )
    assert (row["fingerprint"], row["inputs"], row["command"]) == (
        CONFIG.fingerprint(),
        ["a.parquet"],
        "ingest",
    )
    assert [stage.asDict() for stage in row["stages"]] == [
        {
            "stage": "ingest",
            "n_in": 10,
            "n_ok": 7,
            "n_rejected": 2,
            "n_error": 1,
            "duration_s": 0.5,
            "n_requests": 0,
            "feed": None,  # no inference job in this stage
        }
    ]
    assert row["ended_at"] >= row["started_at"]
    assert store.read("runs").count() == 2  # both rows stay: the table is append-only


def test_a_failure_is_recorded_with_its_type_and_first_line_and_propagates(spark, store) -> None:
    with pytest.raises(ValueError, match="bad thing"), RunRecorder(store, CONFIG, "ingest"):
        msg = "bad thing\nwith a long second line"
        raise ValueError(msg)
    [row] = read_runs(store).collect()
    assert (row["status"], row["reason"], row["message"]) == ("failed", "ValueError", "bad thing")


def test_an_interrupted_run_stays_visible_as_running(spark, store) -> None:
    @dataclass(frozen=True)
    class LLMStageCounts:  # a stage's own counts record, with a field the runs table does not keep
        stage: str
        n_in: int
        n_ok: int
        n_rejected: int
        n_error: int
        duration_s: float
        n_requests: int

    interrupted = RunRecorder(store, CONFIG, "run:teacher").begin()
    interrupted.stage_done(LLMStageCounts("select", 5, 5, 0, 0, 1.0, 5))  # then the driver dies
    time.sleep(1.1)  # run ids sort by second
    finished = RunRecorder(store, CONFIG, "run:teacher").begin()
    finished.stage_done(LLMStageCounts("select", 5, 4, 1, 0, 1.0, 5))
    finished.finish()
    assert interrupted.run_id < finished.run_id
    expected = spark.createDataFrame(
        [(interrupted.run_id, "running"), (finished.run_id, "finished")], "run_id string, status string"
    )
    assert_df_equality(statuses(spark, store), expected, ignore_row_order=True, ignore_nullable=True)


def test_run_ids_are_unique_and_time_sortable() -> None:
    ids = [new_run_id() for _ in range(50)]
    assert len(set(ids)) == 50
    assert all(run_id[:8].isdigit() and run_id[8] == "T" for run_id in ids)
