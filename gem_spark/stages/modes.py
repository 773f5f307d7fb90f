"""The mode list: which LLM stages each pipeline mode runs, in data-flow order.

This is the one place a new stage is wired in. A stage is one module with an `LLMStage` subclass that
declares its name (= its table), key, required input columns, payload columns and reason codes; its
place in a mode's tuple says what it reads: the table of the stage before it (the first stage reads
the prefilter's passing segments). Everything that lists stages — the chains of current rows, pending
work, `gem-spark tables`, the report's funnel, `compare`, the reason catalogue's statuses — derives
from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from gem_spark.stages.extract import ExtractStage
from gem_spark.stages.generate import GenerateStage
from gem_spark.stages.judge import JudgeStage
from gem_spark.stages.refine import RefineStage
from gem_spark.stages.select import SelectStage
from gem_spark.stages.synthesize import SynthesizeStage

if TYPE_CHECKING:
    from gem_spark.stages.llm_stage import LLMStage

Mode = Literal["teacher", "synthesizer"]
MODES: dict[Mode, tuple[type[LLMStage], ...]] = {
    "teacher": (SelectStage, ExtractStage, GenerateStage, RefineStage, JudgeStage),
    "synthesizer": (SelectStage, SynthesizeStage, JudgeStage),
}
# What every mode's first stage reads: segments the heuristic prefilter passed.
FIRST_SOURCE = "prefilter"


def stage_names(mode: Mode) -> tuple[str, ...]:
    return tuple(cls.name for cls in MODES[mode])


def source_in(mode: Mode, name: str) -> str:
    """The table stage `name` reads in `mode`: the previous stage's, or the prefilter's for the first."""
    names = stage_names(mode)
    position = names.index(name)
    return names[position - 1] if position else FIRST_SOURCE


def sources(name: str) -> tuple[str, ...]:
    """Every table stage `name` reads in some mode, in mode order (the judge reads refine or synthesize)."""
    found: list[str] = []
    for mode in MODES:
        if name in stage_names(mode) and source_in(mode, name) not in found:
            found.append(source_in(mode, name))
    return tuple(found)


def stage_classes() -> dict[str, type[LLMStage]]:
    """Every stage by name, in one data-flow order over all modes: a stage comes after every stage it
    reads; among stages ready at once, the one listed first (mode by mode) comes first."""
    listed: dict[str, type[LLMStage]] = {cls.name: cls for classes in MODES.values() for cls in classes}
    ordered: dict[str, type[LLMStage]] = {}
    while len(ordered) < len(listed):
        ready = next(
            name for name in listed
            if name not in ordered and all(s == FIRST_SOURCE or s in ordered for s in sources(name))
        )  # fmt: skip
        ordered[ready] = listed[ready]
    return ordered


def llm_stage_names() -> tuple[str, ...]:
    return tuple(stage_classes())
