"""Readers on fixture files in every supported format (pure Python: no Spark session needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gem_spark.config import ColumnMapping, IngestConfig
from gem_spark.stages.ingest.input_files import IngestInputError, expand_inputs, split_inputs
from gem_spark.stages.ingest.readers import plan_units, read_unit
from gem_spark.stages.ingest.shapes import MISSING, RawRecord, Unit
from tests.support.ingest_fixtures import docs, write_csv, write_jsonl, write_parquet, write_texts

CONFIG = IngestConfig()


def records_of(path: Path, fmt: str, config: IngestConfig = CONFIG) -> list[RawRecord]:
    compression = {".gz": "gzip", ".zst": "zstd"}.get(path.suffix)
    records = [
        record for unit in plan_units(str(path), fmt, compression) for record in read_unit(unit, config)
    ]
    assert all(isinstance(record, RawRecord) for record in records)
    return records


def as_text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


@pytest.mark.parametrize("name", ["docs.jsonl", "docs.jsonl.gz", "docs.jsonl.zst"])
def test_jsonl_plain_and_compressed(tmp_path: Path, name: str) -> None:
    expected = docs(5)
    records = records_of(write_jsonl(tmp_path / name, expected), "jsonl")
    assert [(r.doc_id, r.url, r.dump, as_text(r.text)) for r in records] == [
        (d["id"], d["url"], d["dump"], d["text"]) for d in expected
    ]
    assert [r.ref for r in records] == [f"line:{n}" for n in range(1, 6)]


def test_parquet_is_split_by_row_group_and_keeps_record_positions(tmp_path: Path) -> None:
    path = write_parquet(tmp_path / "docs.parquet", docs(10), row_group_size=4)
    units = plan_units(str(path), "parquet", None)
    assert [unit.part for unit in units] == [0, 1, 2]
    records = [record for unit in units for record in read_unit(unit, CONFIG)]
    assert [r.doc_id for r in records] == [f"doc-{n}" for n in range(10)]
    assert [r.ref for r in records] == [f"row:{n}" for n in range(10)]


def test_csv_with_quoted_newlines(tmp_path: Path) -> None:
    expected = docs(3)
    records = records_of(write_csv(tmp_path / "docs.csv", expected), "csv")
    assert [as_text(r.text) for r in records] == [d["text"] for d in expected]
    assert [r.doc_id for r in records] == ["doc-0", "doc-1", "doc-2"]


def test_folder_of_text_files_one_document_per_file(tmp_path: Path) -> None:
    folder = write_texts(tmp_path / "pages", docs(3))
    files = expand_inputs([str(folder)], "auto")
    assert [Path(f.path).name for f in files] == ["doc-0.txt", "doc-1.txt", "doc-2.txt"]
    records = [r for f in files for unit in plan_units(f.path, f.fmt, None) for r in read_unit(unit, CONFIG)]
    assert [as_text(r.text) for r in records] == [d["text"] for d in docs(3)]
    assert {r.doc_id for r in records} == {None}  # no id in a text file: ingest derives one


def test_column_mapping_reads_other_names(tmp_path: Path) -> None:
    # Ultra-FineWeb style: the text lives in `content`, the id in `uid`.
    rows = [{"uid": d["id"], "content": d["text"], "link": d["url"]} for d in docs(3)]
    path = write_parquet(tmp_path / "ultra.parquet", rows)
    config = IngestConfig(columns=ColumnMapping(text="content", id="uid", url="link"))
    records = records_of(path, "parquet", config)
    assert [(r.doc_id, r.url, r.dump) for r in records] == [(d["id"], d["url"], None) for d in docs(3)]
    jsonl = write_jsonl(tmp_path / "ultra.jsonl", rows)
    assert [r.doc_id for r in records_of(jsonl, "jsonl", config)] == ["doc-0", "doc-1", "doc-2"]


def test_missing_text_field_is_reported_as_missing_not_null(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "x.jsonl", [{"id": "a"}, {"id": "b", "text": None}])
    assert [r.text for r in records_of(path, "jsonl")] == [MISSING, None]


def test_globs_commas_and_format_detection(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "a.jsonl", docs(1))
    write_jsonl(tmp_path / "b.jsonl.zst", docs(1))
    write_parquet(tmp_path / "c.parquet", docs(1))
    write_csv(tmp_path / "d.csv", docs(1))
    (tmp_path / "_SUCCESS").write_text("")
    files = expand_inputs([f"{tmp_path}/*.jsonl*,{tmp_path}/c.parquet", str(tmp_path / "d.csv")], "auto")
    assert [(Path(f.path).name, f.fmt, f.compression) for f in files] == [
        ("a.jsonl", "jsonl", None),
        ("b.jsonl.zst", "jsonl", "zstd"),
        ("c.parquet", "parquet", None),
        ("d.csv", "csv", None),
    ]
    # A folder lists its files once each, skipping bookkeeping files; an explicit format wins.
    assert [f.fmt for f in expand_inputs([str(tmp_path), str(tmp_path / "a.jsonl")], "text")] == ["text"] * 4


def test_file_uri_inputs(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "a.jsonl", docs(2))
    files = expand_inputs([f"file://{tmp_path}/*.jsonl"], "auto")
    assert [f.path for f in files] == [f"file://{tmp_path}/a.jsonl"]
    unit = Unit(files[0].path, "jsonl", None, 0)
    assert [r.doc_id for r in read_unit(unit, CONFIG)] == ["doc-0", "doc-1"]


def test_inputs_that_name_nothing_are_an_error(tmp_path: Path) -> None:
    with pytest.raises(IngestInputError, match="matches no file"):
        expand_inputs([str(tmp_path / "nothing-*.jsonl")], "auto")
    with pytest.raises(IngestInputError, match="unknown input format"):
        expand_inputs([str(tmp_path)], "xml")
    assert split_inputs(["a, b", "c,"]) == ["a", "b", "c"]
