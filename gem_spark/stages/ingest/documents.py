"""One raw record → its segments, or the reason it is quarantined (pure Python, runs on executors).

The checks run cheapest first and each has a stable reason code, so every record ends in exactly one
of two places: the segments it produced, or one quarantine row.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from gem_spark.config import IngestConfig
from gem_spark.stages.ingest.quarantine import (
    DOCUMENT_TOO_LARGE,
    EMPTY_TEXT,
    HTML_ONLY,
    MISSING_TEXT,
    NON_STRING_TEXT,
    TOO_SHORT,
    UNDECODABLE_BYTES,
    Rejection,
    preview,
)
from gem_spark.stages.ingest.shapes import MISSING, RawRecord
from gem_spark.text.hashing import segment_id
from gem_spark.text.normalize import looks_like_html_only, normalize_text
from gem_spark.text.segment import Segment, segment_text

# Anything but whitespace and invisible format characters (zero-width spaces, joiners, word joiner).
_VISIBLE = re.compile(r"[^\s\u200b-\u200f\u2060-\u2064]")


@dataclass(frozen=True)
class SegmentRow:
    segment_id: str
    segment: Segment


def fallback_doc_id(source: str, record_ref: str) -> str:
    """A stable id for records without one: hash of the file and the record's place in it."""
    return hashlib.sha256(f"{source}#{record_ref}".encode()).hexdigest()[:32]


def _decoded_text(record: RawRecord, config: IngestConfig) -> str | Rejection:
    text = record.text
    limit = config.raw_preview_chars
    if text is MISSING or text is None:
        field = config.columns.text
        detail = f"no {field!r} field" if text is MISSING else f"{field!r} is null"
        return Rejection(MISSING_TEXT, detail, "")
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as error:
            return Rejection(
                UNDECODABLE_BYTES, f"invalid UTF-8 at byte {error.start}", preview(bytes(text), limit)
            )
    if not isinstance(text, str):
        return Rejection(NON_STRING_TEXT, f"text is {type(text).__name__}", preview(text, limit))
    if len(text) > config.max_document_chars:
        detail = f"{len(text)} chars > max_document_chars {config.max_document_chars}"
        return Rejection(DOCUMENT_TOO_LARGE, detail, preview(text, limit))
    return text


def segment_record(record: RawRecord, config: IngestConfig) -> list[SegmentRow] | Rejection:
    """The record's segments (at least one), or why it has none."""
    text = _decoded_text(record, config)
    if isinstance(text, Rejection):
        return text
    normalised = normalize_text(text)
    limit = config.raw_preview_chars
    if not _VISIBLE.search(normalised):
        return Rejection(
            EMPTY_TEXT, f"{len(text)} chars, nothing left after normalising", preview(text, limit)
        )
    if looks_like_html_only(normalised):
        return Rejection(HTML_ONLY, "markup with almost no readable text", preview(text, limit))
    segments = segment_text(normalised, config.min_segment_chars, config.max_segment_chars)
    if not segments:
        detail = f"{len(normalised)} chars < min_segment_chars {config.min_segment_chars}"
        return Rejection(TOO_SHORT, detail, preview(text, limit))
    return [SegmentRow(segment_id(segment.text), segment) for segment in segments]
