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
from tests.reliability.hostile_inputs import CATALOGUE, DUPLICATE_IDS, GOOD, write_catalogue
from tests.reliability.lake import read_table, write_config


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

    good_docs = len(GOOD) + len(DUPLICATE_IDS)
    assert summary.documents_segmented == good_docs
    assert summary.documents_quarantined == sum(sum(h.reasons.values()) for h in CATALOGUE) == len(quarantine)
    assert summary.documents_in == summary.documents_segmented + summary.documents_quarantined
    # The byte-identical copy is one known segment; the reused id with new text is a new segment.
    assert summary.segments_new == summary.segments_produced - 1
    assert {row["doc_id"] for row in read_table(root, "segments")} >= {doc["id"] for doc in GOOD}
