"""The guard that keeps tests out of the checkout sees new, rewritten and deleted files, ignored ones too."""

from __future__ import annotations

import os
from pathlib import Path

from tests.support.checkout import changed_files, main, snapshot


def test_a_new_a_rewritten_and_a_deleted_file_are_changes(tmp_path: Path) -> None:
    (tmp_path / "report").mkdir()
    (tmp_path / "report" / "index.html").write_text("<p>demo</p>")
    (tmp_path / "kept.txt").write_text("x")
    (tmp_path / "gone.txt").write_text("x")
    before = snapshot(tmp_path)
    (tmp_path / "report" / "index.html").write_text("<p>a test lake</p>")
    (tmp_path / "gone.txt").unlink()
    (tmp_path / ".hypothesis").mkdir()
    (tmp_path / ".hypothesis" / "db").write_text("")
    assert changed_files(before, snapshot(tmp_path)) == [".hypothesis/db", "gone.txt", "report/index.html"]


def test_the_tools_own_folders_are_not_changes(tmp_path: Path) -> None:
    before = snapshot(tmp_path)
    for folder in ("__pycache__", ".pytest_cache", ".venv", "pkg/__pycache__"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "f").write_text("")
    assert changed_files(before, snapshot(tmp_path)) == []


def test_a_same_size_rewrite_is_seen_by_its_mtime(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("one")
    before = snapshot(tmp_path)
    path.write_text("two")
    os.utime(path, ns=(1, before["a.txt"][1] + 1))
    assert changed_files(before, snapshot(tmp_path)) == ["a.txt"]


def test_the_ci_check_passes_on_an_untouched_checkout(tmp_path: Path) -> None:
    record = tmp_path / "checkout.json"
    assert main(["save", str(record)]) == 0
    assert main(["check", str(record)]) == 0
