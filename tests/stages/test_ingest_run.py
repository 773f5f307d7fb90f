"""Ingest end to end through the CLI entry on the real shared corpus, plus reruns and a crash."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from chispa import assert_df_equality
from deltalake import DeltaTable

from gem_spark.cli import main
from gem_spark.config import IngestConfig, load_config
from gem_spark.stages.ingest import run as run_module
from gem_spark.stages.ingest.documents import segment_record
from gem_spark.stages.ingest.quarantine import Rejection
from gem_spark.stages.ingest.shapes import RawRecord
from gem_spark.text.procedural_score import score_text
from tests.support.ingest_fixtures import docs, write_jsonl

pytestmark = pytest.mark.spark

REPO = Path(__file__).resolve().parents[2]
CONFIG_FILE = str(REPO / "conf" / "local.yaml")
N_NEW = 60


def table(root: Path, name: str) -> pa.Table:
    return DeltaTable(str(root / name)).to_pyarrow_table()


def latest_runs(root: Path) -> list[dict[str, object]]:
    """Latest row per run, oldest run first."""
    rows = sorted(table(root, "runs").to_pylist(), key=lambda row: (row["run_id"], row["created_at"]))
    return list({row["run_id"]: row for row in rows}.values())


def stage(run: dict[str, object], name: str) -> dict[str, object]:
    return next(counts for counts in run["stages"] if counts["stage"] == name)  # type: ignore[union-attr]


def expected_outcome(records: list[dict[str, object]]) -> tuple[set[str], set[str]]:
    """Segment ids and quarantined doc ids, computed record by record without Spark."""
    config = IngestConfig()
    segment_ids, quarantined = set(), set()
    for index, record in enumerate(records):
        raw = RawRecord(index, f"row:{index}", record["text"], record["id"], record["url"], None)
        result = segment_record(raw, config)
        if isinstance(result, Rejection):
            quarantined.add(record["id"])
        else:
            segment_ids.update(row.segment_id for row in result)
    return segment_ids, quarantined


def second_snapshot(corpus: pa.Table, folder: Path) -> tuple[Path, list[dict[str, object]]]:
    """The corpus plus 60 new documents (10%): new ids, and text no first-snapshot segment contains."""
    originals = [row for row in corpus.to_pylist() if len(row["text"]) > 400][:N_NEW]
    new = [
        {**row, "id": f"s2-{n}", "text": row["text"].replace("\n", f" [s2 {n}]\n") + f" [s2 {n}]"}
        for n, row in enumerate(originals)
    ]
    path = folder / "web_sample_s2.parquet"
    pq.write_table(pa.concat_tables([corpus, pa.Table.from_pylist(new, schema=corpus.schema)]), path)
    return path, new


@dataclass
class Lake:
    root: Path
    corpus: pa.Table
    new_docs: list[dict[str, object]]
    counts: dict[str, dict[str, int]]  # after step → table → rows


@pytest.fixture(scope="module")
def lake(spark, shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Lake:
    root = tmp_path_factory.mktemp("lake")
    source = shared_data / "corpus" / "web_sample.parquet"
    corpus = pq.read_table(source)
    s2_path, new_docs = second_snapshot(corpus, tmp_path_factory.mktemp("s2"))
    counts = {}
    for step, path, snapshot in [("s1", source, "s1"), ("rerun", source, "s1"), ("s2", s2_path, "s2")]:
        args = ["ingest", "--config", CONFIG_FILE, "--set", f"tables.root={root}", "--input", str(path)]
        assert main([*args, "--snapshot", snapshot]) == 0
        counts[step] = {name: table(root, name).num_rows for name in ("segments", "quarantine", "prefilter")}
    return Lake(root, corpus, new_docs, counts)


def test_first_snapshot_accounts_for_all_603_documents(lake: Lake) -> None:
    first = latest_runs(lake.root)[0]
    assert (first["status"], first["snapshot"], first["command"]) == ("finished", "s1", "ingest")
    ingest = stage(first, "ingest")
    assert ingest["n_in"] == lake.corpus.num_rows == 603
    assert ingest["n_ok"] + ingest["n_rejected"] + ingest["n_error"] == 603
    segment_ids, quarantined = expected_outcome(lake.corpus.to_pylist())
    assert ingest["n_ok"] == 603 - len(quarantined)
    s1_segments = table(lake.root, "segments").filter(pc.field("snapshot") == "s1")
    assert set(s1_segments.column("segment_id").to_pylist()) == segment_ids
    assert s1_segments.num_rows == len(segment_ids) == stage(first, "dedup")["n_ok"]
    s1_quarantine = table(lake.root, "quarantine").filter(pc.field("snapshot") == "s1")
    assert sorted(s1_quarantine.column("doc_id").to_pylist()) == sorted(quarantined)


def test_identical_rerun_adds_no_rows(lake: Lake) -> None:
    assert lake.counts["rerun"] == lake.counts["s1"]
    rerun = latest_runs(lake.root)[1]
    assert rerun["status"] == "finished"
    assert stage(rerun, "ingest")["n_in"] == 603
    assert (stage(rerun, "dedup")["n_ok"], stage(rerun, "prefilter")["n_in"]) == (0, 0)


def test_second_snapshot_adds_exactly_the_new_documents(spark, lake: Lake) -> None:
    new_doc_segments, quarantined = expected_outcome(lake.new_docs)
    assert not quarantined
    s2 = latest_runs(lake.root)[2]
    assert stage(s2, "ingest")["n_in"] == 603 + N_NEW
    segments = spark.read.parquet(*DeltaTable(str(lake.root / "segments")).file_uris())
    s1_ids = {row["segment_id"] for row in segments.filter("snapshot = 's1'").select("segment_id").collect()}
    # Exact dedup: the new documents' segments, less any a first-snapshot document already had.
    expected = spark.createDataFrame([(i,) for i in sorted(new_doc_segments - s1_ids)], "segment_id string")
    added = segments.filter("snapshot = 's2'")
    assert_df_equality(added.select("segment_id"), expected, ignore_row_order=True, ignore_nullable=True)
    assert {row["doc_id"] for row in added.select("doc_id").distinct().collect()} <= {
        d["id"] for d in lake.new_docs
    }
    assert lake.counts["s2"]["segments"] == lake.counts["s1"]["segments"] + expected.count()
    # The bad records of the corpus are quarantined again under the new file (key: file + record).
    assert lake.counts["s2"]["quarantine"] == 2 * lake.counts["s1"]["quarantine"]


def test_every_segment_is_prefiltered_once(lake: Lake) -> None:
    prefilter = table(lake.root, "prefilter")
    ids = prefilter.column("segment_id").to_pylist()
    assert len(ids) == len(set(ids)) == lake.counts["s2"]["segments"]
    assert set(prefilter.column("status").to_pylist()) == {"ok", "rejected"}
    rejected = prefilter.filter(pc.field("status") == "rejected")
    assert set(rejected.column("reason").to_pylist()) == {"prefilter_low_score"}


def test_scores_from_the_segmenting_pass_are_the_scorers(lake: Lake) -> None:
    # Ingest scores segments while segmenting them; the stored rows must be exactly what score_text says.
    segments = table(lake.root, "segments").to_pydict()
    texts = dict(zip(segments["segment_id"], segments["text"], strict=True))
    threshold = load_config(CONFIG_FILE).prefilter.threshold
    for row in table(lake.root, "prefilter").to_pylist():
        expected = score_text(texts[row["segment_id"]])
        assert (row["score"], tuple(row["signals"])) == (expected.score, expected.signals)
        assert row["status"] == ("ok" if expected.score >= threshold else "rejected")


def test_a_crash_before_the_prefilter_commit_is_recovered_by_the_next_run(
    spark, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = write_jsonl(tmp_path / "docs.jsonl", docs(8))
    root = tmp_path / "lake"
    args = ["ingest", "--config", CONFIG_FILE, "--set", f"tables.root={root}", "--input", str(corpus)]
    real: Callable[..., object] = run_module.append_verdicts

    def crash(*args: object, **kwargs: object) -> object:
        msg = "injected crash before the prefilter commit"
        raise RuntimeError(msg)

    # Fault injection: the run dies after the segments commit, before the prefilter commit.
    monkeypatch.setattr(run_module, "append_verdicts", crash)
    assert main([*args, "--snapshot", "s1"]) == 1
    failed = latest_runs(root)[0]
    assert (failed["status"], failed["reason"]) == ("failed", "RuntimeError")
    assert table(root, "segments").num_rows == 8
    assert table(root, "prefilter").num_rows == 0

    monkeypatch.setattr(run_module, "append_verdicts", real)
    assert main([*args, "--snapshot", "s1"]) == 0
    assert table(root, "segments").num_rows == 8
    # The recovering run adds no segment and scores the 8 the crashed run left unscored.
    recovered = latest_runs(root)[1]
    assert (stage(recovered, "dedup")["n_ok"], stage(recovered, "prefilter")["n_in"]) == (0, 8)
    assert sorted(table(root, "prefilter").column("segment_id").to_pylist()) == sorted(
        table(root, "segments").column("segment_id").to_pylist()
    )
    # A new threshold is a new prefilter fingerprint: every segment is scored again, once.
    assert main([*args, "--snapshot", "s1", "--set", "prefilter.threshold=0.9"]) == 0
    prefilter = table(root, "prefilter")
    assert prefilter.num_rows == 16
    assert len(set(prefilter.column("fingerprint").to_pylist())) == 2
