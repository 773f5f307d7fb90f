"""The Delta table store contract, implemented by the `spark-delta` and `delta-rs` engines.

Tables are append-only. Every write names an application transaction (app id + version, Delta's
`txn` action) so replaying the same commit after a crash is a no-op instead of a duplicate.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyspark.sql import DataFrame
    from pyspark.sql.types import StructType

    from gem_spark.tables.staged_files import StagedFile


@dataclass(frozen=True)
class CommitId:
    """Names one logical commit: Delta app id (e.g. `<run_id>:<stage>`) and a monotonically rising version."""

    app_id: str
    version: int

    def to_tag(self, write_id: str | None = None) -> str:
        """The commit as the `userMetadata` string both engines store in the commit, so history shows
        it; `write_id` optionally names one write attempt (see the spark-delta engine)."""
        fields: dict[str, Any] = {"app_id": self.app_id, "version": self.version}
        if write_id:
            fields["write_id"] = write_id
        return json.dumps(fields, sort_keys=True)

    @classmethod
    def from_tag(cls, tag: str | None) -> CommitId | None:
        """Inverse of `to_tag`; None for commits without a tag (created by other writers or compaction)."""
        fields = _tag_fields(tag)
        app_id, version = fields.get("app_id"), fields.get("version")
        if isinstance(app_id, str) and isinstance(version, int):
            return cls(app_id, version)
        return None

    @staticmethod
    def write_id_of(tag: str | None) -> str | None:
        write_id = _tag_fields(tag).get("write_id")
        return write_id if isinstance(write_id, str) else None


def _tag_fields(tag: str | None) -> dict[str, Any]:
    """A commit tag's fields; empty for anything else found in `userMetadata`."""
    if not tag:
        return {}
    try:
        fields = json.loads(tag)
    except json.JSONDecodeError:
        return {}
    return fields if isinstance(fields, dict) else {}


class TableError(RuntimeError):
    """A table operation failed; the message names the table."""


class TableNotFoundError(TableError):
    """The table does not exist (create it with `ensure`)."""


class SchemaMismatchError(TableError):
    """A DataFrame's columns do not match the table's declared schema."""


class CommitConflictError(TableError):
    """A concurrent writer committed a conflicting change; nothing of this commit was applied."""


class EngineUnavailableError(TableError):
    """The configured table engine cannot run in this Spark session."""


class TableStore(ABC):
    """Operations every engine offers; DataFrames in and out are Spark DataFrames."""

    engine_name: str

    @abstractmethod
    def location(self, name: str) -> str:
        """Path or Unity Catalog name where table `name` lives."""

    @abstractmethod
    def exists(self, name: str) -> bool: ...

    @abstractmethod
    def ensure(self, name: str, schema: StructType) -> None:
        """Create the table with `schema` if it does not exist (no-op otherwise)."""

    @abstractmethod
    def append(self, name: str, df: DataFrame, commit: CommitId) -> bool:
        """Append `df` atomically; return False (and write nothing) if `commit` was already applied."""

    @abstractmethod
    def append_rows(
        self, name: str, rows: list[dict[str, Any]], schema: StructType, commit: CommitId
    ) -> bool:
        """`append` for a few rows built on the driver (a run's bookkeeping), whose columns are `schema`;
        an engine may commit them without a Spark job."""

    # -- commit pieces (see `tables.pieces`) ---------------------------------------------------
    @abstractmethod
    def piece_data_location(self, name: str) -> str:
        """Folder (URI) where executors write the Parquet pieces of table `name`."""

    @abstractmethod
    def piece_staging_location(self, name: str) -> str:
        """Folder (URI) of the piece manifests and commit records of table `name`, one sub-folder per run."""

    @abstractmethod
    def commit_pieces(self, name: str, files: list[StagedFile], commit: CommitId) -> bool:
        """Commit piece files (paths relative to `piece_data_location`) as `commit`; False (nothing written)
        when `commit` is already recorded. Never deletes a piece: a replay must find it again."""

    @abstractmethod
    def discard_piece_data(self, name: str, files: list[StagedFile]) -> None:
        """Pieces that are committed or replayed for good: drop them where they are only staged copies."""

    @abstractmethod
    def read(self, name: str, version: int | None = None) -> DataFrame:
        """The table (or its state as of `version`) as a Spark DataFrame."""

    @abstractmethod
    def version(self, name: str) -> int:
        """Latest committed version of the table."""

    @abstractmethod
    def history(self, name: str) -> list[dict[str, Any]]:
        """Commit history, newest first: one dict per commit with `version` (int), `timestamp` (UTC
        datetime), `operation` (Delta's name: CREATE TABLE, WRITE, OPTIMIZE) and `commit` (the CommitId
        of an `append`, else None)."""

    @abstractmethod
    def compact(self, name: str) -> None:
        """Rewrite small files into fewer large ones (no change to the rows)."""
