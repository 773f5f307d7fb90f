"""One record of a user's dataset → one result row, in every --format (pure: no Spark)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gem_spark.config import load_config
from gem_spark.validate.records import check_document, check_line, check_record
from gem_spark.validate.rules import profile_rules

IMPORT = profile_rules(load_config(None), "import")


@pytest.mark.parametrize(
    ("name", "fmt", "kind"),
    [
        ("glaive_toolcall_en_demo.json", "sharegpt", "sharegpt"),
        ("toolace_sharegpt_func_fixed_100.json", "toolace", "toolace"),
        ("functionary_test_case.json", "openai", "openai_chat"),
        ("airline_tools.json", "tau-bench", "tool"),
    ],
)
def test_forced_formats_read_their_files(shared_data: Path, name: str, fmt: str, kind: str) -> None:
    rows = check_document((shared_data / "tooluse" / name).read_text(encoding="utf-8"), fmt, IMPORT, [])
    assert {row["kind"] for row in rows} == {kind}
    assert all(row["status"] != "import_failed" for row in rows)


def test_reason_tool_use_and_apigen_lines(shared_data: Path) -> None:
    for name, fmt, kind in (("reason_tool_use_demo_50.jsonl", "openai", "reason_tool_use"),
                            ("apigen_mt_style_sample.jsonl", "apigen-mt", "apigen_mt")):  # fmt: skip
        first = (shared_data / "tooluse" / name).read_text(encoding="utf-8").splitlines()[0]
        assert check_line(first, fmt, IMPORT, [])["kind"] == kind


def test_a_record_in_the_wrong_format_is_an_import_failure_not_an_error() -> None:
    row = check_record({"messages": [{"role": "user", "content": "hi"}]}, "tau-bench", IMPORT, [])
    assert (row["status"], row["reasons"]) == ("import_failed", ["record_invalid"])
    assert row["findings"][0]["detail"] == "'traj' is NoneType, expected list"
    unknown = check_record([1, 2], "auto", IMPORT, [])
    assert unknown["reasons"] == ["record_invalid"] and unknown["preview"] == "[1, 2]"
    assert check_line(json.dumps("text")[:-1], "auto", IMPORT, [])["reasons"] == ["json_invalid"]
