"""One ingested copy of the example corpus per test session; each test works on its own copy of it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gem_spark.config import load_config
from gem_spark.pipeline import run_pipeline
from gem_spark.stages.ingest import run_ingest
from tests.support.reliability_lake import CORPUS, PIECES, SNAPSHOT, lake_state, write_config


@pytest.fixture(scope="session")
def ingested_lake(tmp_path_factory: pytest.TempPathFactory, spark) -> Path:
    """examples/corpus ingested as snapshot s1 (segments, quarantine, prefilter); never modified."""
    folder = tmp_path_factory.mktemp("ingested")
    root = folder / "lake"
    config = load_config(write_config(folder, root))
    run_ingest(config, [str(CORPUS)], SNAPSHOT, spark=spark)
    return root


@pytest.fixture
def lake(ingested_lake: Path, tmp_path: Path) -> Path:
    """A private copy of the ingested lakehouse (a folder of Delta tables)."""
    root = tmp_path / "lake"
    shutil.copytree(ingested_lake, root)
    return root


@pytest.fixture(scope="session")
def teacher_baseline(ingested_lake: Path, tmp_path_factory: pytest.TempPathFactory, spark) -> dict:
    """Table contents after one uninterrupted teacher run (small pieces, as the crash tests use)."""
    folder = tmp_path_factory.mktemp("baseline")
    root = folder / "lake"
    shutil.copytree(ingested_lake, root)
    config = load_config(write_config(folder, root, pipeline=PIECES))
    run_pipeline(config, "teacher", spark=spark)
    return lake_state(root)
