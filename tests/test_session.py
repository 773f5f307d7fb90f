from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

import pytest

from gem_spark.config import SparkConfig
from gem_spark.session import LOCAL_DEFAULTS, get_spark

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = pytest.mark.spark


def test_get_spark_returns_the_active_session(spark: SparkSession) -> None:
    # spark-submit and Databricks hand us a session; its settings win over the config's.
    assert get_spark(SparkConfig(master="local[1]", app_name="ignored")) is spark
    assert get_spark() is spark


def test_a_local_session_has_arrow_and_worker_reuse_on(spark: SparkSession) -> None:
    assert spark.conf.get("spark.sql.execution.arrow.pyspark.enabled") == "true"
    assert spark.sparkContext.getConf().get("spark.python.worker.reuse") == "true"
    for key, value in LOCAL_DEFAULTS.items():
        # Spark prepends its own JVM module options to extraJavaOptions; ours must be there as given.
        assert value in spark.sparkContext.getConf().get(key)


def test_the_local_driver_jvm_runs_with_the_c1_only_jit(spark: SparkSession) -> None:
    # Set before the JVM starts (spark.driver.extraJavaOptions), so check what the JVM was launched with.
    runtime = spark.sparkContext._jvm.java.lang.management.ManagementFactory.getRuntimeMXBean()
    arguments = runtime.getInputArguments()
    assert "-XX:TieredStopAtLevel=1" in list(arguments)


def test_python_workers_are_reused_across_tasks(spark: SparkSession) -> None:
    # A cached inference engine survives between tasks only if worker processes are reused; without
    # reuse every task forks a fresh worker and each of these tasks would report its own pid.
    tasks = 24
    pids = spark.sparkContext.parallelize(range(tasks), tasks).map(lambda _: os.getpid()).collect()
    assert os.getpid() not in pids
    assert len(set(pids)) < tasks / 2, f"{len(set(pids))} worker processes for {tasks} tasks"


def test_workers_run_this_interpreter(spark: SparkSession) -> None:
    executables = spark.sparkContext.parallelize([0], 1).map(lambda _: sys.executable).collect()
    assert executables == [sys.executable]


def test_the_test_session_has_one_shuffle_partition_per_local_core(spark: SparkSession) -> None:
    assert spark.conf.get("spark.sql.shuffle.partitions") == "2"
