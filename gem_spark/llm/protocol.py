"""The one contract every inference backend implements: requests in, results out, in input order.

A backend never raises for a bad request or a bad response: it returns an LLMResult with `error_type`
set, so one bad row becomes an error row and never fails a Spark task.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

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
    """Generate results for a batch of requests; result i answers request i."""

    model_name: str

    def generate(self, requests: list[LLMRequest]) -> list[LLMResult]: ...
