"""Which rules apply: GEM's stages differ (refine/synthesize allow one call per assistant round), and
imported datasets lack parts GEM requires (no system prompt, samples that stop at a call)."""

from __future__ import annotations

from dataclasses import dataclass, field


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
    # Codes not checked at all (for imported datasets whose format makes a rule meaningless).
    skip: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def for_stage(cls, stage: str, min_tool_calls: int = 1) -> RuleConfig:
        """The rules GEM.md sets for a producing stage (generate, refine, synthesize)."""
        return cls(min_tool_calls=min_tool_calls, single_call_per_turn=stage in {"refine", "synthesize"})
