"""manifest.json of an export: what was written, from which rows, under which config."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

MANIFEST = "manifest.json"
SKIPPED = "skipped.jsonl"
DATASET_INFO = "dataset_info.json"


@dataclass(frozen=True)
class ExportManifest:
    format: str
    out: str
    created_at: str
    config_fingerprint: str
    shard_rows: int
    n_exported: int
    # reason code → trajectories that could not be written in this format (listed in skipped.jsonl).
    skipped: dict[str, int] = field(default_factory=dict)
    # Lossy but valid conversions, e.g. assistant_text_beside_call in ShareGPT.
    notes: dict[str, int] = field(default_factory=dict)
    # The chain the exported rows belong to: each stage's own fingerprint under the export's config.
    stage_fingerprints: dict[str, str] = field(default_factory=dict)
    # Current accepted rows by status: ok, near_duplicate, contaminated (only ok rows are exported).
    accepted_by_status: dict[str, int] = field(default_factory=dict)
    # Exported rows by fingerprint, by corpus snapshot of their segment, and by the run that accepted them.
    fingerprints: dict[str, int] = field(default_factory=dict)
    snapshots: dict[str, int] = field(default_factory=dict)
    runs: dict[str, int] = field(default_factory=dict)
    files: list[dict[str, Any]] = field(default_factory=list)
    dataset_info: dict[str, Any] | None = None

    @property
    def n_skipped(self) -> int:
        return sum(self.skipped.values())

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "n_skipped": self.n_skipped}
