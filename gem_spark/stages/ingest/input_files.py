"""Turn `--input` values (paths, folders, globs, comma-separated lists, URIs) into a list of files.

Only listing happens here, on the driver; reading happens on executors. Paths are kept as absolute
local paths or full URIs so every executor (and every rerun) names a file the same way.
"""

from __future__ import annotations

import fnmatch
import glob
import os
from dataclasses import dataclass

import pyarrow.fs as pafs

FORMATS = ("parquet", "jsonl", "csv", "text")
# Files we cannot tell the format of get this marker and are quarantined as `unsupported_format`.
UNKNOWN_FORMAT = "unknown"

_EXTENSIONS = {
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".csv": "csv",
    ".txt": "text",
    ".text": "text",
    ".md": "text",
}
_COMPRESSIONS = {".gz": "gzip", ".zst": "zstd", ".zstd": "zstd"}
_GLOB_CHARS = frozenset("*?[")


class IngestInputError(ValueError):
    """An `--input` value names nothing readable (no such path, or a glob matching no file)."""


@dataclass(frozen=True)
class InputFile:
    path: str
    fmt: str
    compression: str | None


def split_inputs(inputs: list[str]) -> list[str]:
    """`["a,b", "c"]` → `["a", "b", "c"]` (each `--input` may hold a comma-separated list)."""
    return [part.strip() for item in inputs for part in item.split(",") if part.strip()]


def compression_of(path: str) -> str | None:
    return _COMPRESSIONS.get(os.path.splitext(path)[1].lower())


def detect_format(path: str) -> str:
    """Format by extension, looking through a compression suffix (`x.jsonl.zst` → jsonl)."""
    stem, ext = os.path.splitext(path.lower())
    if ext in _COMPRESSIONS:
        ext = os.path.splitext(stem)[1]
    return _EXTENSIONS.get(ext, UNKNOWN_FORMAT)


def expand_inputs(inputs: list[str], fmt: str) -> list[InputFile]:
    """All files the inputs name, in a stable order, each once. `fmt` is a format or "auto"."""
    if fmt != "auto" and fmt not in FORMATS:
        msg = f"unknown input format {fmt!r}; expected one of {', '.join(FORMATS)} or auto"
        raise IngestInputError(msg)
    items = split_inputs(inputs)
    if not items:
        msg = "no input given"
        raise IngestInputError(msg)
    paths: dict[str, None] = {}
    for item in items:
        matched = _list_files(item)
        if not matched:
            msg = f"input {item!r} matches no file"
            raise IngestInputError(msg)
        paths.update(dict.fromkeys(matched))
    return [
        InputFile(path, detect_format(path) if fmt == "auto" else fmt, compression_of(path)) for path in paths
    ]


def _is_uri(item: str) -> bool:
    return "://" in item


def _hidden(name: str) -> bool:
    # Spark and Delta bookkeeping (_SUCCESS, _delta_log, .crc) is not input.
    return name.startswith((".", "_"))


def _list_files(item: str) -> list[str]:
    if _is_uri(item):
        return _list_uri(item)
    if _GLOB_CHARS & set(item):
        matches = sorted(glob.glob(os.path.expanduser(item), recursive=True))
        return [path for match in matches for path in _list_local(match)]
    return _list_local(os.path.expanduser(item))


def _list_local(path: str) -> list[str]:
    path = os.path.abspath(path)
    if os.path.isdir(path):
        found = []
        for folder, subfolders, names in os.walk(path):
            subfolders[:] = sorted(name for name in subfolders if not _hidden(name))
            found.extend(os.path.join(folder, name) for name in sorted(names) if not _hidden(name))
        return found
    return [path] if os.path.exists(path) else []


def _list_uri(uri: str) -> list[str]:
    """Files under a URI (s3://, gs://, hdfs://, file://), globs matched against the listing."""
    scheme, rest = uri.split("://", 1)
    has_glob = bool(_GLOB_CHARS & set(rest))
    base = rest.split("*")[0].split("?")[0].split("[")[0].rsplit("/", 1)[0] if has_glob else rest
    filesystem, base_path = pafs.FileSystem.from_uri(f"{scheme}://{base}")
    info = filesystem.get_file_info(base_path)
    if info.type == pafs.FileType.NotFound:
        return []
    if info.type == pafs.FileType.File:
        listing = [info]
    else:
        listing = filesystem.get_file_info(pafs.FileSelector(base_path, recursive=True))
    prefix = f"{scheme}://{base}"
    found = []
    for entry in listing:
        relative = entry.path[len(base_path) :]
        if entry.type != pafs.FileType.File or any(_hidden(part) for part in relative.split("/")):
            continue
        full = prefix + relative
        if not has_glob or fnmatch.fnmatch(full, uri):
            found.append(full)
    return sorted(found)
