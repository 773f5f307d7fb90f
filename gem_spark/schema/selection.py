"""Stage-1 result: is the text a multi-step procedure, and its labels from GEM.md's label sets."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Selection(BaseModel):
    model_config = ConfigDict(frozen=True)

    multi_step: bool
    summary: str | None = None
    domain: str | None = None
    platform: str | None = None
    task: str | None = None
    # Names of label fields ("domain", "platform", "task") whose value is outside GEM.md's sets; the value
    # itself is kept as the model wrote it (case and spacing normalised), never mapped to a nearby label.
    invalid_labels: list[str] = Field(default_factory=list)
