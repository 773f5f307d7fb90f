"""A real HTTP chat-completions server on 127.0.0.1 whose answers are scripted by the prompt.

The last user message reads "<scenario> <id>"; the server keeps an attempt count per message, so a
scenario like `429once` can fail the first attempt and succeed on the retry. It also counts requests
in flight (to check the client's concurrency limit) and records headers and bodies it received.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.support.loopback import serve_on_loopback

Reply = tuple[int, dict[str, str], bytes]


def completion(content: str, finish_reason: str = "stop", tool_calls: list[dict] | None = None) -> bytes:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = tool_calls
    body = {
        "id": "cmpl-1",
        "object": "chat.completion",
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
        "usage": {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10},
    }
    return json.dumps(body).encode()


@dataclass
class ServerState:
    base_url: str = ""
    attempts: Counter = field(default_factory=Counter)
    authorizations: list[str] = field(default_factory=list)
    bodies: list[dict[str, Any]] = field(default_factory=list)
    # Per scenario, so slow requests another test abandoned do not count against this one.
    in_flight: Counter = field(default_factory=Counter)
    max_in_flight: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _ok(content: str, attempt: int, state: ServerState) -> Reply:
    return 200, {}, completion(f"echo: {content}")


def _held(content: str, attempt: int, state: ServerState) -> Reply:
    time.sleep(0.1)  # long enough for concurrent requests to overlap
    return _ok(content, attempt, state)


def _fail_first(status: int) -> Callable[[str, int, ServerState], Reply]:
    def reply(content: str, attempt: int, state: ServerState) -> Reply:
        if attempt == 1:
            return status, {"Retry-After": "1"} if status == 429 else {}, b'{"error": "try again"}'
        return _ok(content, attempt, state)

    return reply


def _slow(content: str, attempt: int, state: ServerState) -> Reply:
    time.sleep(2.0)
    return 200, {}, completion("too late")


def _bad_request(content: str, attempt: int, state: ServerState) -> Reply:
    # Some servers echo request headers into errors; the client must scrub the key from its messages.
    echoed = state.authorizations[-1] if state.authorizations else ""
    return 400, {}, f'{{"error": "bad request", "auth": "{echoed}"}}'.encode()


def _tool_call(content: str, attempt: int, state: ServerState) -> Reply:
    call = {"id": "c1", "type": "function", "function": {"name": "book", "arguments": '{"to": "Paris"}'}}
    return 200, {}, completion("", "tool_calls", [call])


SCENARIOS: dict[str, Callable[[str, int, ServerState], Reply]] = {
    "ok": _ok,
    "held": _held,
    "429once": _fail_first(429),
    "500once": _fail_first(500),
    "500always": lambda content, attempt, state: (500, {}, b"internal error"),
    "slow": _slow,
    "malformed": lambda content, attempt, state: (200, {}, b'{"choices": [ {"message": '),
    "noChoices": lambda content, attempt, state: (200, {}, b'{"object": "chat.completion"}'),
    "length": lambda content, attempt, state: (200, {}, completion("cut", "length")),
    "huge": lambda content, attempt, state: (200, {}, completion("x" * 200_000)),
    "badrequest": _bad_request,
    "toolcall": _tool_call,
}


def make_handler(state: ServerState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            content = body["messages"][-1]["content"]
            scenario = content.split()[0]
            with state.lock:
                state.in_flight[scenario] += 1
                state.max_in_flight[scenario] = max(state.max_in_flight[scenario], state.in_flight[scenario])
                state.attempts[content] += 1
                attempt = state.attempts[content]
                state.authorizations.append(self.headers.get("Authorization", ""))
                state.bodies.append(body)
            try:
                status, headers, payload = SCENARIOS[scenario](content, attempt, state)
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout): nothing to answer
            finally:
                with state.lock:
                    state.in_flight[scenario] -= 1

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # a client that timed out and hung up is part of the script, not a server bug
        super().handle_error(request, client_address)


def start_server() -> tuple[ThreadingHTTPServer, ServerState]:
    state = ServerState()
    server = _Server(("127.0.0.1", 0), make_handler(state))
    state.base_url = serve_on_loopback(server)
    return server, state
