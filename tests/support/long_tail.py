"""Long-tail output lengths, as real generation has them: lognormal, so a few requests run far longer
than the median (GEM synthesizer outputs range from a few hundred to over ten thousand tokens)."""

from __future__ import annotations

import math
import random


def long_tail_lengths(count: int, median: float, sigma: float, cap: int, seed: int = 13) -> list[int]:
    """`count` lengths from lognormal(ln median, sigma), at least 1, at most `cap`; deterministic.
    sigma 0.83 puts the 99th percentile near 7x the median."""
    rng = random.Random(seed)
    return [max(1, min(cap, round(rng.lognormvariate(math.log(median), sigma)))) for _ in range(count)]
