"""`grade collect`: the counted attempts of an assignment, as a `grade batch` output folder.

The chosen attempt of each student (best or last of those that count under the student's terms
as they are now, extensions included) is written,
verbatim as stored, into a private scratch folder named by student id, and `grade batch`'s own
pipeline (`run_batch`) grades it into OUT — so reports, the summary, review.yaml and every
`grade export` work unchanged. Each Result carries the roster's name and email (the course's record of
the signed-in student), whatever the file says, so an export matched by email finds every student. Grading again uses the current rubric (a key fixed after the due
date applies to everyone); the students whose score differs from what they were shown are listed.
With `--as-recorded` the pipeline is handed the recorded Results instead of grading. The students
whose attempts count now though they were late when made (an extension granted afterwards) are
listed, and so is the count of refused files whose bytes were not kept (past the daily allowance).
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from grader.batch.pipeline import BatchOptions, BatchOutcome, describe_outcome, run_batch
from grader.errors import GraderError, UsageError
from grader.export.results_io import read_results
from grader.grading import check_assignment, grade_submission
from grader.results import Result, StudentInfo, format_points
from grader.rubric import LoadedRubric
from grader.safe_yaml import load_yaml_bytes
from grader.serve import policy
from grader.serve.course import Course
from grader.serve.storage import Storage, StoredAttempt
from grader.submission import parse_submission

FILE_SUFFIX = ".yaml"


@dataclass(frozen=True)
class ScoreChange:
    student_id: str
    attempt: int
    shown: float
    now: float | None  # None: the file cannot be graded any more (see problems.jsonl)
    causes: tuple[str, ...] = ()  # "the rubric or key changed", "a TA decision"


@dataclass(frozen=True)
class ExtensionChange:
    student_id: str
    attempts: list[int]  # late when made, counted now
    due: str | None


@dataclass(frozen=True)
class CollectOutcome:
    batch: BatchOutcome
    students: int
    changes: list[ScoreChange]
    as_recorded: bool
    extended: list[ExtensionChange] = field(default_factory=list)
    dropped: dict[str, int] = field(default_factory=dict)


def collect(course: Course, storage: Storage, assignment_id: str, out: Path, *, which: str | None = None,
            as_recorded: bool = False, quiet: bool = False, overrides: tuple[Path, ...] = ()) -> CollectOutcome:
    """Write OUT from the stored attempts (see the module docstring); `overrides`: decision files to apply."""
    assignment = course.assignment(assignment_id)
    rubric = course.rubrics[assignment_id]
    chosen_policy = assignment.model_copy(update={"score": which or assignment.score})
    granted = storage.extensions_of(assignment_id)
    graded: dict[str, list[StoredAttempt]] = {}
    for stored in storage.graded_attempts(assignment_id):
        graded.setdefault(stored.student_id, []).append(stored)
    chosen: dict[str, StoredAttempt] = {}
    extended: list[ExtensionChange] = []
    for student_id, attempts in graded.items():
        terms = policy.terms_for(chosen_policy, granted.get(student_id))
        standings = policy.standings(terms, [stored.attempt for stored in attempts])
        counted = [stored for stored, standing in zip(attempts, standings) if standing.counted]
        now_on_time = [stored.attempt.number for stored, standing in zip(attempts, standings)
                       if stored.late_when_recorded and not standing.late]
        if now_on_time:
            extended.append(ExtensionChange(student_id, now_on_time, policy.iso(terms.due)))
        if counted:
            chosen[student_id] = _choose(counted, terms, rubric, regrade=not as_recorded)
    if not chosen:
        raise UsageError(f"no student has a counted attempt of `{assignment_id}` yet",
                         hint="attempts made after a student's due date are marked late and never count "
                              "(`grade extend --due` moves one student's due date)")
    with tempfile.TemporaryDirectory(prefix="grade-collect-") as scratch:
        folder = Path(scratch)
        names = {student_id: _file_name(index, student_id) for index, student_id in enumerate(sorted(chosen))}
        for student_id, stored in chosen.items():
            (folder / names[student_id]).write_bytes(stored.body)
        recorded = ({names[student_id]: stored.result for student_id, stored in chosen.items()}
                    if as_recorded else None)
        known = {record.id: StudentInfo(id=record.id, name=record.name or None, email=record.email or None)
                 for record in storage.students() if record.id in chosen}
        batch = run_batch(BatchOptions(folder=folder, rubric=rubric.path, out=out, jobs=1, quiet=quiet,
                                       recorded=recorded, overrides=overrides, known_students=known))
    now_results = {result.student.id: result for result in read_results(out)}
    changes = [_change(stored, now_results.get(student_id), rubric, as_recorded)
               for student_id, stored in sorted(chosen.items())
               if getattr(now_results.get(student_id), "score", None) != stored.attempt.score]
    return CollectOutcome(batch=batch, students=len(chosen), changes=changes, as_recorded=as_recorded,
                          extended=extended, dropped=storage.dropped_files(assignment_id))


def _change(stored: StoredAttempt, now: Result | None, rubric: LoadedRubric, as_recorded: bool) -> ScoreChange:
    """A student's score that differs from what they were shown, with why: the rubric or key graded the same
    file differently, and/or a TA's decision (review.yaml, --overrides) replaced a question's score."""
    causes = []
    if now is not None and not as_recorded and _regraded_score(stored, rubric) != stored.attempt.score:
        causes.append("the rubric or key changed")
    if now is not None and any(question.override is not None for question in now.questions):
        causes.append("a TA decision")
    return ScoreChange(stored.student_id, stored.attempt.number, stored.attempt.score,
                       now.score if now is not None else None, tuple(causes))


def _choose(attempts: list[StoredAttempt], terms: policy.Terms, rubric: LoadedRubric, *,
            regrade: bool) -> StoredAttempt:
    """The attempt that counts. With `best` and grading again, best by the current rubric's scores."""
    if regrade and terms.assignment.score == "best":
        rescored = [(_regraded_score(stored, rubric), -stored.attempt.number, index)
                    for index, stored in enumerate(attempts)]
        return attempts[max(rescored)[2]]
    pick = policy.counted_attempt(terms, [stored.attempt for stored in attempts])
    assert pick is not None
    return next(stored for stored in attempts if stored.attempt.number == pick.number)


def _regraded_score(stored: StoredAttempt, rubric: LoadedRubric) -> float:
    try:
        submission, warnings = parse_submission(load_yaml_bytes(stored.body, f"{stored.student_id}{FILE_SUFFIX}"),
                                                stored.student_id)
        check_assignment(submission, rubric, stored.student_id)
        return grade_submission(submission, rubric, warnings=warnings).score
    except GraderError:
        return -1.0  # no longer gradable: any gradable attempt is better (and it shows in problems.jsonl)


def _file_name(index: int, student_id: str) -> str:
    """A file name for a stored attempt that no student id can turn into a path elsewhere (`../x`, `a/b`)."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", student_id).lstrip(".")[:80] or "student"
    return f"{safe}-{index:05d}{FILE_SUFFIX}"


def describe_changes(outcome: CollectOutcome) -> str:
    """The batch's end-of-run paragraph, then each student whose score changed from what they were shown."""
    lines = [describe_outcome(outcome.batch)]
    if outcome.as_recorded:
        lines.append("Results as recorded: the scores the students were shown.")
    elif not outcome.changes:
        lines.append(f"No score changed from what the students were shown ({outcome.students} "
                     f"student{'' if outcome.students == 1 else 's'}).")
    else:
        lines.append(f"{len(outcome.changes)} of {outcome.students} students' scores changed from what they "
                     "were shown:")
        for change in outcome.changes:
            now = format_points(change.now) if change.now is not None else "not gradable (see problems.jsonl)"
            why = f" ({'; '.join(change.causes)})" if change.causes else ""
            lines.append(f"  {change.student_id} (attempt {change.attempt}): {format_points(change.shown)} -> {now}"
                         f"{why}")
    if outcome.extended:
        lines.append(f"{len(outcome.extended)} student{'' if len(outcome.extended) == 1 else 's'} with an extension "
                     "granted after the fact: attempts that were late when made count now:")
        for change in outcome.extended:
            numbers = ", ".join(str(number) for number in change.attempts)
            lines.append(f"  {change.student_id} (attempt{'' if len(change.attempts) == 1 else 's'} {numbers}; "
                         f"due {change.due or 'never'})")
    if outcome.dropped:
        listed = ", ".join(f"{student_id} ({count})" for student_id, count in outcome.dropped.items())
        lines.append(f"Refused files not kept (past the daily allowance for refused files): {listed}.")
    return "\n".join(lines)
