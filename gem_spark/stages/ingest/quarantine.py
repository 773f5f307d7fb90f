"""Quarantine reason codes (stable strings stored in the `quarantine` table) and the previews they keep.

A bad record never fails a task and never vanishes: it becomes one quarantine row with one of these
codes. A file that cannot be read at all becomes one row with a file-level code.
"""

from __future__ import annotations

import gzip
import json
import zlib
from dataclasses import dataclass

import pyarrow as pa
import zstandard

from gem_spark.text.segment import TOO_SHORT

# Record-level codes.
MISSING_TEXT = "missing_text"
NON_STRING_TEXT = "non_string_text"
UNDECODABLE_BYTES = "undecodable_bytes"
EMPTY_TEXT = "empty_text"
DOCUMENT_TOO_LARGE = "document_too_large"
HTML_ONLY = "html_only"
# TOO_SHORT ("too_short", from gem_spark.text.segment): shorter than the smallest segment.
MALFORMED_RECORD = "malformed_record"
# A second document under an id an earlier document of the same run took (driver_steps.py).
DUPLICATE_ID = "duplicate_id"
# An unexpected exception while processing one record: a bug, kept as a row instead of failing the task.
PROCESSING_ERROR = "processing_error"

# File-level codes.
UNREADABLE_FILE = "unreadable_file"
CORRUPT_COMPRESSED_FILE = "corrupt_compressed_file"
MISSING_TEXT_COLUMN = "missing_text_column"
# The text column (Parquet), or the text field of most JSON Lines records, holds no strings.
TEXT_COLUMN_WRONG_TYPE = "text_column_wrong_type"
UNSUPPORTED_FORMAT = "unsupported_format"

RECORD_REASONS = frozenset(
    {
        MISSING_TEXT,
        NON_STRING_TEXT,
        UNDECODABLE_BYTES,
        EMPTY_TEXT,
        DOCUMENT_TOO_LARGE,
        HTML_ONLY,
        TOO_SHORT,
        MALFORMED_RECORD,
        DUPLICATE_ID,
        PROCESSING_ERROR,
    }
)
FILE_REASONS = frozenset(
    {UNREADABLE_FILE, CORRUPT_COMPRESSED_FILE, MISSING_TEXT_COLUMN, TEXT_COLUMN_WRONG_TYPE, UNSUPPORTED_FORMAT}
)
# File-level codes that a setting fixes (ingest.columns.text): the ingest command prints them.
SETTING_REASONS = frozenset({MISSING_TEXT_COLUMN, TEXT_COLUMN_WRONG_TYPE})
ALL_REASONS = RECORD_REASONS | FILE_REASONS


__all__ = [
    "ALL_REASONS", "CORRUPT_COMPRESSED_FILE", "DOCUMENT_TOO_LARGE", "DUPLICATE_ID", "EMPTY_TEXT", "FILE_REASONS", "HTML_ONLY",
    "MALFORMED_RECORD", "MISSING_TEXT", "MISSING_TEXT_COLUMN", "NON_STRING_TEXT", "PROCESSING_ERROR",
    "RECORD_REASONS", "SETTING_REASONS", "TEXT_COLUMN_WRONG_TYPE", "TOO_SHORT", "UNDECODABLE_BYTES",
    "UNREADABLE_FILE", "UNSUPPORTED_FORMAT", "MissingTextColumnError", "Rejection", "TextColumnTypeError",
    "UnsupportedFormatError", "error_line", "preview",
    "reason_for_file_error",
]  # fmt: skip


class MissingTextColumnError(ValueError):
    """A tabular file (Parquet, CSV) has no column named like the configured text column."""


class TextColumnTypeError(ValueError):
    """The text column holds no strings (a Parquet column's type, or most JSON Lines values)."""


class UnsupportedFormatError(ValueError):
    """A file's extension names no format we read and no format was given explicitly."""


@dataclass(frozen=True)
class Rejection:
    """Why one record (or one whole file) is quarantined."""

    reason: str
    detail: str
    raw_preview: str


def preview(raw: object, limit: int) -> str:
    """The first `limit` characters of a raw value, readable whatever its type (bytes keep escapes)."""
    if isinstance(raw, bytes):
        text = raw[: limit * 4].decode("utf-8", errors="backslashreplace")
    elif isinstance(raw, str):
        text = raw
    else:
        text = json.dumps(raw, ensure_ascii=False, default=repr)
    # Lone surrogates (from JSON `\ud800` escapes) cannot be stored as UTF-8: escape them.
    text = text[:limit].encode("utf-8", errors="backslashreplace").decode("utf-8")
    return text


def reason_for_file_error(error: BaseException) -> str:
    """Map an exception raised while reading a whole file to its quarantine code (by type)."""
    if isinstance(error, MissingTextColumnError):
        return MISSING_TEXT_COLUMN
    if isinstance(error, TextColumnTypeError):
        return TEXT_COLUMN_WRONG_TYPE
    if isinstance(error, UnsupportedFormatError):
        return UNSUPPORTED_FORMAT
    # BadGzipFile is an OSError: test the compression errors first.
    if isinstance(error, (gzip.BadGzipFile, EOFError, zlib.error, zstandard.ZstdError)):
        return CORRUPT_COMPRESSED_FILE
    if isinstance(error, (OSError, pa.ArrowException, UnicodeDecodeError)):
        return UNREADABLE_FILE
    return PROCESSING_ERROR


def error_line(error: BaseException) -> str:
    """One line naming the exception type and its message."""
    message = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {message}" if message else type(error).__name__
