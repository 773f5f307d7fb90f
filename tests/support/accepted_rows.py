"""`accepted` and `segments` rows built from real trajectories (imported from ../shared/data/tooluse),
written through the real table store, so export, dedup, decontamination and report tests read exactly
what the pipeline would leave behind."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gem_spark.config import GemConfig
from gem_spark.parse import ParseFailure
from gem_spark.parse.importers import import_file
from gem_spark.schema import Trajectory, to_json
from gem_spark.stages.accepted import ACCEPTED_SCHEMA
from gem_spark.stages.common import OK, StageContext
from gem_spark.tables import CommitId, TableStore, open_store
from gem_spark.tables.schemas import SEGMENTS

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

T0 = datetime(2026, 1, 1)
FINGERPRINT = "fp-accepted-test"


def real_trajectories(shared_data: Path, file: str = "glaive_toolcall_en_demo.json") -> list[Trajectory]:
    """Every record of a real dataset file that imports cleanly."""
    return [
        item for item in import_file(shared_data / "tooluse" / file) if not isinstance(item, ParseFailure)
    ]


def segment_of(trajectory_id: str) -> str:
    return f"seg-{trajectory_id}"


def accepted_row(
    trajectory_id: str,
    trajectory: Trajectory,
    minutes: int = 0,
    status: str = OK,
    run_id: str = "run-a",
    source_stage: str = "refine",
    detail: str | None = None,
) -> dict[str, Any]:
    return {
        "trajectory_id": trajectory_id,
        "fingerprint": FINGERPRINT,
        "run_id": run_id,
        "status": status,
        "reason": None if status == OK else status,
        "created_at": T0 + timedelta(minutes=minutes),
        "segment_id": segment_of(trajectory_id),
        "source_stage": source_stage,
        "trajectory": to_json(trajectory),
        "stats": trajectory.stats().model_dump(),
        "detail": detail,
    }


def segment_row(segment_id: str, text: str, snapshot: str = "2026-01") -> dict[str, Any]:
    return {
        "segment_id": segment_id, "fingerprint": "fp-segment", "run_id": "run-ingest", "status": OK,
        "reason": None, "created_at": T0, "doc_id": f"doc-{segment_id}", "url": None, "dump": None,
        "source": "test", "record_ref": segment_id, "snapshot": snapshot, "position": 0, "start": 0,
        "end": len(text), "text": text, "n_chars": len(text),
    }  # fmt: skip


class Lake:
    """A config whose tables live under a temp folder, its store, and helpers to append rows."""

    def __init__(self, spark: SparkSession, root: Path, **sections: Any) -> None:
        self.spark = spark
        self.config = GemConfig.model_validate({"tables": {"root": str(root)}, **sections})
        self.store: TableStore = open_store(self.config.tables, spark)
        self._commits = 0

    def context(self, run_id: str = "run-marks") -> StageContext:
        return StageContext(config=self.config, spark=self.spark, store=self.store, run_id=run_id)

    def append(self, table: str, rows: list[dict[str, Any]], schema: Any) -> None:
        self.store.ensure(table, schema)
        self._commits += 1
        df = self.spark.createDataFrame(rows, schema)
        self.store.append(table, df, CommitId(app_id=f"test:{table}", version=self._commits))

    def accept(self, rows: list[dict[str, Any]]) -> None:
        self.append("accepted", rows, ACCEPTED_SCHEMA)

    def segments(self, rows: list[dict[str, Any]]) -> None:
        self.append("segments", rows, SEGMENTS)
