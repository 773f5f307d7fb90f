"""Load the versioned Jinja2 prompt templates of the GEM stages and render them as chat messages.

Template convention (files `<name>.j2` in the prompts directory):
- a header comment `{# variables: a, b #}` declares the variables the template takes; at load time it
  must equal the variables the template (and the partials it includes) actually uses;
- `{% block system %}` and `{% block user %}` hold the two chat messages; nothing else is rendered, so
  any other top-level text is an error;
- partials are named `_<name>.j2` and pulled in with `{% include %}`; they are not stage templates.

`content_hash` versions a template for stage fingerprints: the SHA-256 (first 16 hex chars) of its source,
followed by the sources of the partials it includes, so that editing a shared partial re-versions every
template that uses it. A template without includes hashes to sha256(source) exactly.

The prompts directory is, in order: the `prompts_dir` argument, the `GEM_PROMPTS_DIR` environment
variable, or `gem_spark/prompt_templates` (a link to the repository's `prompts/` in a checkout, the
copied files in a wheel). The packaged templates are read through `importlib.resources`, so they load
from a zipped package too (a wheel shipped with spark-submit `--py-files` is imported from the zip).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import meta, nodes

from gem_spark.schema.labels import DOMAINS, PLATFORMS, TASKS

PROMPTS_DIR_ENV = "GEM_PROMPTS_DIR"
DEFAULT_PROMPTS_DIR = files("gem_spark") / "prompt_templates"
TEMPLATE_SUFFIX = ".j2"
MESSAGE_BLOCKS = ("system", "user")

_NAME = re.compile(r"[a-z][a-z0-9_]*")
_DECLARATION = re.compile(r"\{#-?\s*variables:(?P<names>[^#]*?)-?#\}")

# Response schema for `select_json`. Two shapes: a bare "no", or a "yes" that must carry a summary and a
# label from each of GEM.md's label sets. `anyOf` and `const` rather than `oneOf`/`if`: guided-decoding
# backends (xgrammar, llguidance) support the former. Properties are in the order the model should write.
SELECT_JSON_SCHEMA: dict[str, Any] = {
    "title": "Selection",
    "anyOf": [
        {
            "type": "object",
            "properties": {"multi_step": {"const": False}},
            "required": ["multi_step"],
            "additionalProperties": False,
        },
        {
            "type": "object",
            "properties": {
                "multi_step": {"const": True},
                "summary": {"type": "string", "minLength": 1},
                "domain": {"type": "string", "enum": sorted(DOMAINS)},
                "platform": {"type": "string", "enum": sorted(PLATFORMS)},
                "task": {"type": "string", "enum": sorted(TASKS)},
            },
            "required": ["multi_step", "summary", "domain", "platform", "task"],
            "additionalProperties": False,
        },
    ],
}


class PromptError(ValueError):
    """A template that cannot be loaded, or a render call with the wrong variables."""


@dataclass(frozen=True)
class PromptTemplate:
    name: str
    content_hash: str
    variables: frozenset[str]
    template: jinja2.Template = field(repr=False, compare=False)

    def render(self, **variables: str) -> list[dict[str, str]]:
        """The chat messages [{"role": "system", ...}, {"role": "user", ...}] for these variables."""
        self._check_arguments(variables)
        context = self.template.new_context(variables)
        try:
            return [
                {"role": role, "content": "".join(self.template.blocks[role](context)).strip()}
                for role in MESSAGE_BLOCKS
            ]
        except jinja2.TemplateError as error:
            msg = f"template {self.name!r} failed to render: {error}"
            raise PromptError(msg) from error

    def _check_arguments(self, variables: dict[str, Any]) -> None:
        missing = sorted(self.variables - variables.keys())
        extra = sorted(variables.keys() - self.variables)
        if missing or extra:
            expected = sorted(self.variables)
            msg = f"template {self.name!r} takes {expected}: missing {missing}, unexpected {extra}"
            raise PromptError(msg)
        not_text = sorted(name for name, value in variables.items() if not isinstance(value, str))
        if not_text:
            msg = f"template {self.name!r}: variables {not_text} must be strings"
            raise PromptError(msg)


def prompts_dir(override: str | os.PathLike[str] | None = None) -> Traversable:
    """The directory templates are read from (argument, then $GEM_PROMPTS_DIR, then the packaged copy)."""
    chosen = override if override is not None else os.environ.get(PROMPTS_DIR_ENV)
    return Path(chosen).resolve() if chosen else DEFAULT_PROMPTS_DIR


def template_names(directory: str | os.PathLike[str] | None = None) -> list[str]:
    """Names of the stage templates in the prompts directory (partials excluded)."""
    return sorted(
        entry.name.removesuffix(TEMPLATE_SUFFIX)
        for entry in prompts_dir(directory).iterdir()
        if entry.name.endswith(TEMPLATE_SUFFIX) and _NAME.fullmatch(entry.name.removesuffix(TEMPLATE_SUFFIX))
    )


def load_template(name: str, directory: str | os.PathLike[str] | None = None) -> PromptTemplate:
    """The stage template `name` (e.g. "select"), checked and cached per directory."""
    if not _NAME.fullmatch(name):
        msg = f"invalid template name {name!r}: expected lower-case letters, digits and underscores"
        raise PromptError(msg)
    return _load(name, prompts_dir(directory))


@lru_cache(maxsize=64)
def _load(name: str, root: Traversable) -> PromptTemplate:
    # Cache key: a Path by value, or the packaged root, which is one module-level object.
    environment = _environment(root)
    source = _source(environment, f"{name}{TEMPLATE_SUFFIX}", str(root))
    declared = _declared_variables(name, source)
    parsed = list(_closure(environment, name, source, str(root)))
    used = frozenset().union(*(meta.find_undeclared_variables(tree) for _, _, tree in parsed))
    if used != declared:
        msg = (
            f"template {name!r} declares variables {sorted(declared)} but uses {sorted(used)}; "
            "fix its {# variables: ... #} header"
        )
        raise PromptError(msg)
    _check_layout(name, parsed[0][2])
    digest = hashlib.sha256("".join(text for _, text, _ in parsed).encode("utf-8"))
    return PromptTemplate(
        name=name,
        content_hash=digest.hexdigest()[:16],
        variables=declared,
        template=environment.get_template(f"{name}{TEMPLATE_SUFFIX}"),
    )


def _environment(root: Traversable) -> jinja2.Environment:
    def read(file: str) -> str | None:
        entry = root.joinpath(file)
        return entry.read_text(encoding="utf-8") if entry.is_file() else None

    return jinja2.Environment(
        loader=jinja2.FunctionLoader(read),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # plain-text prompts, not HTML
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


def _source(environment: jinja2.Environment, file: str, where: str, included_by: str | None = None) -> str:
    try:
        source, _, _ = environment.loader.get_source(environment, file)  # type: ignore[union-attr]
    except jinja2.TemplateNotFound as error:
        if included_by is None:
            msg = f"template {file!r} not found in {where}"
        else:
            msg = f"template {included_by!r} includes {file!r}, which is not found in {where}"
        raise PromptError(msg) from error
    return source


def _parse(environment: jinja2.Environment, file: str, source: str) -> nodes.Template:
    try:
        return environment.parse(source, name=file)
    except jinja2.TemplateSyntaxError as error:
        msg = f"template {file!r} has a syntax error on line {error.lineno}: {error.message}"
        raise PromptError(msg) from error


def _closure(
    environment: jinja2.Environment, name: str, source: str, where: str
) -> Iterator[tuple[str, str, nodes.Template]]:
    """(file, source, parse tree) of the template and each partial it includes, transitively, once each."""
    seen: set[str] = set()
    pending = [(f"{name}{TEMPLATE_SUFFIX}", source)]
    while pending:
        file, text = pending.pop(0)
        if file in seen:
            continue
        seen.add(file)
        tree = _parse(environment, file, text)
        yield file, text, tree
        for referenced in meta.find_referenced_templates(tree):
            if referenced is None:
                msg = f"template {file!r} includes a template chosen at render time; name it literally"
                raise PromptError(msg)
            pending.append((referenced, _source(environment, referenced, where, included_by=file)))


def _declared_variables(name: str, source: str) -> frozenset[str]:
    match = _DECLARATION.search(source)
    if match is None:
        msg = f"template {name!r} has no '{{# variables: ... #}}' header"
        raise PromptError(msg)
    return frozenset(part.strip() for part in match["names"].split(",") if part.strip())


def _check_layout(name: str, tree: nodes.Template) -> None:
    """Exactly the message blocks at top level: text outside them would silently never be sent."""
    blocks = [node.name for node in tree.body if isinstance(node, nodes.Block)]
    if sorted(blocks) != sorted(MESSAGE_BLOCKS):
        msg = f"template {name!r} must define exactly the blocks {list(MESSAGE_BLOCKS)}, found {blocks}"
        raise PromptError(msg)
    for node in tree.body:
        if isinstance(node, nodes.Block):
            continue
        if isinstance(node, nodes.Output) and all(
            isinstance(child, nodes.TemplateData) and not child.data.strip() for child in node.nodes
        ):
            continue
        msg = f"template {name!r} has content outside its message blocks on line {node.lineno}"
        raise PromptError(msg)
