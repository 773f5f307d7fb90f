"""Typed configuration: YAML file + `--set a.b=c` overrides, validated before Spark starts.

Every section is a strict pydantic model (unknown keys are errors) so a typo in a config file stops
the run with the key and the file named, instead of being silently ignored. Secrets never live here:
a model config names the environment variable that holds its API key.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator


class ConfigError(ValueError):
    """A config file or override is invalid; the message names the key and the file."""


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class SparkConfig(StrictModel):
    master: str = "local[*]"
    app_name: str = "gem-spark"
    # Extra Spark properties for a locally built session (ignored when a session already exists).
    conf: dict[str, str] = Field(default_factory=dict)


class TablesConfig(StrictModel):
    engine: Literal["auto", "spark-delta", "delta-rs"] = "auto"
    # Folder (local path or URI) that holds one Delta table per stage: <root>/<table>.
    root: str = "./lakehouse"
    # Unity Catalog: when both are set, tables are named <catalog>.<schema>.<table> instead of paths.
    catalog: str | None = None
    database: str | None = Field(default=None, alias="schema")


class ColumnMapping(StrictModel):
    """Which input columns hold the text and its metadata (FineWeb / Ultra-FineWeb names by default)."""

    text: str = "text"
    id: str = "id"
    url: str = "url"
    dump: str = "dump"


class IngestConfig(StrictModel):
    format: Literal["auto", "parquet", "jsonl", "csv", "text"] = "auto"
    columns: ColumnMapping = Field(default_factory=ColumnMapping)
    min_segment_chars: int = Field(default=200, ge=1)
    max_segment_chars: int = Field(default=6000, ge=100)
    # Documents longer than this are quarantined (`document_too_large`) instead of segmented.
    max_document_chars: int = Field(default=5_000_000, ge=1000)
    # How much of a bad record's raw value the quarantine table keeps.
    raw_preview_chars: int = Field(default=512, ge=0)


class PrefilterConfig(StrictModel):
    threshold: float = Field(default=0.5, ge=0.0, le=1.0)


class SamplingConfig(StrictModel):
    temperature: float = Field(default=0.0, ge=0.0)
    top_p: float = Field(default=1.0, gt=0.0, le=1.0)
    max_tokens: int = Field(default=2048, ge=1)
    seed: int | None = None


class Prices(StrictModel):
    """USD per million tokens, used by the report's cost estimate."""

    prompt_per_m: float = Field(default=0.0, ge=0.0)
    completion_per_m: float = Field(default=0.0, ge=0.0)


class _ModelBase(StrictModel):
    model: str
    sampling: SamplingConfig = Field(default_factory=SamplingConfig)
    # Passed to the chat template, e.g. {"enable_thinking": false} for Qwen3.
    chat_template_kwargs: dict[str, Any] = Field(default_factory=dict)
    prices: Prices = Field(default_factory=Prices)
    # Longest prompt (in tokens) the backend accepts; longer ones become `prompt_too_long` errors.
    max_prompt_tokens: int | None = Field(default=None, ge=1)


class VllmModelConfig(_ModelBase):
    backend: Literal["vllm"]
    tensor_parallel_size: int = Field(default=1, ge=1)
    max_model_len: int | None = Field(default=None, ge=16)
    gpu_memory_utilization: float = Field(default=0.9, gt=0.0, le=1.0)
    dtype: str = "auto"
    enforce_eager: bool = False
    kv_cache_memory_bytes: int | None = Field(default=None, ge=1)
    structured_outputs_backend: str | None = None
    disable_any_whitespace: bool = False
    # Anything else vllm.LLM accepts, passed through untouched.
    engine_kwargs: dict[str, Any] = Field(default_factory=dict)


class OpenAIModelConfig(_ModelBase):
    backend: Literal["openai"]
    base_url: str
    # Name of the environment variable holding the API key (never the key itself).
    api_key_env: str | None = None
    concurrency: int = Field(default=8, ge=1)
    timeout_s: float = Field(default=120.0, gt=0)
    max_retries: int = Field(default=5, ge=0)
    backoff_base_s: float = Field(default=1.0, gt=0)
    backoff_max_s: float = Field(default=60.0, gt=0)
    # Upper bound on all waiting for one request (retries + backoff), seconds.
    max_total_wait_s: float = Field(default=600.0, gt=0)
    max_response_bytes: int = Field(default=8 << 20, ge=1024)
    supports_json_schema: bool = False


class TransformersModelConfig(_ModelBase):
    backend: Literal["transformers"]
    device: str = "cpu"
    dtype: str = "auto"
    batch_size: int = Field(default=8, ge=1)


class ReplayModelConfig(_ModelBase):
    backend: Literal["replay"]
    # JSON Lines of {"stage", "key", "text"} recorded responses.
    responses: str


ModelConfig = Annotated[
    VllmModelConfig | OpenAIModelConfig | TransformersModelConfig | ReplayModelConfig,
    Field(discriminator="backend"),
]

ModelRole = Literal["filter", "teacher", "judge", "synthesizer"]


class StageConfig(StrictModel):
    model: ModelRole
    # Ask for JSON-schema-constrained output where the stage has a structured variant (select, judge).
    structured_output: bool = False
    # Source text beyond this many characters is cut (and the row flagged `truncated`).
    max_input_chars: int = Field(default=12_000, ge=100)


def _default_stages() -> dict[str, StageConfig]:
    return {
        "select": StageConfig(model="filter", max_input_chars=8000),
        "extract": StageConfig(model="teacher"),
        "generate": StageConfig(model="teacher"),
        "refine": StageConfig(model="teacher", max_input_chars=60_000),
        "judge": StageConfig(model="judge", max_input_chars=60_000),
        "synthesize": StageConfig(model="synthesizer"),
    }


class RunnerConfig(StrictModel):
    """How LLM requests are fed to backends on executors; excluded from fingerprints (no setting here
    changes a result, only how fast it comes)."""

    # Rows per Arrow batch a task reads and writes: finished rows wait in a buffer of at most this many.
    batch_size: int = Field(default=64, ge=1)
    # Requests a task keeps in its backend at once, refilled as each finishes. None: the backend's
    # default (vllm: twice the engine's max_num_seqs; openai: the model's `concurrency`; transformers:
    # its `batch_size`). See the README's "Feeding the engines" for sizing.
    max_in_flight: int | None = Field(default=None, ge=1)
    # Finished rows leave a task at least this often (checked as results arrive), even in a short batch.
    flush_s: float = Field(default=2.0, gt=0)
    # "continuous": one feed per task, the backend kept full across batches. "batch_synchronous": the
    # pre-#13 feed (each `batch_size` slice waits for its slowest request), kept so bench/llm_runner.py
    # shows the gap; never faster.
    feed: Literal["continuous", "batch_synchronous"] = "continuous"
    # GPUs per task for GPU stages (Spark ResourceProfile); None on CPU-only clusters.
    gpus_per_task: float | None = Field(default=None, gt=0)
    # Repartition pending work into this many partitions before inference (None: keep as is).
    partitions: int | None = Field(default=None, ge=1)


class PipelineConfig(StrictModel):
    # An error row is retried until a key has this many error rows for the current fingerprint.
    max_attempts: int = Field(default=3, ge=1)
    min_tool_calls: int = Field(default=1, ge=0)
    # Rows per Delta commit inside a stage: a crash loses at most one uncommitted chunk.
    commit_rows: int = Field(default=5000, ge=1)
    # Selection labels outside GEM.md's label sets are recorded invalid; set True to reject such rows.
    reject_invalid_labels: bool = True


class DedupConfig(StrictModel):
    enabled: bool = True
    shingle_size: int = Field(default=5, ge=1)
    num_hashes: int = Field(default=64, ge=1)
    threshold: float = Field(default=0.8, gt=0.0, le=1.0)
    # Chance that a pair at exactly `threshold` shares an LSH band (and so is compared at all).
    recall: float = Field(default=0.95, gt=0.0, lt=1.0)


class BenchmarkFile(StrictModel):
    name: str
    path: str
    format: Literal["bfcl", "tau2", "text"] = "text"


class DecontamConfig(StrictModel):
    ngram: int = Field(default=13, ge=3)
    # Benchmark texts shorter than `ngram` words but at least this long are matched as a whole.
    min_ngram: int = Field(default=8, ge=1)
    benchmarks: list[BenchmarkFile] = Field(default_factory=list)


class DatasetCardConfig(StrictModel):
    """Fields of the Hugging Face dataset card (README.md) every export folder gets."""

    # A Hub license id (apache-2.0, cc-by-4.0, odc-by, ...); "other" until the corpus' terms are settled.
    license: str = "other"
    language: list[str] = Field(default_factory=lambda: ["en"])
    # Hub ids or URLs of the corpora the segments came from (e.g. openbmb/Ultra-FineWeb).
    source_datasets: list[str] = Field(default_factory=list)
    pretty_name: str = "GEM tool-use trajectories"


class ExportConfig(StrictModel):
    shard_rows: int = Field(default=10_000, ge=1)
    # Where `make demo` writes its exports (one folder per format).
    out: str = "./exports"
    # Source stages whose accepted trajectories train the Trajectory Synthesizer (teacher output only).
    synthesizer_sources: list[str] = Field(default_factory=lambda: ["refine"])
    # A chat template (e.g. Qwen3's .jinja); when set, conversations it does not render faithfully are skipped.
    chat_template: str | None = None
    card: DatasetCardConfig = Field(default_factory=DatasetCardConfig)


class ViewerConfig(StrictModel):
    """The report's trajectory viewer: which rows it samples (deterministic for a seed)."""

    # Trajectories shown per (path, outcome) group: accepted, and each rejection reason.
    samples_per_group: int = Field(default=5, ge=0)
    seed: int = 0
    # Source segments longer than this are cut in the page (the tables keep them whole).
    segment_chars: int = Field(default=6000, ge=100)


class ReportConfig(StrictModel):
    out: str = "./report"
    viewer: ViewerConfig = Field(default_factory=ViewerConfig)


Severity = Literal["reject", "warn", "off"]


class ValidateProfile(StrictModel):
    """One set of validation rules (see gem_spark/validate/rules.py); `rules` sets a code's severity."""

    # None: pipeline.min_tool_calls.
    min_tool_calls: int | None = Field(default=None, ge=0)
    single_call_per_turn: bool = False
    require_system: bool = True
    allow_trailing_call: bool = False
    max_error_chars: int = Field(default=300, ge=1)
    rules: dict[str, Severity] = Field(default_factory=dict)

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
    profiles: dict[str, ValidateProfile] = Field(default_factory=dict)

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
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class GemConfig(StrictModel):
    spark: SparkConfig = Field(default_factory=SparkConfig)
    tables: TablesConfig = Field(default_factory=TablesConfig)
    ingest: IngestConfig = Field(default_factory=IngestConfig)
    prefilter: PrefilterConfig = Field(default_factory=PrefilterConfig)
    models: dict[ModelRole, ModelConfig] = Field(default_factory=dict)
    stages: dict[str, StageConfig] = Field(default_factory=_default_stages)
    runner: RunnerConfig = Field(default_factory=RunnerConfig)
    pipeline: PipelineConfig = Field(default_factory=PipelineConfig)
    dedup: DedupConfig = Field(default_factory=DedupConfig)
    decontam: DecontamConfig = Field(default_factory=DecontamConfig)
    export: ExportConfig = Field(default_factory=ExportConfig)
    report: ReportConfig = Field(default_factory=ReportConfig)
    logging: LoggingConfig = Field(default_factory=LoggingConfig)
    validate_: ValidateConfig = Field(default_factory=lambda: ValidateConfig(profiles={}), alias="validate")

    @field_validator("stages")
    @classmethod
    def _known_stages(cls, stages: dict[str, StageConfig]) -> dict[str, StageConfig]:
        unknown = sorted(set(stages) - set(_default_stages()))
        if unknown:
            msg = f"unknown stage(s) {unknown}; known: {sorted(_default_stages())}"
            raise ValueError(msg)
        return {**_default_stages(), **stages}

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
        lines.append(f"  {key}: {item['msg']}")
    return "\n".join(lines)


def load_config(path: str | Path | None, overrides: list[str] | None = None) -> GemConfig:
    """Load YAML (or defaults when path is None), apply overrides, validate. Raises ConfigError."""
    source = str(path) if path else "<defaults>"
    data: dict[str, Any] = {}
    if path:
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
        data = loaded or {}
    data = apply_overrides(data, overrides or [])
    try:
        config = GemConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, source)) from exc
    return _resolve_relative_paths(config, Path(path).parent if path else Path.cwd())


def _resolve_relative_paths(config: GemConfig, base: Path) -> GemConfig:
    """Replay files are resolved against the config file's folder so a config works from any cwd."""
    models = {}
    for role, model in config.models.items():
        if isinstance(model, ReplayModelConfig) and not Path(model.responses).is_absolute():
            candidate = (base / model.responses).resolve()
            if candidate.exists():
                model = model.model_copy(update={"responses": str(candidate)})
        models[role] = model
    return config.model_copy(update={"models": models})
