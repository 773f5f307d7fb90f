"""A fake OpenAI-compatible chat endpoint on 127.0.0.1: recorded answers, fixed latency, scripted faults.

It is a fake (no model behind it): it answers a prompt with the recorded response for the (stage, key)
whose request renders to exactly that prompt (`recorded_prompts` builds the map with the stages' own
request builders), and any other prompt with `UNRECORDED_TEXT`, which every stage parser rejects — so a
run against it settles every row, as a run against a real model does. Each request can wait a fixed
latency (simulating a real endpoint's cost) and can be failed by a fault plan:
`plan(prompt_hash, attempt) -> fault name | None`.
"""

from __future__ import annotations

import hashlib
import json
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gem_spark.llm.replay import load_responses
from gem_spark.pipeline import build_stage, plan
from gem_spark.stages.common import StageContext
from gem_spark.tables import open_store
from gem_spark.tables.store import TableNotFoundError
from tests.support.loopback import serve_on_loopback, stop_serving

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from gem_spark.config import GemConfig

UNRECORDED_TEXT = "I cannot answer this."
FaultPlan = Callable[[str, int], "str | None"]


def prompt_hash(messages: list[dict[str, Any]]) -> str:
    return hashlib.sha256(json.dumps(messages, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class Recorded:
    stage: str
    key: str
    text: str | None


def recorded_prompts(
    config: GemConfig, spark: SparkSession, mode: str, responses: Path, stages: list[str] | None = None
) -> dict[str, Recorded]:
    """prompt hash → recorded answer, for every input row the stages of `mode` see in the tables now
    (run the replay backend over the same corpus first to populate later stages' inputs)."""
    recorded = load_responses(responses)
    ctx = StageContext(
        config=config, spark=spark, store=open_store(config.tables, spark), run_id="prompt-map"
    )
    prompts: dict[str, Recorded] = {}
    for name in plan(mode, stages):
        stage = build_stage(name, ctx, mode)
        try:
            rows = stage.inputs(ctx).collect()
        except TableNotFoundError:  # the upstream stage has not run on this lakehouse
            continue
        for row in rows:
            request = stage.build_request(row.asDict(recursive=True))
            prompts[prompt_hash(request.messages)] = Recorded(
                name, request.key, recorded.get((name, request.key))
            )
    return prompts


def completion(text: str) -> bytes:
    body = {
        "id": "fake-1",
        "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 100, "completion_tokens": max(1, len(text) // 4)},
    }
    return json.dumps(body).encode()


@dataclass
class FakeEndpoint:
    answers: dict[str, Recorded]
    latency_s: float = 0.0
    # Per-prompt latency (prompt hash → seconds), e.g. drawn from a long-tailed distribution; wins over latency_s.
    latency_of: Callable[[str], float] | None = None
    plan: FaultPlan | None = None
    # A fault "timeout" sleeps this long before answering (longer than the client's timeout).
    hang_s: float = 3.0
    requests: Counter = field(default_factory=Counter)
    authorizations: list[str] = field(default_factory=list)
    base_url: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    def start(self) -> FakeEndpoint:
        self._server = _Server(("127.0.0.1", 0), _handler(self))
        self.base_url = serve_on_loopback(self._server)
        return self

    def stop(self) -> None:
        stop_serving(self._server)

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())

    def count(self, messages: list[dict[str, Any]], authorization: str) -> tuple[str, int]:
        digest = prompt_hash(messages)
        with self._lock:
            self.requests[digest] += 1
            self.authorizations.append(authorization)
            return digest, self.requests[digest]

    def answer(self, digest: str) -> bytes:
        recorded = self.answers.get(digest)
        return completion(recorded.text if recorded and recorded.text is not None else UNRECORDED_TEXT)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        return  # clients that time out and hang up are part of the script


def _handler(endpoint: FakeEndpoint) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            digest, attempt = endpoint.count(body["messages"], self.headers.get("Authorization", ""))
            fault = endpoint.plan(digest, attempt) if endpoint.plan else None
            if fault == "reset":
                # SO_LINGER 0: close sends RST, the client sees a connection reset mid-request.
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()
                self.close_connection = True
                return
            if fault == "timeout":
                time.sleep(endpoint.hang_s)
            elif endpoint.latency_of is not None:
                time.sleep(endpoint.latency_of(digest))
            elif endpoint.latency_s:
                time.sleep(endpoint.latency_s)
            status, payload = _FAULT_REPLIES.get(fault or "", (200, b""))
            if fault == "echo-auth":  # some servers echo request headers into their errors
                status, payload = (
                    400,
                    json.dumps({"error": "bad request", "auth": self.headers["Authorization"]}).encode(),
                )
            if status == 200 and not payload:
                payload = endpoint.answer(digest)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            if status == 429:
                self.send_header("Retry-After", "0")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


_FAULT_REPLIES: dict[str, tuple[int, bytes]] = {
    "429": (429, b'{"error": "rate limited"}'),
    "500": (500, b"internal error"),
    "garbage": (200, b"\x00\xff<html>not json at all"),
    "oversize": (200, completion("x" * (256 << 10))),
}
