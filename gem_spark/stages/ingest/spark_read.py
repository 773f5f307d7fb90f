"""Driver side of the segmenting pass: files → units (planned on executors) → segment / quarantine / unit
rows (`segmenting_pass.py` on executors), as one lazy DataFrame."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from pyspark.sql.pandas.types import from_arrow_schema
from pyspark.sql.types import IntegerType, StructField, StructType

from gem_spark.config import IngestConfig
from gem_spark.stages.ingest.input_files import InputFile
from gem_spark.stages.ingest.segmenting_pass import ingest_batches, plan_batches
from gem_spark.stages.ingest.shapes import FILE_SCHEMA, ROW_SCHEMA, UNIT_SCHEMA

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

FILE_STRUCT = from_arrow_schema(FILE_SCHEMA)
UNIT_STRUCT = from_arrow_schema(UNIT_SCHEMA)
ROW_STRUCT = from_arrow_schema(ROW_SCHEMA)
# Up to this many tasks per task slot, one unit (file or row group) each: a task that holds two units
# runs alone at the end of the pass while the other cores idle (2-3 s of a 200 MB run on 2 cores at 8).
_TASKS_PER_SLOT = 32
_UNIT_INDEX = "unit_index"


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
    partitions = max(1, min(len(units), slots * _TASKS_PER_SLOT))
    indexed = StructType([StructField(_UNIT_INDEX, IntegerType(), False), *UNIT_STRUCT.fields])
    # Range partitioning on the unit's index deals units out evenly; a round-robin `repartition` of a
    # handful of rows left some tasks empty and others with two files (a 6 s tail on 2 cores).
    units_df = (
        spark.createDataFrame([(index, *unit) for index, unit in enumerate(units)], indexed)
        .repartitionByRange(partitions, _UNIT_INDEX)
        .drop(_UNIT_INDEX)
    )
    return units_df.mapInArrow(partial(ingest_batches, config=config), ROW_STRUCT)
