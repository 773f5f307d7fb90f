"""score_text: calibration on the shared web sample (per document and per segment), held-out check,
hand-written texts the calibration never saw, and the contract of the result."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gem_spark.config import PrefilterConfig
from gem_spark.text.normalize import normalize_text
from gem_spark.text.procedural_score import SIGNALS, PrefilterScore, score_text
from gem_spark.text.segment import segment_text

PROCEDURAL_SOURCE = "wikihow_steps_conditions"
THRESHOLD = PrefilterConfig().threshold


@dataclass(frozen=True)
class ScoredDocument:
    procedural: bool
    calibration_half: bool
    segment_passes: tuple[bool, ...]


def in_calibration_half(doc_id: str) -> bool:
    """Deterministic half of the corpus the weights were shaped on; the other half is held out."""
    return int(hashlib.sha256(doc_id.encode("utf-8")).hexdigest(), 16) % 2 == 0


@pytest.fixture(scope="module")
def scored_corpus(shared_data) -> list[ScoredDocument]:
    import pyarrow.parquet as pq

    table = pq.read_table(
        shared_data / "corpus" / "web_sample.parquet", columns=["id", "text", "source_dataset"]
    )
    documents = []
    started, segments = time.perf_counter(), 0
    for row in table.to_pylist():
        pieces = segment_text(normalize_text(row["text"]), 200, 6000)
        segments += len(pieces)
        passes = tuple(score_text(piece.text).score >= THRESHOLD for piece in pieces)
        documents.append(
            ScoredDocument(row["source_dataset"] == PROCEDURAL_SOURCE, in_calibration_half(row["id"]), passes)
        )
    elapsed = time.perf_counter() - started
    print(
        f"\nnormalise+segment+score: {len(documents) / elapsed:.0f} docs/s, {segments / elapsed:.0f} segments/s"
    )
    return documents


def rates(documents: list[ScoredDocument]) -> dict[str, float]:
    """Share of procedural kept and of other passed, per document (any segment passes) and per segment."""
    procedural = [d for d in documents if d.procedural and d.segment_passes]
    other = [d for d in documents if not d.procedural and d.segment_passes]
    procedural_segments = [p for d in procedural for p in d.segment_passes]
    other_segments = [p for d in other for p in d.segment_passes]
    return {
        "doc_keep_procedural": sum(any(d.segment_passes) for d in procedural) / len(procedural),
        "doc_pass_other": sum(any(d.segment_passes) for d in other) / len(other),
        "segment_keep_procedural": sum(procedural_segments) / len(procedural_segments),
        "segment_pass_other": sum(other_segments) / len(other_segments),
    }


def report(name: str, documents: list[ScoredDocument]) -> dict[str, float]:
    measured = rates(documents)
    print(f"\n{name} ({len(documents)} docs): " + ", ".join(f"{k}={v:.3f}" for k, v in measured.items()))
    return measured


@pytest.mark.parametrize("half", ["calibration", "held_out"])
def test_corpus_rates_at_default_threshold(scored_corpus: list[ScoredDocument], half: str) -> None:
    documents = [d for d in scored_corpus if d.calibration_half == (half == "calibration")]
    measured = report(half, documents)
    assert measured["doc_keep_procedural"] >= 0.97
    assert measured["doc_pass_other"] <= 0.15
    assert measured["segment_keep_procedural"] >= 0.97
    assert measured["segment_pass_other"] <= 0.15


def test_whole_corpus_rates(scored_corpus: list[ScoredDocument]) -> None:
    measured = report("whole corpus", scored_corpus)
    assert measured["doc_keep_procedural"] >= 0.97
    assert measured["doc_pass_other"] <= 0.15


def test_halves_are_both_populated(scored_corpus: list[ScoredDocument]) -> None:
    for half in (True, False):
        documents = [d for d in scored_corpus if d.calibration_half == half]
        assert sum(d.procedural for d in documents) >= 50
        assert sum(not d.procedural for d in documents) >= 150


PROCEDURAL_TEXTS = {
    "prose_with_intro_clauses": (
        (
            "To turn on dark mode on your iPhone, open the Settings app. Scroll down and tap Display & "
            "Brightness. Under Appearance, select Dark. If you want it to switch automatically, turn on the "
            "Automatic toggle and then tap Options to choose a schedule."
        ),
        {"imperative_openings", "ui_vocabulary"},
    ),
    "menu_path": (
        (
            "Go to Settings > Privacy > Location Services. Find the app in the list and tap it. Choose While "
            "Using the App. Finally, close Settings and restart the app so the change takes effect."
        ),
        {"menu_path", "sequence_words"},
    ),
    "keyboard_shortcut": (
        (
            "Select the cells you want to copy and press Ctrl+C. Click the first cell of the destination "
            "range, then press Ctrl+V to paste. If the formatting looks wrong, use Paste Special from the Edit "
            "menu and pick Values only."
        ),
        {"keyboard_shortcut"},
    ),
    "bulleted_router_reset": (
        (
            "Resetting a forgotten router password\n- Unplug the router and wait thirty seconds.\n- Hold the "
            "reset button on the back for ten seconds.\n- Connect your laptop with an Ethernet cable.\n- Open a "
            "browser and type 192.168.1.1 into the address bar.\n- Log in with the default username and "
            "password printed on the label."
        ),
        {"bulleted_steps", "imperative_steps"},
    ),
    "numbered_account_setup": (
        (
            "Setting up two-factor authentication\n1) Sign in to your account on the website.\n2) Click your "
            "profile picture and choose Security.\n3) Next to Two-step verification, click Turn on.\n4) Scan "
            "the QR code with your authenticator app and enter the six-digit code."
        ),
        {"numbered_steps", "imperative_steps"},
    ),
}
NON_PROCEDURAL_TEXTS = {
    "news": (
        "The city council voted on Tuesday to approve a new budget for the coming fiscal year. The plan "
        "increases spending on public transit by eight percent and cuts funding for two parks projects. "
        "Several residents spoke against the cuts during the three-hour meeting. The mayor said she "
        "expects the budget to be signed next week."
    ),
    "personal_story": (
        "We drove up to the lake early in the morning. My brother had packed the car the night before, "
        "and I remember the smell of coffee in the thermos. When we arrived, the water was perfectly "
        "still. We spent the whole day swimming and reading, and nobody checked a phone until sunset."
    ),
    "product_review": (
        "The new laptop comes with a 14-inch screen, 16 GB of memory and a battery that the company says "
        "lasts up to 18 hours. Reviewers praised the keyboard but criticised the price, which starts at "
        "1,499 dollars. The device goes on sale in Europe next month."
    ),
    "ranked_headlines": (
        "Top stories this week\n1. Markets rallied after the central bank held rates.\n2. A storm left "
        "thousands without power in the north.\n3. The national team qualified for the final."
    ),
}


@pytest.mark.parametrize("name", sorted(PROCEDURAL_TEXTS))
def test_hand_written_procedures_pass(name: str) -> None:
    text, expected_signals = PROCEDURAL_TEXTS[name]
    result = score_text(text)
    print(f"\n{name}: {result.score:.3f} {result.signals}")
    assert result.score >= THRESHOLD
    assert expected_signals <= set(result.signals)


@pytest.mark.parametrize("name", sorted(NON_PROCEDURAL_TEXTS))
def test_hand_written_non_procedures_fail(name: str) -> None:
    result = score_text(NON_PROCEDURAL_TEXTS[name])
    print(f"\n{name}: {result.score:.3f} {result.signals}")
    assert result.score < THRESHOLD


def test_first_person_narration_lowers_the_score() -> None:
    instructions = "Open the app. Tap Settings. Then select Privacy and turn off tracking."
    narrated = "I opened my app. I tapped Settings. Then I selected Privacy and we turned off our tracking."
    assert score_text(narrated).score < score_text(instructions).score
    assert "narrative_voice" in score_text(narrated).signals


def test_empty_text_has_no_signals() -> None:
    assert score_text("") == PrefilterScore(score=score_text("").score, signals=())
    assert score_text("").score < 0.05


@given(st.text(max_size=2000))
def test_score_contract(text: str) -> None:
    result = score_text(text)
    assert 0.0 <= result.score <= 1.0
    assert set(result.signals) <= set(SIGNALS)
    assert score_text(text) == result
    assert list(result.signals) == [name for name in SIGNALS if name in result.signals]
