"""Near-duplicate marks on real conversations (LLaMA-Factory's glaive demo, which repeats itself) written
through the real table store, checked against brute-force Jaccard over every pair."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from gem_spark.schema import Message, Trajectory
from gem_spark.stages.accepted import NEAR_DUPLICATE
from gem_spark.stages.near_duplicates import MinHasher, band_layout, mark_near_duplicates, shingles, stable_hash, words
from gem_spark.tables.latest import latest_rows
from tests.support.accepted_rows import Lake, accepted_row, real_trajectories

N_REAL = 40


def test_words_split_tool_names_and_fold_case() -> None:
    assert words("Book_Flight to NEW-York, ÉTÉ 2026") == [
        "book",
        "flight",
        "to",
        "new",
        "york",
        "été",
        "2026",
    ]


def test_shingles_cover_user_turns_and_tool_names_only() -> None:
    trajectory = Trajectory(
        messages=[
            Message(role="system", content="system words never count here at all"),
            Message(role="user", content="one two three four five six"),
            Message(role="assistant", content="assistant words never count either"),
            Message(role="user", content="short turn"),
        ]
    )
    assert shingles(trajectory, 5) == {"one two three four five", "two three four five six", "short turn"}


def test_band_layout_reaches_the_recall_it_promises() -> None:
    for threshold in (0.6, 0.8, 0.9):
        bands, rows = band_layout(64, threshold, 0.95)
        assert bands * rows <= 64
        assert 1 - (1 - threshold**rows) ** bands >= 0.95


def test_minhash_agreement_estimates_jaccard() -> None:
    first = [stable_hash(f"s{i}") for i in range(300)]
    second = first[:200] + [stable_hash(f"t{i}") for i in range(100)]  # Jaccard 200/400
    hasher = MinHasher(num_hashes=512, bands=1, rows=512)
    agreement = float(np.mean(hasher.signature(first) == hasher.signature(second)))
    assert agreement == pytest.approx(0.5, abs=0.07)


def _edited(trajectory: Trajectory) -> Trajectory:
    """The same conversation with one word of its longest user turn changed."""
    turn = max((m for m in trajectory.messages if m.role == "user"), key=lambda m: len(m.content))
    content = turn.content.replace(" the ", " a ", 1)
    assert content != turn.content
    messages = [m.model_copy(update={"content": content}) if m is turn else m for m in trajectory.messages]
    return trajectory.model_copy(update={"messages": messages})


def _expected_marks(
    rows: list[dict], trajectories: dict[str, Trajectory], threshold: float
) -> dict[str, str]:
    """Brute force: every trajectory with an earlier one at Jaccard ≥ threshold → the earliest such."""
    order = sorted(rows, key=lambda row: (row["created_at"], row["trajectory_id"]))
    sets = {key: shingles(trajectory, 5) for key, trajectory in trajectories.items()}
    marks = {}
    for earlier, later in itertools.combinations(order, 2):
        a, b = sets[earlier["trajectory_id"]], sets[later["trajectory_id"]]
        if a and b and len(a & b) / len(a | b) >= threshold:
            marks.setdefault(later["trajectory_id"], earlier["trajectory_id"])
    return marks


def test_marks_near_duplicates_across_snapshots_and_is_idempotent(
    spark, shared_data: Path, tmp_path: Path
) -> None:
    real = real_trajectories(shared_data)[:N_REAL]
    lake = Lake(spark, tmp_path)
    first = {f"a{i:03d}": trajectory for i, trajectory in enumerate(real)}
    # A later snapshot repeats two earlier conversations: one verbatim, one with a word changed.
    second = {"b-copy": real[1], "b-edit": _edited(real[2]), "b-new": real_trajectories(shared_data)[N_REAL]}
    rows_a = [accepted_row(key, t, minutes=i, run_id="run-a") for i, (key, t) in enumerate(first.items())]
    rows_b = [
        accepted_row(key, t, minutes=600 + i, run_id="run-b") for i, (key, t) in enumerate(second.items())
    ]
    lake.accept(rows_a)
    lake.accept(rows_b)

    counts = mark_near_duplicates(lake.context("run-dedup-1"))

    expected = _expected_marks(rows_a + rows_b, {**first, **second}, lake.config.dedup.threshold)
    assert expected["b-copy"] == "a001"
    assert expected["b-edit"] == "a002"
    latest = latest_rows(lake.store.read("accepted"), ["trajectory_id"])
    marked = {
        row["trajectory_id"]: row["detail"] for row in latest.where(f"status = '{NEAR_DUPLICATE}'").collect()
    }
    assert marked == expected
    assert {row["reason"] for row in latest.where(f"status = '{NEAR_DUPLICATE}'").collect()} == {
        NEAR_DUPLICATE
    }
    assert (counts.n_in, counts.n_rejected) == (len(rows_a) + len(rows_b), len(expected))

    again = mark_near_duplicates(lake.context("run-dedup-2"))
    assert again.n_rejected == 0
    assert lake.store.read("accepted").where("run_id = 'run-dedup-2'").count() == 0


def test_disabled_or_empty_dedup_marks_nothing(spark, tmp_path: Path) -> None:
    lake = Lake(spark, tmp_path, dedup={"enabled": False})
    assert mark_near_duplicates(lake.context()).n_in == 0
    assert not lake.store.exists("accepted")
