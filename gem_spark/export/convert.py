"""One accepted trajectory → one record of an export format (pure; runs on executors)."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError

from gem_spark.export.call_ids import CALL_IDS_RENUMBERED, renumber_call_ids
from gem_spark.export.chat_template import chat_template_problems
from gem_spark.export.converted import Converted
from gem_spark.export.openai_format import openai_problems, to_openai
from gem_spark.export.sharegpt import sharegpt_to_openai, to_sharegpt
from gem_spark.export.synthesizer import to_synthesizer_pair
from gem_spark.schema import trajectory_from_json

OPENAI, SHAREGPT, SYNTHESIZER, PARQUET = "openai", "sharegpt", "synthesizer", "parquet"
FORMATS = (OPENAI, SHAREGPT, SYNTHESIZER, PARQUET)
RECORD_FORMATS = (OPENAI, SHAREGPT, SYNTHESIZER)
TRAJECTORY_INVALID = "trajectory_invalid"


@dataclass(frozen=True)
class ConvertSettings:
    fmt: str
    # The synthesize stage's input budget and prompts, so synthesizer prompts match production.
    max_input_chars: int
    prompts_dir: str | None = None
    # Chat template source; when set, a conversation it does not render faithfully is skipped.
    chat_template: str | None = None


def _record(settings: ConvertSettings, trajectory_json: str, text: str | None) -> Converted:
    try:
        trajectory = trajectory_from_json(trajectory_json)
    except ValidationError:
        return Converted.skipped(TRAJECTORY_INVALID)
    if settings.fmt == OPENAI:
        trajectory, renumbered = renumber_call_ids(trajectory)
        record = to_openai(trajectory)
        problems = openai_problems(record)
        notes = (CALL_IDS_RENUMBERED,) if renumbered else ()
        return Converted.skipped(problems[0]) if problems else Converted(record, notes=notes)
    if settings.fmt == SHAREGPT:
        return to_sharegpt(trajectory)
    return to_synthesizer_pair(trajectory, text, settings.max_input_chars, settings.prompts_dir)


def convert(settings: ConvertSettings, trajectory_json: str, text: str | None = None) -> Converted:
    converted = _record(settings, trajectory_json, text)
    if converted.record is None or settings.chat_template is None:
        return converted
    conversation = converted.record if settings.fmt == OPENAI else sharegpt_to_openai(converted.record)
    problems = chat_template_problems(settings.chat_template, conversation)
    return Converted.skipped(problems[0]) if problems else converted
