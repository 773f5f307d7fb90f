"""Throughput of an LLM stage, per task and per stage, as stored in the `runs` table and shown in the report.

Built from each task's feed counters (`gem_spark.llm.feed_stats.FeedStats.snapshot()`): requests and
tokens per second, mean running requests per engine step (vllm), mean in-flight requests (openai), and
the time to the first result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TaskFeed:
    partition: int
    attempt: int
    rows: int
    requests: int
    errors: int
    prompt_tokens: int
    completion_tokens: int
    elapsed_s: float
    requests_per_s: float
    tokens_per_s: float
    first_result_s: float | None
    engine_steps: int
    mean_running_per_step: float | None
    mean_in_flight: float | None

    @classmethod
    def of(cls, partition: int, attempt: int, rows: int, snapshot: dict[str, Any]) -> TaskFeed:
        return cls(
            partition=partition,
            attempt=attempt,
            rows=rows,
            requests=int(snapshot.get("requests", 0)),
            errors=int(snapshot.get("errors", 0)),
            prompt_tokens=int(snapshot.get("prompt_tokens", 0)),
            completion_tokens=int(snapshot.get("completion_tokens", 0)),
            elapsed_s=float(snapshot.get("elapsed_s", 0.0)),
            requests_per_s=float(snapshot.get("requests_per_s", 0.0)),
            tokens_per_s=float(snapshot.get("tokens_per_s", 0.0)),
            first_result_s=snapshot.get("first_result_s"),
            engine_steps=int(snapshot.get("engine_steps", 0)),
            mean_running_per_step=snapshot.get("mean_running_per_step"),
            mean_in_flight=snapshot.get("mean_in_flight"),
        )

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class StageFeed:
    """A stage's inference job: totals over its tasks, rates over the job's wall time."""

    requests: int
    errors: int
    prompt_tokens: int
    completion_tokens: int
    wall_s: float
    requests_per_s: float
    tokens_per_s: float
    # The earliest first result of any task (tasks start together with the job).
    first_result_s: float | None
    # Over all tasks: running requests summed over engine steps / engine steps (vllm).
    mean_running_per_step: float | None
    # Over all tasks: request-seconds in flight / task seconds (openai).
    mean_in_flight: float | None
    pieces: int
    commits: int
    tasks: list[TaskFeed]

    @classmethod
    def of(cls, tasks: list[TaskFeed], wall_s: float, pieces: int, commits: int) -> StageFeed:
        wall = max(wall_s, 1e-9)
        requests = sum(task.requests for task in tasks)
        tokens = sum(task.tokens for task in tasks)
        steps = sum(task.engine_steps for task in tasks)
        running = sum((task.mean_running_per_step or 0.0) * task.engine_steps for task in tasks)
        task_seconds = sum(task.elapsed_s for task in tasks if task.mean_in_flight is not None)
        in_flight = sum((task.mean_in_flight or 0.0) * task.elapsed_s for task in tasks)
        firsts = [task.first_result_s for task in tasks if task.first_result_s is not None]
        return cls(
            requests=requests,
            errors=sum(task.errors for task in tasks),
            prompt_tokens=sum(task.prompt_tokens for task in tasks),
            completion_tokens=sum(task.completion_tokens for task in tasks),
            wall_s=wall_s,
            requests_per_s=requests / wall,
            tokens_per_s=tokens / wall,
            first_result_s=min(firsts) if firsts else None,
            mean_running_per_step=running / steps if steps else None,
            mean_in_flight=in_flight / task_seconds if task_seconds else None,
            pieces=pieces,
            commits=commits,
            tasks=sorted(tasks, key=lambda task: (task.partition, task.attempt)),
        )

    def describe(self) -> str:
        parts = [
            f"{self.requests} requests ({self.errors} errors) in {self.wall_s:.1f}s",
            f"{self.requests_per_s:.2f} requests/s",
            f"{self.tokens_per_s:.1f} tokens/s",
        ]
        if self.mean_running_per_step is not None:
            parts.append(f"{self.mean_running_per_step:.1f} running/step")
        if self.mean_in_flight is not None:
            parts.append(f"{self.mean_in_flight:.1f} in flight")
        if self.first_result_s is not None:
            parts.append(f"first result {self.first_result_s:.2f}s")
        parts.append(f"{self.pieces} pieces in {self.commits} commits")
        return ", ".join(parts)
