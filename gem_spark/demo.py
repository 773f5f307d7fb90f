"""`gem-spark demo` / `make demo`: the whole job on the bundled example corpus with the embedded default.

Ingest `examples/corpus`, then both GEM paths (teacher and synthesizer) over the recorded responses in
`examples/responses.jsonl`; print every table, export the accepted trajectories (with dataset cards) and write the report; the last
line names the trajectory viewer.
"""

from __future__ import annotations

from pathlib import Path

from gem_spark.config import GemConfig
from gem_spark.export import run_export
from gem_spark.pipeline import TABLES, run_pipeline
from gem_spark.report import build_report
from gem_spark.report.viewer_page import VIEWER
from gem_spark.session import get_spark
from gem_spark.stages.current import table_summaries
from gem_spark.stages.ingest import run_ingest
from gem_spark.tables import open_store
from gem_spark.tables.summary import format_summaries

EXAMPLE_CORPUS = Path(__file__).resolve().parent.parent / "examples" / "corpus"
DEMO_SNAPSHOT = "demo"


def run_demo(config: GemConfig) -> None:
    spark = get_spark(config.spark)
    summary = run_ingest(config, [str(EXAMPLE_CORPUS)], DEMO_SNAPSHOT, spark=spark)
    print(f"ingest: {summary.describe()}")
    for mode in ("teacher", "synthesizer"):
        run = run_pipeline(config, mode, snapshot=DEMO_SNAPSHOT, spark=spark)
        print(f"{mode} run {run.run_id}: {run.n_requests} model requests, "
              f"{run.counts('accepted').n_ok} trajectories accepted")  # fmt: skip
    store = open_store(config.tables, spark)
    print(format_summaries(table_summaries(config, store, list(TABLES))))
    print(f"accepted trajectories: {store.location('accepted')}")
    for fmt in ("openai", "sharegpt", "synthesizer"):
        manifest = run_export(config, fmt, str(Path(config.export.out) / fmt), spark=spark)
        print(f"export {fmt}: {manifest.n_exported} trajectories in {Path(config.export.out, fmt).resolve()}")
    index = build_report(config, config.report.out, spark=spark)
    print(f"report: {index}")
    print(f"trajectory viewer: {index.parent / VIEWER}")
