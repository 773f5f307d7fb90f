"""Every export folder is a Hugging Face dataset: its README.md card loads with the real `datasets` library
(offline), giving the exported rows with the card's features, and its body carries the run's figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from gem_spark.cli import main
from gem_spark.export import run_export
from gem_spark.export.card import CARD, size_category
from tests.export.test_run import N_ROWS, SHARD_ROWS, _lines, lake  # noqa: F401  (module fixture)

datasets = pytest.importorskip("datasets", reason="the test extra installs datasets")

# Rows of the test lake: N_ROWS accepted, one near duplicate and one contaminated, never exported.
EXPORTED = N_ROWS - 2


@pytest.fixture(autouse=True)
def offline_hub(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No network and no shared cache: load_dataset must work from the folder alone."""
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(datasets.config, "HF_DATASETS_OFFLINE", True)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))


def _front_matter(folder: Path) -> dict:
    text = (folder / CARD).read_text()
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n", 2)[1])


def _config_file(lake, tmp_path: Path) -> str:  # noqa: ANN001
    path = tmp_path / "gem.yaml"
    path.write_text(yaml.safe_dump(lake.config.model_dump(mode="json", by_alias=True)))
    return str(path)


def _load(folder: Path, tmp_path: Path):
    return datasets.load_dataset(str(folder), split="train", cache_dir=str(tmp_path / "cache"))


@pytest.mark.parametrize("fmt", ["openai", "sharegpt", "synthesizer", "parquet"])
def test_each_export_loads_with_datasets(lake, tmp_path: Path, fmt: str) -> None:  # noqa: F811
    out = tmp_path / fmt
    manifest = run_export(lake.config, fmt, str(out), spark=lake.spark)
    matter = _front_matter(out)
    assert matter["configs"][0]["data_files"][0]["split"] == "train"
    assert matter["size_categories"] == ["n<1K"] and matter["task_categories"] == ["text-generation"]
    assert matter["license"] == "other"
    ds = _load(out, tmp_path)
    assert ds.num_rows == manifest.n_exported > 0
    assert [f["name"] for f in matter["dataset_info"]["features"]] == list(ds.features)
    if fmt == "parquet":
        assert ds.num_rows == EXPORTED and ds["trajectory_id"] == sorted(ds["trajectory_id"])
        return
    records = [json.loads(line) for line in _lines(out)]
    assert ds.num_rows == len(records)
    if fmt == "openai":
        # Tools keep each row's own JSON Schema (a `Json` feature), calls keep their JSON-string arguments.
        assert ds[0]["tools"] == records[0]["tools"]
        assert {json.dumps(row["tools"], sort_keys=True) for row in ds} == {
            json.dumps(r["tools"], sort_keys=True) for r in records
        }
        call = next(c for m in ds[0]["messages"] for c in (m["tool_calls"] or []))
        assert json.loads(call["function"]["arguments"]) is not None
    else:
        assert [row["conversations"] for row in ds] == [r["conversations"] for r in records]
        assert ds[0]["system"] == records[0]["system"]


def test_card_body_carries_the_runs_figures(lake, tmp_path: Path) -> None:  # noqa: F811
    out = tmp_path / "sharegpt"
    assert main(["export", "--config", _config_file(lake, tmp_path), "--format", "sharegpt", "--out", str(out)]) == 0
    body = (out / CARD).read_text().split("---\n", 2)[2]
    manifest = json.loads((out / "manifest.json").read_text())
    assert f"Config fingerprint `{manifest['config_fingerprint']}`" in body
    assert "| accepted | 23 | 21 | 0 | 0 | 2 |" in body  # the funnel, marks included
    assert "| paper: after refinement | – | 46.1 | 8.6 | 16.3 | 41 | 8 | 13 |" in body
    assert "overall (select of all segments)" in body and "LLaMA-Factory >= 0.9.4" in body
    assert f"| exported | {EXPORTED} |" in body
    assert "load_dataset(" in body


def test_no_card_leaves_the_folder_without_one(lake, tmp_path: Path) -> None:  # noqa: F811
    out = tmp_path / "openai"
    assert main(["export", "--config", _config_file(lake, tmp_path), "--format", "openai", "--out", str(out),
                 "--no-card"]) == 0  # fmt: skip
    assert not (out / CARD).exists() and (out / "manifest.json").exists()


def test_size_categories_follow_the_hub_buckets() -> None:
    assert [size_category(n) for n in (0, 999, 1000, 54_321, 2_000_000)] == [
        "n<1K", "n<1K", "1K<n<10K", "10K<n<100K", "1M<n<10M"
    ]
    assert SHARD_ROWS < EXPORTED  # the card's data_files glob spans several shards
