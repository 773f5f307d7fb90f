"""The jobs/*.py entry points and the `gem-spark` arguments each one puts before its own (read from its
source, so the tests need not run a script to know which command it is)."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
JOBS_DIR = REPO / "jobs"
ENTRY_POINTS = sorted(JOBS_DIR.glob("*.py"))


def _main_call(entry_point: Path) -> ast.Call:
    tree = ast.parse(entry_point.read_text(encoding="utf-8"), filename=str(entry_point))
    (call,) = (
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "main"
    )
    return call


def cli_prefix(entry_point: Path) -> list[str]:
    """The literal arguments of the entry point's `main([...])` call, the ones before `*sys.argv[1:]`."""
    (argv,) = _main_call(entry_point).args
    assert isinstance(argv, ast.List), f"{entry_point.name}: main() takes a list literal"
    return [ast.literal_eval(item) for item in argv.elts if not isinstance(item, ast.Starred)]


def passes_its_arguments_last(entry_point: Path) -> bool:
    """The call ends with `*sys.argv[1:]`: what the user passes wins over the entry point's defaults."""
    (argv,) = _main_call(entry_point).args
    return isinstance(argv, ast.List) and ast.unparse(argv.elts[-1]) == "*sys.argv[1:]"
