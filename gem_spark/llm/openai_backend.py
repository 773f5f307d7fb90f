"""The `openai` backend: any OpenAI-compatible chat-completions server (vLLM serve, SGLang, hosted APIs).

A task keeps exactly `concurrency` requests in flight for its whole feed, on one asyncio loop: each
request that finishes is replaced by the next one at once (a batch would wait for its slowest
request, leaving most of the window idle under long-tail latencies). A request holds its slot through
its retries, so a throttling server sees fewer requests, not more. 429, 5xx, connection errors and
timeouts are retried with jittered exponential backoff (Retry-After wins when the server sends it)
until `max_retries` or the `max_total_wait_s` budget runs out; every other failure is final at once.
The API key is read from the environment variable the config names, sent only in the Authorization
header, and scrubbed from every error message.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import time
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from gem_spark.config import OpenAIModelConfig
from gem_spark.llm.errors import RETRYABLE, BackendConfigError, ErrorType, error_text
from gem_spark.llm.openai_response import parse_completion
from gem_spark.llm.protocol import LLMRequest, LLMResult, in_request_order
from gem_spark.llm.retry import backoff_delay, parse_retry_after
from gem_spark.llm.sampling import effective_sampling

if TYPE_CHECKING:
    import httpx

    from gem_spark.llm.feed_stats import FeedStats

log = logging.getLogger(__name__)

# How much of an error response body goes into the error message.
_ERROR_SNIPPET_BYTES = 300


def read_api_key(env_name: str | None) -> str | None:
    if env_name is None:
        return None
    key = os.environ.get(env_name)
    if not key:
        msg = f"environment variable {env_name} (models.*.api_key_env) is not set or empty"
        raise BackendConfigError(msg)
    return key


def status_error(status: int) -> ErrorType:
    if status == 429:
        return ErrorType.HTTP_429
    if status >= 500:
        return ErrorType.HTTP_5XX
    return ErrorType.HTTP_4XX


class OpenAIBackend:
    def __init__(self, config: OpenAIModelConfig) -> None:
        self.model_name = config.model
        self._config = config
        self._api_key = read_api_key(config.api_key_env)
        self._url = config.base_url.rstrip("/") + "/chat/completions"
        self._rng = random.Random()

    def generate(self, requests: list[LLMRequest]) -> list[LLMResult]:
        return in_request_order(requests, self.stream(requests))

    def stream(
        self,
        requests: Iterable[LLMRequest | LLMResult],
        in_flight: int | None = None,
        stats: FeedStats | None = None,
    ) -> Iterator[LLMResult]:
        """Keep `in_flight` requests (default `concurrency`) in flight, refilling as each finishes."""
        import httpx

        window = in_flight or self._config.concurrency
        headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
        client = httpx.AsyncClient(
            headers=headers, limits=httpx.Limits(max_connections=window), timeout=self._config.timeout_s
        )
        loop = asyncio.new_event_loop()
        meter = _InFlightMeter(stats)
        running: set[asyncio.Task[LLMResult]] = set()
        items = iter(requests)
        try:
            exhausted = False
            while True:
                while not exhausted and len(running) < window:
                    item = next(items, None)
                    exhausted = item is None
                    if isinstance(item, LLMResult):
                        yield item
                    elif item is not None:
                        running.add(meter.track(loop.create_task(self._request(client, item))))
                if not running:
                    return
                done, running = loop.run_until_complete(
                    asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                )
                for task in done:
                    yield self._scrubbed(task.result())
        finally:  # a consumer that stops early cancels what is still in flight
            loop.run_until_complete(_close(running, client))
            loop.close()

    async def _request(self, client: httpx.AsyncClient, request: LLMRequest) -> LLMResult:
        try:
            payload = self._payload(request)
        except ValidationError as exc:
            return LLMResult.failure(request.key, ErrorType.INVALID_REQUEST.value, error_text(exc))
        config = self._config
        started = time.monotonic()
        for attempt in range(config.max_retries + 1):
            remaining = started + config.max_total_wait_s - time.monotonic()
            result, retry_after = await self._attempt(client, payload, request.key, remaining)
            elapsed = time.monotonic() - started
            if result.error_type not in RETRYABLE:
                return replace(result, latency_s=elapsed)
            delay = (
                retry_after
                if retry_after is not None
                else backoff_delay(attempt, config.backoff_base_s, config.backoff_max_s, self._rng)
            )
            if attempt == config.max_retries or elapsed + delay >= config.max_total_wait_s:
                break
            log.debug("retrying %s in %.2f s after %s", request.key, delay, result.error_type)
            await asyncio.sleep(delay)
        message = (
            f"gave up after {attempt + 1} attempt(s) in {elapsed:.1f} s "
            f"(max_retries={config.max_retries}, max_total_wait_s={config.max_total_wait_s}); "
            f"last error {result.error_type}: {result.error_message}"
        )
        return LLMResult.failure(request.key, ErrorType.RETRIES_EXHAUSTED.value, message, latency_s=elapsed)

    async def _attempt(
        self, client: httpx.AsyncClient, payload: dict[str, Any], key: str, remaining_s: float
    ) -> tuple[LLMResult, float | None]:
        """One HTTP exchange, never longer than the timeout or the remaining wait budget."""
        import httpx

        timeout = max(0.001, min(self._config.timeout_s, remaining_s))
        try:
            return await asyncio.wait_for(self._exchange(client, payload, key), timeout)
        except (TimeoutError, asyncio.TimeoutError, httpx.TimeoutException) as exc:
            message = f"no complete response within {timeout:.1f} s ({type(exc).__name__})"
            return LLMResult.failure(key, ErrorType.TIMEOUT.value, message), None
        except httpx.TransportError as exc:
            return LLMResult.failure(key, ErrorType.CONNECTION_ERROR.value, error_text(exc)), None

    async def _exchange(
        self, client: httpx.AsyncClient, payload: dict[str, Any], key: str
    ) -> tuple[LLMResult, float | None]:
        limit = self._config.max_response_bytes
        async with client.stream("POST", self._url, json=payload) as response:
            if not response.is_success:
                snippet = await _read_prefix(response, _ERROR_SNIPPET_BYTES)
                message = f"HTTP {response.status_code}: {snippet.decode('utf-8', 'replace')}"
                retry_after = parse_retry_after(response.headers.get("retry-after"))
                return LLMResult.failure(key, status_error(response.status_code).value, message), retry_after
            declared = response.headers.get("content-length")
            if declared is not None and declared.isdigit() and int(declared) > limit:
                return _too_large(key, limit), None
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body.extend(chunk)
                if len(body) > limit:
                    return _too_large(key, limit), None
        return parse_completion(key, bytes(body)), None

    def _payload(self, request: LLMRequest) -> dict[str, Any]:
        config = self._config
        sampling = effective_sampling(config.sampling, request.sampling)
        payload: dict[str, Any] = {
            "model": config.model,
            "messages": request.messages,
            "temperature": sampling.temperature,
            "top_p": sampling.top_p,
            "max_tokens": sampling.max_tokens,
        }
        if sampling.seed is not None:
            payload["seed"] = sampling.seed
        if request.tools:
            payload["tools"] = request.tools
        if request.ignore_eos:
            payload["ignore_eos"] = True  # vLLM's extension of the chat-completions API
        if config.chat_template_kwargs:
            payload["chat_template_kwargs"] = config.chat_template_kwargs
        constraint = request.constraint
        if config.supports_json_schema and constraint is not None and constraint.kind == "json_schema":
            payload["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "response", "schema": constraint.value, "strict": True},
            }
        return payload

    def _scrubbed(self, result: LLMResult) -> LLMResult:
        """Never let the API key reach a table: a server may echo headers into an error body."""
        if not self._api_key or not result.error_message or self._api_key not in result.error_message:
            return result
        return replace(result, error_message=result.error_message.replace(self._api_key, "[redacted]"))


async def _close(running: set[asyncio.Task[LLMResult]], client: httpx.AsyncClient) -> None:
    for task in running:
        task.cancel()
    await asyncio.gather(*running, return_exceptions=True)
    await client.aclose()


class _InFlightMeter:
    """Adds the time integral of requests in flight (request-seconds) to a FeedStats as it accrues."""

    def __init__(self, stats: FeedStats | None) -> None:
        self._stats = stats
        self._level = 0
        self._since = time.perf_counter()

    def track(self, task: asyncio.Task[LLMResult]) -> asyncio.Task[LLMResult]:
        self._change(+1)
        task.add_done_callback(lambda _: self._change(-1))
        return task

    def _change(self, delta: int) -> None:
        now = time.perf_counter()
        if self._stats is not None:
            self._stats.inflight_seconds += self._level * (now - self._since)
        self._level, self._since = self._level + delta, now


async def _read_prefix(response: httpx.Response, limit: int) -> bytes:
    prefix = bytearray()
    async for chunk in response.aiter_bytes():
        prefix.extend(chunk)
        if len(prefix) >= limit:
            break
    return bytes(prefix[:limit])


def _too_large(key: str, limit: int) -> LLMResult:
    message = f"response body exceeds max_response_bytes={limit}"
    return LLMResult.failure(key, ErrorType.RESPONSE_TOO_LARGE.value, message)
