"""SFT exports of the accepted trajectories (OpenAI, LLaMA-Factory ShareGPT, synthesizer pairs, Parquet)
and the chat-template check every exported conversation can be held to."""

from gem_spark.export.chat_template import chat_template_problems, load_chat_template, render_chat
from gem_spark.export.convert import FORMATS
from gem_spark.export.manifest import ExportManifest
from gem_spark.export.run import ExportError, run_export

__all__ = [
    "FORMATS",
    "ExportError",
    "ExportManifest",
    "chat_template_problems",
    "load_chat_template",
    "render_chat",
    "run_export",
]
