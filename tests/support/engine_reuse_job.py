"""Two Spark jobs through the vLLM runner in a fresh local[1] session, logging which engine each row used.

Run as a subprocess by test_spark.py: a session of its own, with one task slot, holds exactly one Python
worker, so "the engine is reused across tasks and jobs" can be checked without depending on which idle
worker Spark's pool hands out (FIFO, and idle workers are killed after a minute).

usage: python -m tests.support.engine_reuse_job MODEL_CONFIG_JSON LOG_DIR
"""

from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path
from typing import Any

from gem_spark.config import RunnerConfig, SparkConfig, VllmModelConfig
from gem_spark.llm.protocol import LLMRequest
from gem_spark.llm.spark import run_llm
from gem_spark.llm.vllm_backend import engine_options, shared_engine
from gem_spark.session import get_spark

ROWS = 120
PARTITIONS = 3


def main(model_json: str, log_dir: str) -> None:
    model = VllmModelConfig.model_validate_json(model_json)
    engine_log = Path(log_dir)

    def build_and_record(row: dict[str, Any]) -> LLMRequest:
        # Runs in the worker after run_llm fetched the backend: this is the engine it is using.
        engine = shared_engine(engine_options(model))
        # A token set on first sight, not id(): a rebuilt engine could reuse a freed one's address.
        token = engine.__dict__.setdefault("_reuse_probe", uuid.uuid4().hex)
        with (engine_log / f"{os.getpid()}.log").open("a") as out:
            out.write(f"{row['job']} {token}\n")
        return LLMRequest(key=row["segment_id"], messages=[{"role": "user", "content": row["text"]}])

    spark = get_spark(SparkConfig(master="local[1]", app_name="engine-reuse"))
    rows = [(f"seg-{n:04d}", f"Segment {n}: book a table for {n % 7 + 1}.") for n in range(ROWS)]
    segments = spark.createDataFrame(rows, "segment_id string, text string").repartition(PARTITIONS)
    runner = RunnerConfig(batch_size=16)
    for job, frame in ((1, segments), (2, segments.limit(20))):
        results = run_llm(frame.selectExpr("*", f"{job} AS job"), model, runner, build_and_record).collect()
        failed = [row.llm.error_message for row in results if row.llm.error_type is not None]
        assert not failed, failed
    spark.stop()


if __name__ == "__main__":
    main(*sys.argv[1:])
