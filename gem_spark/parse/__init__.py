"""Model output and dataset records → schema models. Parsers never raise: a model or a ParseFailure."""

from gem_spark.parse.failure import PARSE_REASONS, ParseFailure
from gem_spark.parse.graph import parse_execution_graph
from gem_spark.parse.jsonload import load_json
from gem_spark.parse.judgement import parse_judgement
from gem_spark.parse.selection import parse_selection, parse_selection_json
from gem_spark.parse.tools import normalize_tool, normalize_tools
from gem_spark.parse.trajectory import parse_toolset_trajectory, parse_trajectory
from gem_spark.parse.workflows import parse_workflows

__all__ = [
    "PARSE_REASONS",
    "ParseFailure",
    "load_json",
    "normalize_tool",
    "normalize_tools",
    "parse_execution_graph",
    "parse_judgement",
    "parse_selection",
    "parse_selection_json",
    "parse_toolset_trajectory",
    "parse_trajectory",
    "parse_workflows",
]
