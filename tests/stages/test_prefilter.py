"""prefilter_segments on a real local Spark session: schema, verdicts, agreement with score_text."""

from __future__ import annotations

import pytest
from chispa import assert_df_equality
from pyspark.sql.types import ArrayType, DoubleType, StringType, StructField, StructType

from gem_spark.stages.prefilter import LOW_SCORE, PrefilterInputError, prefilter_segments
from gem_spark.text.hashing import segment_id
from gem_spark.text.normalize import normalize_text
from gem_spark.text.procedural_score import score_text
from gem_spark.text.segment import segment_text

pytestmark = pytest.mark.spark

SEGMENTS_SCHEMA = StructType([StructField("segment_id", StringType()), StructField("text", StringType())])
OUTPUT_SCHEMA = StructType(
    [
        StructField("segment_id", StringType()),
        StructField("score", DoubleType(), False),
        StructField("signals", ArrayType(StringType(), False), False),
        StructField("status", StringType(), False),
        StructField("reason", StringType()),
    ]
)
PROCEDURE = "Open the Settings app. Tap Privacy > Tracking. Then turn off the toggle and restart your phone."
NEWS = "The council approved the budget on Tuesday after a long debate about transit funding."


def expected_row(key: str, text: str | None, threshold: float) -> tuple:
    result = score_text(text or "")
    passed = result.score >= threshold
    return (
        key,
        result.score,
        list(result.signals),
        "ok" if passed else "rejected",
        None if passed else LOW_SCORE,
    )


def test_verdicts_match_the_pure_scorer(spark) -> None:
    rows = [("procedure", PROCEDURE), ("news", NEWS), ("null_text", None), ("empty", "")]
    actual = prefilter_segments(spark.createDataFrame(rows, SEGMENTS_SCHEMA), threshold=0.5)
    expected = spark.createDataFrame([expected_row(k, t, 0.5) for k, t in rows], OUTPUT_SCHEMA)
    assert_df_equality(actual, expected, ignore_row_order=True)
    statuses = {row.segment_id: (row.status, row.reason) for row in actual.collect()}
    assert statuses["procedure"] == ("ok", None)
    assert statuses["news"] == ("rejected", LOW_SCORE)
    assert statuses["null_text"] == ("rejected", LOW_SCORE)


def test_threshold_bounds(spark) -> None:
    segments = spark.createDataFrame([("procedure", PROCEDURE), ("news", NEWS)], SEGMENTS_SCHEMA)
    assert {row.status for row in prefilter_segments(segments, threshold=0.0).collect()} == {"ok"}
    assert {row.status for row in prefilter_segments(segments, threshold=1.0).collect()} == {"rejected"}


def test_extra_columns_are_ignored_and_missing_ones_named(spark) -> None:
    segments = spark.createDataFrame([("a", NEWS, "s1")], "segment_id string, text string, snapshot string")
    assert prefilter_segments(segments, 0.5).columns == ["segment_id", "score", "signals", "status", "reason"]
    with pytest.raises(PrefilterInputError, match="text"):
        prefilter_segments(segments.drop("text"), 0.5)


def test_real_corpus_segments_across_partitions(spark, shared_data) -> None:
    import pyarrow.parquet as pq

    texts = pq.read_table(shared_data / "corpus" / "web_sample.parquet", columns=["text"]).column("text")
    pieces = {
        segment_id(piece.text): piece.text
        for raw in texts.to_pylist()[:120]
        for piece in segment_text(normalize_text(raw), 200, 6000)
    }
    segments = spark.createDataFrame(list(pieces.items()), SEGMENTS_SCHEMA).repartition(3)
    actual = prefilter_segments(segments, threshold=0.5)
    expected = spark.createDataFrame([expected_row(k, t, 0.5) for k, t in pieces.items()], OUTPUT_SCHEMA)
    assert_df_equality(actual, expected, ignore_row_order=True)
