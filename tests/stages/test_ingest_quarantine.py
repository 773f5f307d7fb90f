"""Bad-input catalogue: one test per quarantine reason code, then all of them through Spark at once."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard

from gem_spark.config import IngestConfig
from gem_spark.stages.ingest import quarantine as codes
from gem_spark.stages.ingest import segmenting_pass
from gem_spark.stages.ingest.input_files import expand_inputs
from gem_spark.stages.ingest.readers import plan_units
from gem_spark.stages.ingest.segmenting_pass import ingest_units
from tests.support.ingest_fixtures import docs, jsonl_bytes, procedure, write_jsonl, write_parquet

CONFIG = IngestConfig(max_document_chars=1000, raw_preview_chars=40)


def rows_of(path: Path, fmt: str = "auto") -> list[dict[str, object]]:
    units = [
        unit for f in expand_inputs([str(path)], fmt) for unit in plan_units(f.path, f.fmt, f.compression)
    ]
    return [row for batch in ingest_units(units, CONFIG) for row in batch.to_pylist()]


def quarantined(path: Path, fmt: str = "auto") -> list[dict[str, object]]:
    rows = rows_of(path, fmt)
    documents_in = sum(row["n_records"] for row in rows if row["kind"] == "unit")
    segmented = sum(1 for row in rows if row["kind"] == "segment" and row["position"] == 0)
    bad = [row for row in rows if row["kind"] == "quarantine"]
    assert documents_in == segmented + len(bad)  # nothing vanishes
    return bad


def only_reason(path: Path, reason: str, fmt: str = "auto") -> dict[str, object]:
    bad = quarantined(path, fmt)
    assert [row["reason"] for row in bad] == [reason]
    assert bad[0]["source"] == str(path)
    assert len(bad[0]["raw_preview"]) <= CONFIG.raw_preview_chars
    return bad[0]


def test_missing_text(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "x.jsonl", [{"id": "no-text", "url": "u"}, *docs(1)])
    row = only_reason(path, codes.MISSING_TEXT)
    assert (row["doc_id"], row["record_ref"]) == ("no-text", "line:1")


def test_null_text_is_missing_text(tmp_path: Path) -> None:
    path = write_parquet(tmp_path / "x.parquet", [{"id": "a", "text": None}, *docs(1)])
    assert only_reason(path, codes.MISSING_TEXT)["record_ref"] == "row:0"


def test_non_string_text(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "x.jsonl", [{"id": "n", "text": {"body": 42}}, *docs(1)])
    assert only_reason(path, codes.NON_STRING_TEXT)["raw_preview"] == '{"body": 42}'


def test_undecodable_bytes_in_a_json_line(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(b'{"id": "latin1", "text": "caf\xe9 au lait"}\n' + jsonl_bytes(docs(1)))
    row = only_reason(path, codes.UNDECODABLE_BYTES)
    assert row["raw_preview"].startswith('{"id": "latin1", "text": "caf\\xe9')


def test_undecodable_bytes_in_a_text_file(tmp_path: Path) -> None:
    path = tmp_path / "page.txt"
    path.write_bytes(procedure(1).encode("utf-16"))
    only_reason(path, codes.UNDECODABLE_BYTES)


def test_undecodable_bytes_in_a_parquet_binary_column(tmp_path: Path) -> None:
    table = pa.table({"id": ["b"], "text": pa.array([b"\xff\xfe" + procedure(1).encode()], pa.binary())})
    pq.write_table(table, tmp_path / "x.parquet")
    only_reason(tmp_path / "x.parquet", codes.UNDECODABLE_BYTES)


def test_empty_text(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "x.jsonl", [{"id": "e", "text": " \n\t\u200b\x00 "}])
    only_reason(path, codes.EMPTY_TEXT)


def test_document_too_large(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "x.jsonl", [{"id": "big", "text": procedure(1) * 20}])
    row = only_reason(path, codes.DOCUMENT_TOO_LARGE)
    assert row["raw_preview"] == procedure(1)[: CONFIG.raw_preview_chars]


def test_document_too_large_as_an_overlong_line_is_not_read_whole(tmp_path: Path) -> None:
    # A line longer than any allowed document is skipped in chunks; the next line still reads.
    path = tmp_path / "x.jsonl"
    path.write_bytes(b'{"text": "' + b"a" * 200_000 + b'"}\n' + jsonl_bytes(docs(1)))
    only_reason(path, codes.DOCUMENT_TOO_LARGE)


def test_html_only(tmp_path: Path) -> None:
    markup = '<div class="nav"><ul><li><a href="/a"></a></li></ul></div><script>var x = 1;</script>' * 5
    path = write_jsonl(tmp_path / "x.jsonl", [{"id": "h", "text": markup}])
    only_reason(path, codes.HTML_ONLY)


def test_too_short(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "x.jsonl", [{"id": "s", "text": "Click Save."}])
    assert only_reason(path, codes.TOO_SHORT)["raw_preview"] == "Click Save."


def test_malformed_json_line(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(b'{"id": "cut", "text": "unterminated\n' + b"[1, 2]\n" + jsonl_bytes(docs(1)))
    bad = quarantined(path)
    assert [(row["reason"], row["record_ref"]) for row in bad] == [
        (codes.MALFORMED_RECORD, "line:1"),
        (codes.MALFORMED_RECORD, "line:2"),
    ]


def test_malformed_csv_row(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text(f'id,text\nok,"{procedure(1)}"\nbad,two,extra\n', encoding="utf-8")
    row = only_reason(path, codes.MALFORMED_RECORD)
    assert (row["record_ref"], row["raw_preview"]) == ("bad_row:1", "bad,two,extra")


def test_processing_error_keeps_the_task_alive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Fault injection (a fake bug): the segmenter raises for one record; the others still segment.
    real = segmenting_pass.segment_record

    def flaky(record: object, config: IngestConfig) -> object:
        if getattr(record, "doc_id", None) == "doc-1":
            msg = "injected failure"
            raise RuntimeError(msg)
        return real(record, config)

    monkeypatch.setattr(segmenting_pass, "segment_record", flaky)
    path = write_jsonl(tmp_path / "x.jsonl", docs(3))
    row = only_reason(path, codes.PROCESSING_ERROR)
    assert (row["doc_id"], row["detail"]) == ("doc-1", "RuntimeError: injected failure")


def test_a_scorer_failure_is_a_processing_error_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Fault injection (a fake bug): the prefilter scorer, which runs in the same pass, raises for one text.
    real = segmenting_pass.score_text

    def flaky(text: str) -> object:
        if "room 1\n" in text:
            msg = "injected scorer failure"
            raise RuntimeError(msg)
        return real(text)

    monkeypatch.setattr(segmenting_pass, "score_text", flaky)
    path = write_jsonl(tmp_path / "x.jsonl", docs(3))
    row = only_reason(path, codes.PROCESSING_ERROR)
    assert (row["doc_id"], row["detail"]) == ("doc-1", "RuntimeError: injected scorer failure")


def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"PAR1 this is not a parquet file")
    row = only_reason(path, codes.UNREADABLE_FILE)
    assert row["record_ref"] == "part:0"
    assert row["detail"].startswith("ArrowInvalid")


@pytest.mark.parametrize("suffix", [".gz", ".zst"])
def test_corrupt_compressed_file_keeps_records_before_the_damage(tmp_path: Path, suffix: str) -> None:
    # Random hex: incompressible, so the file has many zstd blocks / deflate chunks before the cut.
    data = jsonl_bytes(
        [{"id": f"r{n}", "text": procedure(n) + " " + os.urandom(300).hex()} for n in range(300)]
    )
    packed = gzip.compress(data) if suffix == ".gz" else zstandard.ZstdCompressor().compress(data)
    path = tmp_path / f"cut.jsonl{suffix}"
    path.write_bytes(packed[: len(packed) * 2 // 3])
    rows = rows_of(path)
    bad = [row for row in rows if row["kind"] == "quarantine" and row["record_index"] == -1]
    assert [row["reason"] for row in bad] == [codes.CORRUPT_COMPRESSED_FILE]
    assert bad[0]["record_ref"].startswith("part:0:after:")
    assert 0 < sum(1 for row in rows if row["kind"] == "segment" and row["position"] == 0) < 300
    quarantined(path)  # and the counts still add up


def test_garbage_compressed_file(tmp_path: Path) -> None:
    path = tmp_path / "junk.jsonl.gz"
    path.write_bytes(b"this was never gzip")
    assert only_reason(path, codes.CORRUPT_COMPRESSED_FILE)["record_ref"] == "part:0"


def test_missing_text_column(tmp_path: Path) -> None:
    path = write_parquet(tmp_path / "x.parquet", [{"id": "a", "body": procedure(1)}])
    assert "no column 'text'" in only_reason(path, codes.MISSING_TEXT_COLUMN)["detail"]
    csv = tmp_path / "x.csv"
    csv.write_text("id,body\na,b\n", encoding="utf-8")
    only_reason(csv, codes.MISSING_TEXT_COLUMN)


@pytest.mark.parametrize("suffix", [".gz", ".zst"])
def test_zero_byte_and_header_less_compressed_files(tmp_path: Path, suffix: str) -> None:
    empty = tmp_path / f"failed_write.jsonl{suffix}"
    empty.write_bytes(b"")
    assert "empty (zero bytes)" in only_reason(empty, codes.CORRUPT_COMPRESSED_FILE)["detail"]
    packed = gzip.compress(jsonl_bytes(docs(2))) if suffix == ".gz" else zstandard.compress(jsonl_bytes(docs(2)))
    cut = tmp_path / f"header_only.jsonl{suffix}"
    cut.write_bytes(packed[:4])
    only_reason(cut, codes.CORRUPT_COMPRESSED_FILE)


def test_text_under_another_key_is_one_file_level_row_naming_the_fields(tmp_path: Path) -> None:
    rows = [{"id": d["id"], "content": d["text"], "url": d["url"]} for d in docs(70)]
    path = write_jsonl(tmp_path / "ultra.jsonl", [rows[0], {"id": "t", "text": procedure(9)}, *rows[1:]])
    row = only_reason(path, codes.MISSING_TEXT_COLUMN)
    assert row["detail"] == ("MissingTextColumnError: no 'text' field in 63 of the first 64 records (fields found: content, id, url); "
                             "set ingest.columns.text to the field that holds the text")  # fmt: skip


def test_text_column_wrong_type(tmp_path: Path) -> None:
    path = write_parquet(tmp_path / "x.parquet", [{"id": "a", "text": 1}, {"id": "b", "text": 2}])
    detail = only_reason(path, codes.TEXT_COLUMN_WRONG_TYPE)["detail"]
    assert "column 'text' is int64, not a string (columns: id: string, text: int64)" in detail
    jsonl = write_jsonl(tmp_path / "x.jsonl", [{"text": {"body": procedure(n)}} for n in range(3)])
    assert "'text' is dict, not a string, in 3 of the first 3" in only_reason(jsonl, codes.TEXT_COLUMN_WRONG_TYPE)["detail"]


@pytest.mark.parametrize("name", ["bom.jsonl", "bom.txt", "bom.csv"])
def test_a_leading_byte_order_mark_loses_nothing(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    if name.endswith(".jsonl"):
        data = jsonl_bytes(docs(2))
    elif name.endswith(".txt"):
        data = procedure(1).encode()
    else:
        data = ('id,text\n"doc-0","' + procedure(0) + '"\n').encode()
    path.write_bytes(b"\xef\xbb\xbf" + data)
    rows = rows_of(path)
    segments = [row for row in rows if row["kind"] == "segment"]
    assert [row for row in rows if row["kind"] == "quarantine"] == []
    assert segments and not any(row["text"].startswith("\ufeff") for row in segments)
    assert {row["doc_id"] for row in segments} != {None} or name.endswith(".txt")


def test_unsupported_format(tmp_path: Path) -> None:
    path = tmp_path / "notes.docx"
    path.write_bytes(b"PK\x03\x04")
    only_reason(path, codes.UNSUPPORTED_FORMAT)


@pytest.mark.spark
def test_duplicate_ids_keep_the_first_document_and_quarantine_the_rest(spark, tmp_path: Path) -> None:
    from deltalake import DeltaTable

    from gem_spark.config import GemConfig
    from gem_spark.stages.ingest import run_ingest

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    first = [{"id": "x", "text": procedure(1)}, {"id": "y", "text": procedure(2)}]
    write_jsonl(corpus / "a.jsonl", first)
    # b.jsonl reuses x with new text and y as a byte-identical copy; z is new.
    write_jsonl(
        corpus / "b.jsonl", [{"id": "x", "text": procedure(3)}, first[1], {"id": "z", "text": procedure(4)}]
    )
    config = GemConfig.model_validate(
        {"tables": {"root": str(tmp_path / "lake")}, "ingest": CONFIG.model_dump()}
    )

    summary = run_ingest(config, [str(corpus)], "s1", spark=spark)

    assert (summary.documents_in, summary.documents_segmented, summary.documents_quarantined) == (5, 3, 2)
    lake = tmp_path / "lake"
    quarantine = DeltaTable(str(lake / "quarantine")).to_pyarrow_table().to_pylist()
    assert sorted((row["doc_id"], row["record_ref"], row["reason"]) for row in quarantine) == [
        ("x", "line:1", codes.DUPLICATE_ID),
        ("y", "line:2", codes.DUPLICATE_ID),
    ]
    assert all(row["detail"].endswith(f"{corpus / 'a.jsonl'} line:{n}") for n, row in enumerate(
        sorted(quarantine, key=lambda row: row["doc_id"]), start=1))  # fmt: skip
    segments = DeltaTable(str(lake / "segments")).to_pyarrow_table().to_pylist()
    assert {(Path(row["source"]).name, row["doc_id"]) for row in segments} == {
        ("a.jsonl", "x"),
        ("a.jsonl", "y"),
        ("b.jsonl", "z"),
    }


CATALOGUE = {
    codes.MISSING_TEXT: test_missing_text,
    codes.NON_STRING_TEXT: test_non_string_text,
    codes.UNDECODABLE_BYTES: test_undecodable_bytes_in_a_json_line,
    codes.EMPTY_TEXT: test_empty_text,
    codes.DOCUMENT_TOO_LARGE: test_document_too_large,
    codes.HTML_ONLY: test_html_only,
    codes.TOO_SHORT: test_too_short,
    codes.MALFORMED_RECORD: test_malformed_json_line,
    codes.PROCESSING_ERROR: test_processing_error_keeps_the_task_alive,
    codes.DUPLICATE_ID: test_duplicate_ids_keep_the_first_document_and_quarantine_the_rest,
    codes.UNREADABLE_FILE: test_unreadable_file,
    codes.CORRUPT_COMPRESSED_FILE: test_garbage_compressed_file,
    codes.MISSING_TEXT_COLUMN: test_missing_text_column,
    codes.TEXT_COLUMN_WRONG_TYPE: test_text_column_wrong_type,
    codes.UNSUPPORTED_FORMAT: test_unsupported_format,
}


def test_the_catalogue_covers_every_reason_code() -> None:
    assert set(CATALOGUE) == codes.ALL_REASONS


@pytest.mark.spark
def test_bad_inputs_through_spark_land_in_the_quarantine_table(spark, tmp_path: Path) -> None:
    from deltalake import DeltaTable

    from gem_spark.config import GemConfig
    from gem_spark.stages.ingest import run_ingest

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_jsonl(corpus / "good.jsonl.zst", docs(4))
    (corpus / "mixed.jsonl").write_bytes(
        jsonl_bytes([{"id": "s", "text": "Too short."}, {"id": "n", "text": 7}])
        + b"{oops\n"
        + b'{"text": "\xff"}\n'
    )
    (corpus / "broken.parquet").write_bytes(b"not parquet")
    (corpus / "notes.docx").write_bytes(b"PK")
    write_jsonl(corpus / "body.jsonl", [{"id": d["id"], "body": d["text"]} for d in docs(2)])
    config = GemConfig.model_validate(
        {"tables": {"root": str(tmp_path / "lake")}, "ingest": CONFIG.model_dump()}
    )
    summary = run_ingest(config, [str(corpus)], "s1", spark=spark)
    assert (summary.documents_in, summary.documents_segmented, summary.documents_quarantined) == (11, 4, 7)
    table = DeltaTable(str(tmp_path / "lake" / "quarantine")).to_pyarrow_table()
    assert sorted(table.column("reason").to_pylist()) == sorted(
        [codes.TOO_SHORT, codes.NON_STRING_TEXT, codes.MALFORMED_RECORD, codes.UNDECODABLE_BYTES,
         codes.UNREADABLE_FILE, codes.UNSUPPORTED_FORMAT, codes.MISSING_TEXT_COLUMN]
    )  # fmt: skip
    # The console names what a setting would fix (the CLI prints these lines).
    assert summary.hints == (f"{corpus / 'body.jsonl'}: MissingTextColumnError: no 'text' field in 2 of the first 2 records (fields found: "
                             "body, id); set ingest.columns.text to the field that holds the text",)  # fmt: skip
    assert set(table.column("snapshot").to_pylist()) == {"s1"}
    assert set(table.column("run_id").to_pylist()) == {summary.run_id}
    json.dumps(table.to_pylist(), default=str)  # every stored preview is valid text
