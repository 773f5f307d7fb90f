"""Per-format record readers that run on executors: one `Unit` in, `RawRecord`s / `BadRecord`s out.

A reader never decides whether a record is good text (documents.py does); it only reports what the
file holds. Problems with one record come out as `BadRecord`; problems with the whole file raise
(typed exceptions, mapped to reason codes by quarantine.reason_for_file_error). Memory stays bounded:
Parquet and CSV are read in batches, JSON Lines line by line with a cap on the line length.
"""

from __future__ import annotations

import gzip
import io
import itertools
import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import BinaryIO

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.fs as pafs
import pyarrow.parquet as pq
import zstandard

from gem_spark.config import IngestConfig
from gem_spark.stages.ingest.quarantine import (
    DOCUMENT_TOO_LARGE,
    MALFORMED_RECORD,
    UNDECODABLE_BYTES,
    MissingTextColumnError,
    TextColumnTypeError,
    UnsupportedFormatError,
)
from gem_spark.stages.ingest.shapes import MISSING, BadRecord, RawRecord, Unit

# How many UTF-8 bytes a character of a JSON-escaped document may take at most (`\uXXXX`).
_BYTES_PER_CHAR = 6
_METADATA_SLACK_BYTES = 1 << 16
_BATCH_ROWS = 1024
_BOM = b"\xef\xbb\xbf"
# JSON Lines: the text field is judged on this many first records; when most of them lack it (or hold
# no string), the whole file is one file-level row naming the fields found, not one row per record.
_SAMPLE_RECORDS = 64
_FIX = "set ingest.columns.text to the field that holds the text"
_TEXT_TYPES = (pa.types.is_string, pa.types.is_large_string, pa.types.is_string_view, pa.types.is_binary,
               pa.types.is_large_binary, pa.types.is_binary_view)  # fmt: skip


def plan_units(path: str, fmt: str, compression: str | None) -> list[Unit]:
    """Split a file into units: Parquet by row group (so one big shard feeds many tasks), others whole.

    A file whose footer cannot be read still yields one unit, so reading it later quarantines it.
    """
    if fmt == "parquet":
        try:
            with _open_random_access(path) as handle:
                groups = pq.ParquetFile(handle).metadata.num_row_groups
            return [Unit(path, fmt, compression, part) for part in range(groups)]
        except (OSError, pa.ArrowException):
            pass
    return [Unit(path, fmt, compression, 0)]


def read_unit(unit: Unit, config: IngestConfig) -> Iterator[RawRecord | BadRecord]:
    readers = {"parquet": _read_parquet, "jsonl": _read_jsonl, "csv": _read_csv, "text": _read_text}
    reader = readers.get(unit.fmt)
    if reader is None:
        msg = f"cannot tell the format of {unit.path}; pass --format or use a known extension"
        raise UnsupportedFormatError(msg)
    return reader(unit, config)


def _filesystem(path: str) -> tuple[pafs.FileSystem, str]:
    return pafs.FileSystem.from_uri(path) if "://" in path else (pafs.LocalFileSystem(), path)


def _open_random_access(path: str) -> pa.NativeFile:
    filesystem, inner = _filesystem(path)
    return filesystem.open_input_file(inner)


def open_stream(path: str, compression: str | None, stack: ExitStack) -> BinaryIO:
    """A buffered binary stream of the file's decompressed bytes, closed with `stack`."""
    filesystem, inner = _filesystem(path)
    # compression=None: pyarrow would otherwise decompress by extension and hide truncation errors.
    raw = stack.enter_context(filesystem.open_input_stream(inner, compression=None))
    if compression is not None:
        raw = stack.enter_context(io.BufferedReader(raw, buffer_size=1 << 16))
        if not raw.peek(1):
            # A failed upstream write: not an empty archive (that still has a header), a broken one.
            msg = f"{compression} file is empty (zero bytes)"
            raise EOFError(msg)
    if compression == "gzip":
        return stack.enter_context(gzip.GzipFile(fileobj=raw))
    if compression == "zstd":
        return stack.enter_context(io.BufferedReader(_ZstdReader(raw), buffer_size=1 << 16))
    return stack.enter_context(io.BufferedReader(raw, buffer_size=1 << 16))


class _ZstdReader(io.RawIOBase):
    """Decompresses all frames of a zstd stream and raises EOFError when it ends inside a frame.

    python-zstandard's stream_reader stops silently at a truncated frame, which would lose records.
    """

    def __init__(self, source: BinaryIO) -> None:
        self._source = source
        self._decompressor = zstandard.ZstdDecompressor()
        self._frame = self._decompressor.decompressobj()
        self._in_frame = False
        self._pending = b""
        self._offset = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while self._offset >= len(self._pending):
            chunk = self._source.read(1 << 16)
            if not chunk:
                if self._in_frame:
                    msg = "zstd stream ends inside a frame (truncated file)"
                    raise EOFError(msg)
                return 0
            self._pending, self._offset = self._decompress(chunk), 0
        size = min(len(buffer), len(self._pending) - self._offset)
        buffer[:size] = self._pending[self._offset : self._offset + size]
        self._offset += size
        return size

    def _decompress(self, data: bytes) -> bytes:
        out = []
        while data:
            self._in_frame = True
            out.append(self._frame.decompress(data))
            if not self._frame.eof:
                break
            data = self._frame.unused_data
            self._frame = self._decompressor.decompressobj()
            self._in_frame = False
        return b"".join(out)


def _text_or_none(value: object) -> str | None:
    """Metadata fields (id, url, dump) as strings, whatever type the file stored them as."""
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value if isinstance(value, str) else str(value)


def _wanted_columns(config: IngestConfig, available: list[str]) -> list[str]:
    mapping = config.columns
    return [
        name
        for name in dict.fromkeys((mapping.text, mapping.id, mapping.url, mapping.dump))
        if name in available
    ]


def _records_from_columns(
    columns: dict[str, list[object]], config: IngestConfig, first_index: int, ref_prefix: str
) -> Iterator[RawRecord]:
    mapping = config.columns
    texts = columns[mapping.text]
    blank = [None] * len(texts)
    ids, urls, dumps = (columns.get(name, blank) for name in (mapping.id, mapping.url, mapping.dump))
    for offset, text in enumerate(texts):
        index = first_index + offset
        yield RawRecord(
            index,
            f"{ref_prefix}:{index}",
            text,
            _text_or_none(ids[offset]),
            _text_or_none(urls[offset]),
            _text_or_none(dumps[offset]),
        )


def _as_python(column: pa.Array | pa.ChunkedArray) -> list[object]:
    # Strings come out as bytes: documents.py decodes them strictly, so bad UTF-8 is caught per record.
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        column = column.cast(pa.large_binary())
    elif pa.types.is_string_view(column.type):
        column = column.cast(pa.binary_view())
    return column.to_pylist()


def _read_parquet(unit: Unit, config: IngestConfig) -> Iterator[RawRecord | BadRecord]:
    with _open_random_access(unit.path) as handle:
        parquet = pq.ParquetFile(handle)
        names = parquet.schema_arrow.names
        if config.columns.text not in names:
            msg = f"no column {config.columns.text!r} (columns: {', '.join(names)}); {_FIX}"
            raise MissingTextColumnError(msg)
        text_type = parquet.schema_arrow.field(config.columns.text).type
        if not any(is_text(text_type) for is_text in _TEXT_TYPES):
            found = ", ".join(f"{field.name}: {field.type}" for field in parquet.schema_arrow)
            msg = f"column {config.columns.text!r} is {text_type}, not a string (columns: {found}); {_FIX}"
            raise TextColumnTypeError(msg)
        wanted = _wanted_columns(config, names)
        index = sum(parquet.metadata.row_group(group).num_rows for group in range(unit.part))
        for batch in parquet.iter_batches(batch_size=_BATCH_ROWS, row_groups=[unit.part], columns=wanted):
            columns = {name: _as_python(batch.column(name)) for name in wanted}
            yield from _records_from_columns(columns, config, index, "row")
            index += batch.num_rows


def _open_csv(
    unit: Unit, stack: ExitStack, on_bad_row: Callable[[pacsv.InvalidRow], str], **convert: object
) -> pacsv.CSVStreamingReader:
    return pacsv.open_csv(
        open_stream(unit.path, unit.compression, stack),
        read_options=pacsv.ReadOptions(block_size=1 << 22),
        parse_options=pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=on_bad_row),
        convert_options=pacsv.ConvertOptions(check_utf8=False, **convert),
    )


def _read_csv(unit: Unit, config: IngestConfig) -> Iterator[RawRecord | BadRecord]:
    with ExitStack() as stack:
        header = _open_csv(unit, stack, lambda row: "skip").schema.names
    if config.columns.text not in header:
        msg = f"no column {config.columns.text!r} (columns: {', '.join(header)}); {_FIX}"
        raise MissingTextColumnError(msg)
    wanted = _wanted_columns(config, header)
    bad_rows: list[BadRecord] = []
    numbers = itertools.count(1)

    def keep_bad_row(row: pacsv.InvalidRow) -> str:
        # pyarrow cannot number lines when values may hold newlines: number the bad rows instead.
        detail = f"expected {row.expected_columns} columns, found {row.actual_columns}"
        number = next(numbers)
        bad_rows.append(BadRecord(-number, f"bad_row:{number}", MALFORMED_RECORD, detail, row.text))
        return "skip"

    with ExitStack() as stack:
        # Every column we use as raw bytes: type inference and UTF-8 checks cannot fail the file.
        reader = _open_csv(
            unit, stack, keep_bad_row, include_columns=wanted, column_types=dict.fromkeys(wanted, pa.binary())
        )
        index = 0
        for batch in reader:
            yield from bad_rows
            bad_rows.clear()
            columns = {name: _as_python(batch.column(name)) for name in wanted}
            yield from _records_from_columns(columns, config, index, "row")
            index += batch.num_rows
        yield from bad_rows


def _read_jsonl(unit: Unit, config: IngestConfig) -> Iterator[RawRecord | BadRecord]:
    """Records of a JSON Lines file; the first `_SAMPLE_RECORDS` are held back until the text field
    is known to be there (see _check_text_field)."""
    records = _jsonl_records(unit, config)
    sample = list(itertools.islice(records, _SAMPLE_RECORDS))
    _check_text_field([item for item in sample if isinstance(item, RawRecord)], config.columns.text)
    yield from sample
    yield from records


def _type_name(value: object) -> str:
    return "null" if value is None else type(value).__name__


def _check_text_field(sample: list[RawRecord], field: str) -> None:
    """Raise a file-level error when most sampled records lack the text field or hold no string there."""
    if not sample:
        return
    missing = [item for item in sample if item.text is MISSING]
    if 2 * len(missing) > len(sample):
        found = sorted({key for item in missing for key in item.fields})
        msg = (f"no {field!r} field in {len(missing)} of the first {len(sample)} records "
               f"(fields found: {', '.join(found[:20]) or 'none'}); {_FIX}")  # fmt: skip
        raise MissingTextColumnError(msg)
    wrong = [item for item in sample if item.text is not MISSING and not isinstance(item.text, str)]
    if 2 * len(wrong) > len(sample):
        types = sorted({_type_name(item.text) for item in wrong})
        msg = (f"{field!r} is {'/'.join(types)}, not a string, in {len(wrong)} of the first "
               f"{len(sample)} records; {_FIX}")  # fmt: skip
        raise TextColumnTypeError(msg)


def _jsonl_records(unit: Unit, config: IngestConfig) -> Iterator[RawRecord | BadRecord]:
    mapping = config.columns
    max_line = config.max_document_chars * _BYTES_PER_CHAR + _METADATA_SLACK_BYTES
    with ExitStack() as stack:
        stream = open_stream(unit.path, unit.compression, stack)
        number = 0
        while line := stream.readline(max_line + 1):
            number += 1
            ref = f"line:{number}"
            if len(line) > max_line and not line.endswith(b"\n"):
                _skip_rest_of_line(stream, max_line)
                detail = f"line longer than {max_line} bytes"
                yield BadRecord(number, ref, DOCUMENT_TOO_LARGE, detail, line)
                continue
            if number == 1 and line.startswith(_BOM):
                line = line[len(_BOM) :]
            if not line.strip():
                continue
            parsed = _parse_json_line(number, ref, line)
            if isinstance(parsed, BadRecord):
                yield parsed
                continue
            yield RawRecord(
                number,
                ref,
                parsed.get(mapping.text, MISSING),
                _text_or_none(parsed.get(mapping.id)),
                _text_or_none(parsed.get(mapping.url)),
                _text_or_none(parsed.get(mapping.dump)),
                tuple(parsed),
            )


def _skip_rest_of_line(stream: BinaryIO, chunk: int) -> None:
    while (rest := stream.readline(chunk)) and not rest.endswith(b"\n"):
        pass


def _parse_json_line(number: int, ref: str, line: bytes) -> dict[str, object] | BadRecord:
    try:
        decoded = line.decode("utf-8")
    except UnicodeDecodeError as error:
        return BadRecord(number, ref, UNDECODABLE_BYTES, f"invalid UTF-8 at byte {error.start}", line)
    try:
        parsed = json.loads(decoded)
    except (ValueError, RecursionError) as error:
        return BadRecord(number, ref, MALFORMED_RECORD, f"invalid JSON: {error}", line)
    if not isinstance(parsed, dict):
        return BadRecord(number, ref, MALFORMED_RECORD, f"JSON {type(parsed).__name__}, not an object", line)
    return parsed


def _read_text(unit: Unit, config: IngestConfig) -> Iterator[RawRecord | BadRecord]:
    max_bytes = config.max_document_chars * 4
    with ExitStack() as stack:
        data = open_stream(unit.path, unit.compression, stack).read(max_bytes + 1)
    if len(data) > max_bytes:
        yield BadRecord(0, "file", DOCUMENT_TOO_LARGE, f"file larger than {max_bytes} bytes", data)
        return
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    yield RawRecord(0, "file", data, None, None, None)
