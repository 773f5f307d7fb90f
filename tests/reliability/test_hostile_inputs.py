"""Hostile inputs: one ingest run over the whole catalogue (hostile_inputs.py) plus good documents.

The job must succeed; every hostile file must end in `quarantine` with exactly its expected reasons;
the good documents must be segmented; and documents in = segmented + quarantined.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from gem_spark.config import load_config
from gem_spark.stages.ingest import run_ingest
from tests.support.catalogue import assert_catalogued
from tests.support.hostile_inputs import (
    CATALOGUE,
    GOOD,
    HOSTILE_CHARACTERS,
    SALVAGED_CSV_ID,
    SALVAGED_GZ_PREFIX,
    SANITISED,
    write_catalogue,
)
from tests.support.reliability_lake import read_table, write_config


@pytest.mark.slow
def test_every_hostile_kind_is_quarantined_with_its_reason(tmp_path: Path, spark) -> None:
    assert len(CATALOGUE) >= 15
    inputs = write_catalogue(tmp_path / "inputs")
    root = tmp_path / "lake"
    config = load_config(write_config(tmp_path, root))

    summary = run_ingest(config, [str(inputs)], "hostile", spark=spark)

    quarantine = read_table(root, "quarantine")
    by_file: dict[str, Counter] = {}
    for row in quarantine:
        by_file.setdefault(Path(row["source"]).name, Counter())[row["reason"]] += 1
    found = {hostile.name: by_file.get(hostile.name, Counter()) for hostile in CATALOGUE}
    assert found == {hostile.name: hostile.reasons for hostile in CATALOGUE}
    assert set(by_file) == {hostile.name for hostile in CATALOGUE}  # nothing good was quarantined
    assert all(row["detail"] for row in quarantine)

    segments = read_table(root, "segments")
    segmented_ids = {row["doc_id"] for row in segments}
    salvaged_gz = {doc_id for doc_id in segmented_ids if doc_id.startswith(SALVAGED_GZ_PREFIX)}
    assert salvaged_gz == {f"{SALVAGED_GZ_PREFIX}{n}" for n in range(len(salvaged_gz))}  # before the damage
    good = GOOD + SANITISED
    assert segmented_ids == {doc["id"] for doc in good} | {SALVAGED_CSV_ID} | salvaged_gz
    assert summary.documents_segmented == len(good) + 1 + len(salvaged_gz)
    assert summary.documents_quarantined == sum(sum(h.reasons.values()) for h in CATALOGUE) == len(quarantine)
    assert summary.documents_in == summary.documents_segmented + summary.documents_quarantined
    # The documents under reused ids were quarantined whole: no segment of theirs was produced.
    assert summary.segments_new == summary.segments_produced
    reused = [row for row in quarantine if row["reason"] == "duplicate_id"]
    assert sorted(row["doc_id"] for row in reused) == ["good-0", "good-1"]
    assert all("good.jsonl" in row["detail"] and row["raw_preview"] for row in reused)
    assert not [row["doc_id"] for row in segments if any(c in row["text"] for c in HOSTILE_CHARACTERS)]
    assert_catalogued(root)
