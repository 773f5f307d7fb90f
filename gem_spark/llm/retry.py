"""Retry timing for HTTP backends: exponential backoff with jitter, and the server's Retry-After."""

from __future__ import annotations

import random
import time
from email.utils import parsedate_to_datetime


def backoff_delay(attempt: int, base_s: float, max_s: float, rng: random.Random) -> float:
    """Delay before retry number `attempt` (0-based): half of the capped exponential step is fixed,
    half random, so retries spread out without ever collapsing to zero."""
    step = min(max_s, base_s * 2**attempt)
    return step / 2 + rng.uniform(0, step / 2)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None when absent or bad."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        return None
    return max(0.0, moment.timestamp() - (time.time() if now is None else now))
