"""Content keys: a segment's id is the SHA-256 of its normalised text, the same on every machine and run."""

from __future__ import annotations

import hashlib


def segment_id(normalised_segment_text: str) -> str:
    """Hex SHA-256 of the UTF-8 bytes of a normalised segment (`normalize_text` output or a slice of it)."""
    return hashlib.sha256(normalised_segment_text.encode("utf-8")).hexdigest()
