"""The hostile-input catalogue: one file per kind, and the quarantine reason(s) each must end with.

Every entry is (file name, kind, writer, expected reasons as a Counter of quarantine reason codes).
Files hold only the hostile content, so every quarantine row of a file is accounted for here.
"""

from __future__ import annotations

import gzip
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from tests.support.ingest_fixtures import jsonl_bytes, procedure

BIG_LINE_BYTES = 50 << 20


@dataclass(frozen=True)
class Hostile:
    name: str
    kind: str
    write: Callable[[Path], None]
    reasons: Counter


def _bytes(data: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(data)


def _records(*records: object) -> Callable[[Path], None]:
    return _bytes(jsonl_bytes(list(records)))  # type: ignore[arg-type]


def _parquet(table: pa.Table) -> Callable[[Path], None]:
    return lambda path: pq.write_table(table, path)


def _big_line(path: Path) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write('{"id": "huge", "text": "')
        chunk = "word " * 200_000
        for _ in range(BIG_LINE_BYTES // len(chunk)):
            out.write(chunk)
        out.write('"}\n')


# Good records that hostile files also hold and that must still be segmented: the CSV's well-formed
# row, and the records of the truncated .gz before the damage (a prefix gz-0, gz-1, ...).
SALVAGED_CSV_ID, SALVAGED_GZ_PREFIX = "c1", "gz-"


def _truncated_gzip(path: Path) -> None:
    data = gzip.compress(jsonl_bytes([_doc(f"gz-{n}", procedure(500 + n)) for n in range(40)]))
    path.write_bytes(data[: len(data) // 2])


def _doc(doc_id: str, text: object) -> dict[str, object]:
    return {"id": doc_id, "url": f"https://example.com/{doc_id}", "text": text}


HTML_PAGE = "<html><head><script>var a = 1;</script></head><body><div><span></span></div></body></html>" * 20

CATALOGUE: list[Hostile] = [
    Hostile(
        "binary.txt",
        "binary file (PNG bytes)",
        _bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40),
        Counter(undecodable_bytes=1),
    ),
    Hostile(
        "latin1.jsonl",
        "invalid UTF-8 inside a JSON line",
        _bytes(jsonl_bytes([_doc("l1", "caf@ " + procedure(1))]).replace(b"@", b"\xe9")),
        Counter(undecodable_bytes=1),
    ),
    Hostile("nul.txt", "a file of NUL bytes", _bytes(b"\x00" * 8192), Counter(empty_text=1)),
    Hostile("huge-line.jsonl", "one 50 MB line", _big_line, Counter(document_too_large=1)),
    Hostile("empty.txt", "empty file", _bytes(b""), Counter(empty_text=1)),
    Hostile(
        "wrong-schema.parquet",
        "Parquet without the text column",
        _parquet(pa.table({"id": ["a"], "body": [procedure(2)]})),
        Counter(missing_text_column=1),
    ),
    Hostile(
        "int-text.parquet",
        "Parquet whose text column is an integer",
        _parquet(pa.table({"id": ["a", "b"], "text": [1, 2]})),
        Counter(text_column_wrong_type=1),
    ),
    Hostile(
        "mixed-types.jsonl",
        "mixed types in the text field",
        _records(_doc("m1", 42), _doc("m2", ["a", "list"]), _doc("m3", {"an": "object"}), _doc("m4", True)),
        Counter(text_column_wrong_type=1),
    ),
    Hostile(
        "content-key.jsonl",
        "the text under another key in every record",
        _records(*({"id": f"k{n}", "content": procedure(310 + n)} for n in range(3))),
        Counter(missing_text_column=1),
    ),
    Hostile("failed-write.jsonl.gz", "zero-byte .gz", _bytes(b""), Counter(corrupt_compressed_file=1)),
    Hostile(
        "missing.jsonl",
        "text missing or null",
        _records({"id": "x1"}, _doc("x2", None)),
        Counter(missing_text=2),
    ),
    Hostile(
        "truncated.jsonl.gz",
        "corrupted .gz (cut in half)",
        _truncated_gzip,
        Counter(corrupt_compressed_file=1),
    ),
    Hostile(
        "garbage.jsonl.zst",
        "corrupted .zst (not zstd at all)",
        _bytes(b"this is not zstd" * 64),
        Counter(corrupt_compressed_file=1),
    ),
    Hostile("html.jsonl", "HTML-only page", _records(_doc("h1", HTML_PAGE)), Counter(html_only=1)),
    Hostile("short.jsonl", "shorter than a segment", _records(_doc("s1", "Click OK.")), Counter(too_short=1)),
    Hostile(
        "whitespace.jsonl", "whitespace-only text", _records(_doc("w1", " \n\t " * 50)), Counter(empty_text=1)
    ),
    Hostile(
        "broken.jsonl",
        "malformed JSON lines",
        _bytes(b'{"id": "b1", "text": "unterminated\n[1, 2\n'),
        Counter(malformed_record=2),
    ),
    Hostile(
        "not-a-record.jsonl",
        "JSON lines that are not objects",
        _bytes(b'"just a string"\n[1, 2, 3]\n'),
        Counter(malformed_record=2),
    ),
    Hostile(
        "fake.parquet",
        "a text file named .parquet",
        _bytes(b"PAR1 but not really" * 10),
        Counter(unreadable_file=1),
    ),
    Hostile(
        "model.bin",
        "a file of no known format",
        _bytes(b"\x7fELF" + b"\x00" * 64),
        Counter(unsupported_format=1),
    ),
    Hostile(
        "ragged.csv",
        "CSV with a ragged row",
        _bytes(f'id,text\nc1,"{procedure(3)}"\nc2,only,too,many,fields\n'.encode()),
        Counter(malformed_record=1),
    ),
    Hostile(
        # Sorts after good.jsonl, whose documents therefore keep the ids.
        "reused-ids.jsonl",
        "duplicate ids: a good document's id reused with new text, and a byte-identical copy",
        _records(_doc("good-0", procedure(100)), _doc("good-1", procedure(1))),
        Counter(duplicate_id=2),
    ),
]

# Good documents next to the hostile ones: they must still be segmented.
GOOD = [_doc(f"good-{n}", procedure(n)) for n in range(3)]

# Hostile characters inside otherwise good documents are removed by text normalisation, and the
# documents are segmented: NUL bytes, a lone surrogate escape, byte-order marks, C1 controls.
SANITISED = [
    _doc("nul-inside", procedure(200).replace(" ", "\x00 ", 5)),
    _doc("surrogate", "\ud800" + procedure(201)),
    _doc("bom-controls", "\ufeff" + procedure(202).replace("\n", "\x85\n", 2)),
]
HOSTILE_CHARACTERS = ("\x00", "\ud800", "\ufeff", "\x85")


def write_catalogue(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for hostile in CATALOGUE:
        hostile.write(folder / hostile.name)
    (folder / "good.jsonl").write_bytes(jsonl_bytes(GOOD))
    (folder / "sanitised.jsonl").write_bytes(jsonl_bytes(SANITISED))
    return folder
