"""Write an export folder through pyarrow's filesystems (local paths, UC volumes, s3://, gs://, abfss://,
hdfs://): shards of exactly `shard_rows` rows streamed in order, plus small JSON side files.

Rows arrive one at a time (from `DataFrame.toLocalIterator`), so the driver holds at most one Spark
partition and one open shard; each file's SHA-256 is computed while it is written.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from itertools import islice
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

DATA_DIR = "data"
# Rows per Parquet row group inside a shard: bounds what the driver buffers.
PARQUET_BATCH_ROWS = 1000


@dataclass(frozen=True)
class ShardFile:
    path: str  # relative to the export folder
    rows: int
    bytes: int
    sha256: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class _HashingStream:
    """A writable stream that hashes and counts what passes through (also for pyarrow's ParquetWriter)."""

    def __init__(self, sink: Any) -> None:
        self._sink = sink
        self.digest = hashlib.sha256()
        self.size = 0
        self.closed = False

    def write(self, data: bytes) -> int:
        view = bytes(data)
        self.digest.update(view)
        self.size += len(view)
        self._sink.write(view)
        return len(view)

    def flush(self) -> None:
        self._sink.flush()

    def close(self) -> None:
        if not self.closed:
            self._sink.close()
            self.closed = True


def _chunks(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class ExportFolder:
    def __init__(self, out: str) -> None:
        if "://" in out:
            self._fs, self.root = pafs.FileSystem.from_uri(out)
        else:
            self._fs, self.root = pafs.LocalFileSystem(), str(Path(out).expanduser().resolve())
        self.location = out
        self._fs.create_dir(self.root, recursive=True)

    def _path(self, relative: str) -> str:
        return f"{self.root.rstrip('/')}/{relative}"

    def reset_data(self) -> None:
        """Empty the data folder, so shards of an earlier, larger export never linger."""
        data = self._path(DATA_DIR)
        if self._fs.get_file_info(data).type != pafs.FileType.NotFound:
            self._fs.delete_dir_contents(data)
        self._fs.create_dir(data, recursive=True)

    def write_lines(self, relative: str, lines: Iterable[str]) -> ShardFile:
        stream = _HashingStream(self._fs.open_output_stream(self._path(relative)))
        rows = 0
        for line in lines:
            stream.write(line.encode("utf-8") + b"\n")
            rows += 1
        stream.close()
        return ShardFile(relative, rows, stream.size, stream.digest.hexdigest())

    def write_json(self, relative: str, value: Any) -> ShardFile:
        return self.write_lines(relative, [json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)])

    def jsonl_shards(self, lines: Iterable[str], shard_rows: int) -> list[ShardFile]:
        return [
            self.write_lines(f"{DATA_DIR}/part-{index:05d}.jsonl", chunk)
            for index, chunk in enumerate(_chunks(lines, shard_rows))
        ]

    def parquet_shards(
        self, rows: Iterable[dict[str, Any]], schema: pa.Schema, shard_rows: int
    ) -> list[ShardFile]:
        """Shards of `shard_rows` rows, each written in row groups of at most PARQUET_BATCH_ROWS as rows arrive."""
        files: list[ShardFile] = []
        source = iter(rows)
        batch = list(islice(source, min(shard_rows, PARQUET_BATCH_ROWS)))
        while batch:
            relative = f"{DATA_DIR}/part-{len(files):05d}.parquet"
            stream = _HashingStream(self._fs.open_output_stream(self._path(relative)))
            written = 0
            with pq.ParquetWriter(stream, schema) as writer:
                while batch:
                    writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                    written += len(batch)
                    batch = list(islice(source, min(shard_rows - written, PARQUET_BATCH_ROWS)))
            stream.close()
            files.append(ShardFile(relative, written, stream.size, stream.digest.hexdigest()))
            batch = list(islice(source, min(shard_rows, PARQUET_BATCH_ROWS)))
        return files
