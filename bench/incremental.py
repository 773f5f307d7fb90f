"""Incremental runs: what a rerun costs when nothing changed, and when 10% of the documents are new.

Workload: examples/corpus (30 documents). Every 10th document (3) is held out of the first snapshot.
The teacher path (select → extract → generate → refine → judge → accepted) runs with every model role
on the openai backend against a fake endpoint on 127.0.0.1 (tests/support/fake_endpoint.py): it
answers each prompt with the recorded response (examples/responses.jsonl) after a fixed latency per
request, so the first run pays a model cost the way a real endpoint charges it. Why a fake endpoint and
not the vLLM CPU engine with the tiny random-weight model: random weights produce output no stage can
parse, so later stages would get no inputs and the "first run" would not exercise the pipeline; the fake
endpoint runs the real openai backend, real HTTP and every stage over real recorded answers.

  run 1  snapshot A (27 documents), empty stage tables                         → T1, R1 requests
  run 2  unchanged                                                             → T2, R2 (target: 0), T2/T1 ≤ 0.25
  run 3  after ingesting the 3 held-out documents as snapshot B (10% new)      → R3, R3/(R1+R3) ≈ 0.1

The requests of a from-scratch run over A+B are R1+R3 (rows are independent), so R3/(R1+R3) is the
share of a full run the increment costs. Runs share one Spark session (its start-up is not counted).

    .venv/bin/python -m bench.incremental [--latency-s 5] [--concurrency 2]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gem_spark.config import GemConfig, load_config
from gem_spark.pipeline import run_pipeline
from gem_spark.session import get_spark
from gem_spark.stages.ingest import run_ingest
from tests.support.fake_endpoint import FakeEndpoint, recorded_prompts
from tests.support.reliability_lake import CORPUS, RESPONSES, write_config

MODE = "teacher"
HOLD_OUT_EVERY = 10
TARGET_TIME_RATIO = 0.25
TARGET_INCREMENT_SHARE = (0.05, 0.2)  # "about 10%" of the requests, for 10% new documents


def split_corpus(folder: Path) -> tuple[Path, Path]:
    """Snapshot A (all but every 10th document) and snapshot B (those), as two JSONL folders."""
    lines = (CORPUS / "docs.jsonl").read_text().splitlines()
    held = {index for index in range(len(lines)) if index % HOLD_OUT_EVERY == HOLD_OUT_EVERY - 1}
    parts = {
        "a": [line for i, line in enumerate(lines) if i not in held],
        "b": [lines[i] for i in sorted(held)],
    }
    for name, part in parts.items():
        (folder / name).mkdir(parents=True)
        (folder / name / "docs.jsonl").write_text("\n".join(part) + "\n")
    return folder / "a", folder / "b"


def endpoint_models(config: GemConfig, base_url: str, concurrency: int) -> dict:
    role = {"backend": "openai", "base_url": base_url, "concurrency": concurrency, "timeout_s": 600.0}
    return {name: {**role, "model": model.model} for name, model in config.models.items()}


def timed_run(config: GemConfig, endpoint: FakeEndpoint, spark) -> tuple[float, int]:
    before = endpoint.total_requests
    started = time.perf_counter()
    summary = run_pipeline(config, MODE, spark=spark)
    elapsed = time.perf_counter() - started
    served = endpoint.total_requests - before
    if summary.n_requests != served:
        msg = f"the pipeline counted {summary.n_requests} model requests, the endpoint served {served}"
        raise RuntimeError(msg)
    return elapsed, served


def main() -> dict:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--latency-s", type=float, default=5.0, help="fake endpoint latency per request")
    parser.add_argument("--concurrency", type=int, default=2, help="requests in flight per Spark task")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="gem-bench-incremental-"))
    snapshot_a, snapshot_b = split_corpus(work / "corpus")

    # The prompt → recorded answer map, from a replay run over the whole corpus (not timed).
    scratch = load_config(write_config(work, work / "scratch"))
    spark = get_spark(scratch.spark)
    run_ingest(scratch, [str(snapshot_a), str(snapshot_b)], "all", spark=spark)
    run_pipeline(scratch, MODE, spark=spark)
    endpoint = FakeEndpoint(
        recorded_prompts(scratch, spark, MODE, RESPONSES), latency_s=args.latency_s
    ).start()
    try:
        root = work / "lake"
        config = load_config(
            write_config(work, root, models=endpoint_models(scratch, endpoint.base_url, args.concurrency))
        )
        run_ingest(config, [str(snapshot_a)], "a", spark=spark)
        first_s, first_requests = timed_run(config, endpoint, spark)
        second_s, second_requests = timed_run(config, endpoint, spark)
        run_ingest(config, [str(snapshot_b)], "b", spark=spark)
        third_s, third_requests = timed_run(config, endpoint, spark)
    finally:
        endpoint.stop()
        spark.stop()

    ratio = second_s / first_s
    share = third_requests / (first_requests + third_requests)
    print(f"fake endpoint: {args.latency_s:.1f} s per request, {args.concurrency} in flight per task")
    print(f"run 1 (27 docs, empty tables):  {first_s:7.1f} s  {first_requests:4d} requests")
    print(
        f"run 2 (unchanged):              {second_s:7.1f} s  {second_requests:4d} requests  ({ratio:.1%} of run 1)"
    )
    print(f"run 3 (+3 docs = 10% new):      {third_s:7.1f} s  {third_requests:4d} requests  "
          f"({share:.1%} of a full run's {first_requests + third_requests})")  # fmt: skip
    low, high = TARGET_INCREMENT_SHARE
    result = {
        "bench": "incremental",
        "unit": "s (rerun on an unchanged snapshot vs first run)",
        "figure": round(second_s, 1),
        "baseline": round(first_s, 1),
        "ratio": round(ratio, 3),
        "target": {
            "ratio": f"<= {TARGET_TIME_RATIO}",
            "rerun_requests": 0,
            "increment_share": f"{low}-{high}",
        },
        "met": second_requests == 0 and ratio <= TARGET_TIME_RATIO and low <= share <= high,
        "requests": {"first": first_requests, "rerun": second_requests, "increment": third_requests},
        "increment_share": round(share, 3),
        "increment_s": round(third_s, 1),
        "latency_s": args.latency_s,
        "concurrency": args.concurrency,
    }
    print("BENCH " + json.dumps(result))
    return result


if __name__ == "__main__":
    main()
