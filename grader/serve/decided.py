"""The Result that stands: an attempt's Result (its latest regrade, else as graded) with the TA's decisions.

Decisions are applied by `grader.batch.overrides.apply_decisions`, the function `grade batch`
applies review.yaml with, so a decision made on the staff pages binds exactly as one typed into
review.yaml: to the sha256 of the answer it judged. An attempt whose answer differs is not
touched, and the decision is handed back as stale (its answer goes back to the review queue).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from grader.batch.overrides import Decision, apply_decisions
from grader.results import Result
from grader.rubric import LoadedRubric
from grader.serve.policy import RecordedAttempt
from grader.serve.storage_desk import AttemptRow, StoredDecision

Decisions = Mapping[str, StoredDecision]  # one student's decisions that hold, by question id


def as_batch_decisions(decisions: Decisions | None) -> dict[str, Decision]:
    """The stored decisions as `grade batch` holds them (entry and line 0: they come from no file)."""
    return {question: Decision(score=float(stored.entry.score or 0), comment=stored.entry.comment, entry=0, line=0,
                               answer_hash=stored.entry.answer_sha256)
            for question, stored in (decisions or {}).items()}


def decided_result(result_json: str, decisions: Decisions | None, rubric: LoadedRubric,
                   ) -> tuple[Result, Result, dict[str, Decision]]:
    """(the Result before decisions, the Result with them, the stale decisions by question id)."""
    provisional = Result.model_validate_json(result_json)
    if not decisions:
        return provisional, provisional, {}
    final, stale = apply_decisions(provisional, as_batch_decisions(decisions), rubric)
    return provisional, final, stale


def decided_attempts(attempts: Sequence[RecordedAttempt], rows: Sequence[AttemptRow], decisions: Decisions | None,
                     rubric: LoadedRubric) -> list[RecordedAttempt]:
    """`attempts` with the scores the decisions give them (unchanged without decisions)."""
    if not decisions:
        return list(attempts)
    results = {row.attempt.number: row.result for row in rows}
    return [dataclasses.replace(attempt, score=decided_result(results[attempt.number], decisions, rubric)[1].score)
            if attempt.number in results else attempt for attempt in attempts]
