"""APIGen-MT-style records `{blueprint: {q, a_gt, o_gt}, trajectory: [OpenAI messages]}`.

The sample ships no tool definitions (only call names in the blueprint), so the trajectory has no
tools; schema-dependent rules cannot apply to it (see tests/validate/test_real_data.py)."""

from __future__ import annotations

from typing import Any

from gem_spark.parse.failure import ParseFailure
from gem_spark.parse.importers.common import field
from gem_spark.parse.importers.openai_chat import messages_to_trajectory
from gem_spark.schema import Trajectory


def import_apigen_mt(record: Any) -> Trajectory | ParseFailure:
    messages = field(record, "trajectory", list)
    if isinstance(messages, ParseFailure):
        return messages
    return messages_to_trajectory(messages, [], "import:apigen_mt", set())
