"""The delta-rs engine beyond the shared contract: files other Delta readers open, concurrent writers,
and refusing tables whose rows a plain file list would get wrong."""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from deltalake import DeltaTable
from pyspark.errors import PythonException
from pyspark.sql import functions as F

from gem_spark.tables.delta_rs import DeltaRsStore
from gem_spark.tables.store import CommitId, TableError
from tests.support.commit_worker import SCHEMA, stage_and_commit
from tests.support.stage_rows import STAGE_SCHEMA, stage_rows

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = pytest.mark.spark


@pytest.fixture
def store(spark: SparkSession, tmp_path: Path) -> DeltaRsStore:
    return DeltaRsStore(spark, str(tmp_path / "lake"))


def test_a_table_it_writes_opens_with_deltalake(store: DeltaRsStore, spark: SparkSession) -> None:
    store.ensure("select", STAGE_SCHEMA)
    rows = stage_rows(spark, [("s1", "f1", "r1", 0, "a"), ("s2", "f1", "r1", 3, "b")])
    store.append("select", rows.repartition(2), CommitId("r1:select", 4))
    table = DeltaTable(store.location("select"))
    data = table.to_pyarrow_table().sort_by("segment_id").to_pylist()
    assert [(row["segment_id"], row["payload"], row["llm"]["prompt_tokens"]) for row in data] == [
        ("s1", "a", 1),
        ("s2", "b", 1),
    ]
    assert data[1]["created_at"].isoformat() == "2026-01-01T00:00:03+00:00"
    assert table.transaction_version("r1:select") == 4
    assert CommitId.from_tag(table.history(1)[0]["userMetadata"]) == CommitId("r1:select", 4)
    assert table.count() == 2  # numRecords statistics are in the add actions


def _race(table_uri: str, commits: dict[str, CommitId]) -> dict[str, str]:
    context = multiprocessing.get_context("spawn")  # deltalake's runtime does not survive fork
    barrier, results = context.Barrier(len(commits)), context.Queue()
    workers = [
        context.Process(target=stage_and_commit, args=(table_uri, writer, commit, barrier, results))
        for writer, commit in commits.items()
    ]
    for worker in workers:
        worker.start()
    outcomes = dict(results.get(timeout=120) for _ in workers)
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    return outcomes


def test_two_processes_replaying_one_commit_write_it_once(tmp_path: Path) -> None:
    uri = str(tmp_path / "race")
    DeltaTable.create(uri, schema=SCHEMA)
    outcomes = _race(uri, {"a": CommitId("run:stage", 1), "b": CommitId("run:stage", 1)})
    assert sorted(outcomes.values()) == ["committed", "no-op"]
    table = DeltaTable(uri)
    assert table.to_pyarrow_table().num_rows == 3
    assert table.transaction_version("run:stage") == 1
    # The loser removed its staged file: the folder holds only the committed one.
    assert len(list(Path(uri).glob("*.parquet"))) == 1


def test_two_processes_with_different_commits_both_land_or_one_conflicts(tmp_path: Path) -> None:
    uri = str(tmp_path / "race")
    DeltaTable.create(uri, schema=SCHEMA)
    outcomes = _race(uri, {"a": CommitId("run-a:stage", 1), "b": CommitId("run-b:stage", 1)})
    assert set(outcomes.values()) <= {"committed", "conflict"}
    landed = sorted(writer for writer, outcome in outcomes.items() if outcome == "committed")
    assert landed, outcomes
    rows = DeltaTable(uri).to_pyarrow_table().to_pylist()
    assert sorted(row["writer"] for row in rows) == sorted(writer for writer in landed for _ in range(3))


def test_a_null_in_a_not_null_column_fails_the_write_and_commits_nothing(
    store: DeltaRsStore, spark: SparkSession
) -> None:
    store.ensure("select", STAGE_SCHEMA)
    rows = stage_rows(spark, [("s1", "f1", "r1", 0, "a")]).withColumn("status", F.lit(None).cast("string"))
    with pytest.raises(PythonException, match="non-nullable"):
        store.append("select", rows, CommitId("r1:select", 1))
    assert store.version("select") == 0
    assert DeltaTable(store.location("select")).transaction_version("r1:select") is None


def test_tables_needing_a_full_delta_reader_are_refused(store: DeltaRsStore) -> None:
    DeltaTable.create(
        store.location("dv"), schema=SCHEMA, configuration={"delta.enableDeletionVectors": "true"}
    )
    with pytest.raises(TableError, match="deletionVectors.*spark-delta"):
        store.read("dv")
