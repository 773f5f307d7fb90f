"""The stage templates in prompts/ and the loader that checks, versions and renders them."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from gem_spark.prompts import (
    DEFAULT_PROMPTS_DIR,
    PROMPTS_DIR_ENV,
    SELECT_JSON_SCHEMA,
    PromptError,
    load_template,
    prompts_dir,
    template_names,
)

REPO = Path(__file__).resolve().parent.parent
REPO_PROMPTS = REPO / "prompts"

STAGE_VARIABLES = {
    "select": {"text"},
    "select_json": {"text"},
    "extract": {"text"},
    "generate": {"text", "tools_json", "workflow"},
    "refine": {"tools_json", "trajectory"},
    "judge": {"tools_json", "trajectory"},
    "synthesize": {"text"},
}

# Typed from GEM.md (Stage 1 label sets), independently of gem_spark.prompts.
GEM_PLATFORMS = ["operator", "computer", "phone", "machine", "other"]
GEM_DOMAINS = [
    "adult", "arts_and_entertainment", "autos_and_vehicles", "beauty_and_fitness", "books_and_literature",
    "business_and_industrial", "computers_and_electronics", "finance", "food_and_drink", "games", "health",
    "hobbies_and_leisure", "home_and_garden", "internet_and_telecom", "jobs_and_education",
    "law_and_government", "news", "online_communities", "people_and_society", "pets_and_animals",
    "real_estate", "science", "sensitive_subjects", "shopping", "sports", "travel_and_transportation",
]  # fmt: skip
GEM_TASKS = [
    "databases", "multimedia_processing", "cloud_platforms", "calendar_management", "cryptocurrency",
    "location_services", "communication", "search", "file_systems", "web_scraping", "ecommerce_and_retail",
    "customer_data_platforms", "developer_tools", "virtualization", "version_control", "research_and_data",
    "aigc", "travel_and_transportation", "note_taking", "language_translation", "rag_systems",
    "security_and_iam", "social_media", "monitoring", "weather_services", "customer_support", "blockchain",
    "knowledge_and_memory", "financial_trading", "marketing", "enterprise_business_intelligence",
    "transportation_logistics", "iphone_android", "smart_home", "education_elearning", "robot_control",
    "website_control", "gaming_entertainment",
]  # fmt: skip

# The output tags each stage must ask for, in the order they appear in its instructions.
STAGE_TAGS = {
    "select": ["<multi_step>False</multi_step>", "<multi_step>True</multi_step>", "<summary>", "<domain>",
               "<platform>", "<task>"],
    "select_json": ['{"multi_step": false}', '"multi_step": true', '"summary"', '"domain"', '"platform"',
                    '"task"'],
    "extract": ["<workflow>", "<description>", "<steps>Step1:", "<execution_graph>", "<actions>", "<tools>",
                '"inputSchema"', "</workflow>"],
    "generate": ["<system>", "<user>", "<assistant>", "<tool>", '<func>{"name":'],
    "refine": ["<toolsets>", "<system>", "<user>", "<assistant>", "<tool>", '<func>{"name":'],
    "synthesize": ["<toolsets>", "<system>", "<user>", "<assistant>", "<tool>", '<func>{"name":'],
    "judge": ["R1", "R2", "R3", '{"R1": 1, "R2": 0, "R3": 1}'],
}  # fmt: skip


def _values(name: str, marker: str) -> dict[str, str]:
    return {variable: f"<<{marker}:{variable}>>" for variable in STAGE_VARIABLES[name]}


def _write(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for file, text in files.items():
        (directory / file).write_text(text, encoding="utf-8")
    return directory


GREET = (
    "{# variables: who #}\n"
    "{% block system %}Be brief.{% endblock %}\n"
    "{% block user %}Hi {{ who }}{% endblock %}\n"
)


def test_the_repository_has_exactly_the_stage_templates() -> None:
    assert template_names() == sorted(STAGE_VARIABLES)


@pytest.mark.parametrize("name", sorted(STAGE_VARIABLES))
def test_template_declares_the_stage_variables(name: str) -> None:
    template = load_template(name)
    assert template.name == name
    assert template.variables == STAGE_VARIABLES[name]
    assert re.fullmatch(r"[0-9a-f]{16}", template.content_hash)


@pytest.mark.parametrize("name", sorted(STAGE_VARIABLES))
def test_render_gives_a_fixed_system_message_and_the_variables_in_the_user_message(name: str) -> None:
    first = load_template(name).render(**_values(name, "one"))
    second = load_template(name).render(**_values(name, "two"))

    assert [message["role"] for message in first] == ["system", "user"]
    # Prefix caching: requests of one stage differ only after the shared system message.
    assert first[0] == second[0]
    assert "<<" not in first[0]["content"]
    for value in _values(name, "one").values():
        assert value in first[1]["content"]


@pytest.mark.parametrize("name", sorted(STAGE_TAGS))
def test_template_asks_for_the_stage_output_tags_in_order(name: str) -> None:
    system = load_template(name).render(**_values(name, "x"))[0]["content"]
    positions = [system.find(tag) for tag in STAGE_TAGS[name]]
    assert -1 not in positions, [tag for tag, at in zip(STAGE_TAGS[name], positions) if at == -1]
    assert positions == sorted(positions)


def test_synthesize_user_message_is_the_synthesizer_instruction_then_the_text() -> None:
    user = load_template("synthesize").render(text="Press the red button twice.")[1]["content"]
    instruction = "Turn the following text into multi-turn tool-use trajectories."
    assert user == f"{instruction}\n\nPress the red button twice."


def test_trajectory_templates_state_the_turn_order_and_pattern_rules() -> None:
    for name in ("generate", "refine", "synthesize"):
        system = load_template(name).render(**_values(name, "x"))[0]["content"]
        assert "A tool turn is never followed by a user turn." in system
        assert "at least 3 different patterns" in system
        assert "none of them more than twice" in system
    for name in ("refine", "synthesize"):
        system = load_template(name).render(**_values(name, "x"))[0]["content"]
        assert "Exactly one tool call per assistant turn." in system
        assert "No placeholders" in system


def _labels(prompt: str, kind: str) -> list[str]:
    match = re.search(rf"^{kind} labels: (.+)$", prompt, flags=re.MULTILINE)
    assert match is not None, f"no '{kind} labels:' line"
    return [label.strip() for label in match[1].split(",")]


@pytest.mark.parametrize("name", ["select", "select_json"])
def test_select_templates_list_exactly_the_gem_label_sets(name: str) -> None:
    system = load_template(name).render(text="x")[0]["content"]
    assert _labels(system, "Platform") == GEM_PLATFORMS
    assert _labels(system, "Domain") == GEM_DOMAINS
    assert _labels(system, "Task") == GEM_TASKS


def test_select_schema_enums_equal_the_gem_label_sets() -> None:
    yes = SELECT_JSON_SCHEMA["anyOf"][1]["properties"]
    assert sorted(yes["platform"]["enum"]) == sorted(GEM_PLATFORMS)
    assert sorted(yes["domain"]["enum"]) == sorted(GEM_DOMAINS)
    assert sorted(yes["task"]["enum"]) == sorted(GEM_TASKS)


VALID_SELECTION = {
    "multi_step": True,
    "summary": "Change a booked flight on an airline website.",
    "domain": "travel_and_transportation",
    "platform": "computer",
    "task": "travel_and_transportation",
}


@pytest.mark.parametrize("instance", [VALID_SELECTION, {"multi_step": False}])
def test_select_schema_accepts_valid_selections(instance: dict) -> None:
    Draft202012Validator.check_schema(SELECT_JSON_SCHEMA)
    Draft202012Validator(SELECT_JSON_SCHEMA).validate(instance)


@pytest.mark.parametrize(
    "instance",
    [
        {**VALID_SELECTION, "domain": "travel"},  # not a GEM label
        {**VALID_SELECTION, "platform": "Computer"},  # labels are case-sensitive
        {key: value for key, value in VALID_SELECTION.items() if key != "task"},  # a "yes" needs every label
        {**VALID_SELECTION, "summary": ""},
        {"multi_step": False, "summary": "nothing"},  # a "no" carries nothing else
        {**VALID_SELECTION, "multi_step": "True"},
    ],
)
def test_select_schema_rejects_bad_selections(instance: dict) -> None:
    assert not Draft202012Validator(SELECT_JSON_SCHEMA).is_valid(instance)


def test_select_schema_compiles_for_llguidance() -> None:
    llguidance = pytest.importorskip("llguidance")  # ships with vLLM, an optional dependency
    grammar = llguidance.LLMatcher.grammar_from_json_schema(SELECT_JSON_SCHEMA)
    assert llguidance.LLMatcher.validate_grammar(grammar) == ""


@pytest.mark.slow  # importing xgrammar imports torch
def test_select_schema_compiles_for_xgrammar() -> None:
    xgrammar = pytest.importorskip("xgrammar")  # vLLM's default structured-output backend
    grammar = xgrammar.Grammar.from_json_schema(json.dumps(SELECT_JSON_SCHEMA))
    assert "root" in str(grammar)


@pytest.mark.parametrize("name", sorted(STAGE_VARIABLES))
def test_render_rejects_missing_extra_and_non_string_variables(name: str) -> None:
    template = load_template(name)
    values = _values(name, "x")
    dropped = min(values)
    with pytest.raises(PromptError, match=rf"missing \['{dropped}'\]"):
        template.render(**{key: value for key, value in values.items() if key != dropped})
    with pytest.raises(PromptError, match=r"unexpected \['surplus'\]"):
        template.render(**values, surplus="y")
    with pytest.raises(PromptError, match="must be strings"):
        template.render(**{**values, dropped: None})


def test_content_hash_is_sha256_of_the_source_and_stable(tmp_path: Path) -> None:
    directory = _write(tmp_path / "a", {"greet.j2": GREET})
    first = load_template("greet", directory)
    assert first.content_hash == hashlib.sha256(GREET.encode()).hexdigest()[:16]
    copy = load_template("greet", _write(tmp_path / "copy", {"greet.j2": GREET}))
    assert copy.content_hash == first.content_hash
    assert first.render(who="Ada") == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi Ada"},
    ]


def test_content_hash_changes_with_the_template_or_an_included_partial(tmp_path: Path) -> None:
    with_partial = GREET.replace("Be brief.", '{% include "_tone.j2" %}')
    base = load_template("greet", _write(tmp_path / "a", {"greet.j2": with_partial, "_tone.j2": "Be brief."}))
    edited_template = load_template(
        "greet", _write(tmp_path / "b", {"greet.j2": with_partial + "\n", "_tone.j2": "Be brief."})
    )
    edited_partial = load_template(
        "greet", _write(tmp_path / "c", {"greet.j2": with_partial, "_tone.j2": "Be kind."})
    )

    assert len({base.content_hash, edited_template.content_hash, edited_partial.content_hash}) == 3
    assert base.render(who="Ada")[0]["content"] == "Be brief."


def test_repository_template_hashes_cover_their_partials() -> None:
    sources = [(REPO_PROMPTS / file).read_text(encoding="utf-8") for file in ("select.j2", "_select_task.j2")]
    assert load_template("select").content_hash == hashlib.sha256("".join(sources).encode()).hexdigest()[:16]


def test_prompts_dir_comes_from_the_argument_then_the_environment_then_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PROMPTS_DIR_ENV, raising=False)
    assert prompts_dir() == DEFAULT_PROMPTS_DIR
    assert DEFAULT_PROMPTS_DIR.resolve() == REPO_PROMPTS

    directory = _write(tmp_path / "env", {"greet.j2": GREET})
    monkeypatch.setenv(PROMPTS_DIR_ENV, str(directory))
    assert load_template("greet").render(who="Bo")[1]["content"] == "Hi Bo"
    assert prompts_dir(REPO_PROMPTS) == REPO_PROMPTS
    assert load_template("judge", REPO_PROMPTS).variables == STAGE_VARIABLES["judge"]


def test_packaged_templates_load_from_a_zipped_package(tmp_path: Path) -> None:
    """spark-submit --py-files ships the wheel as a zip that Python imports from without unpacking."""
    package = tmp_path / "gem_spark.zip"
    with zipfile.ZipFile(package, "w") as archive:
        for folder, _, names in os.walk(REPO / "gem_spark", followlinks=True):  # into prompt_templates
            for name in sorted(names):
                path = Path(folder) / name
                if "__pycache__" not in path.parts:
                    archive.write(path, path.relative_to(REPO).as_posix())
    probe = (
        "import json, sys, gem_spark\n"
        "from gem_spark.prompts import load_template, template_names\n"
        "assert gem_spark.__file__.startswith(sys.argv[1]), gem_spark.__file__\n"
        "print(json.dumps({'names': template_names(), 'hash': load_template('select').content_hash,\n"
        "                  'user': load_template('select').render(text='Open the app.')[1]['content']}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, str(package)],
        cwd=tmp_path,  # not the checkout: the package must come from the zip
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(package)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert loaded["names"] == sorted(STAGE_VARIABLES)
    assert loaded["hash"] == load_template("select").content_hash
    assert "Open the app." in loaded["user"]


BROKEN_TEMPLATES = {
    "no header": (GREET.replace("{# variables: who #}", ""), "no '{# variables"),
    "undeclared variable": (GREET.replace("{{ who }}", "{{ who }} {{ where }}"), "declares variables"),
    "unused declaration": (GREET.replace("variables: who", "variables: who, where"), "declares variables"),
    "missing block": ("{# variables: who #}{% block user %}{{ who }}{% endblock %}", "exactly the blocks"),
    "extra block": (GREET + "{% block footer %}x{% endblock %}", "exactly the blocks"),
    "text outside blocks": (GREET + "Remember to be polite.\n", "outside its message blocks"),
    "syntax error": (GREET.replace("Be brief.{% endblock %}", "Be brief."), "syntax error"),
    "missing partial": (GREET.replace("Be brief.", '{% include "_gone.j2" %}'), "includes '_gone.j2'"),
}


@pytest.mark.parametrize("case", sorted(BROKEN_TEMPLATES))
def test_broken_template_raises_prompt_error_naming_it(case: str, tmp_path: Path) -> None:
    source, message = BROKEN_TEMPLATES[case]
    directory = _write(tmp_path, {"greet.j2": source})
    with pytest.raises(PromptError, match=re.escape(message)) as raised:
        load_template("greet", directory)
    assert "greet" in str(raised.value)


def test_unknown_or_unsafe_template_names_raise_prompt_error(tmp_path: Path) -> None:
    with pytest.raises(PromptError, match="not found"):
        load_template("no_such_stage")
    for name in ("../prompts/select", "_select_task", "Select"):
        with pytest.raises(PromptError, match="invalid template name"):
            load_template(name)


def test_strict_undefined_turns_a_missing_attribute_into_prompt_error(tmp_path: Path) -> None:
    directory = _write(tmp_path, {"greet.j2": GREET.replace("{{ who }}", "{{ who.title_case }}")})
    with pytest.raises(PromptError, match="failed to render"):
        load_template("greet", directory).render(who="Ada")
