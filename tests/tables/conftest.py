"""Fixtures for table tests: the driver's peak memory during a block."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psutil
import pytest


@dataclass
class RssGrowth:
    """Peak resident memory of this (driver) process above its level when the block started, in MB."""

    mb: float = 0.0


@contextmanager
def _track_rss_peak(interval_s: float = 0.005) -> Iterator[RssGrowth]:
    process = psutil.Process()
    base = process.memory_info().rss
    growth = RssGrowth()
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            growth.mb = max(growth.mb, (process.memory_info().rss - base) / 2**20)
            time.sleep(interval_s)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield growth
    finally:
        done.set()
        sampler.join()


@pytest.fixture
def driver_rss_peak() -> Callable[[], object]:
    return _track_rss_peak
