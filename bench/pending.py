"""Pending work of the select stage on a large lake with history: current chain vs every fingerprint.

Reading "current" (stages/current.py) must not cost more than the reader it replaced. The lake is built
through the store's own API (synthetic rows, written by the executors like every stage commit):

  segments   N rows (default 1,000,000), short texts
  prefilter  N rows under the current prefilter fingerprint, 15% ok; plus an older threshold's rows for
             30% of the segments (history a threshold change left), 15% of those ok
  select     the current chain for 90% of the current ok prefilter rows, and a superseded chain (an older
             select prompt) for the same rows: history that grows with every prompt iteration

Timed, each a `count()` of the pending DataFrame, best of `--repeat` interleaved rounds:
  before   the previous reader: ok rows of every prefilter fingerprint (latest per key and fingerprint,
           ties broken by a hash of each row's JSON as `latest_rows` did), chained, minus settled select
           rows (what `pending` did before current chains)
  after    `SelectStage.pending_work`: the current prefilter chain only, minus settled select rows
  scan     a column scan of prefilter (segment_id, status): the floor any reader pays

`after` must not be slower than `before` (it also returns the right rows: `before` re-selects every
segment the old threshold passed, work that belongs to no current config).

    .venv/bin/python -m bench.pending [--segments 1000000] [--repeat 2]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.window import Window

from gem_spark.config import GemConfig, SparkConfig, load_config
from gem_spark.session import get_spark
from gem_spark.stages.common import OK, REJECTED, StageContext, chain_fingerprint, pending
from gem_spark.stages.current import PREFILTER as PREFILTER_TABLE
from gem_spark.stages.current import chain_input
from gem_spark.stages.ingest.fingerprints import prefilter_fingerprint
from gem_spark.stages.inputs import with_text
from gem_spark.stages.select import SelectStage
from gem_spark.tables import open_store
from gem_spark.tables.schemas import PREFILTER, SEGMENTS
from gem_spark.tables.store import CommitId

OK_SHARE, OLD_SHARE, SELECTED_SHARE = 0.15, 0.30, 0.90
TARGET_RATIO = 1.0


def _segment_id(ids: DataFrame) -> DataFrame:
    return ids.withColumn("segment_id", F.sha2(F.col("id").cast("string"), 256))


def named(**columns: Column) -> list[Column]:
    return [column.alias(name) for name, column in columns.items()]


def _bookkeeping(fingerprint: str | Column, status: Column, run_id: str) -> dict[str, Column]:
    fp = fingerprint if isinstance(fingerprint, Column) else F.lit(fingerprint)
    return {"fingerprint": fp, "run_id": F.lit(run_id), "status": status,
            "reason": F.when(status == OK, F.lit(None).cast("string")).otherwise(F.lit("bench")),
            "created_at": F.current_timestamp()}  # fmt: skip


def _prefilter_rows(ids: DataFrame, threshold: float, run_id: str) -> DataFrame:
    status = F.when(F.rand(7) < OK_SHARE, F.lit(OK)).otherwise(F.lit(REJECTED))
    return ids.select("segment_id", *named(**_bookkeeping(prefilter_fingerprint(threshold), status, run_id),
                      score=F.rand(3), signals=F.array(F.lit("steps"))))  # fmt: skip


def build_lake(spark, config: GemConfig, n_segments: int) -> StageContext:
    store = open_store(config.tables, spark)
    ids = _segment_id(spark.range(n_segments))
    segments = ids.select("segment_id", *named(
        **_bookkeeping("fp-segment", F.lit(OK), "bench-ingest"),
        doc_id=F.concat(F.lit("doc-"), F.col("id").cast("string")), url=F.lit(None).cast("string"),
        dump=F.lit(None).cast("string"), source=F.lit("bench"), record_ref=F.col("id").cast("string"),
        snapshot=F.lit("s1"), position=F.lit(0), start=F.lit(0), end=F.lit(64),
        text=F.concat(F.lit("Open Settings > Privacy, tap Reset, confirm with your code #"), F.col("id")),
        n_chars=F.lit(64),
    ))  # fmt: skip
    for name, schema in (("segments", SEGMENTS), ("prefilter", PREFILTER)):
        store.ensure(name, schema)
    store.append("segments", segments, CommitId("bench:segments", 0))
    store.append("prefilter", _prefilter_rows(ids, config.prefilter.threshold, "bench-now"), CommitId("bench:pf", 0))
    old = ids.where(F.rand(11) < OLD_SHARE)
    store.append("prefilter", _prefilter_rows(old, 0.3, "bench-old"), CommitId("bench:pf-old", 0))

    ctx = StageContext(config=config, spark=spark, store=store, run_id="bench")
    stage = SelectStage(ctx)
    store.ensure("select", stage.schema())
    current_ok = store.read("prefilter").where(
        (F.col("fingerprint") == prefilter_fingerprint(config.prefilter.threshold)) & (F.col("status") == OK)
    )
    selected = current_ok.where(F.rand(5) < SELECTED_SHARE).select("segment_id", chain_input(PREFILTER_TABLE).alias("in_fp"))
    empty = {f.name: F.lit(None).cast(f.dataType) for f in stage.schema().fields if f.name not in
             ("segment_id", "fingerprint", "run_id", "status", "reason", "created_at")}  # fmt: skip
    for version, stage_fp in enumerate((stage.fingerprint(), "superseded-select-prompt")):
        bookkeeping = _bookkeeping(chain_fingerprint(stage_fp, "in_fp"), F.lit(OK), "bench-select")
        rows = selected.select("segment_id", *named(**bookkeeping, **empty))
        store.append("select", rows, CommitId("bench:select", version))
    return ctx


def expected_pending(ctx: StageContext) -> int:
    """Current ok prefilter rows without a current-chain select row, counted independently."""
    stage_fp = SelectStage(ctx).fingerprint()
    current = prefilter_fingerprint(ctx.config.prefilter.threshold)
    ok = ctx.store.read("prefilter").where((F.col("fingerprint") == current) & (F.col("status") == OK))
    ok = ok.withColumn("in_fp", chain_input(PREFILTER_TABLE))
    chained = ok.select("segment_id", chain_fingerprint(stage_fp, "in_fp").alias("fingerprint"))
    return chained.join(ctx.store.read("select"), ["segment_id", "fingerprint"], "left_anti").count()


def previous_latest_rows(df: DataFrame, key: str) -> DataFrame:
    """`latest_rows` as it was: ties broken by a hash of every row's JSON text."""
    row_hash = F.xxhash64(F.to_json(F.struct(*[F.col(name) for name in df.columns])))
    order = [F.col("created_at").desc_nulls_last(), F.col("run_id").desc_nulls_last(), row_hash.desc()]
    window = Window.partitionBy(key, "fingerprint").orderBy(*order)
    return df.withColumn("__rank", F.row_number().over(window)).where(F.col("__rank") == 1).drop("__rank")


def before(ctx: StageContext) -> DataFrame:
    """The previous pending reader: ok rows of every prefilter fingerprint, chained, minus settled."""
    stage = SelectStage(ctx)
    ok = previous_latest_rows(ctx.store.read("prefilter"), "segment_id").filter(F.col("status") == OK)
    inputs = with_text(ctx, ok.select("segment_id", F.col("fingerprint").alias("input_fingerprint")))
    return pending(ctx, inputs.withColumn("fingerprint", chain_fingerprint(stage.fingerprint())), "select", "segment_id")


def after(ctx: StageContext) -> DataFrame:
    return SelectStage(ctx).pending_work(ctx)


def scan(ctx: StageContext) -> DataFrame:
    return ctx.store.read("prefilter").select("segment_id", "status").where(F.col("status") == OK)


def best_of(repeat: int, readers: dict[str, Callable[[StageContext], DataFrame]], ctx: StageContext
            ) -> dict[str, tuple[float, int]]:  # fmt: skip
    """reader → (best seconds, rows) over `repeat` interleaved rounds, so host drift hits each alike."""
    times: dict[str, list[float]] = {name: [] for name in readers}
    counts: dict[str, int] = {}
    for _ in range(repeat):
        for name, reader in readers.items():
            started = time.perf_counter()
            counts[name] = reader(ctx).count()
            times[name].append(time.perf_counter() - started)
    return {name: (min(times[name]), counts[name]) for name in readers}


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--segments", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    spark = get_spark(SparkConfig(master="local[2]", app_name="bench-pending"))
    spark.sparkContext.setLogLevel("ERROR")
    with tempfile.TemporaryDirectory(prefix="bench-pending-") as root:
        config = load_config(REPO / "conf" / "local.yaml", [f"tables.root={root}"])
        started = time.perf_counter()
        ctx = build_lake(spark, config, args.segments)
        built_s = time.perf_counter() - started
        n_ok, n_expected = scan(ctx).count(), expected_pending(ctx)
        timings = best_of(args.repeat, {"scan": scan, "before": before, "after": after}, ctx)
    (after_s, n_after), (before_s, n_before), (scan_s, _) = timings["after"], timings["before"], timings["scan"]
    print(f"lake: {args.segments:,} segments, {n_ok:,} ok prefilter rows (all fingerprints), built in {built_s:.0f} s")
    print(f"scan   {scan_s:6.2f} s")
    print(f"before {before_s:6.2f} s  {n_before:,} pending (includes the old threshold's segments)")
    print(f"after  {after_s:6.2f} s  {n_after:,} pending (current chain only)")
    if n_after != n_expected:
        msg = f"pending_work selected {n_after:,} rows; the current chain leaves {n_expected:,} pending"
        raise RuntimeError(msg)
    ratio = after_s / before_s
    result = {
        "bench": "pending",
        "unit": "s (select pending work, current chain vs every fingerprint)",
        "figure": round(after_s, 2),
        "baseline": round(before_s, 2),
        "ratio": round(ratio, 3),
        "target": f"ratio <= {TARGET_RATIO}",
        "met": ratio <= TARGET_RATIO,
        "scan_s": round(scan_s, 2),
        "segments": args.segments,
        "pending": {"before": n_before, "after": n_after},
    }
    print("BENCH " + json.dumps(result))
    return result


if __name__ == "__main__":
    main()
