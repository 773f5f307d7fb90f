"""Typed configuration: YAML file + `--set a.b=c` overrides, validated before Spark starts.

Every section is a strict pydantic model (unknown keys are errors) so a typo in a config file stops
the run with the key and the file named, instead of being silently ignored. Secrets never live here:
a model config names the environment variable that holds its API key.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic.fields import FieldInfo


class ConfigError(ValueError):
    """A config file or override is invalid; the message names the key and the file."""


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def setting(default: Any = ..., description: str = "", **constraints: Any) -> Any:
    """A config field with its description (what `gem-spark config --explain` prints)."""
    if callable(default):  # a class or function builds a fresh mutable default per instance
        return Field(default_factory=default, description=description, **constraints)
    return Field(default, description=description, **constraints)


def path_setting(default: Any, description: str) -> Any:
    """A local path or URI; relative in a config file means relative to that file's folder."""
    return Field(default, description=description, json_schema_extra={"path": True})


class SparkConfig(StrictModel):
    master: str = setting("local[*]", "Spark master for a session gem-spark builds itself (ignored under spark-submit or on Databricks).")
    app_name: str = setting("gem-spark", "Spark application name of a session gem-spark builds.")
    conf: dict[str, str] = setting(dict, "Extra Spark properties for a locally built session (ignored when a session already exists).")


class TablesConfig(StrictModel):
    engine: Literal["auto", "spark-delta", "delta-rs"] = setting("auto", "Delta engine: spark-delta (Delta jars in the session), delta-rs (no jars), or auto (spark-delta when the jars load).")
    root: str = path_setting("./lakehouse", "Folder (local path or URI) that holds one Delta table per stage: <root>/<table>.")
    catalog: str | None = setting(None, "Unity Catalog catalog; with tables.schema, tables are named <catalog>.<schema>.<table> instead of paths.")
    database: str | None = setting(None, "Unity Catalog schema (key: tables.schema); see tables.catalog.", alias="schema")


class ColumnMapping(StrictModel):
    """Which input columns hold the text and its metadata (FineWeb / Ultra-FineWeb names by default)."""

    text: str = setting("text", "Input column holding the document text.")
    id: str = setting("id", "Input column holding the document id.")
    url: str = setting("url", "Input column holding the document URL.")
    dump: str = setting("dump", "Input column holding the crawl dump name.")


class IngestConfig(StrictModel):
    format: Literal["auto", "parquet", "jsonl", "csv", "text"] = setting("auto", "Input format of corpus files (auto: by file extension).")
    columns: ColumnMapping = setting(ColumnMapping, "Which input columns hold the text and its metadata.")
    min_segment_chars: int = setting(200, "Segments shorter than this are dropped (below ingest.max_segment_chars).", ge=1)
    max_segment_chars: int = setting(6000, "Documents are cut into segments of at most this many characters.", ge=100)
    max_document_chars: int = setting(5_000_000, "Documents longer than this are quarantined (document_too_large) instead of segmented.", ge=1000)
    raw_preview_chars: int = setting(512, "How much of a bad record's raw value the quarantine table keeps.", ge=0)


class PrefilterConfig(StrictModel):
    threshold: float = setting(0.5, "Heuristic procedural score (0-1) a segment needs to reach the LLM filter.", ge=0.0, le=1.0)


class SamplingConfig(StrictModel):
    temperature: float = setting(0.0, "Sampling temperature (0: greedy).", ge=0.0)
    top_p: float = setting(1.0, "Nucleus sampling probability mass.", gt=0.0, le=1.0)
    max_tokens: int = setting(2048, "Most tokens the model may generate per request.", ge=1)
    seed: int | None = setting(None, "Sampling seed, for reproducible non-greedy sampling.")


class Prices(StrictModel):
    """USD per million tokens, used by the report's cost estimate."""

    prompt_per_m: float = setting(0.0, "USD per million prompt tokens (report cost estimate).", ge=0.0)
    completion_per_m: float = setting(0.0, "USD per million completion tokens (report cost estimate).", ge=0.0)


class _ModelBase(StrictModel):
    model: str = setting(..., "Model name or weights folder (vLLM/transformers), served model name (openai), or label (replay).")
    sampling: SamplingConfig = setting(SamplingConfig, "Sampling parameters of every request.")
    chat_template_kwargs: dict[str, Any] = setting(dict, 'Passed to the chat template, e.g. {"enable_thinking": false} for Qwen3.')
    prices: Prices = setting(Prices, "Token prices for the report's cost estimate.")
    max_prompt_tokens: int | None = setting(None, "Longest prompt (in tokens) the backend accepts; longer ones become prompt_too_long errors.", ge=1)


class VllmModelConfig(_ModelBase):
    backend: Literal["vllm"] = setting(..., "vllm: an engine per executor (GPU or CPU build).")
    tensor_parallel_size: int = setting(1, "GPUs per vLLM engine (tensor parallelism).", ge=1)
    max_model_len: int | None = setting(None, "Context length of the engine (prompt + completion tokens).", ge=16)
    gpu_memory_utilization: float = setting(0.9, "Share of GPU memory vLLM may use.", gt=0.0, le=1.0)
    dtype: str = setting("auto", "Weight dtype (auto, bfloat16, float16, ...).")
    enforce_eager: bool = setting(False, "Disable CUDA graphs (less memory, slower).")
    kv_cache_memory_bytes: int | None = setting(None, "KV cache size in bytes (instead of gpu_memory_utilization).", ge=1)
    structured_outputs_backend: str | None = setting(None, "vLLM structured-output backend (xgrammar, guidance, ...).")
    disable_any_whitespace: bool = setting(False, "Structured output: forbid free whitespace in generated JSON.")
    engine_kwargs: dict[str, Any] = setting(dict, "Anything else vllm.LLM accepts (quantization, ...), passed through untouched.")


class OpenAIModelConfig(_ModelBase):
    backend: Literal["openai"] = setting(..., "openai: an OpenAI-compatible HTTP endpoint.")
    base_url: str = setting(..., "Endpoint base URL, e.g. https://host/v1.")
    api_key_env: str | None = setting(None, "Name of the environment variable holding the API key (never the key itself).")
    concurrency: int = setting(8, "Requests in flight per task.", ge=1)
    timeout_s: float = setting(120.0, "Timeout of one HTTP request, seconds.", gt=0)
    max_retries: int = setting(5, "Retries of a request that failed transiently.", ge=0)
    backoff_base_s: float = setting(1.0, "First retry delay, seconds (doubles per retry).", gt=0)
    backoff_max_s: float = setting(60.0, "Longest retry delay, seconds.", gt=0)
    max_total_wait_s: float = setting(600.0, "Upper bound on all waiting for one request (retries + backoff), seconds.", gt=0)
    max_response_bytes: int = setting(8 << 20, "Responses larger than this are refused.", ge=1024)
    supports_json_schema: bool = setting(False, "The endpoint accepts response_format json_schema (structured output).")


class TransformersModelConfig(_ModelBase):
    backend: Literal["transformers"] = setting(..., "transformers: Hugging Face generate() per executor.")
    device: str = setting("cpu", "Torch device (cpu, cuda, ...).")
    dtype: str = setting("auto", "Weight dtype (auto, bfloat16, float32, ...).")
    batch_size: int = setting(8, "Prompts per generate() call.", ge=1)


class ReplayModelConfig(_ModelBase):
    backend: Literal["replay"] = setting(..., "replay: recorded responses (the offline demo and tests).")
    responses: str = path_setting(..., 'JSON Lines of {"stage", "key", "text"} recorded responses.')


ModelConfig = Annotated[
    VllmModelConfig | OpenAIModelConfig | TransformersModelConfig | ReplayModelConfig,
    Field(discriminator="backend"),
]
MODEL_CLASSES = (VllmModelConfig, OpenAIModelConfig, TransformersModelConfig, ReplayModelConfig)

# Model settings that change how requests run, never what they return: left out of stage fingerprints.
# Everything else (model, sampling, dtype, max_model_len, engine_kwargs such as quantization, ...) goes in,
# so changing it recomputes the stages that use the model.
NOT_FINGERPRINTED = frozenset({
    "concurrency", "timeout_s", "max_retries", "backoff_base_s", "backoff_max_s", "max_total_wait_s",
    "max_response_bytes", "prices", "api_key_env", "base_url", "batch_size", "tensor_parallel_size",
    "gpu_memory_utilization", "kv_cache_memory_bytes", "enforce_eager", "device",
    # Where the recorded responses live (differs per checkout); their content is what is replayed.
    "responses",
})  # fmt: skip

ModelRole = Literal["filter", "teacher", "judge", "synthesizer"]


class StageConfig(StrictModel):
    model: ModelRole = setting(..., "Model role (models.<role>) the stage runs on.")
    structured_output: bool = setting(False, "Ask for JSON-schema-constrained output where the stage has a structured variant (select, judge).")
    max_input_chars: int = setting(12_000, "Source text beyond this many characters is cut (and the row flagged truncated).", ge=100)


# Each stage's default settings (a new stage adds its line here and its place in stages/modes.py; the
# config layer cannot import the stages, and keeping defaults here lets `gem-spark config` show them).
STAGE_DEFAULTS: dict[str, StageConfig] = {
    "select": StageConfig(model="filter", max_input_chars=8000),
    "extract": StageConfig(model="teacher"),
    "generate": StageConfig(model="teacher"),
    "refine": StageConfig(model="teacher", max_input_chars=60_000),
    "judge": StageConfig(model="judge", max_input_chars=60_000),
    "synthesize": StageConfig(model="synthesizer"),
}


def _default_stages() -> dict[str, StageConfig]:
    return {name: stage.model_copy() for name, stage in STAGE_DEFAULTS.items()}


class RunnerConfig(StrictModel):
    """How LLM requests are fed to backends on executors; excluded from fingerprints (no setting here
    changes a result, only how fast it comes)."""

    batch_size: int = setting(64, "Rows per Arrow batch a task reads and writes: finished rows wait in a buffer of at most this many.", ge=1)
    max_in_flight: int | None = setting(None, "Requests a task keeps in its backend at once, refilled as each finishes; none: the backend's default (vllm: twice the engine's max_num_seqs; openai: the model's concurrency; transformers: its batch_size). See the README's 'Feeding the engines'.", ge=1)
    flush_s: float = setting(2.0, "Finished rows leave a task at least this often (seconds, checked as results arrive).", gt=0)
    # The batch-synchronous feed is the pre-#13 one, kept so bench/llm_runner.py shows the gap; never faster.
    feed: Literal["continuous", "batch_synchronous"] = setting("continuous", "continuous: one feed per task, the backend kept full across batches; batch_synchronous: each batch_size slice waits for its slowest request (benchmark baseline only).")
    gpus_per_task: float | None = setting(None, "GPUs per task for GPU stages (Spark ResourceProfile); none on CPU-only clusters.", gt=0)
    partitions: int | None = setting(None, "Repartition pending work into this many partitions before inference (none: keep as is).", ge=1)


class PipelineConfig(StrictModel):
    max_attempts: int = setting(3, "An error row is retried until its key has this many error rows under the current fingerprint.", ge=1)
    min_tool_calls: int = setting(1, "Trajectories with fewer tool calls are rejected.", ge=0)
    # Commit pieces (none of these enter fingerprints): a crash loses at most the requests in flight
    # plus one unwritten piece per task.
    piece_rows: int = setting(20_000, "Each task writes its finished rows as a Parquet piece every piece_rows rows or piece_seconds seconds, whichever comes first.", ge=1)
    piece_seconds: float = setting(120.0, "Longest time a task fills one piece before writing it (seconds).", gt=0)
    commit_interval_s: float = setting(60.0, "The driver commits every piece written so far (one Delta commit) at most this often, and logs progress (seconds).", gt=0)
    compact_after_pieces: int = setting(32, "A stage that committed at least this many pieces compacts its table afterwards (large files).", ge=1)
    reject_invalid_labels: bool = setting(True, "Reject selection rows whose labels are outside GEM.md's label sets (false: keep them, recorded invalid).")


class DedupConfig(StrictModel):
    enabled: bool = setting(True, "MinHash near-duplicate marking of accepted trajectories.")
    shingle_size: int = setting(5, "Words per MinHash shingle.", ge=1)
    num_hashes: int = setting(64, "MinHash signature length.", ge=1)
    threshold: float = setting(0.8, "Jaccard similarity from which two trajectories are near duplicates.", gt=0.0, le=1.0)
    recall: float = setting(0.95, "Chance that a pair at exactly dedup.threshold shares an LSH band (and so is compared at all).", gt=0.0, lt=1.0)


class BenchmarkFile(StrictModel):
    name: str = setting(..., "Benchmark name (reported on contaminated rows).")
    path: str = path_setting(..., "Benchmark file.")
    format: Literal["bfcl", "tau2", "text"] = setting("text", "Benchmark file format.")


class DecontamConfig(StrictModel):
    ngram: int = setting(13, "Word n-gram length shared with a benchmark that marks a trajectory contaminated.", ge=3)
    min_ngram: int = setting(8, "Benchmark texts shorter than decontam.ngram words but at least this long are matched as a whole.", ge=1)
    benchmarks: list[BenchmarkFile] = setting(list, "Benchmark files to decontaminate against.")


class DatasetCardConfig(StrictModel):
    """Fields of the Hugging Face dataset card (README.md) every export folder gets."""

    license: str = setting("other", "A Hub license id (apache-2.0, cc-by-4.0, odc-by, ...); other until the corpus' terms are settled.")
    language: list[str] = setting(lambda: ["en"], "Languages of the data (Hub language codes).")
    source_datasets: list[str] = setting(list, "Hub ids or URLs of the corpora the segments came from (e.g. openbmb/Ultra-FineWeb).")
    pretty_name: str = setting("GEM tool-use trajectories", "The card's title.")


class ExportConfig(StrictModel):
    shard_rows: int = setting(10_000, "Rows per export shard file.", ge=1)
    out: str = path_setting("./exports", "Where `gem-spark demo` writes its exports (one folder per format).")
    synthesizer_sources: list[str] = setting(lambda: ["refine"], "Source stages whose accepted trajectories train the Trajectory Synthesizer (teacher output only).")
    chat_template: str | None = path_setting(None, "A chat template (e.g. Qwen3's .jinja); conversations it does not render faithfully are skipped.")
    card: DatasetCardConfig = setting(DatasetCardConfig, "The Hugging Face dataset card (README.md) written into every export folder.")


class ViewerConfig(StrictModel):
    """The report's trajectory viewer: which rows it samples (deterministic for a seed)."""

    samples_per_group: int = setting(5, "Trajectories shown per (path, outcome) group: accepted, and each rejection reason.", ge=0)
    seed: int = setting(0, "Seed of the viewer's sample.")
    segment_chars: int = setting(6000, "Source segments longer than this are cut in the page (the tables keep them whole).", ge=100)


class ReportConfig(StrictModel):
    out: str = path_setting("./report", "Folder of the run report (index.html, report.md, charts).")
    viewer: ViewerConfig = setting(ViewerConfig, "The trajectory viewer page (viewer.html).")


Severity = Literal["reject", "warn", "off"]


class ValidateProfile(StrictModel):
    """One set of validation rules (see gem_spark/validate/rules.py); `rules` sets a code's severity."""

    min_tool_calls: int | None = setting(None, "Fewest tool calls a trajectory needs; none: pipeline.min_tool_calls.", ge=0)
    single_call_per_turn: bool = setting(False, "Reject an assistant turn with more than one tool call.")
    require_system: bool = setting(True, "Require a system message first.")
    allow_trailing_call: bool = setting(False, "Accept a trajectory that ends with an unanswered tool call (single-step datasets).")
    max_error_chars: int = setting(300, "Longest detail text kept per finding.", ge=1)
    rules: dict[str, Severity] = setting(dict, "Severity per rule code: reject, warn or off.")

    @field_validator("rules", mode="before")
    @classmethod
    def _yaml_off(cls, rules: Any) -> Any:
        # YAML 1.1 reads a bare `off` as false.
        if not isinstance(rules, dict):
            return rules
        return {code: "off" if level is False else level for code, level in rules.items()}

    @field_validator("rules")
    @classmethod
    def _known_codes(cls, rules: dict[str, str]) -> dict[str, str]:
        from gem_spark.validate.codes import RULE_CODES

        unknown = sorted(set(rules) - RULE_CODES)
        if unknown:
            msg = f"unknown rule code(s) {unknown}; known: {sorted(RULE_CODES)}"
            raise ValueError(msg)
        return rules


def _default_profiles() -> dict[str, dict[str, Any]]:
    """One profile per validating stage, and `import` for real datasets (gem-spark validate)."""
    one_call = {"single_call_per_turn": True}
    return {
        "generate": {},
        "refine": one_call,
        "synthesize": one_call,
        "judge": one_call,
        # Real datasets: no system prompt, single-step samples that stop at a call, chit-chat without
        # calls, API titles as tool names, call names without definitions, a closing user turn.
        "import": {
            "min_tool_calls": 0,
            "require_system": False,
            "allow_trailing_call": True,
            "rules": {
                "tool_name_invalid": "warn",
                "no_tool_definitions": "warn",
                "not_ending_with_assistant": "warn",
            },
        },
    }


class ValidateConfig(StrictModel):
    # A profile given in YAML is laid over the default of the same name key by key (its `rules` too).
    profiles: dict[str, ValidateProfile] = setting(dict, "Rule profiles by name; one per validating stage (generate, refine, synthesize, judge) and import; a profile given here is laid over the default of the same name key by key.")

    @field_validator("profiles", mode="before")
    @classmethod
    def _over_defaults(cls, given: Any) -> Any:
        if not isinstance(given, dict):
            return given
        merged = _default_profiles()
        for name, profile in given.items():
            if not isinstance(profile, dict):
                merged[name] = profile
                continue
            base = merged.get(name, {})
            rules = {**base.get("rules", {}), **(profile.get("rules") or {})}
            merged[name] = {**base, **profile, "rules": rules}
        return merged

    def profile(self, name: str) -> ValidateProfile:
        if name not in self.profiles:
            msg = f"no validation profile {name!r}; known: {sorted(self.profiles)}"
            raise ConfigError(msg)
        return self.profiles[name]


class LoggingConfig(StrictModel):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = setting("INFO", "Log level of the driver.")


class GemConfig(StrictModel):
    spark: SparkConfig = setting(SparkConfig, "Spark session.")
    tables: TablesConfig = setting(TablesConfig, "Where the Delta tables live.")
    ingest: IngestConfig = setting(IngestConfig, "Reading corpus files into segments.")
    prefilter: PrefilterConfig = setting(PrefilterConfig, "The heuristic prefilter before the LLM filter.")
    models: dict[ModelRole, ModelConfig] = setting(dict, "Models by role: filter, teacher, judge, synthesizer.")
    stages: dict[str, StageConfig] = setting(_default_stages, "Per stage: its model role and input limits (merged field by field over the defaults).")
    runner: RunnerConfig = setting(RunnerConfig, "How LLM requests are fed to backends on executors.")
    pipeline: PipelineConfig = setting(PipelineConfig, "Retries, commits and acceptance rules of a run.")
    dedup: DedupConfig = setting(DedupConfig, "Near-duplicate marking of accepted trajectories.")
    decontam: DecontamConfig = setting(DecontamConfig, "Benchmark decontamination of accepted trajectories.")
    export: ExportConfig = setting(ExportConfig, "SFT exports.")
    report: ReportConfig = setting(ReportConfig, "The run report.")
    logging: LoggingConfig = setting(LoggingConfig, "Logging.")
    validate_: ValidateConfig = Field(default_factory=lambda: ValidateConfig(profiles={}), alias="validate", description="Rule profiles of the validator (validate.profiles.<name>).")

    @model_validator(mode="before")
    @classmethod
    def _merge_stages_over_defaults(cls, data: Any) -> Any:
        """`stages.select.model: filter` changes that one field; the stage's other defaults stay."""
        if not isinstance(data, dict) or not isinstance(data.get("stages"), dict):
            return data
        defaults = _default_stages()
        merged = {
            name: {**defaults[name].model_dump(), **value} if name in defaults and isinstance(value, dict) else value
            for name, value in data["stages"].items()
        }
        return {**data, "stages": merged}

    @field_validator("stages")
    @classmethod
    def _known_stages(cls, stages: dict[str, StageConfig]) -> dict[str, StageConfig]:
        unknown = sorted(set(stages) - set(_default_stages()))
        if unknown:
            msg = f"unknown stage(s) {unknown}; known: {sorted(_default_stages())}"
            raise ValueError(msg)
        return {**_default_stages(), **stages}

    @model_validator(mode="after")
    def _consistent(self) -> GemConfig:
        problems = cross_field_problems(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def model_for(self, stage: str) -> ModelConfig:
        role = self.stages[stage].model
        if role not in self.models:
            msg = f"stage {stage!r} uses model role {role!r}, which is not configured under models:"
            raise ConfigError(msg)
        return self.models[role]

    def fingerprint(self) -> str:
        """Hash of the whole config, for the runs table (secrets are never in the config)."""
        canonical = json.dumps(self.model_dump(mode="json", by_alias=True), sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def cross_field_problems(config: GemConfig) -> list[str]:
    """Settings valid one by one that contradict each other, each message naming both keys."""
    checks: list[tuple[bool, str]] = [
        (
            config.ingest.min_segment_chars < config.ingest.max_segment_chars,
            f"ingest.min_segment_chars ({config.ingest.min_segment_chars}) must be below "
            f"ingest.max_segment_chars ({config.ingest.max_segment_chars})",
        ),
        (
            config.decontam.min_ngram <= config.decontam.ngram,
            f"decontam.min_ngram ({config.decontam.min_ngram}) must not exceed decontam.ngram ({config.decontam.ngram})",
        ),
        (
            # The best recall n hashes reach is with one row per band: 1 - (1 - threshold)^n.
            1.0 - (1.0 - config.dedup.threshold) ** config.dedup.num_hashes >= config.dedup.recall,
            f"dedup.num_hashes ({config.dedup.num_hashes}) cannot reach dedup.recall ({config.dedup.recall}) at "
            f"dedup.threshold ({config.dedup.threshold}): raise num_hashes or lower recall",
        ),
    ]
    for role, model in config.models.items():
        key = f"models.{role}"
        if isinstance(model, VllmModelConfig) and model.max_model_len is not None:
            checks.append((
                model.max_prompt_tokens is None or model.max_prompt_tokens < model.max_model_len,
                f"{key}.max_prompt_tokens ({model.max_prompt_tokens}) must be below {key}.max_model_len "
                f"({model.max_model_len}): the completion needs room",
            ))  # fmt: skip
            checks.append((
                model.sampling.max_tokens < model.max_model_len,
                f"{key}.sampling.max_tokens ({model.sampling.max_tokens}) must be below {key}.max_model_len "
                f"({model.max_model_len}): the prompt needs room",
            ))  # fmt: skip
        if isinstance(model, OpenAIModelConfig):
            checks.append((
                model.backoff_base_s <= model.backoff_max_s <= model.max_total_wait_s,
                f"{key}.backoff_base_s ({model.backoff_base_s}) <= {key}.backoff_max_s ({model.backoff_max_s}) "
                f"<= {key}.max_total_wait_s ({model.max_total_wait_s}) does not hold",
            ))  # fmt: skip
    return [message for holds, message in checks if not holds]


def parse_override(item: str) -> tuple[list[str], Any]:
    """`a.b.c=value` → (["a","b","c"], value); the value is parsed as YAML (numbers, bools, lists)."""
    if "=" not in item:
        msg = f"--set expects key=value, got {item!r}"
        raise ConfigError(msg)
    dotted, raw = item.split("=", 1)
    path = [part for part in dotted.strip().split(".") if part]
    if not path:
        msg = f"--set has an empty key in {item!r}"
        raise ConfigError(msg)
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    return path, value


def apply_overrides(data: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    for item in overrides:
        path, value = parse_override(item)
        node = data
        for part in path[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = {}
                node[part] = child
            node = child
        node[path[-1]] = value
    return data


def _describe(error: ValidationError, source: str) -> str:
    lines = [f"invalid config {source}:"]
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"])
        message = item["msg"].removeprefix("Value error, ")
        lines.append(f"  {key}: {message}" if key else f"  {message}")
    return "\n".join(lines)


Source = Literal["default", "file", "--set"]
KeyPath = tuple[str, ...]


def _read_file(path: str | Path | None) -> dict[str, Any]:
    if not path:
        return {}
    file = Path(path)
    if not file.is_file():
        msg = f"config file not found: {file}"
        raise ConfigError(msg)
    try:
        loaded = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        msg = f"config file {file} is not valid YAML: {exc}"
        raise ConfigError(msg) from exc
    if loaded is not None and not isinstance(loaded, dict):
        msg = f"config file {file} must hold a mapping at top level"
        raise ConfigError(msg)
    return loaded or {}


@dataclass(frozen=True)
class ConfigSources:
    """Where each setting of a loaded config came from: the file's own keys and the --set keys."""

    file_data: dict[str, Any]
    override_paths: tuple[KeyPath, ...]

    def source(self, key: KeyPath) -> Source:
        # A --set of the key, of a section above it, or of a part of it (spark.conf.x for spark.conf).
        if any(key[: len(path)] == path or path[: len(key)] == key for path in self.override_paths):
            return "--set"
        node: Any = self.file_data
        for part in key:
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                return "default"
        return "file"


def load_config_with_sources(
    path: str | Path | None, overrides: list[str] | None = None
) -> tuple[GemConfig, ConfigSources]:
    """`load_config`, and where every value came from (what `gem-spark config` prints)."""
    source = str(path) if path else "<defaults>"
    file_data = _read_file(path)
    sources = ConfigSources(file_data, tuple(tuple(parse_override(item)[0]) for item in overrides or []))
    data = apply_overrides(copy.deepcopy(file_data), overrides or [])
    try:
        config = GemConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, source)) from exc
    base = Path(path).resolve().parent if path else Path.cwd()
    return _resolve_paths(config, (), lambda key: sources.source(key) == "file", base), sources


def load_config(path: str | Path | None, overrides: list[str] | None = None) -> GemConfig:
    """Load YAML (or defaults when path is None), apply overrides, validate. Raises ConfigError.

    A relative path written in the file is relative to the file's folder, so a config works from any
    cwd; one given with --set, or a default, is relative to the cwd, like any command-line path."""
    return load_config_with_sources(path, overrides)[0]


_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")  # s3://, abfss://, dbfs:/ (not a Windows drive letter)


def is_path_field(info: FieldInfo) -> bool:
    return isinstance(info.json_schema_extra, dict) and info.json_schema_extra.get("path") is True


def field_key(name: str, info: FieldInfo) -> str:
    """A field's key in config files (its alias: tables.schema)."""
    return info.alias or name


def _resolve_paths(model: BaseModel, prefix: KeyPath, from_file: Callable[[KeyPath], bool], base: Path) -> Any:
    """`model` with every relative path setting that came from the file made absolute against `base`."""
    updates: dict[str, Any] = {}
    for name, info in type(model).model_fields.items():
        value, key = getattr(model, name), (*prefix, field_key(name, info))
        if is_path_field(info) and isinstance(value, str) and from_file(key):
            if value and not _URI.match(value) and not Path(value).is_absolute():
                updates[name] = str((base / value).resolve())
        elif isinstance(value, BaseModel):
            updates[name] = _resolve_paths(value, key, from_file, base)
        elif isinstance(value, dict):
            updates[name] = {k: _resolve_paths(v, (*key, k), from_file, base) if isinstance(v, BaseModel) else v
                             for k, v in value.items()}  # fmt: skip
        elif isinstance(value, list):
            updates[name] = [_resolve_paths(v, (*key, str(i)), from_file, base) if isinstance(v, BaseModel) else v
                             for i, v in enumerate(value)]  # fmt: skip
    return model.model_copy(update=updates)
