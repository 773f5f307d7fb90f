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
    """How LLM requests are batched on executors; excluded from fingerprints (does not change results)."""

    batch_size: int = Field(default=64, ge=1)
    # GPUs per task for GPU stages (Spark ResourceProfile); None on CPU-only clusters.
    gpus_per_task: float | None = Field(default=None, gt=0)
    # Repartition pending work into this many partitions before inference (None: keep as is).
    partitions: int | None = Field(default=None, ge=1)


class PipelineConfig(StrictModel):
    # An error row is retried until a key has this many error rows for the current fingerprint.
    max_attempts: int = Field(default=3, ge=1)
    min_tool_calls: int = Field(default=1, ge=0)
    # Commit pieces (none of these enter fingerprints): each task writes its finished rows as a Parquet
    # piece every `piece_rows` rows or `piece_seconds` seconds, whichever comes first, so a crash loses
    # at most the requests in flight plus one unwritten piece per task.
    piece_rows: int = Field(default=20_000, ge=1)
    piece_seconds: float = Field(default=120.0, gt=0)
    # The driver commits every piece written so far (one Delta commit) at most this often, and logs progress.
    commit_interval_s: float = Field(default=60.0, gt=0)
    # A stage that committed at least this many pieces compacts its table afterwards (large files).
    compact_after_pieces: int = Field(default=32, ge=1)
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


class ExportConfig(StrictModel):
    shard_rows: int = Field(default=10_000, ge=1)
    # Where `make demo` writes its exports (one folder per format).
    out: str = "./exports"
    # Source stages whose accepted trajectories train the Trajectory Synthesizer (teacher output only).
    synthesizer_sources: list[str] = Field(default_factory=lambda: ["refine"])
    # A chat template (e.g. Qwen3's .jinja); when set, conversations it does not render faithfully are skipped.
    chat_template: str | None = None


class ReportConfig(StrictModel):
    out: str = "./report"


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
