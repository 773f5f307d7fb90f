"""Delta tables for every stage, through the engine the Spark session can run.

`open_store(config.tables, spark)` is the one entry point: `engine: auto` picks spark-delta when Spark
loads the Delta classes, else delta-rs (see DESIGN.md "Delta on every machine").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gem_spark.tables.engine import delta_unavailable_reason
from gem_spark.tables.store import CommitId, EngineUnavailableError, TableError, TableStore

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from gem_spark.config import TablesConfig

__all__ = ["CommitId", "TableStore", "open_store"]


def _uses_catalog(config: TablesConfig) -> bool:
    if bool(config.catalog) != bool(config.database):
        msg = "tables.catalog and tables.schema must be set together (Unity Catalog names) or both left out"
        raise TableError(msg)
    return bool(config.catalog)


def open_store(config: TablesConfig, spark: SparkSession) -> TableStore:
    """The store for `config.engine`; an engine that cannot run here raises EngineUnavailableError."""
    catalog = _uses_catalog(config)
    reason = delta_unavailable_reason(spark)
    engine = config.engine
    if engine == "auto":
        engine = "spark-delta" if reason is None else "delta-rs"
    if engine == "spark-delta":
        if reason is not None:
            msg = f"tables.engine is spark-delta, but {reason}; or set tables.engine: delta-rs"
            raise EngineUnavailableError(msg)
        from gem_spark.tables.spark_delta import SparkDeltaStore

        return SparkDeltaStore(spark, config.root, config.catalog, config.database)
    if catalog:
        why = reason or "tables.engine is delta-rs"
        msg = (
            f"Unity Catalog names ({config.catalog}.{config.database}.<table>) need the spark-delta engine "
            f"({why}); delta-rs opens paths only: unset tables.catalog and tables.schema to use tables.root"
        )
        raise EngineUnavailableError(msg)
    from gem_spark.tables.delta_rs import DeltaRsStore

    return DeltaRsStore(spark, config.root)
