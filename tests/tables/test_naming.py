from __future__ import annotations

from pathlib import Path

import pytest

from gem_spark.tables.naming import catalog_name, table_path
from gem_spark.tables.store import TableError


def test_a_relative_root_becomes_an_absolute_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert table_path("./lakehouse", "select") == str(tmp_path / "lakehouse" / "select")


def test_a_uri_root_is_kept_as_given() -> None:
    assert table_path("s3://bucket/gem/", "judge") == "s3://bucket/gem/judge"
    assert table_path("file:///data/lake", "judge") == "file:///data/lake/judge"


def test_catalog_names_are_three_quoted_parts() -> None:
    assert catalog_name("main", "gem-data", "segments") == "`main`.`gem-data`.`segments`"


@pytest.mark.parametrize("name", ["", "Select", "a/b", "../x", "a.b", "1st"])
def test_names_that_are_not_plain_identifiers_are_refused(name: str) -> None:
    with pytest.raises(TableError, match="invalid table name"):
        table_path("/lake", name)
