"""The prefilter on held-out text the calibration never saw (tests/support/prefilter_heldout.py): it keeps
tool-use procedures (≥ 97%: apps, websites, devices, machines; full pages and terse step lists) and
passes little other web text (≤ 15%); typographic punctuation reads like ASCII."""

from __future__ import annotations

import pytest

from gem_spark.config import PrefilterConfig
from gem_spark.text.procedural_score import score_text
from tests.support.prefilter_heldout import NON_TOOL_PROCEDURES, OTHER_WEB, TOOL_PROCEDURES

THRESHOLD = PrefilterConfig().threshold


def _passing(texts: dict[str, str]) -> list[str]:
    return sorted(name for name, text in texts.items() if score_text(text).score >= THRESHOLD)


def test_held_out_rates() -> None:
    kept, passed = _passing(TOOL_PROCEDURES), _passing(OTHER_WEB)
    non_tool = _passing(NON_TOOL_PROCEDURES)
    print(f"\nheld out: tool-use procedures kept {len(kept)}/{len(TOOL_PROCEDURES)}, other web text passed "
          f"{len(passed)}/{len(OTHER_WEB)}, non-tool procedures kept {len(non_tool)}/{len(NON_TOOL_PROCEDURES)}")  # fmt: skip
    assert len(kept) >= 0.97 * len(TOOL_PROCEDURES), sorted(set(TOOL_PROCEDURES) - set(kept))
    assert len(passed) <= 0.15 * len(OTHER_WEB), passed


@pytest.mark.parametrize(
    ("typographic", "ascii_text"),
    [
        ("Don’t unplug the drive. Don’t close the lid. Don’t restart it yet.",
         "Don't unplug the drive. Don't close the lid. Don't restart it yet."),
        ("How to reset it — quickly\n– Hold the button\n– Wait for the light\n– Release it",
         "How to reset it - quickly\n- Hold the button\n- Wait for the light\n- Release it"),
        ("Click “Save”. Then tap ‘Done’.", "Click \"Save\". Then tap 'Done'."),
    ],
)  # fmt: skip
def test_typographic_punctuation_scores_like_ascii(typographic: str, ascii_text: str) -> None:
    assert score_text(typographic) == score_text(ascii_text)


def test_terse_steps_with_verbs_outside_any_list_are_imperative() -> None:
    steps = "How to Forge a Sword\n1. Smelt two iron bars.\n2. Heat the bars in the forge.\n3. Hammer them on the anvil."
    headlines = "Latest\n1. Senators debate the budget\n2. Storm hits the coast\n3. Heatwave sets records"
    assert "imperative_steps" in score_text(steps).signals
    assert "imperative_steps" not in score_text(headlines).signals
