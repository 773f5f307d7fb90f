"""`gem-spark report`: index.html + report.md + PNG charts + viewer.html (sampled trajectories) for the
current tables."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from gem_spark.report.document import write
from gem_spark.report.metrics import collect
from gem_spark.report.sections import SECTIONS
from gem_spark.report.viewer import write_viewer
from gem_spark.session import get_spark
from gem_spark.stages.current import reading_context
from gem_spark.tables import open_store

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from gem_spark.config import GemConfig

log = logging.getLogger(__name__)
TITLE = "gem-spark run report"


def build_report(config: GemConfig, out: str | Path, spark: SparkSession | None = None) -> Path:
    """Write the report into folder `out`; returns the path of its index.html."""
    spark = spark or get_spark(config.spark)
    store = open_store(config.tables, spark)
    folder = Path(out).expanduser().resolve()
    folder.mkdir(parents=True, exist_ok=True)
    data = collect(store, config)
    sections = [section(data, folder) for section in SECTIONS]
    _, samples = write_viewer(reading_context(config, store, spark), config.report.viewer, folder)
    sections.append(samples)
    intro = (
        f"Tables at {config.tables.root if not config.tables.catalog else f'{config.tables.catalog}.{config.tables.database}'}"
        f" ({store.engine_name}); config {config.fingerprint()}; written {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC."
    )
    index = write(folder, TITLE, intro, sections)
    log.info("report written to %s", index)
    return index
