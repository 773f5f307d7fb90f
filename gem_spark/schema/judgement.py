"""The LLM judge's binary rubric scores (GEM.md: 1 = no problem anywhere in the trajectory)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class Judgement(BaseModel):
    model_config = ConfigDict(frozen=True)

    r1: Literal[0, 1]  # tool-call hallucination
    r2: Literal[0, 1]  # capability hallucination
    r3: Literal[0, 1]  # context hallucination

    @property
    def passed(self) -> bool:
        return self.r1 == 1 and self.r2 == 1 and self.r3 == 1
