"""The one contract every inference backend implements: requests in, results out.

Two ways in: `generate` (a list in, results in input order) and `stream` (an iterable in, pulled
lazily, results out as they finish, in any order, each carrying its request's key). A backend never
raises for a bad request or a bad response: it returns an LLMResult with `error_type` set, so one bad
row becomes an error row and never fails a Spark task.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

if TYPE_CHECKING:
    from gem_spark.llm.feed_stats import FeedStats

ConstraintKind = Literal["json_schema", "regex", "choice"]


@dataclass(frozen=True)
class ResponseConstraint:
    """Structured-output constraint: a JSON schema (dict), a regex (str) or a list of choices."""

    kind: ConstraintKind
    value: dict[str, Any] | str | list[str]


@dataclass(frozen=True)
class LLMRequest:
    key: str
    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]] | None = None
    # Per-request sampling overrides (temperature, top_p, max_tokens, seed) on top of the model config.
    sampling: dict[str, Any] = field(default_factory=dict)
    constraint: ResponseConstraint | None = None
    # Which pipeline stage asks; the replay backend looks responses up by (stage, key).
    stage: str = ""
    # Benchmark knob, not a pipeline setting: keep generating past end-of-sequence, so a completion is
    # exactly `max_tokens` long and a benchmark controls output lengths (vllm, and openai servers that
    # accept vLLM's `ignore_eos`).
    ignore_eos: bool = False


@dataclass(frozen=True)
class LLMResult:
    key: str
    text: str | None
    finish_reason: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    error_type: str | None = None
    error_message: str | None = None

    @property
    def ok(self) -> bool:
        return self.error_type is None

    @classmethod
    def failure(cls, key: str, error_type: str, message: str, latency_s: float = 0.0) -> LLMResult:
        return cls(key=key, text=None, error_type=error_type, error_message=message, latency_s=latency_s)


@runtime_checkable
class Backend(Protocol):
    model_name: str

    def generate(self, requests: list[LLMRequest]) -> list[LLMResult]:
        """Results for a batch of requests; result i answers request i."""
        ...

    def stream(
        self,
        requests: Iterable[LLMRequest | LLMResult],
        in_flight: int | None = None,
        stats: FeedStats | None = None,
    ) -> Iterator[LLMResult]:
        """Pull requests lazily and yield each result as it finishes (any order, keys kept).

        At most `in_flight` requests are in the backend at once (None: the backend's default); `stats`
        gets the backend's own load counters (engine steps, in-flight time) as they change. An
        LLMResult in the feed is a row that failed before reaching the backend (its request could not
        be built): it is passed through in turn, so failing rows leave as they arrive instead of
        piling up until the next real answer.
        """
        ...


def in_request_order(requests: list[LLMRequest], results: Iterable[LLMResult]) -> list[LLMResult]:
    """Results of a streamed list put back in request order; keys that repeat are matched first in,
    first out (a repeated key's requests are interchangeable to a caller that only has the key)."""
    by_key: dict[str, deque[LLMResult]] = defaultdict(deque)
    for result in results:
        by_key[result.key].append(result)
    ordered = [by_key[request.key].popleft() for request in requests if by_key[request.key]]
    if len(ordered) != len(requests) or any(by_key.values()):
        msg = "a backend's stream returned results that do not match its requests one to one"
        raise RuntimeError(msg)
    return ordered


def stream_in_batches(
    answer: Callable[[list[LLMRequest]], Iterable[LLMResult]],
    requests: Iterable[LLMRequest | LLMResult],
    batch_size: int,
) -> Iterator[LLMResult]:
    """A feed cut into batches of `batch_size`, each answered (by `answer`: a backend's `generate`, or
    its `stream` over one batch) before the next is read: for backends that only work in batches, and
    the batch-synchronous feed the benchmark compares against."""
    items = iter(requests)
    while chunk := list(islice(items, batch_size)):
        yield from (item for item in chunk if isinstance(item, LLMResult))
        batch = [item for item in chunk if isinstance(item, LLMRequest)]
        if batch:
            yield from answer(batch)
