"""README.md of an export folder: a Hugging Face dataset card (YAML front matter that `datasets.load_dataset`
and the Hub read, then a body saying what the data is and how it was made).

The YAML names the data files per split (so manifest.json, skipped.jsonl and dataset_info.json beside
them are never taken for data) and the features. Tool definitions and their JSON Schemas differ from row
to row, so the openai export declares each tool as `Json` (datasets >= 4) instead of a struct that one
row's schema would fix for all; the parquet export's features follow its Arrow schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import yaml

from gem_spark.export.convert import OPENAI, PARQUET, SHAREGPT, SYNTHESIZER
from gem_spark.export.shards import DATA_DIR
from gem_spark.export.sharegpt import MIN_LLAMAFACTORY
from gem_spark.report.document import Section, Table, to_markdown
from gem_spark.report.sections import (
    FUNNEL_HEADER,
    PASS_RATE_HEADER,
    complexity_table,
    funnel_rows,
    pass_rate_rows,
)

if TYPE_CHECKING:
    from gem_spark.config import GemConfig
    from gem_spark.export.manifest import ExportManifest
    from gem_spark.report.metrics import ReportData

CARD = "README.md"
SPLIT = "train"
TAGS = ["tool-use", "function-calling", "agents", "synthetic", "gem"]


def _string(name: str) -> dict[str, Any]:
    return {"name": name, "dtype": "string"}


_TURNS = {"name": "conversations", "list": [_string("from"), _string("value")]}
_CALL = [_string("id"), _string("type"), {"name": "function", "struct": [_string("name"), _string("arguments")]}]
RECORD_FEATURES: dict[str, list[dict[str, Any]]] = {
    OPENAI: [
        {"name": "messages", "list": [_string("role"), _string("content"),
                                      {"name": "tool_calls", "list": _CALL}, _string("tool_call_id")]},
        {"name": "tools", "list": {"dtype": "json"}},
    ],
    SHAREGPT: [_TURNS, _string("system"), _string("tools")],
    SYNTHESIZER: [_TURNS, _string("system")],
}  # fmt: skip

_ARROW_DTYPES = {pa.string(): "string", pa.large_string(): "string", pa.bool_(): "bool", pa.int8(): "int8",
                 pa.int16(): "int16", pa.int32(): "int32", pa.int64(): "int64", pa.float32(): "float32",
                 pa.float64(): "float64", pa.date32(): "date32"}  # fmt: skip


def _arrow_feature(arrow_type: pa.DataType) -> dict[str, Any]:
    """One Arrow type as the card's feature YAML (`dtype`, `list` or `struct`)."""
    if pa.types.is_struct(arrow_type):
        return {"struct": [{"name": f.name, **_arrow_feature(f.type)} for f in arrow_type]}
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        inner = _arrow_feature(arrow_type.value_type)
        return {"list": inner["struct"] if "struct" in inner else inner}
    if pa.types.is_timestamp(arrow_type):
        return {"dtype": f"timestamp[{arrow_type.unit}" + (f", tz={arrow_type.tz}]" if arrow_type.tz else "]")}
    if arrow_type in _ARROW_DTYPES:
        return {"dtype": _ARROW_DTYPES[arrow_type]}
    msg = f"no dataset-card feature for Arrow type {arrow_type}"
    raise ValueError(msg)


def arrow_features(schema: pa.Schema) -> list[dict[str, Any]]:
    return [{"name": f.name, **_arrow_feature(f.type)} for f in schema]


def size_category(rows: int) -> str:
    """The Hub's size_categories bucket of a row count."""
    bounds = [(1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"),
              (10_000_000, "1M<n<10M"), (100_000_000, "10M<n<100M"), (1_000_000_000, "100M<n<1B")]  # fmt: skip
    return next((name for bound, name in bounds if rows < bound), "n>1T" if rows >= 10**12 else "1B<n<10B")


@dataclass(frozen=True)
class CardInputs:
    config: GemConfig
    manifest: ExportManifest
    report: ReportData
    # Arrow schema of the parquet shards (None for the JSON Lines formats).
    schema: pa.Schema | None = None


def front_matter(inputs: CardInputs) -> dict[str, Any]:
    manifest, card = inputs.manifest, inputs.config.export.card
    extension = "parquet" if manifest.format == PARQUET else "jsonl"
    features = arrow_features(inputs.schema) if inputs.schema is not None else RECORD_FEATURES[manifest.format]
    info: dict[str, Any] = {"features": features, "splits": [{
        "name": SPLIT, "num_examples": manifest.n_exported,
        "num_bytes": sum(int(file["bytes"]) for file in manifest.files)}]}  # fmt: skip
    matter: dict[str, Any] = {
        "pretty_name": f"{card.pretty_name} ({manifest.format})",
        "license": card.license,
        "language": card.language,
        "task_categories": ["text-generation"],
        "tags": TAGS,
        "size_categories": [size_category(manifest.n_exported)],
        "configs": [{"config_name": "default",
                     "data_files": [{"split": SPLIT, "path": f"{DATA_DIR}/part-*.{extension}"}]}],
        "dataset_info": info,
    }  # fmt: skip
    if card.source_datasets:
        matter["source_datasets"] = card.source_datasets
    return matter


_FORMAT_TEXT = {
    OPENAI: "OpenAI chat fine-tuning records: `messages` (system, user, assistant with `tool_calls` whose "
    "`arguments` are JSON strings, `tool` results with `tool_call_id`) and `tools` (function definitions).",
    SHAREGPT: "LLaMA-Factory ShareGPT records: `conversations` of human / gpt / function_call / observation "
    "turns, `system`, and `tools` as a JSON string. A function_call value holds the calls' JSON, or the "
    f"assistant's text followed by `<tool_call>{{…}}</tool_call>`: read it with LLaMA-Factory >= {MIN_LLAMAFACTORY}.",
    SYNTHESIZER: "Trajectory Synthesizer SFT pairs: the synthesize prompt with a source segment → the "
    "`<toolsets>` and the tagged trajectory the synthesize stage parses (teacher output only).",
    PARQUET: "The `accepted` table's rows as Parquet: trajectory JSON, stats, source stage, fingerprints.",
}
_HOW_MADE = (
    "Made with gem-spark (the GEM method, Xu et al., 2026): web text is segmented and scored by a heuristic "
    "prefilter; an LLM keeps segments that describe multi-step workflows (Stage 1); then either a teacher "
    "model extracts the workflow and tools, writes a trajectory and refines it for complexity (Stages 2-4), "
    "or the distilled Trajectory Synthesizer writes tools and trajectory in one call. Rule checks and an LLM "
    "judge (R1 tool calls, R2 capability, R3 context hallucination) accept only trajectories scoring 1 on "
    "all three; near duplicates and benchmark-contaminated trajectories are marked and never exported."
)


def _load_snippet(fmt: str) -> str:
    lines = ["```python", "from datasets import load_dataset", "",
             'ds = load_dataset("path/to/this/folder", split="train")', "```"]  # fmt: skip
    if fmt in (SHAREGPT, SYNTHESIZER):
        dataset = "gem_sharegpt" if fmt == SHAREGPT else "gem_synthesizer"
        lines += ["", f"LLaMA-Factory (>= {MIN_LLAMAFACTORY}): `dataset_dir: path/to/this/folder`, "
                  f"`dataset: {dataset}`, `template: qwen3`, `enable_thinking: false` (dataset_info.json is here)."]  # fmt: skip
    return "\n".join(lines)


def _models(config: GemConfig) -> Table:
    rows = [[role, model.backend, model.model] for role, model in sorted(config.models.items())]
    return Table(["role", "backend", "model"], rows, "Models by role")


def _export_table(manifest: ExportManifest) -> Table:
    rows: list[list[Any]] = [["exported", manifest.n_exported]]
    rows += [[f"skipped: {reason}", n] for reason, n in sorted(manifest.skipped.items())]
    rows += [[f"note: {note}", n] for note, n in sorted(manifest.notes.items())]
    rows += [[f"accepted rows: {status}", n] for status, n in sorted(manifest.accepted_by_status.items())]
    rows += [[f"snapshot: {snapshot}", n] for snapshot, n in sorted(manifest.snapshots.items())]
    return Table(["", "trajectories"], rows, "This export")


def card_sections(inputs: CardInputs) -> list[Section]:
    manifest, data = inputs.manifest, inputs.report
    return [
        Section("Format", _FORMAT_TEXT[manifest.format]),
        Section("Load it", _load_snippet(manifest.format)),
        Section("How the data was made", _HOW_MADE, [_models(inputs.config), _export_table(manifest)]),
        Section("Funnel", "Latest row per key of every stage table when this export was written.",
                [Table(FUNNEL_HEADER, funnel_rows(data))]),
        Section("Pass rates", "The paper finds multi-step workflows in about 14% of segments (compare 'overall').",
                [Table(PASS_RATE_HEADER, pass_rate_rows(data)[1])]),
        Section("Complexity", "Per ok trajectory, beside the paper's figures before and after refinement.",
                [complexity_table(data)]),
        Section("Provenance", f"Config fingerprint `{manifest.config_fingerprint}`; written "
                f"{manifest.created_at}; runs: {', '.join(sorted(manifest.runs)) or '(none)'}; trajectory "
                f"fingerprints: {len(manifest.fingerprints)}. Files with SHA-256 are listed in manifest.json."),
    ]  # fmt: skip


def render_card(inputs: CardInputs) -> str:
    matter = yaml.safe_dump(front_matter(inputs), sort_keys=False, allow_unicode=True, width=1000)
    title = f"{inputs.config.export.card.pretty_name} ({inputs.manifest.format})"
    intro = f"{inputs.manifest.n_exported} trajectories accepted by gem-spark, in the {inputs.manifest.format} format."
    return f"---\n{matter}---\n\n{to_markdown(title, intro, card_sections(inputs))}"
