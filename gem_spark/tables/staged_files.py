"""Executors write a DataFrame as Parquet files into a Delta table's folder, for a later commit.

This is what keeps the driver's memory bounded on the delta-rs engine: each Spark task streams its
partition's Arrow batches into one Parquet file with pyarrow, and only (path, size, rows) per file comes
back to the driver, which then commits those files as Delta add actions. Executor code uses pyarrow only,
never `deltalake`: its tokio runtime panics in the forked Python workers Spark uses.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq
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


def _partition_writer(
    table_uri: str, schema: pa.Schema, prefix: str
) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """The function mapInArrow runs per partition: batches in, one metadata row per written file out."""

    def write(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from pyspark import TaskContext

        context = TaskContext.get()
        # Partition and attempt in the name: a retried task never overwrites the file of another attempt.
        name = f"{prefix}-{context.partitionId():05d}-{context.attemptNumber()}.{COMPRESSION}.parquet"
        filesystem, root = pafs.FileSystem.from_uri(table_uri)
        writer: pq.ParquetWriter | None = None
        rows = 0
        try:
            for batch in batches:
                if batch.num_rows == 0:
                    continue
                # Spark hands timestamps over in the session time zone; Delta stores them as UTC.
                # The cast also rejects nulls in a NOT NULL column (ValueError, failing the write).
                batch = batch.select(schema.names).cast(schema)
                if writer is None:
                    writer = pq.ParquetWriter(
                        f"{root}/{name}", schema, filesystem=filesystem, compression=COMPRESSION
                    )
                writer.write_batch(batch)
                rows += batch.num_rows
        finally:
            if writer is not None:
                writer.close()
        if writer is not None:
            size = filesystem.get_file_info(f"{root}/{name}").size
            yield pa.RecordBatch.from_pydict(
                {"path": [name], "size": [size], "rows": [rows]}, schema=_FILE_ROWS_ARROW
            )

    return write


def stage_files(df: DataFrame, table_uri: str, schema: pa.Schema) -> list[StagedFile]:
    """Write `df` (already in the table's column order) as Parquet files under `table_uri`."""
    prefix = f"part-{uuid.uuid4().hex}"
    rows = df.mapInArrow(_partition_writer(table_uri, schema, prefix), _FILE_ROWS).collect()
    return [StagedFile(row["path"], row["size"], row["rows"]) for row in rows]


def delete_files(table_uri: str, files: list[StagedFile]) -> None:
    """Remove staged files that will not be committed (a duplicate commit or a failed one)."""
    filesystem, root = pafs.FileSystem.from_uri(table_uri)
    for file in files:
        filesystem.delete_file(f"{root}/{file.path}")
