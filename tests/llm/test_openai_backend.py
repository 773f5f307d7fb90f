"""The openai backend against a real HTTP server on 127.0.0.1 (tests/support/scripted_server.py)."""

from __future__ import annotations

import logging
import socket
import time
import uuid

import pytest

from gem_spark.config import OpenAIModelConfig
from gem_spark.llm.errors import BackendConfigError, ErrorType
from gem_spark.llm.openai_backend import OpenAIBackend, status_error
from gem_spark.llm.protocol import LLMRequest, ResponseConstraint
from tests.support.scripted_server import ServerState

API_KEY = "sk-test-" + uuid.uuid4().hex
KEY_ENV = "GEM_SPARK_TEST_OPENAI_KEY"


@pytest.fixture
def api_key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(KEY_ENV, API_KEY)
    return API_KEY


def backend_for(base_url: str, **changes: object) -> OpenAIBackend:
    fields: dict[str, object] = {
        "backend": "openai",
        "model": "served-model",
        "base_url": base_url,
        "api_key_env": KEY_ENV,
        "concurrency": 4,
        "timeout_s": 5.0,
        "max_retries": 3,
        "backoff_base_s": 0.01,
        "backoff_max_s": 0.05,
        "max_total_wait_s": 30.0,
        "max_response_bytes": 64 * 1024,
    }
    return OpenAIBackend(OpenAIModelConfig.model_validate({**fields, **changes}))


def ask(scenario: str, **fields: object) -> LLMRequest:
    """A request the server answers per `scenario`; a fresh id gives it its own attempt counter."""
    tag = f"{scenario} {uuid.uuid4().hex[:8]}"
    return LLMRequest(key=tag, messages=[{"role": "user", "content": tag}], **fields)  # type: ignore[arg-type]


def test_answers_in_order_with_usage_and_bearer_key(scripted_server: ServerState, api_key: str) -> None:
    requests = [ask("ok") for _ in range(6)]
    results = backend_for(scripted_server.base_url).generate(requests)
    assert [r.key for r in results] == [r.key for r in requests]
    assert [r.text for r in results] == [f"echo: {r.key}" for r in requests]
    assert {(r.finish_reason, r.prompt_tokens, r.completion_tokens) for r in results} == {("stop", 7, 3)}
    assert all(r.ok and r.latency_s > 0 for r in results)
    assert f"Bearer {api_key}" in scripted_server.authorizations


def test_429_is_retried_after_the_retry_after_delay(scripted_server: ServerState, api_key: str) -> None:
    request = ask("429once")
    [result] = backend_for(scripted_server.base_url).generate([request])
    assert result.ok and result.text == f"echo: {request.key}"
    assert scripted_server.attempts[request.key] == 2
    # Backoff alone would wait ≤ 0.05 s; only the server's Retry-After: 1 explains a full second.
    assert result.latency_s >= 1.0


def test_500_is_retried_then_succeeds(scripted_server: ServerState, api_key: str) -> None:
    request = ask("500once")
    [result] = backend_for(scripted_server.base_url).generate([request])
    assert result.ok
    assert scripted_server.attempts[request.key] == 2


def test_persistent_500_exhausts_retries(scripted_server: ServerState, api_key: str) -> None:
    request = ask("500always")
    [result] = backend_for(scripted_server.base_url, max_retries=2).generate([request])
    assert result.error_type == ErrorType.RETRIES_EXHAUSTED.value
    assert "http_5xx" in (result.error_message or "")
    assert result.text is None
    assert scripted_server.attempts[request.key] == 3


def test_slow_server_times_out_within_the_wait_budget(scripted_server: ServerState, api_key: str) -> None:
    request = ask("slow")
    backend = backend_for(scripted_server.base_url, timeout_s=0.3, max_retries=50, max_total_wait_s=1.0)
    started = time.monotonic()
    [result] = backend.generate([request])
    waited = time.monotonic() - started
    assert result.error_type == ErrorType.RETRIES_EXHAUSTED.value
    assert "timeout" in (result.error_message or "")
    assert waited < 1.5, f"waited {waited:.2f} s with a 1.0 s budget"
    assert 2 <= scripted_server.attempts[request.key] <= 4


def test_final_errors_are_not_retried(scripted_server: ServerState, api_key: str) -> None:
    requests = [ask("malformed"), ask("noChoices"), ask("huge"), ask("badrequest")]
    results = backend_for(scripted_server.base_url).generate(requests)
    assert [r.error_type for r in results] == [
        ErrorType.MALFORMED_RESPONSE.value,
        ErrorType.MALFORMED_RESPONSE.value,
        ErrorType.RESPONSE_TOO_LARGE.value,
        ErrorType.HTTP_4XX.value,
    ]
    assert all(scripted_server.attempts[r.key] == 1 for r in requests)


def test_api_key_never_reaches_results_or_logs(
    scripted_server: ServerState, api_key: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    requests = [ask("badrequest"), ask("ok"), ask("500always")]
    results = backend_for(scripted_server.base_url, max_retries=1).generate(requests)
    assert "Bearer" in (results[0].error_message or "")  # the server did echo the header back ...
    assert "[redacted]" in (results[0].error_message or "")  # ... and the key was scrubbed from it
    assert all(api_key not in repr(result) for result in results)
    assert api_key not in caplog.text


def test_finish_reason_and_tool_calls_pass_through(scripted_server: ServerState, api_key: str) -> None:
    length, tool = backend_for(scripted_server.base_url).generate([ask("length"), ask("toolcall")])
    assert (length.text, length.finish_reason) == ("cut", "length")
    assert tool.finish_reason == "tool_calls"
    assert tool.text == '<tool_call>{"name": "book", "arguments": {"to": "Paris"}}</tool_call>'


def test_in_flight_requests_never_exceed_the_limit(scripted_server: ServerState, api_key: str) -> None:
    results = backend_for(scripted_server.base_url, concurrency=3).generate([ask("held") for _ in range(15)])
    assert all(r.ok for r in results)
    assert scripted_server.max_in_flight["held"] == 3


def test_connection_refused_is_retried_then_reported(api_key: str) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again below: nothing listens there
    backend = backend_for(f"http://127.0.0.1:{port}/v1", max_retries=2)
    [result] = backend.generate([ask("ok")])
    assert result.error_type == ErrorType.RETRIES_EXHAUSTED.value
    assert "connection_error" in (result.error_message or "")
    assert "3 attempt(s)" in (result.error_message or "")


def test_request_body_carries_sampling_tools_and_json_schema(
    scripted_server: ServerState, api_key: str
) -> None:
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}}
    tools = [{"type": "function", "function": {"name": "book", "parameters": {"type": "object"}}}]
    request = ask(
        "ok",
        tools=tools,
        sampling={"temperature": 0.5, "seed": 3},
        constraint=ResponseConstraint("json_schema", schema),
    )
    backend_for(scripted_server.base_url, supports_json_schema=True).generate([request])
    [body] = [b for b in scripted_server.bodies if b["messages"][-1]["content"] == request.key]
    assert body["model"] == "served-model"
    assert (body["temperature"], body["seed"], body["tools"]) == (0.5, 3, tools)
    assert body["response_format"]["json_schema"]["schema"] == schema


def test_bad_sampling_override_is_an_error_row(scripted_server: ServerState, api_key: str) -> None:
    [result] = backend_for(scripted_server.base_url).generate([ask("ok", sampling={"temperature": -1})])
    assert result.error_type == ErrorType.INVALID_REQUEST.value


def test_missing_api_key_env_fails_fast_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    with pytest.raises(BackendConfigError, match=KEY_ENV):
        backend_for("http://127.0.0.1:9/v1")


@pytest.mark.parametrize(
    ("status", "expected"),
    [(429, ErrorType.HTTP_429), (503, ErrorType.HTTP_5XX), (404, ErrorType.HTTP_4XX)],
)
def test_status_classification(status: int, expected: ErrorType) -> None:
    assert status_error(status) is expected
