"""What a checkout holds: every file's size and mtime, ignored files included, for the guard that keeps
tests (and `.ci/run`) from writing into the working tree."""

from __future__ import annotations

import os
from pathlib import Path

# Written by the tools themselves, never by the code under test: git, the venv, Python's byte code and
# pytest's own cache.
SKIPPED_DIRS = frozenset({".git", ".venv", "__pycache__", ".pytest_cache"})

Snapshot = dict[str, tuple[int, int]]


def snapshot(root: Path) -> Snapshot:
    """relative path → (size, mtime_ns) of every file under root outside SKIPPED_DIRS (links not followed)."""
    files: Snapshot = {}
    for folder, dirs, names in os.walk(root):
        dirs[:] = [name for name in dirs if name not in SKIPPED_DIRS]
        for name in names:
            path = os.path.join(folder, name)
            stat = os.lstat(path)
            files[os.path.relpath(path, root)] = (stat.st_size, stat.st_mtime_ns)
    return files


def changed_files(before: Snapshot, after: Snapshot) -> list[str]:
    """Paths added, removed or rewritten between two snapshots, sorted."""
    return sorted(path for path in before.keys() | after.keys() if before.get(path) != after.get(path))


def main(argv: list[str]) -> int:
    """`save FILE` records the checkout beside this package; `check FILE` lists what changed since (exit 1)."""
    import json

    action, record = argv
    root = Path(__file__).resolve().parents[2]
    if action == "save":
        Path(record).write_text(json.dumps(snapshot(root)), encoding="utf-8")
        return 0
    before = {path: tuple(entry) for path, entry in json.loads(Path(record).read_text(encoding="utf-8")).items()}
    changed = changed_files(before, snapshot(root))  # type: ignore[arg-type]
    for path in changed:
        print(f"the test run changed the checkout: {path}")
    return 1 if changed else 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
