"""Accepted teacher trajectories → SFT pairs for the Trajectory Synthesizer (GEM.md).

The prompt is the synthesize stage's own template rendered with the segment text cut to the stage's
budget, so the distilled model is trained on exactly what it is asked in production; the target is the
trajectory in the `<toolsets>` + tags format that stage parses. A target that does not parse back to
the same tools and turns is skipped (`synthesizer_roundtrip_mismatch`) instead of teaching a format
the parser would reject.
"""

from __future__ import annotations

import json
from typing import Any

from gem_spark.export.converted import Converted
from gem_spark.export.sharegpt import GPT, HUMAN, SYSTEM
from gem_spark.parse import ParseFailure, parse_toolset_trajectory
from gem_spark.parse.render import render_toolset_trajectory
from gem_spark.prompts import load_template
from gem_spark.schema import Trajectory

ROUNDTRIP_MISMATCH = "synthesizer_roundtrip_mismatch"
SEGMENT_MISSING = "segment_missing"
DATASET_NAME = "gem_synthesizer"


def dataset_info(file_name: str) -> dict[str, Any]:
    return {
        DATASET_NAME: {
            "file_name": file_name,
            "formatting": "sharegpt",
            "columns": {"messages": "conversations", "system": "system"},
            "tags": {"role_tag": "from", "content_tag": "value", "user_tag": HUMAN, "assistant_tag": GPT,
                     "system_tag": SYSTEM},
        }
    }  # fmt: skip


def _shape(trajectory: Trajectory) -> tuple[Any, ...]:
    """What the parser must give back: tools, and each turn's role, text and calls (ids aside)."""
    turns = tuple(
        (
            m.role,
            m.content.strip(),
            tuple((c.name, json.dumps(c.arguments, sort_keys=True)) for c in m.tool_calls),
        )
        for m in trajectory.messages
    )
    return tuple(tool.model_dump_json() for tool in trajectory.tools), turns


def synthesizer_target(trajectory: Trajectory) -> str | None:
    """The tagged target text, or None when it would not parse back to this trajectory."""
    target = render_toolset_trajectory(trajectory)
    parsed = parse_toolset_trajectory(target, stage="synthesize")
    if isinstance(parsed, ParseFailure) or _shape(parsed) != _shape(trajectory):
        return None
    return target


def to_synthesizer_pair(
    trajectory: Trajectory, text: str | None, max_input_chars: int, prompts_dir: str | None = None
) -> Converted:
    if text is None:
        return Converted.skipped(SEGMENT_MISSING)
    target = synthesizer_target(trajectory)
    if target is None:
        return Converted.skipped(ROUNDTRIP_MISMATCH)
    system, user = load_template("synthesize", prompts_dir).render(text=text[:max_input_chars])
    record = {
        "conversations": [{"from": HUMAN, "value": user["content"]}, {"from": GPT, "value": target}],
        "system": system["content"],
    }
    return Converted(record)
