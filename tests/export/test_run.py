"""run_export over an accepted table written through the real store: only the latest ok rows, in
trajectory_id order, in exact shards, with a manifest, for every format."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from gem_spark.export import ExportError, run_export
from gem_spark.export.openai_format import to_openai
from gem_spark.export.sharegpt import to_sharegpt
from gem_spark.export.synthesizer import ROUNDTRIP_MISMATCH, SEGMENT_MISSING, synthesizer_target
from gem_spark.stages.accepted import CONTAMINATED, NEAR_DUPLICATE
from tests.support.accepted_rows import (
    FINGERPRINT,
    Lake,
    accepted_row,
    real_trajectories,
    segment_of,
    segment_row,
)
from tests.support.catalogue import assert_export_catalogued

# Exports here skip the dataset card (a few Spark jobs each); test_dataset_card.py covers cards.
N_ROWS = 23
SHARD_ROWS = 7


@pytest.fixture(scope="module")
def lake(spark, shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Lake:
    root = tmp_path_factory.mktemp("export")
    qwen3 = str(shared_data / "chat_templates" / "qwen3.jinja")
    lake = Lake(spark, root / "lake", export={"shard_rows": SHARD_ROWS, "chat_template": qwen3})
    trajectories = real_trajectories(shared_data)[:N_ROWS]
    # Inserted in reverse so the table's file order is not the export order.
    rows = [
        accepted_row(f"t{i:03d}", t, minutes=i, run_id="run-a")
        for i, t in reversed(list(enumerate(trajectories)))
    ]
    lake.accept(rows)
    lake.accept([
        accepted_row("t004", trajectories[4], minutes=100, status=NEAR_DUPLICATE, run_id="run-m", detail="t001"),
        accepted_row("t007", trajectories[7], minutes=100, status=CONTAMINATED, run_id="run-m", detail="bfcl:7"),
    ])  # fmt: skip
    text = "How to book a table: open the app, pick a time, confirm. " * 5
    lake.segments([segment_row(segment_of(f"t{i:03d}"), text) for i in range(N_ROWS) if i != 9])
    return lake


def _exportable(lake: Lake, shared_data: Path) -> dict[str, object]:
    trajectories = real_trajectories(shared_data)[:N_ROWS]
    return {f"t{i:03d}": t for i, t in enumerate(trajectories) if i not in (4, 7)}


def _lines(folder: Path) -> list[str]:
    return [
        line
        for part in sorted((folder / "data").glob("part-*.jsonl"))
        for line in part.read_text().splitlines()
    ]


def test_openai_export_is_ordered_sharded_and_described(
    lake: Lake, shared_data: Path, tmp_path: Path
) -> None:
    manifest = run_export(lake.config, "openai", str(tmp_path / "openai"), spark=lake.spark, card=False)

    expected = _exportable(lake, shared_data)
    lines = _lines(tmp_path / "openai")
    assert lines == [json.dumps(to_openai(expected[key]), ensure_ascii=False) for key in sorted(expected)]
    assert sum(file["rows"] for file in manifest.files) == manifest.n_exported == len(expected)
    assert [file["rows"] for file in manifest.files] == [
        SHARD_ROWS,
        SHARD_ROWS,
        len(expected) - 2 * SHARD_ROWS,
    ]
    written = json.loads((tmp_path / "openai" / "manifest.json").read_text())
    assert written["accepted_by_status"] == {"contaminated": 1, "near_duplicate": 1, "ok": N_ROWS - 2}
    assert written["fingerprints"] == {FINGERPRINT: len(expected)}
    assert written["snapshots"] == {"2026-01": len(expected) - 1, "None": 1}
    assert written["runs"] == {"run-a": len(expected)}
    assert written["config_fingerprint"] == lake.config.fingerprint()
    assert written["n_skipped"] == 0 and written["format"] == "openai"


def test_export_is_deterministic(lake: Lake, tmp_path: Path) -> None:
    first = run_export(lake.config, "sharegpt", str(tmp_path / "one"), spark=lake.spark, card=False)
    second = run_export(lake.config, "sharegpt", str(tmp_path / "two"), spark=lake.spark, card=False)
    assert [f["sha256"] for f in first.files] == [f["sha256"] for f in second.files]


def test_sharegpt_export_writes_dataset_info_for_its_data_folder(
    lake: Lake, shared_data: Path, tmp_path: Path
) -> None:
    out = tmp_path / "sharegpt"
    manifest = run_export(lake.config, "sharegpt", str(out), spark=lake.spark, card=False)
    info = json.loads((out / "dataset_info.json").read_text())
    assert_export_catalogued(out)
    assert info["gem_sharegpt"]["file_name"] == "data"
    assert sorted(p.suffix for p in (out / "data").iterdir()) == [".jsonl"] * len(manifest.files)
    expected = _exportable(lake, shared_data)
    assert _lines(out) == [
        json.dumps(to_sharegpt(expected[k]).record, ensure_ascii=False) for k in sorted(expected)
    ]


def test_synthesizer_export_skips_what_it_cannot_pair(lake: Lake, shared_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "synthesizer"
    manifest = run_export(lake.config, "synthesizer", str(out), spark=lake.spark, card=False)
    # glaive answers with ``` fences, which the synthesize parser strips: those cannot be exact targets.
    expected = _exportable(lake, shared_data)
    unparseable = sorted(k for k, t in expected.items() if k != "t009" and synthesizer_target(t) is None)
    assert unparseable
    assert manifest.skipped == {SEGMENT_MISSING: 1, ROUNDTRIP_MISMATCH: len(unparseable)}
    assert_export_catalogued(out)
    skipped = [json.loads(line) for line in (out / "skipped.jsonl").read_text().splitlines()]
    assert skipped == sorted(
        [{"trajectory_id": "t009", "reason": SEGMENT_MISSING}]
        + [{"trajectory_id": key, "reason": ROUNDTRIP_MISMATCH} for key in unparseable],
        key=lambda row: row["trajectory_id"],
    )
    pairs = [json.loads(line) for line in _lines(out)]
    assert len(pairs) == manifest.n_exported == len(expected) - 1 - len(unparseable)
    assert all(pair["conversations"][1]["value"].startswith("<toolsets>") for pair in pairs)
    assert "gem_synthesizer" in json.loads((out / "dataset_info.json").read_text())


def test_parquet_export_holds_the_accepted_rows_as_is(lake: Lake, tmp_path: Path) -> None:
    manifest = run_export(lake.config, "parquet", str(tmp_path / "parquet"), spark=lake.spark, card=False)
    parts = sorted((tmp_path / "parquet" / "data").glob("part-*.parquet"))
    table = pq.read_table(parts[0]).to_pylist() + [
        row for part in parts[1:] for row in pq.read_table(part).to_pylist()
    ]
    assert [row["trajectory_id"] for row in table] == sorted(row["trajectory_id"] for row in table)
    assert len(table) == manifest.n_exported == N_ROWS - 2
    assert {row["status"] for row in table} == {"ok"}
    assert set(table[0]) == set(lake.store.read("accepted").columns)


def test_empty_lake_and_unknown_format(spark, tmp_path: Path) -> None:
    empty = Lake(spark, tmp_path / "empty")
    manifest = run_export(empty.config, "openai", str(tmp_path / "out"), spark=spark)
    assert (manifest.n_exported, manifest.files, manifest.accepted_by_status) == (0, [], {})
    assert "size_categories:\n- n<1K" in (tmp_path / "out" / "README.md").read_text()  # a card even when empty
    with pytest.raises(ExportError, match="unknown export format"):
        run_export(empty.config, "csv", str(tmp_path / "out"), spark=spark)
