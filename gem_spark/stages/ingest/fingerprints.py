"""Fingerprints of ingest's outputs: a hash of the code and settings that decide them.

Code is versioned by content: the bytes of the modules that compute a row go into its fingerprint, so
changing the scorer re-scores every segment on the next run, and nothing else does.
"""

from __future__ import annotations

import hashlib
import json

from gem_spark.code_version import code_version
from gem_spark.config import IngestConfig
from gem_spark.text import hashing, normalize, procedural_score, segment


def _digest(parts: dict[str, object]) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:32]


def segments_fingerprint(config: IngestConfig) -> str:
    """What decides a segment row: normalisation, segmentation and hashing code, and the size limits."""
    return _digest(
        {
            "code": code_version(normalize, segment, hashing),
            "min_segment_chars": config.min_segment_chars,
            "max_segment_chars": config.max_segment_chars,
            "max_document_chars": config.max_document_chars,
        }
    )


def prefilter_fingerprint(threshold: float) -> str:
    """What decides a prefilter row: the scorer's code and the threshold."""
    return _digest({"code": code_version(procedural_score), "threshold": threshold})
