"""Serving a fake HTTP endpoint on 127.0.0.1 from a daemon thread: what every fake server here shares."""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer


def serve_on_loopback(server: ThreadingHTTPServer) -> str:
    """Start serving `server` (bound to 127.0.0.1, port 0) in a daemon thread; its OpenAI-style base URL."""
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/v1"


def stop_serving(server: ThreadingHTTPServer | None) -> None:
    if server is not None:
        server.shutdown()
        server.server_close()
