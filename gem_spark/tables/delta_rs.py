"""The `delta-rs` engine: Delta tables through the `deltalake` library, for Spark without Delta classes.

Reads hand the table's current (or time-travelled) file list to Spark's Parquet reader. Appends are
written by the executors (see `staged_files`) and committed by the driver as add actions in one Delta
commit that also records the app transaction, so the driver never holds the data.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from deltalake import DeltaTable
from deltalake.exceptions import CommitFailedError
from deltalake.exceptions import TableNotFoundError as DeltaTableNotFoundError
from deltalake.transaction import AddAction, CommitProperties, Transaction
from pyspark.sql.types import StructType

from gem_spark.faults import fault_point
from gem_spark.tables.conform import conform, require_same_schema
from gem_spark.tables.naming import PIECE_STAGING, check_table_name, table_path
from gem_spark.tables.staged_files import (
    StagedFile,
    delete_files,
    delta_arrow_schema,
    stage_driver_rows,
    stage_files,
)
from gem_spark.tables.store import CommitConflictError, CommitId, TableError, TableNotFoundError, TableStore

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

# Reader features that do not change which rows a table's file list holds; any other one (deletion
# vectors, column mapping) needs a full Delta reader, i.e. the spark-delta engine.
_FILE_LIST_SAFE_READER_FEATURES = frozenset({"timestampNtz", "v2Checkpoint", "vacuumProtocolCheck"})


def spark_schema(table: DeltaTable) -> StructType:
    # Delta's schema string is Spark's StructType JSON, so the conversion is exact.
    return StructType.fromJson(json.loads(table.schema().to_json()))


def already_applied(table: DeltaTable, commit: CommitId) -> bool:
    recorded = table.transaction_version(commit.app_id)
    return recorded is not None and recorded >= commit.version


def _commit_actions(table: DeltaTable, files: list[StagedFile], schema: pa.Schema, commit: CommitId) -> None:
    """One Delta commit: the files as add actions plus the app transaction (and its tag for history)."""
    now_ms = int(time.time() * 1000)
    actions = [
        AddAction(file.path, file.size, {}, now_ms, True, json.dumps({"numRecords": file.rows}))
        for file in files
    ]
    properties = CommitProperties(
        custom_metadata={"userMetadata": commit.to_tag()},
        app_transactions=[Transaction(commit.app_id, commit.version)],
    )
    table.create_write_transaction(actions, mode="append", schema=schema, commit_properties=properties)


def commit_files(table_uri: str, files: list[StagedFile], schema: pa.Schema, commit: CommitId) -> bool:
    """Commit staged files as `commit`; False (and the files removed) when `commit` is already recorded,
    also when a concurrent writer recorded it first. Any other lost race raises CommitConflictError."""
    try:
        applied = _commit_once(DeltaTable(table_uri), files, schema, commit)
    except CommitConflictError:
        delete_files(table_uri, files)
        raise
    if not applied:
        delete_files(table_uri, files)
    return applied


def _commit_once(table: DeltaTable, files: list[StagedFile], schema: pa.Schema, commit: CommitId) -> bool:
    """Commit `files` as `commit` unless it is already recorded (then False); never deletes a file."""
    if already_applied(table, commit):
        return False
    try:
        _commit_actions(table, files, schema, commit)
    except CommitFailedError as exc:
        table.update_incremental()
        if already_applied(table, commit):
            return False
        msg = f"table {table.table_uri}: commit {commit} lost to a concurrent writer: {exc}"
        raise CommitConflictError(msg) from exc
    return True


class DeltaRsStore(TableStore):
    """Tables as folders `<root>/<name>`; Unity Catalog names need the spark-delta engine."""

    engine_name = "delta-rs"

    def __init__(self, spark: SparkSession, root: str) -> None:
        self._spark = spark
        self._root = root

    def location(self, name: str) -> str:
        return table_path(self._root, name)

    def _open(self, name: str) -> DeltaTable:
        try:
            return DeltaTable(self.location(name))
        except DeltaTableNotFoundError as exc:
            msg = f"table {name!r} does not exist at {self.location(name)}"
            raise TableNotFoundError(msg) from exc

    def exists(self, name: str) -> bool:
        return DeltaTable.is_deltatable(self.location(name))

    def ensure(self, name: str, schema: StructType) -> None:
        if not self.exists(name):
            DeltaTable.create(self.location(name), schema=delta_arrow_schema(schema), mode="ignore")
        require_same_schema(name, schema, spark_schema(self._open(name)))

    def append(self, name: str, df: DataFrame, commit: CommitId) -> bool:
        return self._append_staged(
            name,
            commit,
            lambda declared, schema: stage_files(conform(name, df, declared), self.location(name), schema),
        )

    def append_rows(
        self, name: str, rows: list[dict[str, Any]], schema: StructType, commit: CommitId
    ) -> bool:
        def stage(declared: StructType, arrow_schema: pa.Schema) -> list[StagedFile]:
            require_same_schema(name, declared, schema)
            return stage_driver_rows(rows, self.location(name), arrow_schema)

        return self._append_staged(name, commit, stage)

    def _append_staged(
        self, name: str, commit: CommitId, stage: Callable[[StructType, pa.Schema], list[StagedFile]]
    ) -> bool:
        """Write files with `stage(declared schema, its Arrow schema)`, then commit them as `commit`."""
        table = self._open(name)
        if already_applied(table, commit):
            return False  # checked before writing too, so a replayed commit costs no Spark job
        declared = spark_schema(table)
        schema = delta_arrow_schema(declared)
        files = stage(declared, schema)
        fault_point(f"commit.staged.{name}")
        applied = commit_files(self.location(name), files, schema, commit)
        fault_point(f"commit.done.{name}")
        return applied

    def piece_data_location(self, name: str) -> str:
        # Pieces are written where the table's files live and committed as they are: no copy.
        return self.location(name)

    def piece_staging_location(self, name: str) -> str:
        return f"{table_path(self._root, PIECE_STAGING)}/{check_table_name(name)}"

    def commit_pieces(self, name: str, files: list[StagedFile], commit: CommitId) -> bool:
        table = self._open(name)
        applied = _commit_once(table, files, delta_arrow_schema(spark_schema(table)), commit)
        fault_point(f"commit.done.{name}")
        return applied

    def discard_piece_data(self, name: str, files: list[StagedFile]) -> None:
        return  # committed pieces are the table's own files

    def read(self, name: str, version: int | None = None) -> DataFrame:
        table = self._open(name)
        if version is not None:
            table.load_as_version(version)
        self._check_file_list_readable(name, table)
        schema = spark_schema(table)
        files = table.file_uris()
        if not files:
            return self._spark.createDataFrame([], schema)
        return self._spark.read.schema(schema).parquet(*files)

    def _check_file_list_readable(self, name: str, table: DeltaTable) -> None:
        protocol = table.protocol()
        unsafe = set(protocol.reader_features or []) - _FILE_LIST_SAFE_READER_FEATURES
        if protocol.min_reader_version == 2 or unsafe:
            features = sorted(unsafe) or ["columnMapping"]
            msg = f"table {name!r} uses Delta reader features {features}; read it with tables.engine: spark-delta"
            raise TableError(msg)

    def version(self, name: str) -> int:
        return self._open(name).version()

    def history(self, name: str) -> list[dict[str, Any]]:
        return [
            {
                "version": entry["version"],
                "timestamp": datetime.fromtimestamp(entry["timestamp"] / 1000, tz=timezone.utc),
                "operation": entry.get("operation"),
                "commit": CommitId.from_tag(entry.get("userMetadata")),
            }
            for entry in self._open(name).history()
        ]

    def compact(self, name: str) -> None:
        self._open(name).optimize.compact()
