"""What converting one accepted trajectory yields: a record, or the reason it cannot be exported."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Converted:
    record: dict[str, Any] | None
    # Set when the trajectory cannot be written in this format (it is listed in skipped.jsonl).
    skip_reason: str | None = None
    # Lossy but valid conversions, counted in the manifest (e.g. assistant text beside a call).
    notes: tuple[str, ...] = ()

    @classmethod
    def skipped(cls, reason: str) -> Converted:
        return cls(record=None, skip_reason=reason)
