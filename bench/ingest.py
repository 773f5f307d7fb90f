"""Benchmark: ingest + segment + dedup + prefilter, Spark vs a single-process pyarrow/pandas baseline.

The shared web sample (603 documents, ~1.5 MB of text) is replicated into Parquet files until the text
reaches `--mb` MB (default 200). Replica 0 is the corpus as is; every other replica k marks each line
with its number, so most of its segments are new (a single-line document keeps its unmarked leading
segments, which dedup then removes: the run prints how many segments were new).

  spark     `run_ingest` on `--master` (default local[2]): executors read, normalise, segment and
            hash; Spark dedups and prefilters; segments, quarantine, prefilter and runs are written
            as Delta tables (delta-rs engine here). Measured after a warm-up ingest of one file, so
            session and Python worker start-up are excluded (printed separately).
  baseline  one Python process: pyarrow reads each file, the same per-record function
            (`segment_record`: checks, normalise, segment, SHA-256) runs in a loop, pandas drops
            duplicate segment ids, `score_text` scores them, and `deltalake.write_deltalake` writes
            the same three tables with the same Parquet compression (zstd).

Both sides do the same work on the same files in the same run, in `--rounds` interleaved rounds (each
Spark round into empty tables); each side's fastest round counts, as the host's speed drifts by ±15%.
Prints docs/s and MB/s of text for each, the speed-up (baseline seconds / Spark seconds), CPU seconds
(the baseline's own process; Spark's process tree), the peak RSS of the Spark JVM, and the load average
(the machine may be shared). Target on 2 cores: >= 1.5x. The last line is `BENCH {json}`.

    .venv/bin/python -m bench.ingest [--mb 200] [--master 'local[2]'] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple, TypeVar

import pandas as pd
import psutil
import pyarrow as pa
import pyarrow.parquet as pq
from deltalake import WriterProperties, write_deltalake

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from gem_spark.config import GemConfig, IngestConfig
from gem_spark.stages.ingest import run_ingest
from gem_spark.stages.ingest.documents import segment_record
from gem_spark.stages.ingest.quarantine import Rejection
from gem_spark.stages.ingest.shapes import RawRecord
from gem_spark.tables.staged_files import COMPRESSION
from gem_spark.text.procedural_score import score_text

CORPUS = REPO.parent / "shared" / "data" / "corpus" / "web_sample.parquet"
REPLICAS_PER_FILE = 4
TARGET = 1.5
T = TypeVar("T")


def _variant(text: str, replica: int) -> str:
    if replica == 0:
        return text
    return f"{replica}· " + text.replace("\n", f" ·{replica}\n") + f" ·{replica}"


def build_replicas(target_mb: float, out_dir: Path) -> tuple[int, float]:
    """Write replicas of the corpus as Parquet files; return (documents, MB of UTF-8 text)."""
    corpus = pq.read_table(CORPUS, columns=["id", "url", "text"]).to_pylist()
    docs, text_bytes, replica = 0, 0, 0
    while text_bytes < target_mb * 1e6:
        rows = []
        for _ in range(REPLICAS_PER_FILE):
            rows += [
                {**row, "id": f"{row['id']}#r{replica}", "text": _variant(row["text"], replica)}
                for row in corpus
            ]
            replica += 1
        pq.write_table(
            pa.Table.from_pylist(rows), out_dir / f"part-{replica // REPLICAS_PER_FILE:04d}.parquet"
        )
        docs += len(rows)
        text_bytes += sum(len(row["text"].encode()) for row in rows)
    return docs, text_bytes / 1e6


@dataclass(frozen=True)
class Outcome:
    documents: int
    segments_new: int
    prefilter_ok: int


def baseline(files: list[Path], out: Path, config: IngestConfig, threshold: float) -> Outcome:
    """The same work in one process: pyarrow in, the same per-record function, pandas dedup, delta-rs out."""
    segments: dict[str, list[object]] = {
        name: [] for name in ("segment_id", "doc_id", "url", "source", "position", "text")
    }
    bad: dict[str, list[object]] = {
        name: [] for name in ("source", "record_ref", "doc_id", "reason", "detail")
    }
    documents = 0
    for path in files:
        table = pq.read_table(path, columns=["id", "url", "text"])
        for index, (doc_id, url, text) in enumerate(
            zip(*(table.column(name).to_pylist() for name in ("id", "url", "text")), strict=True)
        ):
            documents += 1
            result = segment_record(RawRecord(index, f"row:{index}", text, doc_id, url, None), config)
            if isinstance(result, Rejection):
                for name, value in zip(
                    bad, (str(path), f"row:{index}", doc_id, result.reason, result.detail), strict=True
                ):
                    bad[name].append(value)
                continue
            for row in result:
                for name, value in zip(
                    segments,
                    (row.segment_id, doc_id, url, str(path), row.segment.position, row.segment.text),
                    strict=True,
                ):
                    segments[name].append(value)
    frame = pd.DataFrame(segments).drop_duplicates("segment_id")
    scores = [score_text(text) for text in frame["text"]]
    prefilter = pd.DataFrame(
        {
            "segment_id": frame["segment_id"],
            "score": [score.score for score in scores],
            "signals": [list(score.signals) for score in scores],
        }
    )
    prefilter["status"] = ["ok" if score >= threshold else "rejected" for score in prefilter["score"]]
    # The compression the store's executors write with (staged_files.COMPRESSION), not delta-rs's snappy.
    properties = WriterProperties(compression=COMPRESSION.upper())
    for name, table in (
        ("segments", pa.Table.from_pandas(frame, preserve_index=False)),
        ("prefilter", pa.Table.from_pandas(prefilter, preserve_index=False)),
        ("quarantine", pa.Table.from_pydict(bad)),
    ):
        write_deltalake(str(out / name), table, writer_properties=properties)
    return Outcome(documents, len(frame), int((prefilter["status"] == "ok").sum()))


class Timing(NamedTuple):
    seconds: float
    cpu_seconds: float


def _timed(work: Callable[[], T], cpu_seconds: Callable[[], float]) -> tuple[T, Timing]:
    """`work()`'s result, with its wall time and the CPU seconds `cpu_seconds` counts meanwhile."""
    cpu, started = cpu_seconds(), time.perf_counter()
    result = work()
    return result, Timing(time.perf_counter() - started, cpu_seconds() - cpu)


def _own_cpu_seconds() -> float:
    """CPU seconds of this process alone: the baseline runs here, and idle Spark workers that exit
    meanwhile would take their earlier CPU out of a process-tree total (it printed -19 s once)."""
    return sum(psutil.Process().cpu_times()[:2])


def _tree_cpu_seconds() -> float:
    """CPU seconds of this process and all its descendants (the Spark JVM and its Python workers).

    Each process counts its own time and that of its exited children (user, system, children_user,
    children_system): a Python worker that exits mid-measurement keeps counting through its parent."""
    me = psutil.Process()
    total = sum(me.cpu_times()[:4])
    for child in me.children(recursive=True):
        try:
            total += sum(child.cpu_times()[:4])
        except psutil.NoSuchProcess:
            continue
    return total


@contextmanager
def _peak_jvm_rss() -> Iterator[Callable[[], float]]:
    """Peak resident MB of the JVM children while the block runs."""
    peak = [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            for child in psutil.Process().children(recursive=True):
                try:
                    if child.name() == "java":
                        peak[0] = max(peak[0], child.memory_info().rss / 2**20)
                except psutil.NoSuchProcess:
                    continue
            time.sleep(0.2)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield lambda: peak[0]
    finally:
        done.set()
        thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=200.0, help="MB of text to ingest (default 200)")
    parser.add_argument("--master", default="local[2]", help="Spark master (default local[2])")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; each side's best counts")
    args = parser.parse_args()
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    work = Path(tempfile.mkdtemp(prefix="gem-bench-ingest-"))
    try:
        data = work / "corpus"
        data.mkdir()
        documents, text_mb = build_replicas(args.mb, data)
        files = sorted(data.glob("*.parquet"))
        print(f"corpus: {documents} documents, {text_mb:.1f} MB of text, {len(files)} Parquet files")
        load_before = os.getloadavg()

        config = GemConfig.model_validate(
            {"spark": {"master": args.master}, "tables": {"root": str(work / "lake")}}
        )
        from gem_spark.session import get_spark

        started = time.perf_counter()
        spark = get_spark(config.spark)
        spark.sparkContext.setLogLevel("ERROR")
        warm = config.model_copy(
            update={"tables": config.tables.model_copy(update={"root": str(work / "warm")})}
        )
        run_ingest(warm, [str(files[0])], "warm-up", spark=spark)
        print(f"spark start-up + warm-up ingest of one file: {time.perf_counter() - started:.1f}s")

        rounds: list[tuple[Timing, Timing]] = []
        peaks: list[float] = []
        for number in range(args.rounds):  # interleaved, so a slow spell of the host hits both sides
            reference, base = _timed(
                lambda n=number: baseline(
                    files, work / f"baseline-{n}", config.ingest, config.prefilter.threshold
                ),
                _own_cpu_seconds,
            )
            lake = config.model_copy(
                update={"tables": config.tables.model_copy(update={"root": str(work / f"lake-{number}")})}
            )
            with _peak_jvm_rss() as jvm_peak:
                summary, spark_round = _timed(
                    lambda lake=lake: run_ingest(lake, [str(data)], "bench", spark=spark), _tree_cpu_seconds
                )
            peaks.append(jvm_peak())
            assert summary.documents_in == reference.documents == documents
            assert (summary.segments_new, summary.prefilter_ok) == (
                reference.segments_new,
                reference.prefilter_ok,
            )
            rounds.append((base, spark_round))
            print(f"round {number + 1}: baseline {base.seconds:.1f}s, spark {spark_round.seconds:.1f}s")
        (base_s, base_cpu), (spark_s, spark_cpu) = (
            min(side, key=lambda t: t.seconds) for side in zip(*rounds)
        )

        ratio = base_s / spark_s
        load_after = os.getloadavg()
        for name, seconds, cpu_s in (("baseline", base_s, base_cpu), ("spark", spark_s, spark_cpu)):
            print(f"{name:<8} {seconds:7.1f}s  {documents / seconds:8.0f} docs/s  {text_mb / seconds:6.2f} MB/s  "
                  f"cpu {cpu_s:6.1f}s")  # fmt: skip
        stage_s = {counts.stage: round(counts.duration_s, 1) for counts in summary.stages}
        print("spark stages: " + ", ".join(f"{stage} {seconds:.1f}s" for stage, seconds in stage_s.items()))
        print(f"segments: {summary.segments_produced} produced, {summary.segments_new} new; "
              f"prefilter ok {summary.prefilter_ok}; quarantined {summary.documents_quarantined}")  # fmt: skip
        print(f"speed-up spark/baseline: {ratio:.2f}x (target >= {TARGET}x on 2 cores); "
              f"Spark JVM peak RSS {max(peaks):.0f} MB; load average {load_before[0]:.1f} -> {load_after[0]:.1f}")  # fmt: skip
        result = {
            "bench": "ingest",
            "figure": round(documents / spark_s, 1),
            "baseline": round(documents / base_s, 1),
            "unit": "docs/s",
            "ratio": round(ratio, 3),
            "target": TARGET,
            "met": ratio >= TARGET,
            "mb_per_s": round(text_mb / spark_s, 3),
            "baseline_mb_per_s": round(text_mb / base_s, 3),
            "documents": documents,
            "text_mb": round(text_mb, 1),
            "master": args.master,
            "stage_s": stage_s,
            "jvm_peak_rss_mb": round(max(peaks)),
            "rounds_s": [
                [round(base.seconds, 1), round(spark_round.seconds, 1)] for base, spark_round in rounds
            ],
            "load_average": [round(load_before[0], 1), round(load_after[0], 1)],
        }
        print("BENCH " + json.dumps(result))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
