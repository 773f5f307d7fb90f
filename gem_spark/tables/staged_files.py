"""Executors write a DataFrame as Parquet files into a Delta table's folder, for a later commit.

This is what keeps the driver's memory bounded on the delta-rs engine: each Spark task streams its
partition's Arrow batches into one Parquet file with pyarrow, and only (path, size, rows) per file comes
back to the driver, which then commits those files as Delta add actions. A few rows built on the driver
(a run's bookkeeping) are written the same way by the driver itself, without a Spark job. Executor code
uses pyarrow only, never `deltalake`: its tokio runtime panics in the forked Python workers Spark uses.
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq
from pyspark.sql.pandas.types import to_arrow_schema
from pyspark.sql.types import LongType, StringType, StructField, StructType

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

# zstd: web text compresses far better than with snappy, and every Delta reader decodes it.
COMPRESSION = "zstd"

# What each task reports back for the file it wrote, as Spark and as Arrow schema.
_FILE_ROWS = StructType(
    [
        StructField("path", StringType(), nullable=False),
        StructField("size", LongType(), nullable=False),
        StructField("rows", LongType(), nullable=False),
    ]
)
_FILE_ROWS_ARROW = pa.schema(
    [
        pa.field("path", pa.string(), nullable=False),
        pa.field("size", pa.int64(), nullable=False),
        pa.field("rows", pa.int64(), nullable=False),
    ]
)


@dataclass(frozen=True)
class StagedFile:
    """One Parquet file written into the table folder; `path` is relative to the table root."""

    path: str
    size: int
    rows: int


def delta_arrow_schema(schema: StructType) -> pa.Schema:
    """The Arrow schema Delta stores for a Spark schema (timestamps are microseconds in UTC)."""
    # PySpark 4.2 made UTC opt-in (`timezone=`); 4.0 and 4.1 always convert to UTC and lack the keyword.
    if "timezone" in inspect.signature(to_arrow_schema).parameters:
        return to_arrow_schema(schema, timezone="UTC")
    return to_arrow_schema(schema)


def conform_batch(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    """`batch` in the table's column order and types. Spark hands timestamps over in the session time
    zone; Delta stores them as UTC. The cast also rejects nulls in a NOT NULL column (ValueError)."""
    return batch.select(schema.names).cast(schema)


def _write_file(
    batches: Iterable[pa.RecordBatch], table_uri: str, schema: pa.Schema, name: str
) -> StagedFile | None:
    """Stream `batches` into one Parquet file `name` under `table_uri`; None (no file) when they hold no row."""
    filesystem, root = pafs.FileSystem.from_uri(table_uri)
    writer: pq.ParquetWriter | None = None
    rows = 0
    try:
        for batch in batches:
            if batch.num_rows == 0:
                continue
            batch = conform_batch(batch, schema)
            if writer is None:
                writer = pq.ParquetWriter(
                    f"{root}/{name}", schema, filesystem=filesystem, compression=COMPRESSION
                )
            writer.write_batch(batch)
            rows += batch.num_rows
    finally:
        if writer is not None:
            writer.close()
    if writer is None:
        return None
    return StagedFile(name, filesystem.get_file_info(f"{root}/{name}").size, rows)


def _file_name(prefix: str, part: int, attempt: int) -> str:
    # Partition and attempt in the name: a retried task never overwrites the file of another attempt.
    return f"{prefix}-{part:05d}-{attempt}.{COMPRESSION}.parquet"


def _partition_writer(
    table_uri: str, schema: pa.Schema, prefix: str
) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """The function mapInArrow runs per partition: batches in, one metadata row per written file out."""

    def write(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from pyspark import TaskContext

        context = TaskContext.get()
        name = _file_name(prefix, context.partitionId(), context.attemptNumber())
        staged = _write_file(batches, table_uri, schema, name)
        if staged is not None:
            yield pa.RecordBatch.from_pydict(
                {"path": [staged.path], "size": [staged.size], "rows": [staged.rows]}, schema=_FILE_ROWS_ARROW
            )

    return write


def _new_prefix() -> str:
    return f"part-{uuid.uuid4().hex}"


def stage_files(df: DataFrame, table_uri: str, schema: pa.Schema) -> list[StagedFile]:
    """Write `df` (already in the table's column order) as Parquet files under `table_uri`."""
    rows = df.mapInArrow(_partition_writer(table_uri, schema, _new_prefix()), _FILE_ROWS).collect()
    return [StagedFile(row["path"], row["size"], row["rows"]) for row in rows]


def stage_driver_rows(rows: list[dict[str, Any]], table_uri: str, schema: pa.Schema) -> list[StagedFile]:
    """Write a few driver-side `rows` as one Parquet file under `table_uri`, without a Spark job."""
    batch = pa.RecordBatch.from_pylist(rows, schema=schema)
    staged = _write_file([batch], table_uri, schema, _file_name(_new_prefix(), 0, 0))
    return [] if staged is None else [staged]


def delete_files(table_uri: str, files: list[StagedFile]) -> None:
    """Remove staged files that will not be committed (a duplicate commit or a failed one)."""
    filesystem, root = pafs.FileSystem.from_uri(table_uri)
    for file in files:
        filesystem.delete_file(f"{root}/{file.path}")
