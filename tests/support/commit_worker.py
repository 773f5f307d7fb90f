"""A separate process that stages one Parquet file into a table and commits it at a barrier.

It does what the driver of another job would do after its executors wrote their files, so two of these
racing on one table exercise delta-rs's optimistic commit for real.
"""

from __future__ import annotations

import os
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier

import pyarrow as pa
import pyarrow.parquet as pq

from gem_spark.tables.delta_rs import commit_files
from gem_spark.tables.staged_files import StagedFile
from gem_spark.tables.store import CommitConflictError, CommitId

SCHEMA = pa.schema([pa.field("id", pa.int64()), pa.field("writer", pa.string())])


def stage_and_commit(table_uri: str, writer: str, commit: CommitId, barrier: Barrier, results: Queue) -> None:
    name = f"part-{writer}.parquet"
    pq.write_table(pa.table({"id": [1, 2, 3], "writer": [writer] * 3}, schema=SCHEMA), f"{table_uri}/{name}")
    staged = StagedFile(name, os.path.getsize(f"{table_uri}/{name}"), 3)
    barrier.wait()
    try:
        outcome = "committed" if commit_files(table_uri, [staged], SCHEMA, commit) else "no-op"
    except CommitConflictError:
        outcome = "conflict"
    results.put((writer, outcome))
