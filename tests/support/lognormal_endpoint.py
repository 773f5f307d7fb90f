"""A fake OpenAI-compatible chat endpoint on 127.0.0.1 whose answers take a long-tail (lognormal) time.

Real endpoints answer in times that vary by an order of magnitude (output lengths do), which is what
makes a batch-synchronous client idle. Each request's latency is drawn from a lognormal around
`median_s`, seeded by the prompt, so a rerun sees the same latencies. The server counts what it sees:
requests in flight now, the most at once, and the time integral of in-flight requests, so a test or
benchmark can check the client's window at the server. A fake (no model runs behind it), named so.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.support.loopback import serve_on_loopback, stop_serving


def lognormal_latency(seed_text: str, median_s: float, sigma: float, cap_s: float) -> float:
    """A latency drawn from lognormal(ln median, sigma), capped, deterministic per `seed_text`."""
    seed = int.from_bytes(hashlib.sha256(seed_text.encode()).digest()[:8], "big")
    return min(cap_s, random.Random(seed).lognormvariate(math.log(median_s), sigma))


@dataclass
class LognormalEndpoint:
    median_s: float = 0.05
    sigma: float = 0.8
    cap_s: float = 2.0
    base_url: str = ""
    requests: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    # Request-seconds: the integral over time of the requests in flight at the server.
    in_flight_seconds: float = 0.0
    # For each request, in arrival order: how many others were in flight when it arrived.
    others_at_arrival: list[int] = field(default_factory=list)
    _since: float = field(default_factory=time.perf_counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    def start(self) -> LognormalEndpoint:
        self._server = _Server(("127.0.0.1", 0), _handler(self))
        self.base_url = serve_on_loopback(self._server)
        return self

    def stop(self) -> None:
        stop_serving(self._server)

    def _change(self, delta: int) -> None:
        with self._lock:
            now = time.perf_counter()
            self.in_flight_seconds += self.in_flight * (now - self._since)
            if delta > 0:
                self.others_at_arrival.append(self.in_flight)
                self.requests += 1
            self.in_flight, self._since = self.in_flight + delta, now
            self.max_in_flight = max(self.max_in_flight, self.in_flight)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # The default backlog (5) drops connection attempts beyond it; the client retries them a second
    # later, which a window of 16 fresh connections would hit at once.
    request_queue_size = 256


def _handler(endpoint: LognormalEndpoint) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            content = str(body["messages"][-1]["content"])
            endpoint._change(+1)
            try:
                time.sleep(lognormal_latency(content, endpoint.median_s, endpoint.sigma, endpoint.cap_s))
                message = {"role": "assistant", "content": "ok"}
                choice = {"index": 0, "message": message, "finish_reason": "stop"}
                usage = {"prompt_tokens": len(content.split()), "completion_tokens": 1}
                body = {"object": "chat.completion", "choices": [choice], "usage": usage}
                payload = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            finally:
                endpoint._change(-1)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler
