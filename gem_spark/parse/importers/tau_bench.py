"""tau-bench tool files: a JSON list of OpenAI function definitions (no conversations)."""

from __future__ import annotations

from typing import Any

from gem_spark.parse.failure import ParseFailure
from gem_spark.parse.importers.common import tools_from
from gem_spark.schema import Tool


def import_tau_bench_tools(data: Any) -> list[Tool] | ParseFailure:
    return tools_from(data, set())
