"""The ingest package's data-flow map (its `__init__` docstring) stays true, and calls run one way.

Pure checks on source text and imports: no Spark session.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from pathlib import Path

import gem_spark.stages.ingest as ingest

PACKAGE = Path(ingest.__file__).parent
# The executor side: the pass calls the readers, then the document checks; those two and the leaves
# (shapes, reason codes) import no other ingest module.
PASS, CALLED, LEAVES = "segmenting_pass", {"readers", "documents"}, {"shapes", "quarantine"}
# A reference in the map's "where" column: `module.function`, or a bare `function` of the module named
# last in the same row; a module is an ingest module, `text.<module>` or `stages/<module>`.
_REFERENCE = re.compile(r"((?:text\.|stages/)?[a-z_]+\.)?([a-z_]+)")
_PACKAGES = {"text.": "gem_spark.text.", "stages/": "gem_spark.stages.", "": "gem_spark.stages.ingest."}


def _map_references() -> list[tuple[str, str]]:
    """(module, function) for every function the map's table names."""
    lines = (ingest.__doc__ or "").splitlines()
    header = next(line for line in lines if line.split() == ["side", "step", "where"])
    where = header.index("where")
    table = lines[lines.index(header) + 1 :]
    table = table[: next((i for i, line in enumerate(table) if not line.strip()), len(table))]
    references, module = [], ""
    for line in table:
        if line[:where].split()[:1] in (["driver"], ["executor"]):
            module = ""  # a new row
        for named, function in _REFERENCE.findall(line[where:]):
            module = named.removesuffix(".") or module
            references.append((module, function))
    return references


def _ingest_imports(module: str) -> set[str]:
    """The sibling ingest modules `module` imports."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    found = set()
    prefix = "gem_spark.stages.ingest."
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(prefix):
            found.add(node.module.removeprefix(prefix))
    return found


def test_every_function_the_map_names_exists() -> None:
    references = _map_references()
    assert len(references) >= 20
    for module, function in references:
        assert module, f"the map names {function} without its module"
        prefix = next(p for p in _PACKAGES if module.startswith(p))  # "" matches last
        target = importlib.import_module(_PACKAGES[prefix] + module.removeprefix(prefix))
        assert hasattr(target, function), f"the map names {module}.{function}, which does not exist"


def test_the_map_names_every_module_of_the_package() -> None:
    modules = {info.name for info in pkgutil.iter_modules([str(PACKAGE)])}
    missing = {name for name in modules if f"{name}." not in (ingest.__doc__ or "")}
    assert not missing, f"modules the map does not mention: {sorted(missing)}"


def test_executor_calls_run_one_way_and_never_reach_the_driver_side() -> None:
    allowed = {PASS: CALLED | LEAVES} | dict.fromkeys(CALLED, LEAVES) | dict.fromkeys(LEAVES, set())
    for module, may_import in allowed.items():
        imports = _ingest_imports(module)
        wrong = sorted(imports - may_import)
        assert not wrong, f"{module} imports {wrong}: a call back up the line or sideways"
        source = (PACKAGE / f"{module}.py").read_text(encoding="utf-8")
        assert "pyspark" not in source, f"{module} runs on executors as plain Python"
