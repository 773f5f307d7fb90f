"""Commit pieces on the delta-rs engine: pieces roll by rows and by time, each is committed exactly once,
and a new run finishes what a killed one left (commit records replayed, unrecorded pieces adopted)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pytest
from deltalake import DeltaTable

from gem_spark.tables.delta_rs import DeltaRsStore
from gem_spark.tables.pieces import PieceCommitter, PieceWriter, RunFolder, keys_written_before
from gem_spark.tables.staged_files import delta_arrow_schema
from gem_spark.tables.store import CommitId
from tests.support.stage_rows import STAGE_SCHEMA, stage_dicts

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = pytest.mark.spark

TABLE = "select"
ARROW = delta_arrow_schema(STAGE_SCHEMA)


@pytest.fixture
def store(spark: SparkSession, tmp_path: Path) -> DeltaRsStore:
    store = DeltaRsStore(spark, str(tmp_path / "lake"))
    store.ensure(TABLE, STAGE_SCHEMA)
    return store


def batch(keys: list[str], run: str = "r1") -> pa.RecordBatch:
    # Long-tail payloads, an empty one, typographic quotes and a BOM: what real model output holds.
    payloads = ["", "\ufeffStep 1 \u201cOpen\u201d", "x" * 5000, "ok"]
    rows = [(key, "f1", run, index, payloads[index % len(payloads)]) for index, key in enumerate(keys)]
    return pa.RecordBatch.from_pylist(stage_dicts(rows), schema=ARROW)


def writer(store: DeltaRsStore, run_id: str, partition: int = 0, attempt: int = 0, rows: int = 3,
           seconds: float = 3600.0) -> PieceWriter:  # fmt: skip
    run = RunFolder(store.piece_staging_location(TABLE), run_id)
    return PieceWriter(store.piece_data_location(TABLE), run, ARROW, partition, attempt, rows, seconds, TABLE)


def feed() -> dict[str, int]:
    return {"requests": 1}


def table_keys(store: DeltaRsStore) -> Counter:
    return Counter(DeltaTable(store.location(TABLE)).to_pyarrow_table().column("segment_id").to_pylist())


def app_commits(store: DeltaRsStore) -> list[CommitId]:
    commits = [entry["commit"] for entry in store.history(TABLE) if entry["commit"]]
    return sorted(commits, key=lambda commit: (commit.app_id, commit.version))


def test_pieces_roll_every_n_rows_and_each_is_committed_once(store: DeltaRsStore) -> None:
    pieces = writer(store, "r1", rows=3)
    for start in range(0, 8, 2):  # batches of 2 rows into pieces of 3: 3 + 3 + 2
        pieces.write(batch([f"k{i}" for i in range(start, start + 2)]), feed)
    assert [piece.rows for piece in pieces.pieces] == [3, 3]  # the third is still open
    committer = PieceCommitter(store, TABLE, "r1")
    assert [piece.rows for piece in committer.commit_new()] == [3, 3]
    pieces.close_piece(feed)

    assert [piece.rows for piece in committer.commit_new()] == [2]
    assert committer.commit_new() == []  # nothing new: no commit
    assert table_keys(store) == Counter({f"k{i}": 1 for i in range(8)})
    assert app_commits(store) == [CommitId("r1:select", 0), CommitId("r1:select", 1)]
    assert (committer.commits, committer.committed_rows) == (2, 8)
    committer.finish()
    assert not Path(committer.run.folder.root).exists()


def test_a_piece_closes_after_its_time_even_when_not_full(store: DeltaRsStore) -> None:
    pieces = writer(store, "r1", rows=1000, seconds=0.0)
    pieces.write(batch(["a", "b"]), feed)
    pieces.write(batch(["c"]), feed)
    assert [piece.rows for piece in pieces.pieces] == [2, 1]
    assert pieces.pieces[0].feed == {"requests": 1}


def test_a_new_run_finishes_what_a_killed_run_left(store: DeltaRsStore, tmp_path: Path) -> None:
    pieces = writer(store, "dead", rows=2)
    pieces.write(batch(["a", "b", "c", "d"], run="dead"), feed)
    dead = PieceCommitter(store, TABLE, "dead")
    dead.commit_new()  # v0: a, b and c, d committed
    pieces.write(batch(["e", "f"], run="dead"), feed)
    recorded_only = [p for p in dead.run.read_pieces() if p.id not in {q.id for q in dead.committed}]
    dead.run.add_commit(1, recorded_only)  # v1: recorded, then the driver died before the commit landed
    pieces.write(batch(["g", "h", "i"], run="dead"), feed)  # g, h: a piece nobody recorded; i: never closed
    assert table_keys(store) == Counter(dict.fromkeys("abcd", 1))

    alive = PieceCommitter(store, TABLE, "alive")
    adopted = alive.recover()

    assert [piece.rows for piece in adopted] == [2]
    assert table_keys(store) == Counter(dict.fromkeys("abcdefgh", 1))  # i was in no closed piece: lost
    assert app_commits(store) == [CommitId("alive:select", 0), CommitId("dead:select", 0), CommitId("dead:select", 1)]
    assert RunFolder(store.piece_staging_location(TABLE), "dead").read_pieces() == []
    assert alive.recover() == []  # a second recovery finds nothing left
    assert table_keys(store) == Counter(dict.fromkeys("abcdefgh", 1))


def test_a_retried_task_knows_the_keys_its_earlier_attempts_wrote(store: DeltaRsStore) -> None:
    writer(store, "r1", partition=3, attempt=0, rows=2).write(batch(["a", "b", "c"]), feed)
    writer(store, "r1", partition=4, attempt=0, rows=1).write(batch(["x"]), feed)
    run = RunFolder(store.piece_staging_location(TABLE), "r1")
    data = store.piece_data_location(TABLE)

    assert keys_written_before(run, data, partition=3, attempt=1, key="segment_id") == {"a", "b"}
    assert keys_written_before(run, data, partition=4, attempt=1, key="segment_id") == {"x"}
    assert keys_written_before(run, data, partition=3, attempt=0, key="segment_id") == set()
