"""The Delta table store contract, implemented by the `spark-delta` and `delta-rs` engines.

Tables are append-only. Every write names an application transaction (app id + version, Delta's
`txn` action) so replaying the same commit after a crash is a no-op instead of a duplicate.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyspark.sql import DataFrame
    from pyspark.sql.types import StructType


@dataclass(frozen=True)
class CommitId:
    """Names one logical commit: Delta app id (e.g. `<run_id>:<stage>`) and a monotonically rising version."""

    app_id: str
    version: int


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
    def read(self, name: str, version: int | None = None) -> DataFrame:
        """The table (or its state as of `version`) as a Spark DataFrame."""

    @abstractmethod
    def version(self, name: str) -> int:
        """Latest committed version of the table."""

    @abstractmethod
    def history(self, name: str) -> list[dict[str, Any]]:
        """Commit history, newest first: version, timestamp, operation, app transaction if any."""

    @abstractmethod
    def compact(self, name: str) -> None:
        """Rewrite small files into fewer large ones (no change to the rows)."""
