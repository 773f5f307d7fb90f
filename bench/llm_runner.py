"""Benchmark: does the stage runner keep an inference engine as full as the engine can be kept?

A long-tail workload, side by side in one run, on the real vLLM CPU engine with the tiny model the
tests use: 1,024 requests whose output lengths are exact (`ignore_eos`) and drawn from a lognormal
(median 59 tokens, p99/median about 7), `max_num_seqs` 64.

(a) one `LLM.generate` call over every request, in this process: the engine's own continuous batching,
    the limit (the baseline);
(b) a real LLM stage's `run` (`LongTailBenchStage`, bench-only) in local[1] with default settings:
    pending-work selection, one piece job whose task writes Parquet commit pieces while a driver
    thread commits them to a Delta table (delta-rs) in a temp lakehouse, and the counts read back;
(c) the same stage path with `runner.feed: batch_synchronous`, the pre-#13 feed (each slice of 64
    waits for its slowest request), kept so the gap stays visible.

Engine steps and requests scheduled per step come from the engine's own scheduler (counted in the
process that runs it: here for (a), the Spark worker for (b) and (c), which report them in the stage's
per-task feed metrics). Targets: (b) takes <= 1.1x the steps of (a) and reaches >= 0.9x its throughput
over the whole `run`. (a) runs before and after (b) and (c) and is averaged, because load on a shared
machine drifts; engine and worker start-up are not timed (a 64-row stage run warms them).

Then the openai backend against a local fake endpoint with lognormal latencies: mean requests in
flight over a task (the backend's own count, and the server's) >= 0.9 x `concurrency`, next to the
batch-synchronous feed; and the
runner's own ceiling with the replay backend (no model), in rows/s per core: target >= 2,000.

Run from the repository root: `python -m bench.llm_runner`. The last line printed is `BENCH {json}`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyspark.sql.types import IntegerType, StructField

from gem_spark.config import (
    GemConfig,
    OpenAIModelConfig,
    ReplayModelConfig,
    RunnerConfig,
    SamplingConfig,
    SparkConfig,
    TablesConfig,
    VllmModelConfig,
)
from gem_spark.llm.chat import prompt_token_ids
from gem_spark.llm.feed_stats import FeedStats
from gem_spark.llm.protocol import LLMRequest
from gem_spark.stages.common import OK, StageContext, fingerprint_of, model_identity
from gem_spark.stages.llm_stage import LLMStage, Outcome
from gem_spark.tables.feed_metrics import StageFeed

SYSTEM = "You write worked examples of tool use. Answer at length."
TOPICS = ["booking a flight", "returning shoes", "resetting a router", "filing taxes", "renewing a passport"]
STEPS_TARGET = 1.1  # (b) engine steps / (a) engine steps at most
THROUGHPUT_TARGET = 0.9  # (b) requests/s / (a) requests/s at least
IN_FLIGHT_TARGET = 0.9  # openai mean in-flight / concurrency at least
REPLAY_TARGET = 2000  # rows/s per core


def _prepare_environment(work: Path) -> None:
    """Offline, in-process engine; caches in a temp dir. Spark workers inherit this environment."""
    for name, value in {
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "VLLM_ENABLE_V1_MULTIPROCESSING": "0",
        # Same engine settings on both sides: one compute thread each (vLLM's own CPU default).
        "OMP_NUM_THREADS": "1",
        "XDG_CACHE_HOME": str(work / "xdg"),
        "VLLM_CACHE_ROOT": str(work / "vllm"),
        "TORCHINDUCTOR_CACHE_DIR": str(work / "inductor"),
        "PYSPARK_PYTHON": sys.executable,
        "SPARK_LOCAL_IP": "127.0.0.1",
    }.items():
        os.environ.setdefault(name, value)


def percentile(values: list[int], q: float) -> int:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def workload(count: int, median: float, sigma: float) -> list[tuple[str, str, str, int]]:
    """(key, system, text, max_tokens) rows: varied prompts sharing a system prompt, long-tail lengths."""
    from tests.support.long_tail import long_tail_lengths

    lengths = long_tail_lengths(count, median, sigma, cap=900)
    texts = [f"Page {i}: how to go about {TOPICS[i % 5]}." + " Step." * (i % 23) for i in range(count)]
    return [(f"k{i:06d}", SYSTEM, text, n) for i, (text, n) in enumerate(zip(texts, lengths))]


def long_tail_request(row: dict[str, Any]) -> LLMRequest:
    """The request for one workload row, in every variant: its exact output length (`ignore_eos`)."""
    messages = [{"role": "system", "content": row["system"]}, {"role": "user", "content": row["text"]}]
    sampling = {"max_tokens": row["max_tokens"]}
    return LLMRequest(key=row["key"], messages=messages, sampling=sampling, ignore_eos=True, stage="bench")


def engine_config(model_dir: Path) -> VllmModelConfig:
    return VllmModelConfig(
        backend="vllm",
        model=str(model_dir),
        max_model_len=1024,
        dtype="bfloat16",
        enforce_eager=True,
        kv_cache_memory_bytes=64 << 20,
        engine_kwargs={"max_num_seqs": 64},
        sampling=SamplingConfig(temperature=0.0, max_tokens=16),
    )


@dataclass(frozen=True)
class EngineRun:
    wall_s: float
    steps: int
    scheduled: int
    requests: int

    @property
    def requests_per_s(self) -> float:
        return self.requests / self.wall_s

    @property
    def running_per_step(self) -> float:
        return self.scheduled / self.steps if self.steps else 0.0

    def line(self, name: str) -> str:
        return (
            f"{name}: {self.requests} requests in {self.wall_s:.1f} s = {self.requests_per_s:.1f} req/s; "
            f"{self.steps} engine steps, {self.running_per_step:.1f} running requests per step"
        )


def one_shot(config: VllmModelConfig, rows: list[tuple[str, str, str, int]]) -> EngineRun:
    """(a): render every prompt as the runner does, then one LLM.generate call over all of them."""
    from vllm import SamplingParams
    from vllm.inputs import TokensPrompt

    from gem_spark.llm.vllm_backend import engine_options, engine_step_counter, shared_engine

    options = engine_options(config)
    llm = shared_engine(options)
    counter = engine_step_counter(options)
    assert counter is not None, "the bench needs the in-process engine (VLLM_ENABLE_V1_MULTIPROCESSING=0)"
    tokenizer = llm.get_tokenizer()
    before = (counter.steps, counter.scheduled)
    started = time.perf_counter()
    requests = [long_tail_request({"key": k, "system": s, "text": t, "max_tokens": n}) for k, s, t, n in rows]
    prompts = [TokensPrompt(prompt_token_ids=prompt_token_ids(tokenizer, r, {})) for r in requests]
    params = [SamplingParams(temperature=0.0, max_tokens=n, ignore_eos=True) for *_, n in rows]
    llm.generate(prompts, params, use_tqdm=False)
    wall = time.perf_counter() - started
    return EngineRun(wall, counter.steps - before[0], counter.scheduled - before[1], len(rows))


class LongTailBenchStage(LLMStage):
    """A bench-only LLM stage on the shared machinery: rows of `workload` from a Parquet file, the
    request `long_tail_request` makes (exact output lengths), and the output's length as its payload."""

    name = "bench_long_tail"
    key = "key"
    template = ""  # unused: build_request writes the messages itself
    requires = ("system", "text", "max_tokens")

    def __init__(self, ctx: StageContext, inputs_path: str) -> None:
        # Not a GEM stage, so no `stages.<name>` entry: the teacher role's model and the inputs file.
        self.model = ctx.config.models["teacher"]
        self.inputs_path = inputs_path

    def payload(self) -> list[StructField]:
        return [StructField("output_chars", IntegerType())]

    def inputs(self, ctx: StageContext) -> Any:
        return ctx.spark.read.parquet(self.inputs_path)

    def build_request(self, row: dict[str, Any]) -> LLMRequest:
        return long_tail_request(row)

    def outcome(self, row: dict[str, Any], text: str) -> Outcome:
        return Outcome(OK, payload={"output_chars": len(text)})

    def fingerprint(self) -> str:
        return fingerprint_of({"stage": self.name, "model": model_identity(self.model)})


def write_inputs(spark: Any, rows: list[tuple[str, str, str, int]], path: Path) -> str:
    """The workload as the stage's input file (one partition, one input fingerprint)."""
    df = spark.createDataFrame(rows, "key string, system string, text string, max_tokens int")
    df.selectExpr("*", "'long-tail' AS input_fingerprint").coalesce(1).write.parquet(str(path))
    return str(path)


def stage_run(
    spark: Any,
    inputs_path: str,
    config: VllmModelConfig,
    runner: RunnerConfig,
    lake: Path,
    limit: int | None = None,
) -> tuple[EngineRun, StageFeed]:
    """(b) / (c): the stage's whole `run` into a fresh lakehouse, measured by the engine's counters
    that its tasks report in the stage's feed metrics."""
    from gem_spark.tables import open_store

    tables = TablesConfig(engine="delta-rs", root=str(lake))
    gem = GemConfig(models={"teacher": config}, runner=runner, tables=tables)
    store = open_store(tables, spark)
    ctx = StageContext(config=gem, spark=spark, store=store, run_id=lake.name, limit=limit)
    stage = LongTailBenchStage(ctx, inputs_path)
    started = time.perf_counter()
    counts = stage.run(ctx)
    wall = time.perf_counter() - started
    feed = counts.feed
    assert feed is not None and counts.n_ok == counts.n_in, f"the stage left rows unanswered: {counts}"
    steps = sum(task.engine_steps for task in feed.tasks)
    scheduled = round((feed.mean_running_per_step or 0.0) * steps)
    return EngineRun(wall, steps, scheduled, counts.n_ok), feed


def _timed_noop_write(df: Any) -> float:
    started = time.perf_counter()
    df.write.format("noop").mode("overwrite").save()
    return time.perf_counter() - started


def openai_window(requests: int, concurrency: int) -> dict[str, float]:
    """Mean requests in flight over one task's feed against a local fake endpoint with lognormal
    latencies (median 150 ms, p99 about 6x that): continuous, and batch-synchronous over a quarter of
    the requests (enough to show the gap)."""
    from gem_spark.llm.openai_backend import OpenAIBackend
    from gem_spark.llm.protocol import stream_in_batches
    from tests.support.lognormal_endpoint import LognormalEndpoint

    figures: dict[str, float] = {}
    for feed, count in (("continuous", requests), ("batch_synchronous", requests // 4)):
        endpoint = LognormalEndpoint(median_s=0.15, sigma=0.8, cap_s=3.0).start()
        backend = OpenAIBackend(
            OpenAIModelConfig(
                backend="openai", model="served", base_url=endpoint.base_url, concurrency=concurrency
            )
        )
        asks = [
            LLMRequest(key=f"q{i}", messages=[{"role": "user", "content": f"q{i}"}]) for i in range(count)
        ]
        stats = FeedStats()
        results = (
            backend.stream(asks, stats=stats)
            if feed == "continuous"
            else stream_in_batches(backend.generate, asks, concurrency)
        )
        answered = sum(1 for result in results if result.ok)
        wall = stats.elapsed_s()
        endpoint.stop()
        assert answered == count, f"{count - answered} requests failed against the fake endpoint"
        figures[f"{feed}_server_mean_in_flight"] = endpoint.in_flight_seconds / wall
        figures[f"{feed}_wall_s"] = wall
        if feed == "continuous":
            figures["client_mean_in_flight"] = stats.inflight_seconds / wall
            figures["server_max_in_flight"] = endpoint.max_in_flight
    return figures


def replay_runner(spark: Any, work: Path, rows: int) -> dict[str, float]:
    """The runner's ceiling without a model: replay backend, local[1], rows/s per core."""
    from gem_spark.llm.spark import run_llm

    responses = work / "responses.jsonl"
    with responses.open("w", encoding="utf-8") as out:
        for i in range(rows):
            record = {"stage": "bench", "key": f"k{i:07d}", "text": f"label: procedural {i}"}
            out.write(json.dumps(record) + "\n")
    config = ReplayModelConfig(backend="replay", model="recorded", responses=str(responses))
    df = (
        spark.range(rows)
        .selectExpr(
            "format_string('k%07d', id) AS key",
            f"'{SYSTEM}' AS system",
            "repeat('web text ', 40) AS text",
            "16 AS max_tokens",
        )
        .cache()
    )
    df.count()
    runner = RunnerConfig()
    _timed_noop_write(run_llm(df.limit(1000), config, runner, long_tail_request))  # loads the file once
    elapsed = _timed_noop_write(run_llm(df, config, runner, long_tail_request))
    df.unpersist()
    cores = spark.sparkContext.defaultParallelism
    return {"elapsed_s": elapsed, "rows_per_s_per_core": rows / elapsed / cores}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # 3,072: enough that the stage run's fixed cost (pending work, the final commit, counts read back, ~1.5 s)
    # weighs what it would on a real stage, not 15-20% of an 8-second workload.
    parser.add_argument("--requests", type=int, default=3072)
    parser.add_argument("--median-tokens", type=float, default=59)
    parser.add_argument("--sigma", type=float, default=0.83, help="lognormal sigma of output lengths")
    parser.add_argument("--openai-requests", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--replay-rows", type=int, default=100_000)
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="gem-spark-bench-llm-"))
    _prepare_environment(work)
    from tests.support.tiny_model import build_tiny_model

    config = engine_config(build_tiny_model(work / "tiny-model"))
    rows = workload(args.requests, args.median_tokens, args.sigma)
    lengths = [n for *_, n in rows]
    median, p99 = percentile(lengths, 0.5), percentile(lengths, 0.99)
    print(
        f"workload: {len(rows)} requests, output tokens median {median}, p99 {p99} "
        f"(p99/median {p99 / median:.1f}), total {sum(lengths)}; ignore_eos; max_num_seqs 64"
    )

    one_shot(config, rows[:64])  # warm-up (engine start-up, first compilations), not timed
    first = one_shot(config, rows)
    print(first.line("(a) one LLM.generate call"))

    from gem_spark.session import get_spark

    spark = get_spark(
        SparkConfig(
            master="local[1]", app_name="bench-llm-runner", conf={"spark.ui.showConsoleProgress": "false"}
        )
    )
    spark.sparkContext.setLogLevel("ERROR")
    try:
        inputs_path = write_inputs(spark, rows, work / "inputs.parquet")
        # A 64-row run first starts the Python worker and its engine (not timed).
        stage_run(spark, inputs_path, config, RunnerConfig(), work / "lake-warm-up", limit=64)
        runner, feed = stage_run(spark, inputs_path, config, RunnerConfig(), work / "lake-b")
        print(
            runner.line("(b) LLM stage run, local[1], default settings")
            + f"; job {feed.wall_s:.1f} s, {feed.pieces} pieces in {feed.commits} commits"
        )
        synchronous = RunnerConfig(feed="batch_synchronous")
        batched, _ = stage_run(spark, inputs_path, config, synchronous, work / "lake-c")
        print(batched.line("(c) LLM stage run, feed: batch_synchronous (batches of 64)"))
        second = one_shot(config, rows)
        print(second.line("(a) again"))
        baseline_rps = (first.requests_per_s + second.requests_per_s) / 2
        baseline_steps = (first.steps + second.steps) / 2
        throughput = runner.requests_per_s / baseline_rps
        # The inference job alone (tasks answering and writing pieces, the commit thread running), without
        # the pending-work selection before it and the last commit and read-back after it.
        job_throughput = feed.requests_per_s / baseline_rps
        steps = runner.steps / baseline_steps
        print(
            f"b/a: steps {steps:.3f} (target <= {STEPS_TARGET}), throughput {throughput:.3f} "
            f"(target >= {THROUGHPUT_TARGET}; the inference job alone {job_throughput:.3f}); "
            f"c/a: steps {batched.steps / baseline_steps:.2f}, "
            f"throughput {batched.requests_per_s / baseline_rps:.2f}"
        )
        window = openai_window(args.openai_requests, args.concurrency)
        in_flight = window["client_mean_in_flight"] / args.concurrency
        print(
            f"openai, {args.openai_requests} requests, concurrency {args.concurrency}, lognormal latencies: "
            f"continuous feed {window['client_mean_in_flight']:.1f} in flight on average "
            f"(server saw {window['continuous_server_mean_in_flight']:.1f}, at most "
            f"{window['server_max_in_flight']:.0f}) in {window['continuous_wall_s']:.1f} s; "
            f"batch-synchronous {window['batch_synchronous_server_mean_in_flight']:.1f} in "
            f"{window['batch_synchronous_wall_s']:.1f} s; continuous/concurrency = {in_flight:.3f} "
            f"(target >= {IN_FLIGHT_TARGET})"
        )
        replay = replay_runner(spark, work, args.replay_rows)
        print(
            f"replay backend through the runner: {args.replay_rows} rows in {replay['elapsed_s']:.2f} s = "
            f"{replay['rows_per_s_per_core']:.0f} rows/s per core (target >= {REPLAY_TARGET})"
        )
    finally:
        spark.stop()
        shutil.rmtree(work, ignore_errors=True)

    ok = (
        steps <= STEPS_TARGET
        and throughput >= THROUGHPUT_TARGET
        and in_flight >= IN_FLIGHT_TARGET
        and replay["rows_per_s_per_core"] >= REPLAY_TARGET
    )
    report = {
        "bench": "llm_runner",
        "figure": round(runner.requests_per_s, 2),
        "baseline": round(baseline_rps, 2),
        "ratio": round(throughput, 3),
        "target": (
            f"b/a throughput >= {THROUGHPUT_TARGET}, b/a steps <= {STEPS_TARGET}, "
            f"openai in-flight >= {IN_FLIGHT_TARGET} x concurrency, replay >= {REPLAY_TARGET} rows/s/core"
        ),
        "unit": "requests/s",
        "ok": ok,
        "workload": {"requests": len(rows), "median_tokens": median, "p99_tokens": p99},
        "steps": {"a": [first.steps, second.steps], "b": runner.steps, "c": batched.steps},
        "running_per_step": {
            "a": round(first.running_per_step, 1),
            "b": round(runner.running_per_step, 1),
            "c": round(batched.running_per_step, 1),
        },
        "wall_s": {
            "a": [round(first.wall_s, 2), round(second.wall_s, 2)],
            "b": round(runner.wall_s, 2),
            "c": round(batched.wall_s, 2),
        },
        "steps_ratio_b_a": round(steps, 3),
        "job_wall_s_b": round(feed.wall_s, 2),
        "job_throughput_ratio_b_a": round(job_throughput, 3),
        "openai_mean_in_flight": round(window["client_mean_in_flight"], 2),
        "openai_concurrency": args.concurrency,
        "replay_rows_per_s_per_core": round(replay["rows_per_s_per_core"]),
    }
    print("BENCH " + json.dumps(report))
    return report


if __name__ == "__main__":
    main()
