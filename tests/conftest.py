"""Shared fixtures: one local Spark session per test session, paths to ../shared data."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.checkout import changed_files, snapshot
from tests.support.tiny_model import tiny_model_dir  # noqa: F401  (session fixture: tiny offline chat model)

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"

# Caches that vLLM / torch / HF would otherwise write under $HOME or /tmp go to one temp dir.
_CACHE_ROOT = Path(tempfile.mkdtemp(prefix="gem-spark-test-cache-"))
for _var, _sub in {
    "XDG_CACHE_HOME": "xdg",
    "VLLM_CACHE_ROOT": "vllm",
    "TORCHINDUCTOR_CACHE_DIR": "inductor",
    "HF_HOME": "hf",
}.items():
    os.environ.setdefault(_var, str(_CACHE_ROOT / _sub))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
# A stage whose payload breaks its declared contract fails the test instead of writing error rows.
os.environ.setdefault("GEM_STRICT_CONTRACTS", "1")


def pytest_configure(config: pytest.Config) -> None:
    # Hypothesis keeps its example database and its unicode-data cache in ./.hypothesis by default:
    # inside the checkout.
    from hypothesis import settings
    from hypothesis.configuration import set_hypothesis_home_dir
    from hypothesis.database import DirectoryBasedExampleDatabase

    set_hypothesis_home_dir(_CACHE_ROOT / "hypothesis-home")
    settings.register_profile("tmp-db", database=DirectoryBasedExampleDatabase(str(_CACHE_ROOT / "hypothesis")))
    settings.load_profile("tmp-db")


@pytest.fixture(autouse=True)
def _checkout_untouched() -> Iterator[None]:
    """Fail a test that creates, changes or deletes a file in the checkout (ignored files included): a
    test writing `./report` once overwrote the user's demo report."""
    before = snapshot(REPO)
    yield
    changed = changed_files(before, snapshot(REPO))
    if changed:
        pytest.fail(f"the test wrote into the checkout (tests write only under their temp dirs): {changed[:10]}")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.fail(f"../shared/data not found beside the checkout (looked at {SHARED_DATA})")
    return SHARED_DATA


@pytest.fixture(scope="session")
def spark() -> Iterator:
    """A session-scoped local[2] SparkSession (UI off, Arrow on, worker reuse on)."""
    from gem_spark.config import SparkConfig
    from gem_spark.session import get_spark

    session = get_spark(SparkConfig(master="local[2]", app_name="gem-spark-tests"))
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def demo_lake(spark, shared_data: Path, tmp_path_factory: pytest.TempPathFactory):
    """The demo's tables (both paths, marks), built once; tests that change tables copy them first."""
    from tests.support.demo_lake import build_demo_lake

    return build_demo_lake(spark, tmp_path_factory.mktemp("demo"), shared_data)
