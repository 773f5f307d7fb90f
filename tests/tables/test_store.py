from __future__ import annotations

import pytest

from gem_spark.tables.store import CommitId


def test_a_commit_tag_round_trips() -> None:
    commit = CommitId("run-7:select", 3)
    assert CommitId.from_tag(commit.to_tag()) == commit
    assert CommitId.from_tag(commit.to_tag(write_id="w1")) == commit
    assert CommitId.write_id_of(commit.to_tag(write_id="w1")) == "w1"
    assert CommitId.write_id_of(commit.to_tag()) is None


@pytest.mark.parametrize("tag", [None, "", "free text a user wrote", "[1, 2]", '{"app_id": 5, "version": 1}'])
def test_other_user_metadata_is_not_a_commit(tag: str | None) -> None:
    assert CommitId.from_tag(tag) is None
