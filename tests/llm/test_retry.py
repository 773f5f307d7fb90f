from __future__ import annotations

import random
from datetime import datetime, timezone
from email.utils import format_datetime

import pytest

from gem_spark.llm.retry import backoff_delay, parse_retry_after


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    rng = random.Random(7)
    for attempt, step in enumerate([1.0, 2.0, 4.0, 8.0, 10.0, 10.0]):
        delays = [backoff_delay(attempt, base_s=1.0, max_s=10.0, rng=rng) for _ in range(200)]
        assert all(step / 2 <= d <= step for d in delays)
        assert len(set(delays)) > 100  # jittered, not a constant


@pytest.mark.parametrize(("header", "seconds"), [("3", 3.0), (" 0.5 ", 0.5), ("-2", 0.0)])
def test_retry_after_in_seconds(header: str, seconds: float) -> None:
    assert parse_retry_after(header) == seconds


def test_retry_after_as_http_date() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
    later = format_datetime(datetime(2026, 1, 1, 12, 0, 30, tzinfo=timezone.utc), usegmt=True)
    assert parse_retry_after(later, now=now.timestamp()) == pytest.approx(30.0)


@pytest.mark.parametrize("header", [None, "", "soon", "Mon, 99 Foo 2026"])
def test_missing_or_unreadable_retry_after_is_none(header: str | None) -> None:
    assert parse_retry_after(header) is None
