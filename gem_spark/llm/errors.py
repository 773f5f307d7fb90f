"""Stable reason codes for failed requests: the `error_type` of an LLMResult and of an `llm` struct.

Downstream tables, the report and retries group failures by these values, so they never change
meaning; a new failure mode gets a new member.
"""

from __future__ import annotations

from enum import Enum


class ErrorType(str, Enum):
    # The request itself.
    REQUEST_BUILD_FAILED = "request_build_failed"  # the stage could not turn its row into a request
    INVALID_REQUEST = "invalid_request"  # bad sampling override, template failure, rejected constraint
    PROMPT_TOO_LONG = "prompt_too_long"  # rendered prompt exceeds the model's prompt budget
    # Local engines.
    ENGINE_ERROR = "engine_error"  # the engine failed on a request it accepted
    BACKEND_ERROR = "backend_error"  # a backend raised for a whole batch (a bug, never expected)
    # Replay.
    NO_RECORDED_RESPONSE = "no_recorded_response"
    # HTTP endpoints.
    HTTP_429 = "http_429"
    HTTP_5XX = "http_5xx"
    HTTP_4XX = "http_4xx"
    TIMEOUT = "timeout"
    CONNECTION_ERROR = "connection_error"
    MALFORMED_RESPONSE = "malformed_response"
    RESPONSE_TOO_LARGE = "response_too_large"
    RETRIES_EXHAUSTED = "retries_exhausted"  # retryable failures until attempts or wait budget ran out


RETRYABLE: frozenset[ErrorType] = frozenset(
    {ErrorType.HTTP_429, ErrorType.HTTP_5XX, ErrorType.TIMEOUT, ErrorType.CONNECTION_ERROR}
)


class BackendConfigError(RuntimeError):
    """A backend cannot be built from its config (missing API key, unreadable replay file)."""


def error_text(exc: BaseException) -> str:
    """The error message stored in a result row: exception type and text, nothing else."""
    return f"{type(exc).__name__}: {exc}"
