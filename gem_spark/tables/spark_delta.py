"""The `spark-delta` engine: Spark's own Delta data source (delta-spark), on Databricks and wherever
the Delta jars are on Spark's classpath. Tables are paths `<root>/<name>` or Unity Catalog names.

Idempotent appends use Delta's writer options `txnAppId`/`txnVersion`: Delta itself skips a write whose
app transaction is already recorded, without a commit. Each write also carries `userMetadata` (the
commit's tag plus a one-off write id) so that history shows the app transaction and so this store can
tell a write that landed from one that Delta skipped, through the public history API only (which works
for paths and catalog names alike).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from delta import exceptions as delta_errors
from delta.tables import DeltaTable
from pyspark.sql import functions as F

from gem_spark.tables.conform import conform, require_same_schema
from gem_spark.tables.naming import PIECE_DATA, PIECE_STAGING, catalog_name, check_table_name, table_path
from gem_spark.tables.staged_files import StagedFile, delete_files
from gem_spark.tables.store import CommitConflictError, CommitId, TableNotFoundError, TableStore

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, DataFrameReader, SparkSession
    from pyspark.sql.types import StructType

COMMIT_POOL = "gem_commits"
# Files a piece commit aims for (Delta's OPTIMIZE default is 1 GiB; pieces are merged up to this).
TARGET_FILE_BYTES = 256 << 20

# delta.exceptions exports exactly Delta's commit-conflict exceptions.
_CONFLICTS = tuple(getattr(delta_errors, name) for name in delta_errors.__all__)


class SparkDeltaStore(TableStore):
    engine_name = "spark-delta"

    def __init__(
        self, spark: SparkSession, root: str, catalog: str | None = None, schema: str | None = None
    ) -> None:
        self._spark = spark
        self._root = root
        # Unity Catalog names when both are given, else paths under root.
        self._namespace = (catalog, schema) if catalog and schema else None

    def location(self, name: str) -> str:
        if self._namespace:
            return catalog_name(*self._namespace, name)
        return table_path(self._root, name)

    def exists(self, name: str) -> bool:
        if self._namespace:
            return self._spark.catalog.tableExists(self.location(name))
        return DeltaTable.isDeltaTable(self._spark, self.location(name))

    def _table(self, name: str) -> DeltaTable:
        if not self.exists(name):
            msg = f"table {name!r} does not exist at {self.location(name)}"
            raise TableNotFoundError(msg)
        if self._namespace:
            return DeltaTable.forName(self._spark, self.location(name))
        return DeltaTable.forPath(self._spark, self.location(name))

    def _load(self, reader: DataFrameReader, name: str) -> DataFrame:
        if self._namespace:
            return reader.table(self.location(name))
        return reader.load(self.location(name))

    def ensure(self, name: str, schema: StructType) -> None:
        builder = DeltaTable.createIfNotExists(self._spark).addColumns(schema)
        if self._namespace:
            builder = builder.tableName(self.location(name))
        else:
            builder = builder.location(self.location(name))
        builder.execute()
        require_same_schema(name, schema, self._table(name).toDF().schema)

    def append(self, name: str, df: DataFrame, commit: CommitId) -> bool:
        table = self._table(name)
        data = conform(name, df, table.toDF().schema)
        before = self._latest_version(table)
        write_id = uuid.uuid4().hex
        writer = (
            data.write.format("delta")
            .mode("append")
            .option("txnAppId", commit.app_id)
            .option("txnVersion", str(commit.version))
            .option("userMetadata", commit.to_tag(write_id=write_id))
        )
        try:
            if self._namespace:
                writer.saveAsTable(self.location(name))
            else:
                writer.save(self.location(name))
        except delta_errors.ConcurrentTransactionException as exc:
            # Another writer committed the same app id first: a duplicate of ours is a no-op.
            if self._committed_since(table, before, commit):
                return False
            msg = f"table {name!r}: commit {commit} lost to a concurrent writer: {exc}"
            raise CommitConflictError(msg) from exc
        except _CONFLICTS as exc:
            msg = f"table {name!r}: commit {commit} conflicts with a concurrent change: {exc}"
            raise CommitConflictError(msg) from exc
        return self._landed_since(table, before, write_id)

    def append_rows(
        self, name: str, rows: list[dict[str, Any]], schema: StructType, commit: CommitId
    ) -> bool:
        return self.append(name, self._spark.createDataFrame(rows, schema), commit)

    # -- commit pieces: executors stage Parquet pieces, the driver copies them in with txnAppId --------
    # delta-spark has no public API to commit files it did not write, so a commit reads the staged pieces
    # and appends them (one small Spark job, merged into few large files) under the commit's app
    # transaction, which Delta skips when it is already recorded. The job runs from the stage's commit
    # thread beside the long inference job, in the FAIR pool `gem_commits`: it needs free cores there.
    def piece_data_location(self, name: str) -> str:
        return f"{table_path(self._root, PIECE_DATA)}/{check_table_name(name)}"

    def piece_staging_location(self, name: str) -> str:
        return f"{table_path(self._root, PIECE_STAGING)}/{check_table_name(name)}"

    def commit_pieces(self, name: str, files: list[StagedFile], commit: CommitId) -> bool:
        if not files:
            return False
        context = self._spark.sparkContext
        pool = context.getLocalProperty("spark.scheduler.pool")
        context.setLocalProperty("spark.scheduler.pool", COMMIT_POOL)
        try:
            schema = self._table(name).toDF().schema
            folder = self.piece_data_location(name)
            pieces = self._spark.read.schema(schema).parquet(*(f"{folder}/{file.path}" for file in files))
            size = sum(file.size for file in files)
            return self.append(name, pieces.coalesce(max(1, -(-size // TARGET_FILE_BYTES))), commit)
        finally:
            context.setLocalProperty("spark.scheduler.pool", pool)

    def discard_piece_data(self, name: str, files: list[StagedFile]) -> None:
        delete_files(self.piece_data_location(name), files)

    @staticmethod
    def _latest_version(table: DeltaTable) -> int:
        return int(table.history(1).select("version").first()[0])

    @staticmethod
    def _tags_since(table: DeltaTable, version: int) -> list[str]:
        rows = table.history().where(F.col("version") > version).select("userMetadata").collect()
        return [row["userMetadata"] for row in rows if row["userMetadata"]]

    def _landed_since(self, table: DeltaTable, version: int, write_id: str) -> bool:
        """Did this write commit? Delta skips an already applied app transaction without committing."""
        return any(CommitId.write_id_of(tag) == write_id for tag in self._tags_since(table, version))

    def _committed_since(self, table: DeltaTable, version: int, commit: CommitId) -> bool:
        for tag in self._tags_since(table, version):
            other = CommitId.from_tag(tag)
            if other and other.app_id == commit.app_id and other.version >= commit.version:
                return True
        return False

    def read(self, name: str, version: int | None = None) -> DataFrame:
        self._table(name)
        reader = self._spark.read.format("delta")
        if version is not None:
            reader = reader.option("versionAsOf", version)
        return self._load(reader, name)

    def version(self, name: str) -> int:
        return self._latest_version(self._table(name))

    def history(self, name: str) -> list[dict[str, Any]]:
        # Epoch milliseconds, not the timestamp column: collected timestamps turn into naive local times.
        rows = (
            self._table(name)
            .history()
            .select("version", F.unix_millis("timestamp").alias("millis"), "operation", "userMetadata")
            .orderBy(F.col("version").desc())
            .collect()
        )
        return [
            {
                "version": int(row["version"]),
                "timestamp": datetime.fromtimestamp(row["millis"] / 1000, tz=timezone.utc),
                "operation": row["operation"],
                "commit": CommitId.from_tag(row["userMetadata"]),
            }
            for row in rows
        ]

    def compact(self, name: str) -> None:
        self._table(name).optimize().executeCompaction()
