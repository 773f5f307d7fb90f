"""Which way of running the pure prefilter in Spark is fastest? Measured side by side in one run.

Segments of the shared web sample (normalised, segmented 200..6000 chars) are replicated to about
`--mb` MB of text, written as Parquet, and scored by each variant:

  mapInArrow          the stage's own implementation (gem_spark.stages.prefilter.prefilter_segments):
                      Arrow record batches in and out
  mapInPandas         pandas DataFrames in and out
  pandas_udf          Series -> struct DataFrame, one column expression
  python_udf          classic pickled row-at-a-time Python UDF

Not measured: the Arrow-optimized Python UDF (`udf(..., useArrow=True)`). On pyspark 4.2.0 its
columnar runner (used over a Parquet scan) desyncs the worker protocol and the task hangs, then the
worker crashes (SPARK-58241, fixed in apache/spark#57419 for branch-4.2, not in the 4.2.0 wheel).

Every variant ends in the same status/reason columns and a full `noop` write, so each run does all
the work. Each variant is timed `--rounds` times (interleaved, to spread machine noise); the best
time counts. Prints rows/s per variant and its ratio to the slowest, then the `BENCH {json}` line:
the stage's variant against the classic row-at-a-time Python UDF, met when the stage's variant is
within 20% of the fastest one measured — the variants' order changes from run to run on this VM.

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
from gem_spark.text.procedural_score import score_text
from gem_spark.text.segment import segment_text

CORPUS = REPO.parent / "shared" / "data" / "corpus" / "web_sample.parquet"
THRESHOLD = PrefilterConfig().threshold
STAGE_VARIANT, BASELINE_VARIANT = "mapInArrow (stage)", "python_udf"
WITHIN_FASTEST = 0.8  # the variants differ by less than this VM's round-to-round noise (±20%)


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


def _score_pandas_frames(frames: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """Executor side of the mapInPandas variant: (segment_id, text) → (segment_id, score, signals)."""
    for frame in frames:
        results = [score_text(text or "") for text in frame["text"]]
        yield pd.DataFrame(
            {
                "segment_id": frame["segment_id"],
                "score": [result.score for result in results],
                "signals": [list(result.signals) for result in results],
            }
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
        "mapInPandas": lambda segments: with_verdict(
            segments.mapInPandas(_score_pandas_frames, SCORED_SCHEMA), THRESHOLD
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
