"""A trivial spark-submit job for the standalone-cluster tests: where each task ran and which GPU it got.

spark-submit --master spark://... tests/support/cluster_probe.py OUT.json
"""

import json
import os
import sys

from pyspark import TaskContext

from gem_spark.session import get_spark


def _where(_rows):
    context = TaskContext.get()
    gpu = context.resources().get("gpu")
    # An executor's Python workers run in that executor's folder under its worker's --work-dir.
    yield {
        "partition": context.partitionId(),
        "executor_dir": os.getcwd(),
        "gpus": list(gpu.addresses) if gpu else [],
    }


if __name__ == "__main__":
    spark = get_spark()
    tasks = spark.sparkContext.parallelize(range(8), 4).mapPartitions(_where).collect()
    result = {"master": spark.sparkContext.master, "tasks": tasks}
    with open(sys.argv[1], "w", encoding="utf-8") as out:
        json.dump(result, out)
