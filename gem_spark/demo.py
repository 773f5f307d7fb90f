"""`gem-spark demo` / `make demo`: the job on the bundled example corpus with the embedded default.

For now: ingest `examples/corpus` (segments, quarantine, prefilter) and print the table summary.
"""

from __future__ import annotations

from pathlib import Path

from gem_spark.config import GemConfig
from gem_spark.session import get_spark
from gem_spark.stages.ingest import run_ingest
from gem_spark.tables import open_store
from gem_spark.tables.summary import format_summaries, summarize

EXAMPLE_CORPUS = Path(__file__).resolve().parent.parent / "examples" / "corpus"
DEMO_SNAPSHOT = "demo"


def run_demo(config: GemConfig) -> None:
    spark = get_spark(config.spark)
    summary = run_ingest(config, [str(EXAMPLE_CORPUS)], DEMO_SNAPSHOT, spark=spark)
    print(f"ingest: {summary.describe()}")
    print(format_summaries(summarize(open_store(config.tables, spark))))
