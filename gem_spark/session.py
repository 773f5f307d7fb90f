"""The Spark session: reuse the active one (spark-submit, Databricks), else build a local one.

There is deliberately no module-level session anywhere in the package: callers ask for one here.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from gem_spark.config import SparkConfig

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

_SHUFFLE_PARTITIONS = "spark.sql.shuffle.partitions"

# Settings every locally built session gets: Arrow for pandas/Arrow UDFs, reused Python workers so a
# cached inference engine survives across tasks and jobs, and a quiet UI-less local driver whose JIT
# stops at C1: locally the JVM only orchestrates (the work runs in Python workers) and each run plans
# new queries, so C2 spent 8-10 CPU-s per 60 MB ingest compiling code that never paid back (a quarter
# of the JVM's CPU; bench/ingest.py). Shuffle partitions: 8 here, one per task slot on a local master
# (see get_spark). `spark.conf` in the config overrides any of these.
LOCAL_DEFAULTS: dict[str, str] = {
    "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.python.worker.reuse": "true",
    "spark.ui.enabled": "false",
    _SHUFFLE_PARTITIONS: "8",
    "spark.sql.session.timeZone": "UTC",
    "spark.driver.memory": "2g",
}


def get_spark(config: SparkConfig | None = None) -> SparkSession:
    """Return the active session if there is one, otherwise build a local session from `config`."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    if "PYSPARK_GATEWAY_PORT" in os.environ:
        # Launched by spark-submit (or a Databricks task): the JVM already holds --master, --conf and the
        # resources; setting them here would override the submitted ones (e.g. run local[*] on a cluster).
        return SparkSession.builder.getOrCreate()
    config = config or SparkConfig()
    # Workers must run the interpreter that has our dependencies, not whatever `python3` is on PATH.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = SparkSession.builder.master(config.master).appName(config.app_name)
    for key, value in {**LOCAL_DEFAULTS, **config.conf}.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    local = config.master == "local" or config.master.startswith("local[")
    if local and _SHUFFLE_PARTITIONS not in config.conf:
        # One shuffle partition per local task slot, as Spark counts them: after a shuffle every extra
        # task costs its scheduling for nothing (ingest's jobs after the segmenting pass: 8.8 s at 8,
        # 6.5 s at 2 on 2 cores; bench/ingest.py).
        spark.conf.set(_SHUFFLE_PARTITIONS, str(spark.sparkContext.defaultParallelism))
    return spark
