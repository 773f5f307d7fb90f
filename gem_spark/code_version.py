"""Code versioned by content: a hash of the source of the modules that compute a result goes into its
fingerprint, so changing that code recomputes those results on the next run, and nothing else does.
No manual version numbers to forget to bump."""

from __future__ import annotations

import hashlib
import importlib
import inspect
import pkgutil
from types import ModuleType


def code_version(*modules: ModuleType) -> str:
    """Hash of the source of `modules`, read through their loaders (so it also works from a zipped wheel)."""
    sha = hashlib.sha256()
    for module in modules:
        sha.update(inspect.getsource(module).encode("utf-8"))
    return sha.hexdigest()[:16]


def package_modules(*names: str) -> list[ModuleType]:
    """The modules named, and for a package every module inside it, sorted by name (a stable order)."""
    found: dict[str, ModuleType] = {}
    for name in names:
        module = importlib.import_module(name)
        found[name] = module
        for info in pkgutil.walk_packages(getattr(module, "__path__", []), f"{name}."):
            found[info.name] = importlib.import_module(info.name)
    return [found[name] for name in sorted(found)]
