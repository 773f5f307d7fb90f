"""deploy/databricks: the asset bundle refers only to things that exist, its job is a valid DAG whose task
arguments the jobs accept, the notebooks compile and use only names the package defines, and
conf/databricks.yaml loads with the bundle's variables applied."""

from __future__ import annotations

import ast
import builtins
import glob
import importlib
import re
from pathlib import Path

import pytest
import yaml

from gem_spark.cli import build_parser
from gem_spark.config import OpenAIModelConfig, VllmModelConfig, load_config
from tests.support.entry_points import cli_prefix

REPO = Path(__file__).resolve().parents[2]
BUNDLE = REPO / "deploy" / "databricks"
NOTEBOOKS = sorted((BUNDLE / "notebooks").glob("*.py"))
# Globals a Databricks notebook gets from the runtime.
DATABRICKS_GLOBALS = {"spark", "dbutils", "display", "displayHTML"}


def _load_yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _bundle() -> tuple[dict, dict[str, Path]]:
    """databricks.yml with its included resource files merged, and the file each job came from."""
    root = _load_yaml(BUNDLE / "databricks.yml")
    origin: dict[str, Path] = {}
    for pattern in root["include"]:
        for name in sorted(glob.glob(str(BUNDLE / pattern))):
            for key, job in _load_yaml(Path(name)).get("resources", {}).get("jobs", {}).items():
                root.setdefault("resources", {}).setdefault("jobs", {})[key] = job
                origin[key] = Path(name)
    return root, origin


BUNDLE_CONFIG, JOB_FILES = _bundle()
JOB = BUNDLE_CONFIG["resources"]["jobs"]["gem_pipeline"]
TASKS = {task["task_key"]: task for task in JOB["tasks"]}


def _substitute(text: str) -> str:
    """Resolve references as `bundle deploy` (variables, workspace paths) and a job run (job parameters,
    dynamic values) would, with the defaults and stand-ins for the workspace."""
    variables = {name: str(spec["default"]) for name, spec in BUNDLE_CONFIG["variables"].items()}
    parameters = {parameter["name"]: parameter["default"] for parameter in JOB["parameters"]}
    text = re.sub(r"\{\{job\.parameters\.([a-z_]+)\}\}", lambda m: parameters[m.group(1)], text)
    text = text.replace("{{job.start_time.iso_date}}", "2026-11-21")
    text = re.sub(r"\$\{var\.([a-z_]+)\}", lambda m: variables[m.group(1)], text)
    text = text.replace("${workspace.file_path}", str(REPO))
    return text.replace("${workspace.host}", "https://example.cloud.databricks.com")


def test_bundle_has_dev_and_prod_targets_and_the_variables_users_set() -> None:
    assert BUNDLE_CONFIG["bundle"]["name"] == "gem-spark"
    assert {"dev", "prod"} <= set(BUNDLE_CONFIG["targets"])
    assert BUNDLE_CONFIG["targets"]["dev"]["mode"] == "development"
    assert BUNDLE_CONFIG["targets"]["prod"]["mode"] == "production"
    assert {
        "catalog",
        "schema",
        "corpus_location",
        "filter_model",
        "synthesizer_model",
        "judge_endpoint",
    } <= set(BUNDLE_CONFIG["variables"])


def test_every_variable_reference_is_declared() -> None:
    text = (BUNDLE / "databricks.yml").read_text() + "".join(path.read_text() for path in JOB_FILES.values())
    used = set(re.findall(r"\$\{var\.([a-z_]+)\}", text))
    assert used <= set(BUNDLE_CONFIG["variables"])
    assert set(BUNDLE_CONFIG["variables"]) <= used, "declared but unused variables"


def test_sync_paths_and_artifact_exist() -> None:
    for path in BUNDLE_CONFIG["sync"]["paths"]:
        assert (BUNDLE / path).is_dir(), path
    artifact = BUNDLE_CONFIG["artifacts"]["gem_spark_wheel"]
    assert artifact["type"] == "whl"
    assert (BUNDLE / artifact["path"] / "pyproject.toml").is_file()
    assert "--wheel-dir dist" in artifact["build"]


def test_the_job_is_the_production_dag() -> None:
    order = []
    done: set[str] = set()
    while len(order) < len(TASKS):
        ready = [
            key
            for key, task in TASKS.items()
            if key not in done and {dep["task_key"] for dep in task.get("depends_on", [])} <= done
        ]
        assert ready, f"cycle among {set(TASKS) - done}"
        order.extend(sorted(ready))
        done.update(ready)
    for task in TASKS.values():
        assert {dep["task_key"] for dep in task.get("depends_on", [])} <= set(TASKS)
    assert order == ["ingest", "select", "synthesize", "judge", "export", "report"]


def test_tasks_run_existing_jobs_on_defined_clusters_with_the_project_wheel() -> None:
    clusters = {cluster["job_cluster_key"]: cluster["new_cluster"] for cluster in JOB["job_clusters"]}
    base = JOB_FILES["gem_pipeline"].parent
    for key, task in TASKS.items():
        assert task["job_cluster_key"] in clusters, key
        python_file = (base / task["spark_python_task"]["python_file"]).resolve()
        assert python_file.is_file() and python_file.parent == REPO / "jobs", key
        wheels = [lib["whl"] for lib in task["libraries"] if "whl" in lib]
        assert [(base / wheel).resolve().parent for wheel in wheels] == [REPO / "dist"], key
    # vLLM stages run on the GPU cluster with the vllm package; the judge calls an endpoint from a CPU one.
    assert {key for key, task in TASKS.items() if task["job_cluster_key"] == "gpu"} == {
        "select",
        "synthesize",
    }
    for key in ("select", "synthesize"):
        assert {"pypi": {"package": "vllm>=0.8"}} in TASKS[key]["libraries"]
    assert "gpu-ml" in BUNDLE_CONFIG["variables"]["spark_version"]["default"]


@pytest.mark.parametrize("task_key", sorted(TASKS))
def test_task_parameters_parse_with_the_jobs_own_arguments_and_config(task_key: str) -> None:
    task = TASKS[task_key]
    entry_point = (JOB_FILES["gem_pipeline"].parent / task["spark_python_task"]["python_file"]).resolve()
    argv = [_substitute(str(arg)) for arg in task["spark_python_task"]["parameters"]]
    args = build_parser().parse_args([*cli_prefix(entry_point), *argv])
    config = load_config(args.config, args.overrides)
    assert (config.tables.catalog, config.tables.database) == ("main", "gem")  # Unity Catalog names


def test_the_judge_calls_the_workspace_serving_endpoint_with_the_cluster_token() -> None:
    argv = [_substitute(str(arg)) for arg in TASKS["judge"]["spark_python_task"]["parameters"]]
    overrides = [argv[i + 1] for i, arg in enumerate(argv) if arg == "--set"]
    judge = load_config(REPO / "conf" / "databricks.yaml", overrides).models["judge"]
    assert judge.base_url == "https://example.cloud.databricks.com/serving-endpoints"
    assert judge.model == BUNDLE_CONFIG["variables"]["judge_endpoint"]["default"]
    cpu = next(
        c["new_cluster"]
        for c in JOB["job_clusters"]
        if c["job_cluster_key"] == TASKS["judge"]["job_cluster_key"]
    )
    assert cpu["spark_env_vars"][judge.api_key_env].startswith("{{secrets/")


def test_new_snapshots_trigger_the_job() -> None:
    trigger = JOB["trigger"]["file_arrival"]
    assert trigger["url"] == "${var.corpus_location}"
    assert trigger["min_time_between_triggers_seconds"] >= 60
    parameters = {parameter["name"]: parameter["default"] for parameter in JOB["parameters"]}
    assert parameters["corpus_path"] == "${var.corpus_location}"
    ingest = TASKS["ingest"]["spark_python_task"]["parameters"]
    assert ingest[ingest.index("--snapshot") + 1] == "{{job.parameters.snapshot}}"


def test_conf_databricks_uses_unity_catalog_vllm_on_gpu_and_a_serving_endpoint_judge() -> None:
    config = load_config(REPO / "conf" / "databricks.yaml")
    assert config.tables.engine == "spark-delta"
    assert config.tables.catalog and config.tables.database
    assert isinstance(config.models["filter"], VllmModelConfig)
    assert isinstance(config.models["synthesizer"], VllmModelConfig)
    judge = config.models["judge"]
    assert isinstance(judge, OpenAIModelConfig)
    assert judge.api_key_env == "DATABRICKS_TOKEN" and judge.base_url.endswith("/serving-endpoints")
    assert config.runner.gpus_per_task == 1


def _cells(notebook: Path) -> list[str]:
    text = notebook.read_text(encoding="utf-8")
    assert text.startswith("# Databricks notebook source\n")
    return text.split("\n# COMMAND ----------\n")


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebooks_compile_and_define_every_widget_they_read(notebook: Path) -> None:
    assert len(_cells(notebook)) > 1
    code = "\n".join(line for line in notebook.read_text().splitlines() if not line.startswith("# MAGIC"))
    tree = ast.parse(code, filename=str(notebook))
    compile(tree, str(notebook), "exec")
    defined, read = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
            owner = node.func.value
            if isinstance(owner, ast.Attribute) and owner.attr == "widgets":
                target = defined if node.func.attr in {"text", "dropdown", "combobox"} else read
                target.add(ast.literal_eval(node.args[0]))
    assert read and read <= defined
    assigned = {
        node.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load)
    }
    assigned |= {
        (alias.asname or alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    }
    loaded = {
        node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
    }
    assert loaded - assigned - set(dir(builtins)) <= DATABRICKS_GLOBALS


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebooks_use_only_names_the_package_defines(notebook: Path) -> None:
    tree = ast.parse(notebook.read_text(encoding="utf-8"))
    imported = [
        (node.module, alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("gem_spark")
        for alias in node.names
    ]
    assert imported
    for module, name in imported:
        assert hasattr(importlib.import_module(module), name), f"{module}.{name}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebooks_name_tables_by_catalog_and_schema(notebook: Path) -> None:
    text = notebook.read_text(encoding="utf-8")
    assert re.search(r'spark\.table\(f"\{catalog\}\.\{schema\}\.\{', text)
    assert 'f"tables.catalog={catalog}"' in text and 'f"tables.schema={schema}"' in text
