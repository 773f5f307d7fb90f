"""Reason codes the stages themselves write (the parsers', rules' and backends' codes live with them);
stable strings stored in table rows, never renamed; and `Reason`, the catalogue entry a stage declares
its own codes with. Meanings: gem_spark/reasons.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# expected: the data earned it (rejected, quarantined, marked); failure: infrastructure (an error row);
# bug: a code defect caught and kept as a row instead of failing the task; report it.
Severity = Literal["expected", "failure", "bug"]
# no; next run: an error row is pending again until pipeline.max_attempts error rows for its fingerprint;
# in request: the backend retries first (max_retries, max_total_wait_s), then the next run does.
Retried = Literal["no", "next run", "in request, then next run"]


@dataclass(frozen=True)
class Reason:
    code: str
    emitted_by: str
    severity: Severity
    meaning: str
    retried: Retried = "no"


PREFILTER_LOW_SCORE = "prefilter_low_score"
NOT_MULTI_STEP = "not_multi_step"
INVALID_LABEL = "invalid_label"
NO_WORKFLOW = "no_workflow"
JUDGE_R1_FAILED, JUDGE_R2_FAILED, JUDGE_R3_FAILED = "judge_r1_failed", "judge_r2_failed", "judge_r3_failed"
# The row's request has no result at all (the runner lost it): retried like any error.
NO_RESULT = "no_result"
OUTCOME_FAILED = "outcome_failed"
# Statuses (and reasons) of the newer `accepted` rows that keep a trajectory out of exports.
NEAR_DUPLICATE, CONTAMINATED = "near_duplicate", "contaminated"


def judge_failed(rubric: str) -> str:
    """The rejection code of a failed judge rubric ("r1" → judge_r1_failed)."""
    return f"judge_{rubric}_failed"
