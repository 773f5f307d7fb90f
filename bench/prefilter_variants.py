"""Which way of running the pure prefilter in Spark is fastest? Measured side by side in one run.

Segments of the shared web sample (normalised, segmented 200..6000 chars) are replicated to about
`--mb` MB of text, written as Parquet, and scored by each variant:

  mapInPandas         the stage's own implementation (gem_spark.stages.prefilter.prefilter_segments)
  mapInArrow          Arrow record batches in and out
  pandas_udf          Series -> struct DataFrame, one column expression
  python_udf          classic pickled row-at-a-time Python UDF

Not measured: the Arrow-optimized Python UDF (`udf(..., useArrow=True)`). On pyspark 4.2.0 its
columnar runner (used over a Parquet scan) desyncs the worker protocol and the task hangs, then the
worker crashes (SPARK-58241, fixed in apache/spark#57419 for branch-4.2, not in the 4.2.0 wheel).

Every variant ends in the same status/reason columns and a full `noop` write, so each run does all
the work. Each variant is timed `--rounds` times (interleaved, to spread machine noise); the best
time counts. Prints rows/s per variant and its ratio to the slowest, then the `BENCH {json}` line:
the stage's variant against the classic row-at-a-time Python UDF, met when the stage's variant is
within 10% of the fastest one measured (the prefilter runs "the fastest way you can measure").

    .venv/bin/python bench/prefilter_variants.py --mb 50 --master 'local[2]'
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from gem_spark.config import PrefilterConfig, SparkConfig
from gem_spark.session import get_spark
from gem_spark.stages.prefilter import SCORED_SCHEMA, prefilter_segments, with_verdict
from gem_spark.text.hashing import segment_id
from gem_spark.text.normalize import normalize_text
from gem_spark.text.prefilter import score_text
from gem_spark.text.segment import segment_text

CORPUS = REPO.parent / "shared" / "data" / "corpus" / "web_sample.parquet"
THRESHOLD = PrefilterConfig().threshold
STAGE_VARIANT, BASELINE_VARIANT = "mapInPandas (stage)", "python_udf"
WITHIN_FASTEST = 0.9


def build_segments(target_mb: float, out_dir: Path, files: int = 8) -> tuple[int, float]:
    """Write the corpus's segments, replicated to about target_mb MB of text, as `files` Parquet files."""
    texts = [
        piece.text
        for raw in pq.read_table(CORPUS, columns=["text"]).column("text").to_pylist()
        for piece in segment_text(normalize_text(raw), 200, 6000)
    ]
    corpus_mb = sum(len(text.encode("utf-8")) for text in texts) / 1e6
    copies = max(1, round(target_mb / corpus_mb))
    rows = [(f"{segment_id(text)}-{copy}", text) for copy in range(copies) for text in texts]
    per_file = -(-len(rows) // files)
    for index in range(files):
        chunk = rows[index * per_file : (index + 1) * per_file]
        table = pa.table({"segment_id": [r[0] for r in chunk], "text": [r[1] for r in chunk]})
        pq.write_table(table, out_dir / f"part-{index}.parquet")
    return len(rows), corpus_mb * copies


def _score_arrow_batches(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Executor side: (segment_id, text) batches → (segment_id, score, signals) batches.

    A null text scores as the empty string (lowest score, rejected) rather than failing the task.
    """
    schema = pa.schema(
        [
            pa.field("segment_id", pa.string()),
            pa.field("score", pa.float64(), nullable=False),
            pa.field("signals", pa.list_(pa.field("element", pa.string(), nullable=False)), nullable=False),
        ]
    )
    for batch in batches:
        results = [score_text(text or "") for text in batch.column("text").to_pylist()]
        yield pa.RecordBatch.from_arrays(
            [
                batch.column("segment_id").cast(pa.string()),
                pa.array([result.score for result in results], pa.float64()),
                pa.array([list(result.signals) for result in results], schema.field("signals").type),
            ],
            schema=schema,
        )


def _score_row(text: str | None) -> tuple[float, list[str]]:
    result = score_text(text or "")
    return result.score, list(result.signals)


def variants() -> dict[str, Callable]:
    """name -> function(segments DataFrame) -> prefilter output; UDFs are built here, on the driver."""
    from pyspark.sql.functions import pandas_udf, udf
    from pyspark.sql.types import StructField, StructType

    # pandas_udf reports its struct fields as nullable; declare them so.
    score_struct = StructType([StructField(f.name, f.dataType, True) for f in SCORED_SCHEMA.fields[1:]])

    @pandas_udf(score_struct)
    def score_series(texts: pd.Series) -> pd.DataFrame:
        results = [score_text(text or "") for text in texts]
        return pd.DataFrame(
            {"score": [r.score for r in results], "signals": [list(r.signals) for r in results]}
        )

    python_udf = udf(_score_row, score_struct, useArrow=False)

    def by_column(function: Callable) -> Callable:
        def run(segments):
            scored = segments.select("segment_id", function("text").alias("s"))
            return with_verdict(scored.select("segment_id", "s.score", "s.signals"), THRESHOLD)

        return run

    return {
        STAGE_VARIANT: lambda segments: prefilter_segments(segments, THRESHOLD),
        "mapInArrow": lambda segments: with_verdict(
            segments.mapInArrow(_score_arrow_batches, SCORED_SCHEMA), THRESHOLD
        ),
        "pandas_udf": by_column(score_series),
        BASELINE_VARIANT: by_column(python_udf),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=50.0, help="MB of segment text to score")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--master", default="local[2]")
    args = parser.parse_args()

    spark = get_spark(SparkConfig(master=args.master, app_name="bench-prefilter-variants"))
    spark.sparkContext.setLogLevel("ERROR")
    runs = variants()
    with tempfile.TemporaryDirectory(prefix="bench-prefilter-") as tmp:
        rows, megabytes = build_segments(args.mb, Path(tmp))
        segments = spark.read.parquet(tmp)
        print(
            f"{rows} segments, {megabytes:.1f} MB of text, {segments.rdd.getNumPartitions()} partitions, "
            f"master {args.master}"
        )
        sample = segments.limit(2000)
        reference = None
        for name, run in runs.items():  # warm-up (Python workers start) and same-answer check
            ok = run(sample).filter("status = 'ok'").select("segment_id").collect()
            ok_ids = sorted(row.segment_id for row in ok)
            reference = reference if reference is not None else ok_ids
            if ok_ids != reference:
                msg = f"variant {name} disagrees with the stage on which segments pass"
                raise AssertionError(msg)
        best = {name: float("inf") for name in runs}
        for _ in range(args.rounds):
            for name, run in runs.items():
                started = time.perf_counter()
                run(segments).write.format("noop").mode("overwrite").save()
                best[name] = min(best[name], time.perf_counter() - started)
    slowest = max(best.values())
    print(f"{'variant':<20} {'seconds':>8} {'rows/s':>9} {'MB/s':>6} {'x slowest':>9}")
    for name, seconds in sorted(best.items(), key=lambda item: item[1]):
        print(
            f"{name:<20} {seconds:8.2f} {rows / seconds:9.0f} {megabytes / seconds:6.2f} {slowest / seconds:9.2f}"
        )
    spark.stop()
    stage, fastest = best[STAGE_VARIANT], min(best.values())
    result = {
        "bench": "prefilter_variants",
        "unit": "segments/s",
        "figure": round(rows / stage, 1),
        "baseline": round(rows / best[BASELINE_VARIANT], 1),
        "ratio": round(best[BASELINE_VARIANT] / stage, 3),
        "target": f"stage >= {WITHIN_FASTEST} x fastest variant",
        "met": fastest / stage >= WITHIN_FASTEST,
        "rows_per_s": {name: round(rows / seconds, 1) for name, seconds in best.items()},
        "mb": round(megabytes, 1),
    }
    print("BENCH " + json.dumps(result))


if __name__ == "__main__":
    main()
