"""Where a table lives: `<root>/<name>` for paths, `<catalog>.<schema>.<name>` for Unity Catalog."""

from __future__ import annotations

import re
from pathlib import Path

from gem_spark.tables.store import TableError

_TABLE_NAME = re.compile(r"[a-z_][a-z0-9_]*")
# `s3://bucket/x`, `abfss://...`, `file:///x`: a URI is passed through; anything else is a local path.
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
# Folders under the root beside the tables: commit-piece manifests, and staged piece copies (spark-delta).
PIECE_STAGING, PIECE_DATA = "_pieces", "_piece_data"


def check_table_name(name: str) -> str:
    """Table names are plain identifiers, so they are valid as folder names and as UC names alike."""
    if not _TABLE_NAME.fullmatch(name):
        msg = f"invalid table name {name!r}: use lower-case letters, digits and underscores"
        raise TableError(msg)
    return name


def table_path(root: str, name: str) -> str:
    """`<root>/<name>`; a relative local root is made absolute so driver and executors agree on it."""
    check_table_name(name)
    if _URI.match(root):
        return f"{root.rstrip('/')}/{name}"
    return str(Path(root).expanduser().resolve() / name)


def catalog_name(catalog: str, schema: str, name: str) -> str:
    """Three-part Unity Catalog name, each part quoted so unusual catalog or schema names stay valid SQL."""
    check_table_name(name)
    return ".".join(f"`{part.replace('`', '``')}`" for part in (catalog, schema, name))
