"""Importers of real tool-use datasets into the Trajectory model (each never raises on a bad record)."""

from gem_spark.parse.importers.apigen_mt import import_apigen_mt
from gem_spark.parse.importers.files import IMPORTERS, detect_format, import_file, import_record, load_records
from gem_spark.parse.importers.openai_chat import import_openai_chat
from gem_spark.parse.importers.reason_tool_use import import_reason_tool_use
from gem_spark.parse.importers.sharegpt import import_sharegpt
from gem_spark.parse.importers.tau_bench import import_tau_bench, import_tau_bench_tools
from gem_spark.parse.importers.toolace import import_toolace, parse_python_calls

__all__ = [
    "IMPORTERS",
    "detect_format",
    "import_apigen_mt",
    "import_file",
    "import_openai_chat",
    "import_reason_tool_use",
    "import_record",
    "import_sharegpt",
    "import_tau_bench",
    "import_tau_bench_tools",
    "import_toolace",
    "load_records",
    "parse_python_calls",
]
