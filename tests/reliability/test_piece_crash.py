"""Commit pieces under crashes, on a realistic feed: what a killed run costs, and that a rerun repairs it.

The select stage runs over the shared web sample (the prefiltered segments of 603 real web documents,
every length) on the openai backend against the fake endpoint, whose per-prompt latencies follow a
lognormal (median 10 ms, a long tail). The endpoint counts every request, so a test sees exactly which
rows a rerun asked for again. Pieces hold PIECE_ROWS rows; each task keeps WINDOW requests in flight.
"""

from __future__ import annotations

import hashlib
import logging
import math
import shutil
from collections import Counter
from pathlib import Path

import pytest
from chispa import assert_df_equality
from pyspark.sql import functions as F

from gem_spark.config import load_config
from gem_spark.pipeline import run_pipeline
from gem_spark.stages.ingest import run_ingest
from gem_spark.tables import open_store
from gem_spark.tables.runs import read_runs
from tests.support.fake_endpoint import FakeEndpoint, recorded_prompts
from tests.support.reliability_lake import (
    RESPONSES,
    RUN_COLUMNS,
    read_table,
    run_driver,
    settled_duplicates,
    write_config,
)

PIECE_ROWS = 5
WINDOW = 2  # openai concurrency and runner.batch_size: the requests a task has in flight
TASKS = 2  # local[2] with 2 shuffle partitions: at most 2 tasks per stage job


def lognormal_latency(digest: str) -> float:
    """A deterministic draw per prompt: median 10 ms, p99 ≈ 100 ms."""
    u = (int(hashlib.sha256(digest.encode()).hexdigest()[:8], 16) + 0.5) / 2**32
    z = math.sqrt(2) * _erfinv(2 * u - 1)
    return 0.01 * math.exp(z)


def _erfinv(y: float) -> float:
    # Winitzki's approximation: plenty for a latency draw.
    a = 0.147
    ln = math.log(1 - y * y)
    first = 2 / (math.pi * a) + ln / 2
    return math.copysign(math.sqrt(math.sqrt(first * first - ln / a) - first), y)


def models(base_url: str) -> dict:
    return {"filter": {"backend": "openai", "model": "fake/qwen3-8b-filter", "base_url": base_url,
                       "concurrency": WINDOW, "timeout_s": 10.0, "max_retries": 0,
                       "prices": {"prompt_per_m": 0.15, "completion_per_m": 0.6}}}  # fmt: skip


def config_for(folder: Path, root: Path, base_url: str, **spark: object) -> Path:
    sections = {"models": models(base_url), "runner": {"batch_size": WINDOW},
                "pipeline": {"piece_rows": PIECE_ROWS, "commit_interval_s": 0.05}}  # fmt: skip
    if spark:
        sections["spark"] = spark
    return write_config(folder, root, **sections)


@pytest.fixture(scope="module")
def web_lake(tmp_path_factory: pytest.TempPathFactory, shared_data: Path, spark) -> Path:
    """The shared web sample ingested (segments, prefilter); never modified."""
    folder = tmp_path_factory.mktemp("web")
    root = folder / "lake"
    run_ingest(load_config(write_config(folder, root)), [str(shared_data / "corpus" / "web_sample.parquet")], "s1",
               spark=spark)  # fmt: skip
    return root


@pytest.fixture(scope="module")
def answers(web_lake: Path, tmp_path_factory: pytest.TempPathFactory, spark) -> dict:
    folder = tmp_path_factory.mktemp("answers")
    return recorded_prompts(load_config(write_config(folder, web_lake)), spark, "teacher", RESPONSES, ["select"])


@pytest.fixture(scope="module")
def baseline(web_lake: Path, answers: dict, tmp_path_factory: pytest.TempPathFactory, spark) -> Path:
    """A lakehouse after one uninterrupted select run."""
    folder = tmp_path_factory.mktemp("baseline")
    root = folder / "lake"
    shutil.copytree(web_lake, root)
    with serving(answers) as endpoint:
        run_pipeline(load_config(config_for(folder, root, endpoint.base_url)), "teacher", ["select"], spark=spark)
    return root


class serving:  # noqa: N801 - reads as a context
    def __init__(self, answers: dict) -> None:
        self.endpoint = FakeEndpoint(answers, latency_of=lognormal_latency)

    def __enter__(self) -> FakeEndpoint:
        return self.endpoint.start()

    def __exit__(self, *exc: object) -> None:
        self.endpoint.stop()


def select_df(spark, root: Path):
    store = open_store(load_config(write_config(root.parent, root)).tables, spark)
    return store.read("select").drop(*RUN_COLUMNS)


KILLS = [
    ("piece.rows.select:kill-run:12", "inside a piece: rows in a task's open piece, not closed"),
    ("piece.written.select:kill-run:3", "between pieces: a task's third piece written, not yet committed"),
    ("pieces.committed.select:kill:2", "driver: the second commit landed, the job still running"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("fault", "where"), KILLS, ids=[spec for spec, _ in KILLS])
def test_a_killed_stage_reruns_to_the_same_table_asking_again_for_little(
    fault: str, where: str, web_lake: Path, answers: dict, baseline: Path, tmp_path: Path, spark
) -> None:
    root = tmp_path / "lake"
    shutil.copytree(web_lake, root)
    with serving(answers) as endpoint:
        config = config_for(tmp_path, root, endpoint.base_url)
        killed = run_driver(config, "run", "teacher", "--stages", "select", env={"GEM_FAULT": fault})
        assert killed.returncode == -9, f"expected SIGKILL at {fault} ({where}):\n{killed.stderr[-3000:]}"
        asked_before = Counter(endpoint.requests)

        run_pipeline(load_config(config), "teacher", ["select"], spark=spark)

    asked_again = [digest for digest, count in endpoint.requests.items() if count > asked_before[digest] > 0]
    assert len(asked_again) <= TASKS * (PIECE_ROWS + WINDOW), where
    n_rows = len(read_table(baseline, "select"))
    assert sum(asked_before.values()) < n_rows  # it died mid-stage
    assert sum(endpoint.requests.values()) - sum(asked_before.values()) < n_rows  # the rerun kept its work
    assert settled_duplicates(root) == {}
    assert_df_equality(select_df(spark, root), select_df(spark, baseline), ignore_row_order=True,
                       ignore_nullable=True)  # fmt: skip
    assert list(Path(root, "_pieces", "select").iterdir()) == []  # every run folder settled and removed


def test_a_stage_is_one_spark_job_committing_several_times_with_progress_and_feed_in_runs(
    web_lake: Path, answers: dict, tmp_path: Path, spark, caplog: pytest.LogCaptureFixture
) -> None:
    root = tmp_path / "lake"
    shutil.copytree(web_lake, root)
    with serving(answers) as endpoint, caplog.at_level(logging.INFO, logger="gem_spark"):
        config = load_config(config_for(tmp_path, root, endpoint.base_url))
        summary = run_pipeline(config, "teacher", ["select"], spark=spark)
    counts, app_id = summary.counts("select"), f"{summary.run_id}:select"
    store = open_store(config.tables, spark)

    assert len(spark.sparkContext.statusTracker().getJobIdsForGroup(app_id)) == 1  # one job for the whole stage
    commits = [entry["commit"] for entry in store.history("select") if entry["commit"]]
    assert len(commits) == counts.feed.commits >= 3
    assert {commit.app_id for commit in commits} == {app_id}
    assert counts.feed.pieces >= counts.n_in / PIECE_ROWS
    assert counts.feed.requests == counts.n_in == sum(task.rows for task in counts.feed.tasks)
    assert counts.feed.requests == endpoint.total_requests
    assert counts.feed.tokens_per_s > 0 and counts.feed.first_result_s is not None
    progress = [record.getMessage() for record in caplog.records if "rows committed" in record.getMessage()]
    assert len(progress) >= 3 and all("requests/s" in line and "so far; ETA" in line for line in progress)
    assert progress[-1].startswith(f"stage select: {counts.n_in}/{counts.n_in} rows committed")
    [stored] = read_runs(store).filter(F.col("run_id") == summary.run_id).first()["stages"]
    assert (stored["feed"]["pieces"], stored["feed"]["requests"]) == (counts.feed.pieces, counts.n_in)
    assert len(stored["feed"]["tasks"]) == len(counts.feed.tasks)
