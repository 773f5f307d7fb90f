"""Which rules apply and how hard: GEM's stages differ (refine/synthesize allow one call per assistant
round), and imported datasets lack parts GEM requires (no system prompt, samples that stop at a call).

Every code has a severity: `reject` (the trajectory fails), `warn` (recorded on the row, still passes)
or `off` (not reported). Profiles in the YAML config (`validate.profiles.<name>`) build a RuleConfig.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from gem_spark.validate.codes import DEFAULT_WARN, OFF, WARN

if TYPE_CHECKING:
    from gem_spark.config import GemConfig, ValidateProfile


@dataclass(frozen=True)
class RuleConfig:
    # Fewer calls than this in the whole trajectory → too_few_tool_calls.
    min_tool_calls: int = 1
    # Refine and synthesize: one tool call per assistant round (GEM.md Stage 4).
    single_call_per_turn: bool = False
    # GEM's system prompt carries the domain rules; datasets without one set this False.
    require_system: bool = True
    # Single-step function-calling datasets end at the assistant's call: its calls need no response.
    allow_trailing_call: bool = False
    # A non-JSON tool message is a valid error only as one line of at most this many characters.
    max_error_chars: int = 300
    # Codes not checked at all (severity `off`).
    skip: frozenset[str] = field(default_factory=frozenset)
    # Codes recorded as warnings: kept on the row, the trajectory still passes.
    warn: frozenset[str] = DEFAULT_WARN

    @classmethod
    def for_stage(cls, stage: str, min_tool_calls: int = 1) -> RuleConfig:
        """The rules GEM.md sets for a producing stage (generate, refine, synthesize)."""
        return cls(min_tool_calls=min_tool_calls, single_call_per_turn=stage in {"refine", "synthesize"})

    def describe(self) -> dict[str, object]:
        """The settings as plain sorted values (a frozenset's repr changes order between processes)."""
        return {
            name: sorted(value) if isinstance(value, frozenset) else value
            for name, value in self.__dict__.items()
        }

    @classmethod
    def from_profile(cls, profile: ValidateProfile, min_tool_calls: int) -> RuleConfig:
        """A YAML profile's rules; `min_tool_calls` applies where the profile leaves it unset."""
        severity = dict.fromkeys(DEFAULT_WARN, WARN) | profile.rules
        return cls(
            min_tool_calls=min_tool_calls if profile.min_tool_calls is None else profile.min_tool_calls,
            single_call_per_turn=profile.single_call_per_turn,
            require_system=profile.require_system,
            allow_trailing_call=profile.allow_trailing_call,
            max_error_chars=profile.max_error_chars,
            skip=frozenset(code for code, level in severity.items() if level == OFF),
            warn=frozenset(code for code, level in severity.items() if level == WARN),
        )


def profile_rules(config: GemConfig, name: str) -> RuleConfig:
    """The rules of `validate.profiles.<name>` (ConfigError when there is no such profile)."""
    return RuleConfig.from_profile(config.validate_.profile(name), config.pipeline.min_tool_calls)
