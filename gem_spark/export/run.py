"""`gem-spark export`: the current ok rows of `accepted`, converted on executors, written in trajectory_id
order as shards of `export.shard_rows` rows with a manifest (and LLaMA-Factory's dataset_info.json).

Layout of the output folder:
    data/part-00000.jsonl …   (or .parquet)   the records, and nothing else (LLaMA-Factory loads the folder)
    manifest.json             counts, fingerprints, snapshots, runs, config fingerprint, files with SHA-256
    skipped.jsonl             {"trajectory_id", "reason"} of every ok row this format cannot hold
    dataset_info.json         sharegpt / synthesizer: the entry LLaMA-Factory reads `data/` with
    README.md                 the Hugging Face dataset card (`card=True`, the default; see export/card.py)
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa
from pyspark.sql import functions as F
from pyspark.sql.types import ArrayType, StringType, StructField, StructType, TimestampType

from gem_spark.export import sharegpt, synthesizer
from gem_spark.export.card import CARD, CardInputs, render_card
from gem_spark.export.chat_template import load_chat_template
from gem_spark.export.convert import FORMATS, PARQUET, SYNTHESIZER, ConvertSettings, convert
from gem_spark.export.manifest import DATASET_INFO, MANIFEST, SKIPPED, ExportManifest
from gem_spark.export.shards import DATA_DIR, ExportFolder, ShardFile
from gem_spark.prompts import PROMPTS_DIR_ENV
from gem_spark.report.metrics import collect_funnel
from gem_spark.session import get_spark
from gem_spark.stages.common import OK, StageContext
from gem_spark.stages.current import current_rows, reading_context, stage_fingerprints
from gem_spark.tables import open_store
from gem_spark.tables.staged_files import delta_arrow_schema

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, Row, SparkSession

    from gem_spark.config import GemConfig
    from gem_spark.tables.store import TableStore

log = logging.getLogger(__name__)

ACCEPTED, SEGMENTS, KEY = "accepted", "segments", "trajectory_id"
CONVERTED_SCHEMA = StructType(
    [
        StructField(KEY, StringType(), False),
        StructField("record", StringType()),
        StructField("skip_reason", StringType()),
        StructField("notes", ArrayType(StringType())),
    ]
)
DATASET_INFOS = {"sharegpt": sharegpt.dataset_info, "synthesizer": synthesizer.dataset_info}


class ExportError(ValueError):
    """The export cannot run as asked (unknown format)."""


def current_accepted(ctx: StageContext) -> DataFrame | None:
    """Current rows of `accepted` (latest per trajectory and fingerprint, current chain only; see
    `stages/current.py`); None before anything was accepted."""
    if not ctx.store.exists(ACCEPTED):
        return None
    return current_rows(ctx, ACCEPTED)


def _with_segments(store: TableStore, rows: DataFrame) -> DataFrame:
    """Adds the segment's `text` and `snapshot` (null when the segments table lacks the segment)."""
    if not store.exists(SEGMENTS):
        return rows.withColumn("text", F.lit(None).cast(StringType())).withColumn(
            "snapshot", F.lit(None).cast(StringType())
        )
    segments = store.read(SEGMENTS).select("segment_id", "text", "snapshot").dropDuplicates(["segment_id"])
    return rows.join(segments, "segment_id", "left")


def convert_rows(rows: DataFrame, settings: ConvertSettings) -> DataFrame:
    """(trajectory_id, record JSON line, skip_reason, notes) per row, computed on executors."""

    def convert_batches(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            out = []
            for key, trajectory, text in zip(batch[KEY], batch["trajectory"], batch["text"]):
                converted = convert(settings, trajectory, None if pd.isna(text) else text)
                line = None if converted.record is None else json.dumps(converted.record, ensure_ascii=False)
                out.append((key, line, converted.skip_reason, list(converted.notes)))
            yield pd.DataFrame(out, columns=CONVERTED_SCHEMA.fieldNames())

    return rows.select(KEY, "trajectory", "text").mapInPandas(convert_batches, CONVERTED_SCHEMA)


def _counts(df: DataFrame, column: str) -> dict[str, int]:
    rows = df.groupBy(column).count().collect()
    return {str(row[column]): int(row["count"]) for row in sorted(rows, key=lambda row: str(row[column]))}


def _settings(config: GemConfig, fmt: str) -> ConvertSettings:
    template = load_chat_template(config.export.chat_template) if config.export.chat_template else None
    return ConvertSettings(
        fmt=fmt,
        max_input_chars=config.stages["synthesize"].max_input_chars,
        prompts_dir=os.environ.get(PROMPTS_DIR_ENV),
        chat_template=template,
    )


@dataclass
class Written:
    """What one export wrote: shard files, the rows behind them, skip reasons and conversion notes."""

    files: list[ShardFile] = field(default_factory=list)
    rows: DataFrame | None = None
    skipped: dict[str, int] = field(default_factory=dict)
    notes: dict[str, int] = field(default_factory=dict)
    # DataFrames cached for this export, released once the manifest is counted.
    cached: list[DataFrame] = field(default_factory=list)
    # Arrow schema of parquet shards (the dataset card's features).
    schema: pa.Schema | None = None


def _write_records(
    folder: ExportFolder, rows: DataFrame, settings: ConvertSettings, shard_rows: int
) -> Written:
    converted = convert_rows(rows, settings).cache()
    records = converted.filter(F.col("record").isNotNull())
    lines = (row["record"] for row in records.select(KEY, "record").orderBy(KEY).toLocalIterator())
    files = folder.jsonl_shards(lines, shard_rows)
    skipped = converted.filter(F.col("skip_reason").isNotNull()).select(
        KEY, F.col("skip_reason").alias("reason")
    )
    folder.write_lines(SKIPPED, (json.dumps(row.asDict()) for row in skipped.orderBy(KEY).toLocalIterator()))
    return Written(
        files=files,
        rows=rows.join(records.select(KEY), KEY, "left_semi"),
        skipped=_counts(skipped, "reason"),
        notes=_counts(records.select(F.explode("notes").alias("note")), "note"),
        cached=[converted],
    )


def _utc_row(row: Row, timestamps: list[str]) -> dict[str, Any]:
    """A collected row as a dict; PySpark hands timestamps over as naive local times, made UTC here."""
    values = row.asDict(recursive=True)
    for name in timestamps:
        if values[name] is not None:
            values[name] = values[name].astimezone(timezone.utc)
    return values


def _write_parquet(folder: ExportFolder, rows: DataFrame, shard_rows: int) -> Written:
    table_rows = rows.drop("text", "snapshot")
    schema = delta_arrow_schema(table_rows.schema)
    timestamps = [f.name for f in table_rows.schema.fields if isinstance(f.dataType, TimestampType)]
    stream = (_utc_row(row, timestamps) for row in table_rows.orderBy(KEY).toLocalIterator())
    folder.write_lines(SKIPPED, [])
    return Written(files=folder.parquet_shards(stream, schema, shard_rows), rows=rows, schema=schema)


def _manifest(
    ctx: StageContext, fmt: str, out: str, by_status: dict[str, int], written: Written
) -> ExportManifest:
    rows, config = written.rows, ctx.config
    return ExportManifest(
        format=fmt,
        out=out,
        created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        config_fingerprint=config.fingerprint(),
        stage_fingerprints=stage_fingerprints(ctx),
        shard_rows=config.export.shard_rows,
        n_exported=sum(file.rows for file in written.files),
        skipped=written.skipped,
        notes=written.notes,
        accepted_by_status=by_status,
        fingerprints=_counts(rows, "fingerprint") if rows is not None else {},
        snapshots=_counts(rows, "snapshot") if rows is not None else {},
        runs=_counts(rows, "run_id") if rows is not None else {},
        files=[file.to_dict() for file in written.files],
        dataset_info=DATASET_INFOS[fmt](DATA_DIR) if fmt in DATASET_INFOS else None,
    )


def run_export(
    config: GemConfig, fmt: str, out: str, spark: SparkSession | None = None, card: bool = True
) -> ExportManifest:
    """Write the export of format `fmt` (openai | sharegpt | synthesizer | parquet) into folder `out`, with
    its dataset card (README.md) unless `card` is False."""
    if fmt not in FORMATS:
        msg = f"unknown export format {fmt!r}; expected one of {list(FORMATS)}"
        raise ExportError(msg)
    spark = spark or get_spark(config.spark)
    store = open_store(config.tables, spark)
    ctx = reading_context(config, store, spark)
    folder = ExportFolder(out)
    folder.reset_data()
    latest = current_accepted(ctx)
    by_status: dict[str, int] = {}
    written = Written()
    cached: list[DataFrame] = []
    if latest is None:
        folder.write_lines(SKIPPED, [])
    else:
        latest = latest.cache()
        by_status = _counts(latest, "status")
        rows = latest.filter(F.col("status") == OK)
        if fmt == SYNTHESIZER:
            rows = rows.filter(F.col("source_stage").isin(config.export.synthesizer_sources))
        rows = _with_segments(store, rows).cache()
        cached = [latest, rows]
        if fmt == PARQUET:
            written = _write_parquet(folder, rows, config.export.shard_rows)
        else:
            written = _write_records(folder, rows, _settings(config, fmt), config.export.shard_rows)
    manifest = _manifest(ctx, fmt, out, by_status, written)
    if manifest.dataset_info is not None:
        folder.write_json(DATASET_INFO, manifest.dataset_info)
    folder.write_json(MANIFEST, manifest.to_dict())
    if card:
        inputs = CardInputs(config, manifest, collect_funnel(ctx), written.schema)
        folder.write_lines(CARD, [render_card(inputs)])
    for df in [*written.cached, *cached]:
        df.unpersist()
    log.info("export %s -> %s: %d rows in %d files, %d skipped", fmt, out, manifest.n_exported,
             len(written.files), manifest.n_skipped)  # fmt: skip
    return manifest
