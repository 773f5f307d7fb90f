"""Benchmark: does the Spark runner keep a vLLM engine as busy as a bare loop does?

(a) a bare single-process loop over `vllm.LLM.generate`, in batches, and (b) the Spark runner
(`run_llm`) in local[1] with the same engine settings, over the same prompts, both in steady state:
engine and session start-up are measured and printed separately; (a) runs before and after (b) and
is averaged, because load on a shared machine drifts. Target: b/a >= 0.9. Then the
runner's own ceiling with the replay backend (no model), in rows/s per core: target >= 2,000.

The model is the tiny random-weight Qwen2 the tests use (built offline into a temp dir), run by the
vLLM CPU build. Run from the repository root: `python -m bench.llm_runner`. The last line printed is
`BENCH {json}` for tabulation.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gem_spark.config import ReplayModelConfig, RunnerConfig, SamplingConfig, SparkConfig, VllmModelConfig
from gem_spark.llm.chat import prompt_token_ids
from gem_spark.llm.protocol import LLMRequest

SYSTEM = "You label web text. Answer with one short sentence about whether it describes a procedure."
TOPICS = [
    "booking a flight",
    "returning shoes",
    "resetting a router",
    "filing taxes",
    "baking bread",
    "renewing a passport",
    "changing a tyre",
    "opening an account",
]


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


def conversations(count: int) -> list[list[dict[str, str]]]:
    """Deterministic prompts of varied length sharing one system prompt (as a GEM stage's do)."""
    return [
        [
            {"role": "system", "content": SYSTEM},
            {
                "role": "user",
                "content": f"Page {i}: how to go about {TOPICS[i % len(TOPICS)]}." + " Step." * (i % 23),
            },
        ]
        for i in range(count)
    ]


def engine_config(model_dir: Path, max_tokens: int) -> VllmModelConfig:
    return VllmModelConfig(
        backend="vllm",
        model=str(model_dir),
        max_model_len=1024,
        dtype="bfloat16",
        enforce_eager=True,
        kv_cache_memory_bytes=64 << 20,
        sampling=SamplingConfig(temperature=0.0, max_tokens=max_tokens),
    )


class BareLoop:
    """(a): render with the model's chat template and call LLM.generate batch by batch, in the driver;
    the same rendering the runner's vllm backend does, without Spark, prefix sorting or error handling."""

    def __init__(self, config: VllmModelConfig) -> None:
        from vllm import LLM, SamplingParams

        from gem_spark.llm.vllm_backend import engine_options

        started = time.perf_counter()
        self.llm = LLM(**engine_options(config))
        self.startup_s = time.perf_counter() - started
        self.tokenizer = self.llm.get_tokenizer()
        self.params = SamplingParams(temperature=0.0, max_tokens=config.sampling.max_tokens)

    def _generate(self, batch: list[list[dict[str, str]]]) -> None:
        # Token prompts, rendered exactly as the runner renders them: vLLM's text-prompt path is
        # slower here (about 1.45x on the CPU build), so text prompts would flatter the runner.
        from vllm.inputs import TokensPrompt

        prompts = [
            TokensPrompt(
                prompt_token_ids=prompt_token_ids(self.tokenizer, LLMRequest(key="", messages=m), {})
            )
            for m in batch
        ]
        self.llm.generate(prompts, self.params, use_tqdm=False)

    def requests_per_s(self, prompts: list[list[dict[str, str]]], batch_size: int) -> float:
        self._generate(prompts[:batch_size])  # warm-up, not timed
        started = time.perf_counter()
        for start in range(0, len(prompts), batch_size):
            self._generate(prompts[start : start + batch_size])
        return len(prompts) / (time.perf_counter() - started)


def chat_builder(stage: str) -> Callable[[dict[str, Any]], LLMRequest]:
    """The runner's request builder (a closure, so Spark pickles it by value)."""

    def build(row: dict[str, Any]) -> LLMRequest:
        messages = [{"role": "system", "content": row["system"]}, {"role": "user", "content": row["text"]}]
        return LLMRequest(key=row["key"], messages=messages, stage=stage)

    return build


def _timed_noop_write(df: Any) -> float:
    started = time.perf_counter()
    df.write.format("noop").mode("overwrite").save()
    return time.perf_counter() - started


def spark_runner(
    spark: Any, config: VllmModelConfig, prompts: list[list[dict[str, str]]], batch_size: int
) -> dict[str, float]:
    """(b): the same prompts as DataFrame rows through run_llm; the first job (worker + engine start-up)
    is timed separately from the steady-state job."""
    from gem_spark.llm.spark import run_llm

    rows = [(f"k{i:06d}", m[0]["content"], m[1]["content"]) for i, m in enumerate(prompts)]
    df = spark.createDataFrame(rows, "key string, system string, text string").coalesce(1).cache()
    df.count()
    runner = RunnerConfig(batch_size=batch_size)
    startup = _timed_noop_write(run_llm(df.limit(batch_size), config, runner, chat_builder("bench")))
    elapsed = _timed_noop_write(run_llm(df, config, runner, chat_builder("bench")))
    df.unpersist()
    return {"startup_s": startup, "elapsed_s": elapsed, "requests_per_s": len(prompts) / elapsed}


def replay_runner(spark: Any, work: Path, rows: int, batch_size: int) -> dict[str, float]:
    """The runner's ceiling without a model: replay backend, local[1], rows/s per core."""
    from gem_spark.llm.spark import run_llm

    responses = work / "responses.jsonl"
    with responses.open("w", encoding="utf-8") as out:
        for i in range(rows):
            out.write(
                json.dumps({"stage": "bench", "key": f"k{i:07d}", "text": f"label: procedural {i}"}) + "\n"
            )
    config = ReplayModelConfig(backend="replay", model="recorded", responses=str(responses))
    df = (
        spark.range(rows)
        .selectExpr(
            "format_string('k%07d', id) AS key", f"'{SYSTEM}' AS system", "repeat('web text ', 40) AS text"
        )
        .cache()
    )
    df.count()
    runner = RunnerConfig(batch_size=batch_size)
    _timed_noop_write(run_llm(df.limit(1000), config, runner, chat_builder("bench")))  # loads the file once
    elapsed = _timed_noop_write(run_llm(df, config, runner, chat_builder("bench")))
    df.unpersist()
    cores = spark.sparkContext.defaultParallelism
    return {"elapsed_s": elapsed, "rows_per_s_per_core": rows / elapsed / cores}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--max-tokens", type=int, default=16)
    parser.add_argument("--replay-rows", type=int, default=200_000)
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="gem-spark-bench-llm-"))
    _prepare_environment(work)
    from tests.support.tiny_model import build_tiny_model

    config = engine_config(build_tiny_model(work / "tiny-model"), args.max_tokens)
    prompts = conversations(args.prompts)

    # (a) runs before and after (b) and is averaged: on a shared machine the load drifts.
    bare = BareLoop(config)
    bare_before = bare.requests_per_s(prompts, args.batch_size)
    print(
        f"(a) bare vllm.LLM.generate loop: engine start-up {bare.startup_s:.1f} s; {bare_before:.2f} requests/s"
    )

    from gem_spark.session import get_spark

    started = time.perf_counter()
    spark = get_spark(
        SparkConfig(
            master="local[1]", app_name="bench-llm-runner", conf={"spark.ui.showConsoleProgress": "false"}
        )
    )
    spark.sparkContext.setLogLevel("ERROR")
    session_s = time.perf_counter() - started
    try:
        runner = spark_runner(spark, config, prompts, args.batch_size)
        print(
            f"(b) Spark runner, local[1]: session start-up {session_s:.1f} s, first job (worker + engine) "
            f"{runner['startup_s']:.1f} s; {args.prompts} prompts in {runner['elapsed_s']:.1f} s = "
            f"{runner['requests_per_s']:.1f} requests/s"
        )
        bare_after = bare.requests_per_s(prompts, args.batch_size)
        bare_rps = (bare_before + bare_after) / 2
        print(f"(a) again after (b): {bare_after:.2f} requests/s; mean {bare_rps:.2f}")
        ratio = runner["requests_per_s"] / bare_rps
        print(f"b/a = {ratio:.3f} (target >= 0.9)")
        replay = replay_runner(spark, work, args.replay_rows, args.batch_size)
        print(
            f"replay backend through the runner: {args.replay_rows} rows in {replay['elapsed_s']:.2f} s = "
            f"{replay['rows_per_s_per_core']:.0f} rows/s per core (target >= 2000)"
        )
    finally:
        spark.stop()
        shutil.rmtree(work, ignore_errors=True)

    report = {
        "bench": "llm_runner",
        "figure": round(runner["requests_per_s"], 2),
        "baseline": round(bare_rps, 2),
        "baseline_runs": [round(bare_before, 2), round(bare_after, 2)],
        "ratio": round(ratio, 3),
        "target": 0.9,
        "unit": "requests/s",
        "ok": ratio >= 0.9 and replay["rows_per_s_per_core"] >= 2000,
        "prompts": args.prompts,
        "batch_size": args.batch_size,
        "max_tokens": args.max_tokens,
        "startup_s": {
            "bare_engine": round(bare.startup_s, 2),
            "spark_session": round(session_s, 2),
            "spark_first_job": round(runner["startup_s"], 2),
        },
        "replay_rows_per_s_per_core": round(replay["rows_per_s_per_core"]),
        "replay_target": 2000,
    }
    print("BENCH " + json.dumps(report))
    return report


if __name__ == "__main__":
    main()
