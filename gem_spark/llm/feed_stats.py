"""Counters of one Spark task's feed to its backend, updated live as results leave the backend.

The feeding code (`llm/spark.py`, the backends) updates them; the stage runner reads `snapshot()` to
report per-task and per-stage throughput (logs, `runs`, report). Executor-side and picklable.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from gem_spark.llm.protocol import LLMResult


@dataclass
class FeedStats:
    started: float = field(default_factory=time.perf_counter)
    requests: int = 0
    errors: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    # Seconds from `started` to the first result out of the backend (None until one arrives).
    first_result_s: float | None = None
    # vllm: engine steps taken and the sum over those steps of the requests running in each.
    engine_steps: int = 0
    running_sum: int = 0
    # openai: the time integral of in-flight requests (request-seconds), for mean in-flight.
    inflight_seconds: float = 0.0

    def add(self, result: LLMResult) -> None:
        if self.first_result_s is None:
            self.first_result_s = time.perf_counter() - self.started
        self.requests += 1
        self.errors += 0 if result.ok else 1
        self.prompt_tokens += result.prompt_tokens
        self.completion_tokens += result.completion_tokens

    def elapsed_s(self) -> float:
        return max(time.perf_counter() - self.started, 1e-9)

    def snapshot(self) -> dict[str, Any]:
        """Plain numbers for logs and tables (rates over the time elapsed so far)."""
        elapsed = self.elapsed_s()
        return {
            "requests": self.requests,
            "errors": self.errors,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "elapsed_s": elapsed,
            "requests_per_s": self.requests / elapsed,
            "tokens_per_s": (self.prompt_tokens + self.completion_tokens) / elapsed,
            "first_result_s": self.first_result_s,
            "engine_steps": self.engine_steps,
            "running_sum": self.running_sum,
            "mean_running_per_step": self.running_sum / self.engine_steps if self.engine_steps else None,
            "mean_in_flight": self.inflight_seconds / elapsed if self.inflight_seconds else None,
        }
