"""Spark side of reading: files → units (planned on executors) → segment / quarantine / unit rows."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from pyspark.sql.pandas.types import from_arrow_schema

from gem_spark.config import IngestConfig
from gem_spark.stages.ingest.inputs import InputFile
from gem_spark.stages.ingest.units import FILE_SCHEMA, ROW_SCHEMA, UNIT_SCHEMA, ingest_batches, plan_batches

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

FILE_STRUCT = from_arrow_schema(FILE_SCHEMA)
UNIT_STRUCT = from_arrow_schema(UNIT_SCHEMA)
ROW_STRUCT = from_arrow_schema(ROW_SCHEMA)
# Units per task slot: several, so a slow file does not leave the other cores idle at the end.
_UNITS_PER_SLOT = 4


def parallelism(spark: SparkSession) -> int:
    """Task slots of the cluster (Spark Connect has no SparkContext: fall back to shuffle partitions)."""
    try:
        return int(spark.sparkContext.defaultParallelism)
    except NotImplementedError:
        return int(spark.conf.get("spark.sql.shuffle.partitions") or 8)


def _plan(spark: SparkSession, files: list[InputFile], slots: int) -> list[tuple[str, str, str | None, int]]:
    """Units of all files. Parquet footers are read on executors (many files, remote storage); every
    other file is one unit and needs no job."""
    units = [(file.path, file.fmt, file.compression, 0) for file in files if file.fmt != "parquet"]
    parquet = [(file.path, file.fmt, file.compression) for file in files if file.fmt == "parquet"]
    if parquet:
        planned = spark.createDataFrame(parquet, FILE_STRUCT).repartition(min(len(parquet), slots))
        units += [tuple(row) for row in planned.mapInArrow(plan_batches, UNIT_STRUCT).collect()]
    return units


def read_rows(spark: SparkSession, files: list[InputFile], config: IngestConfig) -> DataFrame:
    """ROW_STRUCT rows for every record of `files`; the reading itself runs on executors."""
    slots = parallelism(spark)
    units = _plan(spark, files, slots)
    partitions = max(1, min(len(units), slots * _UNITS_PER_SLOT))
    units_df = spark.createDataFrame(units, UNIT_STRUCT).repartition(partitions)
    return units_df.mapInArrow(partial(ingest_batches, config=config), ROW_STRUCT)
