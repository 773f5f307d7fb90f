"""Near-duplicate removal across accepted trajectories, across runs and snapshots: banded MinHash LSH.

A trajectory is seen as the set of word shingles of its user turns plus its tool names. Signatures
(`dedup.num_hashes` MinHash values) are cut into bands; trajectories sharing a band are candidates, and
a candidate pair is a duplicate when the exact Jaccard similarity of the shingle sets reaches
`dedup.threshold`. Trajectories are ordered by first acceptance (then trajectory_id), and every ok
trajectory with an earlier near duplicate gets a newer `accepted` row with status and reason
`near_duplicate` and that earliest near duplicate's trajectory_id in `detail`. So the earliest member of
every group is kept (a trajectory from an older snapshot keeps its place and newcomers repeating it are
marked), no two kept trajectories are near duplicates of each other, and each mark names a trajectory it
really is similar to. One grouping pass, no iterative connected components.

Rerunning finds the same pairs and the same earliest neighbours, so it marks nothing new.
"""

from __future__ import annotations

import hashlib
import re
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from pyspark.sql import functions as F
from pyspark.sql.types import ArrayType, LongType, StringType, StructField, StructType

from gem_spark.schema import Trajectory, trajectory_from_json
from gem_spark.stages.accepted import NAME as ACCEPTED
from gem_spark.stages.codes import NEAR_DUPLICATE
from gem_spark.stages.common import OK, StageContext
from gem_spark.stages.current import current_ok, current_rows
from gem_spark.stages.llm_stage import StageCounts
from gem_spark.tables.store import CommitId

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

KEY = "trajectory_id"
STAGE = "dedup"
_WORD = re.compile(r"[^\W_]+")
_MERSENNE = np.uint64((1 << 61) - 1)
_SEED = 20260115


def words(text: str) -> list[str]:
    """Lower-cased word tokens (letters and digits; `_` splits, so tool names become words)."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).lower())


def shingles(trajectory: Trajectory, size: int) -> set[str]:
    """Word `size`-grams of each user turn (a shorter turn is one shingle) and `tool:<name>` per tool."""
    found: set[str] = {f"tool:{tool.name}" for tool in trajectory.tools}
    for message in trajectory.messages:
        if message.role != "user":
            continue
        tokens = words(message.content)
        if 0 < len(tokens) <= size:
            found.add(" ".join(tokens))
        found.update(" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1))
    return found


def stable_hash(text: str) -> int:
    """Signed 64-bit hash, equal on every machine and Python process (unlike `hash`)."""
    return int.from_bytes(
        hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little", signed=True
    )


def band_layout(num_hashes: int, threshold: float, recall: float) -> tuple[int, int]:
    """(bands, rows per band), bands × rows ≤ num_hashes, with the fewest candidate pairs below
    `threshold` (area under the S-curve 1 − (1 − s^rows)^bands) among layouts that reach `recall` at it.

    Candidates are verified by exact Jaccard, so a false candidate costs a comparison while a missed
    pair costs a duplicate in the training data: recall is the constraint, candidates the cost.
    """
    grid = np.linspace(0.0, threshold, 401)
    best: tuple[float, int, int] | None = None
    for bands in range(1, num_hashes + 1):
        for rows in range(1, num_hashes // bands + 1):
            if 1.0 - (1.0 - threshold**rows) ** bands < recall:
                continue
            cost = float(np.trapezoid(1.0 - (1.0 - grid**rows) ** bands, grid))
            if best is None or cost < best[0]:
                best = (cost, bands, rows)
    if best is None:
        msg = f"dedup.num_hashes={num_hashes} cannot reach recall {recall} at threshold {threshold}"
        raise ValueError(msg)
    return best[1], best[2]


@dataclass(frozen=True)
class MinHasher:
    """MinHash over 32-bit shingle hashes with the universal family (a·x + b) mod (2^61 − 1)."""

    num_hashes: int
    bands: int
    rows: int

    @cached_property
    def _coefficients(self) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng(_SEED)
        a = rng.integers(1, int(_MERSENNE), self.num_hashes, dtype=np.uint64)
        b = rng.integers(0, int(_MERSENNE), self.num_hashes, dtype=np.uint64)
        return a, b

    def signature(self, hashes: list[int]) -> np.ndarray:
        a, b = self._coefficients
        values = (np.asarray(hashes, dtype=np.int64).astype(np.uint64) & np.uint64(0xFFFFFFFF))[:, None]
        with np.errstate(over="ignore"):  # wrapping uint64 arithmetic is part of the hash family
            return ((values * a + b) % _MERSENNE).min(axis=0)

    def band_keys(self, hashes: list[int]) -> list[int]:
        signature = self.signature(hashes)
        return [
            stable_hash(f"{band}:" + signature[band * self.rows : (band + 1) * self.rows].tobytes().hex())
            for band in range(self.bands)
        ]


SIGNATURE_SCHEMA = StructType(
    [
        StructField("node", StringType(), False),
        StructField("shingles", ArrayType(LongType()), False),
        StructField("bands", ArrayType(LongType()), False),
    ]
)


def signatures(nodes: DataFrame, shingle_size: int, hasher: MinHasher) -> DataFrame:
    """(node, shingle hashes, band keys) per node on executors; nodes with no shingle are left out."""

    def sign(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            out = []
            for node, text in zip(batch["node"], batch["trajectory"]):
                hashes = sorted(
                    {stable_hash(item) for item in shingles(trajectory_from_json(text), shingle_size)}
                )
                if hashes:
                    out.append((node, hashes, hasher.band_keys(hashes)))
            yield pd.DataFrame(out, columns=SIGNATURE_SCHEMA.fieldNames())

    return nodes.select("node", "trajectory").mapInPandas(sign, SIGNATURE_SCHEMA)


def similar_pairs(signed: DataFrame, threshold: float) -> DataFrame:
    """(a, b) with a < b, sharing a band, and exact Jaccard of their shingle sets ≥ threshold."""
    bands = signed.select("node", F.posexplode("bands").alias("band", "band_key"))
    left, right = bands.alias("l"), bands.alias("r")
    candidates = (
        left.join(right, (F.col("l.band") == F.col("r.band")) & (F.col("l.band_key") == F.col("r.band_key")))
        .where(F.col("l.node") < F.col("r.node"))
        .select(F.col("l.node").alias("a"), F.col("r.node").alias("b"))
        .distinct()
    )
    sets = signed.select("node", "shingles")
    with_sets = candidates.join(sets.toDF("a", "a_set"), "a").join(sets.toDF("b", "b_set"), "b")
    jaccard = F.size(F.array_intersect("a_set", "b_set")) / F.size(F.array_union("a_set", "b_set"))
    return with_sets.where(jaccard >= F.lit(threshold)).select("a", "b")


def earliest_neighbours(pairs: DataFrame) -> DataFrame:
    """(node, label): for every node with an earlier near duplicate, the earliest one (pairs have a < b)."""
    return pairs.groupBy(F.col("b").alias("node")).agg(F.min("a").alias("label"))


def _nodes(ctx: StageContext) -> tuple[DataFrame, DataFrame]:
    """Current accepted rows (all columns) and the dedup candidates with their `node` ordering key:
    first acceptance time | trajectory_id | fingerprint, so the smallest node is the representative.
    Superseded chains are never candidates: nothing is marked a duplicate of an outdated row."""
    first = ctx.store.read(ACCEPTED).groupBy(KEY, "fingerprint").agg(F.min("created_at").alias("first_at"))
    latest = current_rows(ctx, ACCEPTED).join(first, [KEY, "fingerprint"])
    node = F.concat_ws("|", F.date_format("first_at", "yyyy-MM-dd'T'HH:mm:ss.SSSSSS"), KEY, "fingerprint")
    latest = latest.withColumn("node", node)
    return latest, latest.where(F.col("status").isin(OK, NEAR_DUPLICATE))


def near_duplicate_marks(ctx: StageContext) -> DataFrame:
    """New `accepted` rows marking ok trajectories that are near duplicates of an earlier one."""
    settings = ctx.config.dedup
    bands, rows = band_layout(settings.num_hashes, settings.threshold, settings.recall)
    latest, candidates = _nodes(ctx)
    signed = signatures(candidates, settings.shingle_size, MinHasher(settings.num_hashes, bands, rows))
    labels = earliest_neighbours(similar_pairs(signed, settings.threshold))
    representatives = candidates.select(F.col("node").alias("label"), F.col(KEY).alias("representative"))
    marked = latest.where(F.col("status") == OK).join(labels, "node").join(representatives, "label")
    return mark_rows(marked, ctx.run_id, NEAR_DUPLICATE, F.col("representative"))


def mark_rows(rows: DataFrame, run_id: str, status: str, detail: Column) -> DataFrame:
    """Newer `accepted` rows for the same (trajectory_id, fingerprint): status and reason `status`,
    payload carried over, `detail` naming why (used by dedup and decontamination alike)."""
    return rows.select(
        KEY,
        "fingerprint",
        F.lit(run_id).alias("run_id"),
        F.lit(status).alias("status"),
        F.lit(status).alias("reason"),
        F.current_timestamp().alias("created_at"),
        "segment_id",
        "source_stage",
        "trajectory",
        "stats",
        detail.alias("detail"),
    )


def commit_marks(ctx: StageContext, stage: str, marks: DataFrame, n_in: int, started: float) -> StageCounts:
    """Append the marks as one idempotent commit; counts: checked rows in, marked ones rejected."""
    marks = marks.localCheckpoint()
    n_marked = marks.count()
    if n_marked:
        ctx.store.append(ACCEPTED, marks, CommitId(app_id=f"{ctx.run_id}:{stage}", version=0))
    return StageCounts(stage, n_in, n_in - n_marked, n_marked, 0, round(time.monotonic() - started, 3))


def mark_near_duplicates(ctx: StageContext) -> StageCounts:
    """Mark the near duplicates among accepted trajectories (no-op when dedup is disabled or nothing is accepted)."""
    started = time.monotonic()
    if not ctx.config.dedup.enabled or not ctx.store.exists(ACCEPTED):
        return StageCounts(STAGE, 0, 0, 0, 0, round(time.monotonic() - started, 3))
    n_in = current_ok(ctx, ACCEPTED).count()
    return commit_marks(ctx, STAGE, near_duplicate_marks(ctx), n_in, started)
