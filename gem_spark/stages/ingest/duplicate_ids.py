"""Documents that reuse an id taken earlier in the same ingest run become `duplicate_id` quarantine rows.

A document id is meant to name one document of a snapshot; a second document under the same id (the
same file listed twice, an exporter bug, a copy with new text) is quarantined rather than silently
kept or silently dropped. The first document by (source, record_index) keeps the id. Ids the reader
made up for documents without one are unique by construction. Across snapshots a reused id is normal
(a page re-crawled under its URL) and is not checked: its segments are deduplicated by content hash.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyspark.sql import functions as F

from gem_spark.stages.ingest.quarantine import DUPLICATE_ID
from gem_spark.stages.ingest.repeats import FIRST, later_occurrences
from gem_spark.stages.ingest.units import QUARANTINE, SEGMENT

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

DOCUMENT = ["source", "record_index"]
_DUPLICATE_OF = "__duplicate_of"


def reused_ids(rows: DataFrame) -> DataFrame:
    """(doc_id, source, record_index, first) of every segmented document whose id an earlier one took."""
    documents = rows.filter((F.col("kind") == SEGMENT) & (F.col("position") == 0))
    return later_occurrences(documents, "doc_id", DOCUMENT, ["source", "record_ref"])


def quarantine_reused_ids(rows: DataFrame, reused: DataFrame, preview_chars: int) -> DataFrame:
    """`rows` with the segments of each document in `reused` replaced by one `duplicate_id` row."""
    detail = F.format_string(
        "id %s is already used by %s %s", "doc_id", f"{FIRST}.source", f"{FIRST}.record_ref"
    )
    flagged = rows.join(reused.select(*DOCUMENT, detail.alias(_DUPLICATE_OF)), DOCUMENT, "left")
    is_duplicate = F.col(_DUPLICATE_OF).isNotNull() & (F.col("kind") == SEGMENT)
    kept = flagged.filter(~is_duplicate).select(*rows.columns)
    quarantined = flagged.filter(is_duplicate & (F.col("position") == 0)).select(
        F.lit(QUARANTINE).alias("kind"),
        "source",
        "record_ref",
        "record_index",
        "doc_id",
        "url",
        F.lit(DUPLICATE_ID).alias("reason"),
        F.col(_DUPLICATE_OF).alias("detail"),
        F.substring("text", 1, preview_chars).alias("raw_preview"),
    )
    return kept.unionByName(quarantined, allowMissingColumns=True)
