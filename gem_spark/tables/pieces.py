"""Commit pieces: results become durable in small pieces while one long Spark job keeps running.

Each task writes its finished rows as Parquet *pieces* (every `piece_rows` rows or `piece_seconds`)
and, once a piece's file is closed, a small JSON *manifest* naming it. A driver thread commits all
manifests found so far in one Delta commit every `commit_interval_s`. Before each commit it writes a
*commit record* listing the pieces under the commit's id (Delta app transaction `<run_id>:<table>`,
version v), so replaying a record after a crash is a no-op when the commit landed and completes it
when it did not. Layout, one folder per run under the table's staging folder:

    <staging>/<run_id>/pieces/p<partition>-a<attempt>-s<seq>.json   one written piece (executor)
    <staging>/<run_id>/commits/<version>.json                        one commit's pieces (driver)

A rerun first `recover`s other runs' folders: it replays their commit records, moves the manifests
that no record names (written, never committed) into its own folder as `adopted-<run>-<piece>.json`
and commits them, and removes the folders. So a crash loses
only what no manifest names yet: per task, the requests in flight plus the piece being filled.
Manifests and records are written to a temporary name and renamed, so a reader never sees half of
one; a data file without a manifest (a task killed while writing it) is never committed, and Delta's
VACUUM removes it as an untracked file. Executor code uses pyarrow only (see `staged_files`).
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from gem_spark.faults import fault_point
from gem_spark.tables.staged_files import COMPRESSION, StagedFile, conform_batch
from gem_spark.tables.store import CommitId

if TYPE_CHECKING:
    from gem_spark.tables.store import TableStore

log = logging.getLogger(__name__)

PIECES, COMMITS = "pieces", "commits"
# Manifest name prefix of a piece a run took over from a killed run.
ADOPTED = "adopted-"


@dataclass(frozen=True)
class Piece:
    """One closed piece: its data file (relative to the table's piece data folder) and what it holds."""

    id: str
    path: str
    size: int
    rows: int
    partition: int
    attempt: int
    prompt_tokens: int = 0
    completion_tokens: int = 0
    # The writing task's feed counters (FeedStats.snapshot()) when the piece was closed.
    feed: dict[str, Any] = field(default_factory=dict)

    @property
    def file(self) -> StagedFile:
        return StagedFile(self.path, self.size, self.rows)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Piece:
        return cls(**json.loads(text))


def piece_id(partition: int, attempt: int, seq: int) -> str:
    return f"p{partition:05d}-a{attempt}-s{seq:05d}"


class Folder:
    """A folder on any pyarrow filesystem (local, HDFS, S3, a Databricks volume), with atomic JSON files."""

    def __init__(self, uri: str) -> None:
        self.uri = uri.rstrip("/")
        self.fs, self.root = pafs.FileSystem.from_uri(self.uri)

    def child(self, name: str) -> Folder:
        return Folder(f"{self.uri}/{name}")

    def write_json(self, name: str, text: str) -> None:
        """Write then rename: a reader sees the whole file or none (rename is atomic on POSIX and HDFS)."""
        self.fs.create_dir(self.root, recursive=True)
        temporary = f"{self.root}/.{name}.{uuid.uuid4().hex}.tmp"
        with self.fs.open_output_stream(temporary) as out:
            out.write(text.encode())
        self.fs.move(temporary, f"{self.root}/{name}")

    def read_text(self, name: str) -> str:
        with self.fs.open_input_stream(f"{self.root}/{name}") as source:
            return source.read().decode()

    def names(self, suffix: str = "") -> list[str]:
        """File names directly inside, sorted; hidden temporaries are left out; [] when it does not exist."""
        selector = pafs.FileSelector(self.root, allow_not_found=True)
        found = [
            info.base_name for info in self.fs.get_file_info(selector) if info.type == pafs.FileType.File
        ]
        return sorted(name for name in found if name.endswith(suffix) and not name.startswith("."))

    def folders(self) -> list[str]:
        selector = pafs.FileSelector(self.root, allow_not_found=True)
        infos = self.fs.get_file_info(selector)
        return sorted(info.base_name for info in infos if info.type == pafs.FileType.Directory)

    def move_in(self, source: Folder, name: str, new_name: str) -> None:
        """Move file `name` of `source` here as `new_name` (one rename: atomic on POSIX and HDFS)."""
        self.fs.create_dir(self.root, recursive=True)
        self.fs.move(f"{source.root}/{name}", f"{self.root}/{new_name}")

    def delete(self) -> None:
        try:
            self.fs.delete_dir(self.root)
        except FileNotFoundError:
            pass


class RunFolder:
    """One run's staging folder for one table: its piece manifests and its commit records."""

    def __init__(self, staging_uri: str, run_id: str) -> None:
        self.run_id = run_id
        self.folder = Folder(staging_uri).child(run_id)
        self.pieces = self.folder.child(PIECES)
        self.commits = self.folder.child(COMMITS)

    def add_piece(self, piece: Piece) -> None:
        self.pieces.write_json(f"{piece.id}.json", piece.to_json())

    def read_pieces(self) -> list[Piece]:
        """The pieces in this run's folder, each identified by its manifest's file name."""
        return [
            replace(Piece.from_json(self.pieces.read_text(name)), id=name.removesuffix(".json"))
            for name in self.pieces.names(".json")
        ]

    def add_commit(self, version: int, pieces: list[Piece]) -> None:
        self.commits.write_json(f"{version:08d}.json", json.dumps([piece.id for piece in pieces]))

    def read_commits(self) -> dict[int, list[str]]:
        """version → ids of the pieces that commit holds."""
        return {int(name[:-5]): json.loads(self.commits.read_text(name)) for name in self.commits.names(".json")}


class PieceWriter:
    """Executor side: streams one task's finished rows into pieces, closing one every `max_rows` rows or
    `max_seconds` after its first row, and reports each closed piece with a manifest."""

    def __init__(
        self,
        data_uri: str,
        run: RunFolder,
        schema: pa.Schema,
        partition: int,
        attempt: int,
        max_rows: int,
        max_seconds: float,
        table: str,
    ) -> None:
        self._fs, self._root = pafs.FileSystem.from_uri(data_uri)
        self._run, self._schema, self._table = run, schema, table
        self._partition, self._attempt = partition, attempt
        self._max_rows, self._max_seconds = max_rows, max_seconds
        self._prefix = f"part-{uuid.uuid4().hex}"
        self._writer: pq.ParquetWriter | None = None
        self._opened = 0.0
        self._rows = self._prompt_tokens = self._completion_tokens = 0
        self.pieces: list[Piece] = []

    def write(self, batch: pa.RecordBatch, feed: Callable[[], dict[str, Any]]) -> None:
        """Append `batch` (table columns); pieces never exceed `max_rows`. `feed` gives the task's counters."""
        batch = conform_batch(batch, self._schema)
        while batch.num_rows:
            room = self._max_rows - self._rows
            self._append(batch.slice(0, room))
            batch = batch.slice(room)
            if self._rows >= self._max_rows or time.monotonic() - self._opened >= self._max_seconds:
                self.close_piece(feed)

    def _append(self, batch: pa.RecordBatch) -> None:
        if self._writer is None:
            self._writer = pq.ParquetWriter(
                f"{self._root}/{self._file_name()}", self._schema, filesystem=self._fs, compression=COMPRESSION
            )
            self._opened = time.monotonic()
        self._writer.write_batch(batch)
        self._rows += batch.num_rows
        if "llm" in batch.schema.names:
            llm = batch.column("llm")
            self._prompt_tokens += _sum(llm.field("prompt_tokens"))
            self._completion_tokens += _sum(llm.field("completion_tokens"))
        fault_point(f"piece.rows.{self._table}")

    def _file_name(self) -> str:
        return f"{self._prefix}-{piece_id(self._partition, self._attempt, len(self.pieces))}.{COMPRESSION}.parquet"

    def close_piece(self, feed: Callable[[], dict[str, Any]]) -> None:
        """Close the open piece (if it holds rows) and write its manifest."""
        if self._writer is None:
            return
        name = self._file_name()
        self._writer.close()
        self._writer = None
        piece = Piece(
            id=piece_id(self._partition, self._attempt, len(self.pieces)),
            path=name,
            size=self._fs.get_file_info(f"{self._root}/{name}").size,
            rows=self._rows,
            partition=self._partition,
            attempt=self._attempt,
            prompt_tokens=self._prompt_tokens,
            completion_tokens=self._completion_tokens,
            feed=feed(),
        )
        self._run.add_piece(piece)
        self.pieces.append(piece)
        self._rows = self._prompt_tokens = self._completion_tokens = 0
        fault_point(f"piece.written.{self._table}")


def _sum(column: pa.Array) -> int:
    import pyarrow.compute as pc

    return int(pc.sum(column).as_py() or 0)


def keys_written_before(run: RunFolder, data_uri: str, partition: int, attempt: int, key: str) -> set[str]:
    """Keys that earlier attempts of this task already wrote as pieces: a retried task skips them, so a
    task retry (a lost executor) neither repeats committed rows nor duplicates them."""
    earlier = [
        piece
        for piece in run.read_pieces()
        if piece.partition == partition and piece.attempt < attempt and not piece.id.startswith(ADOPTED)
    ]
    fs, root = pafs.FileSystem.from_uri(data_uri)
    keys: set[str] = set()
    for piece in earlier:
        keys.update(pq.read_table(f"{root}/{piece.path}", columns=[key], filesystem=fs).column(key).to_pylist())
    return keys


@dataclass
class PieceCommitter:
    """Driver side: commits the pieces of one run and table, and recovers what killed runs left behind.

    Not thread-safe by itself: one thread calls `commit_new` at a time (the stage's commit thread)."""

    store: TableStore
    table: str
    run_id: str
    version: int = 0
    committed: list[Piece] = field(default_factory=list)
    commits: int = 0

    def __post_init__(self) -> None:
        self.staging = self.store.piece_staging_location(self.table)
        self.run = RunFolder(self.staging, self.run_id)
        self._claimed: set[str] = set()
        self._unlanded: list[Piece] = []

    @property
    def app_id(self) -> str:
        return f"{self.run_id}:{self.table}"

    @property
    def written(self) -> list[Piece]:
        """Every piece of this run seen so far: committed, or recorded and being committed."""
        return self.committed + self._unlanded

    @property
    def committed_rows(self) -> int:
        return sum(piece.rows for piece in self.committed)

    def recover(self) -> list[Piece]:
        """Finish what other (killed) runs left: replay their commit records, move their written but
        uncommitted pieces into this run and commit them, remove their folders. Returns those pieces."""
        root = Folder(self.staging)
        for other_id in root.folders():
            if other_id == self.run_id:
                continue
            other = RunFolder(self.staging, other_id)
            pieces = {piece.id: piece for piece in other.read_pieces()}
            recorded: set[str] = set()
            for version, ids in sorted(other.read_commits().items()):
                recorded.update(ids)
                replay = [pieces[piece] for piece in ids if piece in pieces]
                commit = CommitId(f"{other_id}:{self.table}", version)
                self.store.commit_pieces(self.table, [piece.file for piece in replay], commit)
            for piece in pieces.values():
                if piece.id not in recorded:  # a move, not a copy: a piece can only be adopted once
                    adopted_name = f"{ADOPTED}{other_id}-{piece.id}.json"
                    self.run.pieces.move_in(other.pieces, f"{piece.id}.json", adopted_name)
            replayed = [pieces[piece].file for piece in recorded if piece in pieces]
            self.store.discard_piece_data(self.table, replayed)
            other.folder.delete()
        adopted = self.commit_new()
        if adopted:
            log.info("table %s: committed %d rows in %d pieces that killed runs had written",
                     self.table, sum(p.rows for p in adopted), len(adopted))  # fmt: skip
        return adopted

    def commit_new(self) -> list[Piece]:
        """Commit every piece of this run written since the last call, in one Delta commit; a commit that
        raised before is retried first, under its own id and with exactly its own pieces."""
        if self._unlanded:
            self._land()
        new = [piece for piece in self.run.read_pieces() if piece.id not in self._claimed]
        if new:
            # The record goes first: a crash after it (commit landed or not) is settled by replaying it.
            self.run.add_commit(self.version, new)
            self._claimed.update(piece.id for piece in new)
            self._unlanded = new
            self._land()
        return new

    def _land(self) -> None:
        files = [piece.file for piece in self._unlanded]
        self.store.commit_pieces(self.table, files, CommitId(self.app_id, self.version))
        fault_point(f"pieces.committed.{self.table}")
        self.committed += self._unlanded
        self._unlanded = []
        self.version += 1
        self.commits += 1

    def finish(self) -> None:
        """The stage is done and every piece committed: drop the staged copies and this run's folder."""
        self.store.discard_piece_data(self.table, [piece.file for piece in self.committed])
        self.run.folder.delete()
