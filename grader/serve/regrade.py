"""Regrade from the staff page: every stored attempt graded again with the rubric the server runs now.

After a rubric or solver is fixed (and the server restarted on it), `plan_regrade` grades every
graded attempt's stored file again, exactly as `grade FILE` would, and lists each student whose
counted score would change (old -> new, the questions that changed and whether another attempt
counts now), with the TA's decisions applied on both sides. `apply_regrade` records each changed
Result beside the earlier ones (a new row: nothing is overwritten), with an audit entry for every
student it changes; from then on the student's attempts, score and feedback page show it,
marked as regraded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from grader.errors import GraderError
from grader.grading import check_assignment, grade_submission
from grader.results import Result, format_points
from grader.safe_yaml import load_yaml_bytes
from grader.serve import policy
from grader.serve.class_view import class_view
from grader.serve.course import Course
from grader.serve.decided import decided_result
from grader.serve.service import counted_score_may_have_changed
from grader.serve.storage import Storage
from grader.serve.storage_desk import AttemptRow, AuditEntry, Regrade
from grader.submission import parse_submission


@dataclass(frozen=True)
class ScoreChange:
    student_id: str
    old: float
    new: float
    old_attempt: int
    new_attempt: int
    reasons: list[str]


@dataclass(frozen=True)
class RegradePlan:
    graded: int  # attempts graded again
    regrades: list[Regrade]  # attempts whose Result changed
    changes: list[ScoreChange]  # students whose counted score changes
    unreadable: list[tuple[str, int, str]] = field(default_factory=list)  # (student, attempt, why): left as they are


def plan_regrade(course: Course, storage: Storage, assignment_id: str) -> RegradePlan:
    """Grade every graded attempt of the assignment again; what would change (see the module docstring)."""
    rubric = course.rubrics[assignment_id]
    view = class_view(course, storage, assignment_id)
    rows = storage.attempt_rows(assignment_id, bodies=True)
    regrades: list[Regrade] = []
    unreadable: list[tuple[str, int, str]] = []
    new_results: dict[int, str] = {}  # file id -> the Result JSON it would have
    graded_once: dict[tuple[str, bool], Result | str] = {}  # the same file graded once (a student's resubmissions)
    for row in rows:
        revealed = '"expected"' in row.result  # graded after the due date with `reveal`: keep showing the key
        key = (row.sha256, revealed)
        if key not in graded_once:
            graded_once[key] = _grade_again(row, rubric, revealed)
        outcome = graded_once[key]
        if isinstance(outcome, str):
            unreadable.append((row.student_id, row.attempt.number, outcome))
            continue
        text = outcome.to_json()
        new_results[row.file_id] = text
        if text != row.result:
            regrades.append(Regrade(row.file_id, text, outcome.score, outcome.max_score))
    changes = []
    for standing in view.students:
        if standing.counted is None and not standing.rows:
            continue
        attempts = []
        for number, row in sorted(standing.rows.items()):
            text = new_results.get(row.file_id, row.result)
            score = decided_result(text, standing.decisions, rubric)[1].score
            attempts.append(policy.RecordedAttempt(number, row.attempt.at, score, row.attempt.max_score))
        counted = policy.counted_attempt(standing.terms, attempts)
        old = standing.result.score if standing.result is not None else None
        new = counted.score if counted is not None else None
        if counted is None or old is None or standing.counted is None or abs(new - old) < 1e-9:  # type: ignore[operator]
            continue
        new_text = new_results.get(standing.rows[counted.number].file_id, standing.rows[counted.number].result)
        after = decided_result(new_text, standing.decisions, rubric)[1]
        changes.append(ScoreChange(standing.student.id, old, new, standing.counted.number, counted.number,  # type: ignore[arg-type]
                                   _reasons(standing.result, after, standing.counted.number, counted.number)))  # type: ignore[arg-type]
    return RegradePlan(len(rows), regrades, changes, unreadable)


def _grade_again(row: AttemptRow, rubric, revealed: bool) -> Result | str:  # noqa: ANN001 - a LoadedRubric
    try:
        submission, warnings = parse_submission(load_yaml_bytes(row.body, "submit.yaml"), "submit.yaml")
        check_assignment(submission, rubric, "submit.yaml")
        return grade_submission(submission, rubric, warnings=warnings, reveal=revealed)
    except GraderError as exc:
        return exc.message


def _reasons(before: Result, after: Result, old_attempt: int, new_attempt: int) -> list[str]:
    """Why a counted score changes: the questions whose score changed, and the attempt that counts now."""
    reasons = []
    if new_attempt != old_attempt:
        reasons.append(f"attempt {new_attempt} counts now (it was attempt {old_attempt})")
    old = {question.id: question for question in before.questions}
    for question in after.questions:
        earlier = old.get(question.id)
        if earlier is None:
            reasons.append(f"{question.id} is new: {format_points(question.score)}")
        elif abs(earlier.score - question.score) > 1e-9 or earlier.status != question.status:
            note = f", now matches {question.note}" if question.note and question.note != earlier.note else ""
            reasons.append(f"{question.id}: {format_points(earlier.score)} -> {format_points(question.score)} "
                           f"({earlier.status} -> {question.status}{note})")
    return reasons


def apply_regrade(course: Course, storage: Storage, assignment_id: str, actor: str,
                  now: dt.datetime) -> RegradePlan:
    """Grade again and record the changed Results beside the earlier ones, with their audit entries."""
    plan = plan_regrade(course, storage, assignment_id)
    entries = [AuditEntry(actor, "regrade", assignment_id, change.student_id,
                          f"regraded: {format_points(change.old)} -> {format_points(change.new)}; "
                          + "; ".join(change.reasons)) for change in plan.changes]
    entries.append(AuditEntry(actor, "regrade", assignment_id, None,
                              f"graded {plan.graded} attempts again; {len(plan.regrades)} results changed, "
                              f"{len(plan.changes)} counted scores changed"))
    storage.record_regrades(plan.regrades, actor, now, entries)
    counted_score_may_have_changed(storage, assignment_id, [change.student_id for change in plan.changes], now)
    return plan
