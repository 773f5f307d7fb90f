"""Continuous feeding with long-tail lengths: the real vLLM engine (CPU build, tiny model) and a real
local HTTP server whose latencies are lognormal. The window stays full until the input runs out, as
the backend's own counters (engine steps, requests scheduled per step) and the server's count show;
every key comes out once; a bad row in the middle of a feed is one error row and the feed goes on.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterator

import pyarrow as pa
import pytest

from gem_spark.config import OpenAIModelConfig, VllmModelConfig
from gem_spark.llm.errors import ErrorType
from gem_spark.llm.feed_stats import FeedStats
from gem_spark.llm.openai_backend import OpenAIBackend
from gem_spark.llm.protocol import LLMRequest, ResponseConstraint
from gem_spark.llm.registry import get_backend
from gem_spark.llm.spark import answer_partition
from gem_spark.llm.vllm_backend import engine_options, shared_engine
from tests.support.lognormal_endpoint import LognormalEndpoint
from tests.support.long_tail import long_tail_lengths

WINDOW = 16


def exact(key: str, text: str, max_tokens: int) -> LLMRequest:
    """A request whose completion is exactly `max_tokens` long."""
    return LLMRequest(
        key=key,
        messages=[{"role": "user", "content": text}],
        sampling={"max_tokens": max_tokens},
        ignore_eos=True,
    )


@pytest.mark.vllm
def test_long_tail_lengths_keep_the_engine_window_full_until_the_tail(vllm_config: VllmModelConfig) -> None:
    lengths = long_tail_lengths(160, median=12, sigma=0.83, cap=120)
    requests = [exact(f"r{i:03d}", f"Describe step {i} of a booking.", n) for i, n in enumerate(lengths)]
    stats = FeedStats()

    results = list(get_backend(vllm_config).stream(iter(requests), in_flight=WINDOW, stats=stats))

    assert sorted(r.key for r in results) == [r.key for r in requests]  # complete, each key once
    assert all(r.ok and r.finish_reason == "length" for r in results)
    asked = {r.key: r.sampling["max_tokens"] for r in requests}
    assert {r.key: r.completion_tokens for r in results} == asked
    total = sum(lengths)
    # A step advances every running request by one token: the scheduler ran each request once per token.
    assert stats.running_sum == total
    # Full window until the input runs out: every step before the tail runs WINDOW requests, and the
    # tail lasts at most the longest request. Batches of WINDOW would need the sum of each batch's
    # longest request instead (checked to be far more, so the bound tells the two feeds apart).
    full_window_bound = math.ceil(total / WINDOW) + max(lengths)
    batch_steps = sum(max(lengths[i : i + WINDOW]) for i in range(0, len(lengths), WINDOW))
    assert full_window_bound < 0.6 * batch_steps
    assert stats.engine_steps <= full_window_bound
    assert stats.snapshot()["mean_running_per_step"] >= total / full_window_bound


@pytest.mark.vllm
def test_a_feed_stopped_early_leaves_the_shared_engine_clean(vllm_config: VllmModelConfig) -> None:
    backend = get_backend(vllm_config)
    feed = backend.stream(iter([exact(f"s{i}", f"Hello {i}", 8 + i) for i in range(20)]), in_flight=8)
    first = [next(feed) for _ in range(3)]
    feed.close()  # what a cancelled task does to its generator

    assert not shared_engine(engine_options(vllm_config)).llm_engine.has_unfinished_requests()
    [again] = backend.generate([exact("after", "Hello", 5)])  # the next task gets only its own answers
    assert again.key == "after" and again.completion_tokens == 5
    assert len({r.key for r in first}) == 3


def rows_with_bad_ones() -> list[dict[str, object]]:
    """Twelve rows; in the middle: one the stage cannot build, one the engine refuses (a broken regex),
    one too long for the context, one with a bad sampling override."""
    rows: list[dict[str, object]] = [
        {"key": f"ok{i}", "text": f"Hello {i}", "max_tokens": 4 + i, "regex": None} for i in range(12)
    ]
    rows[4] = {"key": "unbuildable", "text": None, "max_tokens": 4, "regex": None}
    rows[5] = {"key": "bad-regex", "text": "Hello", "max_tokens": 4, "regex": "([a-z"}
    rows[6] = {"key": "too-long", "text": "word " * 900, "max_tokens": 200, "regex": None}
    rows[7] = {"key": "bad-sampling", "text": "Hello", "max_tokens": -1, "regex": None}
    return rows


def build(row: dict[str, object]) -> LLMRequest:
    if row["text"] is None:
        msg = "row has no text"
        raise ValueError(msg)
    constraint = ResponseConstraint("regex", row["regex"]) if row["regex"] else None
    request = exact(str(row["key"]), str(row["text"]), int(row["max_tokens"]))  # type: ignore[arg-type]
    return LLMRequest(**{**request.__dict__, "constraint": constraint})


@pytest.mark.vllm
def test_a_bad_row_mid_feed_is_one_error_row_and_the_feed_goes_on(vllm_config: VllmModelConfig) -> None:
    rows = rows_with_bad_ones()
    table = pa.Table.from_pylist(rows)
    batches: Iterator[pa.RecordBatch] = iter(table.to_batches(max_chunksize=5))

    out = list(answer_partition(batches, vllm_config, 3, build, in_flight=2))

    assert all(batch.num_rows <= 3 for batch in out)  # finished rows leave in batches of at most 3
    by_key = {row["key"]: row["llm"] for row in pa.Table.from_batches(out).to_pylist()}
    assert sorted(by_key) == sorted(str(row["key"]) for row in rows)
    errors = {key: llm["error_type"] for key, llm in by_key.items() if llm["error_type"]}
    assert errors == {
        "unbuildable": ErrorType.REQUEST_BUILD_FAILED.value,
        "bad-regex": ErrorType.INVALID_REQUEST.value,
        "too-long": ErrorType.PROMPT_TOO_LONG.value,
        "bad-sampling": ErrorType.INVALID_REQUEST.value,
    }
    for i in (8, 9, 10, 11):  # fed after the bad rows, answered in full
        assert by_key[f"ok{i}"]["completion_tokens"] == 4 + i


def test_openai_keeps_its_window_full_at_the_server() -> None:
    endpoint = LognormalEndpoint(median_s=0.25, sigma=0.8, cap_s=1.5).start()
    config = OpenAIModelConfig(backend="openai", model="served", base_url=endpoint.base_url, concurrency=8)
    requests = [LLMRequest(key=f"q{i}", messages=[{"role": "user", "content": f"q {i}"}]) for i in range(80)]
    stats = FeedStats()
    try:
        results = list(OpenAIBackend(config).stream(iter(requests), stats=stats))
    finally:
        endpoint.stop()

    assert sorted(r.key for r in results) == sorted(r.key for r in requests)
    assert all(r.ok for r in results)
    assert endpoint.requests == 80 and endpoint.max_in_flight == 8
    # Each new request goes out when one comes back, so the server meets it with the other 7 still
    # working, less the client's own turnaround on a loaded machine (a batch of 8 would meet its
    # requests with 0, 1, ... 7 others: 3.5 on average).
    steady = endpoint.others_at_arrival[8:-8]
    assert statistics.mean(steady) >= 5.0
    assert stats.inflight_seconds > 0  # the backend's own count (its mean over a long task: the benchmark)
