"""The demo's tables, built once per test session: the example corpus through both pipeline modes over the
recorded responses, then dedup and decontamination marks (what `make demo` leaves behind)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from examples.assemble_responses import CORPUS
from gem_spark.config import GemConfig, load_config
from gem_spark.pipeline import run_pipeline
from gem_spark.stages.common import StageContext
from gem_spark.stages.decontam import mark_contaminated
from gem_spark.stages.near_duplicates import mark_near_duplicates
from gem_spark.stages.ingest import run_ingest
from gem_spark.tables import open_store

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

REPO = Path(__file__).resolve().parent.parent.parent
SNAPSHOT = "demo"


def build_demo_lake(spark: SparkSession, root: Path, shared_data: Path) -> GemConfig:
    config = load_config(REPO / "conf" / "local.yaml", [
        f"tables.root={root / 'lakehouse'}", f"export.chat_template={shared_data / 'chat_templates' / 'qwen3.jinja'}",
    ])  # fmt: skip
    run_ingest(config, [str(CORPUS)], SNAPSHOT, spark=spark)
    for mode in ("teacher", "synthesizer"):
        run_pipeline(config, mode, snapshot=SNAPSHOT, spark=spark)
    ctx = StageContext(
        config=config, spark=spark, store=open_store(config.tables, spark), run_id="demo-marks"
    )
    mark_near_duplicates(ctx)
    mark_contaminated(ctx)
    return config
