"""Where the class stands on one assignment, read from the database in a few queries.

For every student on the course's list: their attempts as they stand now (the student's current
terms, the latest regrade of each, the TA's decisions), the attempt that counts (best or last),
and its Result before and after the decisions. The staff pages, the staff API, the review queue,
review.yaml and every export read this one view, so they cannot disagree about a score.
Staff are never in it: they are not in the students' table.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from grader.batch.overrides import Decision
from grader.batch.records import StudentRow, compact_row
from grader.results import Result
from grader.rubric import LoadedRubric
from grader.serve import policy
from grader.serve.course import Course
from grader.serve.decided import decided_attempts, decided_result
from grader.serve.people import StudentRecord
from grader.serve.storage import Storage
from grader.serve.storage_desk import AttemptRow, StoredDecision


@dataclass(frozen=True)
class StudentStanding:
    """One student's standing on one assignment."""

    student: StudentRecord
    terms: policy.Terms
    extension: policy.Extension
    standings: list[policy.Standing]  # every graded attempt, scored as it stands
    rows: dict[int, AttemptRow]  # by attempt number
    counted: policy.RecordedAttempt | None  # the attempt that is the grade
    provisional: Result | None  # its Result before the TA's decisions
    result: Result | None  # ... and with them
    decisions: dict[str, StoredDecision] = field(default_factory=dict)
    stale: dict[str, Decision] = field(default_factory=dict)  # decisions whose answer changed since

    @property
    def submitted(self) -> bool:
        return bool(self.standings)

    @property
    def best(self) -> float | None:
        scores = [standing.attempt.score for standing in self.standings if standing.counted]
        return max(scores) if scores else None

    @property
    def last(self) -> float | None:
        return self.standings[-1].attempt.score if self.standings else None

    @property
    def used(self) -> int:
        return sum(1 for standing in self.standings if not standing.late)

    @property
    def late(self) -> int:
        return sum(1 for standing in self.standings if standing.late)

    @property
    def extended(self) -> bool:
        return self.extension.due is not None or self.extension.attempts is not None

    @property
    def regraded(self) -> bool:
        return any(row.regraded_at is not None for row in self.rows.values())


@dataclass(frozen=True)
class ClassView:
    assignment_id: str
    rubric: LoadedRubric
    students: list[StudentStanding]  # every student of the course, by id

    @property
    def counted(self) -> list[StudentStanding]:
        """The students who have an attempt that counts (by id)."""
        return [standing for standing in self.students if standing.result is not None]

    @property
    def scores(self) -> list[float]:
        return [standing.result.score for standing in self.counted if standing.result is not None]

    @property
    def mean(self) -> float | None:
        return statistics.fmean(self.scores) if self.scores else None

    @property
    def median(self) -> float | None:
        return statistics.median(self.scores) if self.scores else None

    def rows(self) -> list[StudentRow]:
        """The counted Results as `grade batch`'s compact rows, for its class summary."""
        return [compact_row(standing.result, self.rubric) for standing in self.counted
                if standing.result is not None]

    def student(self, student_id: str) -> StudentStanding | None:
        return next((standing for standing in self.students if standing.student.id == student_id), None)


def class_view(course: Course, storage: Storage, assignment_id: str, student_id: str | None = None) -> ClassView:
    """Every student's standing on `assignment_id` (or only `student_id`'s)."""
    assignment = course.assignments[assignment_id]
    rubric = course.rubrics[assignment_id]
    students = storage.students()
    if student_id is not None:
        students = [student for student in students if student.id == student_id]
    rows: dict[str, list[AttemptRow]] = {}
    for row in storage.attempt_rows(assignment_id, student_id):
        rows.setdefault(row.student_id, []).append(row)
    extensions = storage.extensions_of(assignment_id)
    decisions = storage.decisions(assignment_id, student_id)
    standings = []
    for student in students:
        mine = rows.get(student.id, [])
        held = decisions.get(student.id, {})
        extension = extensions.get(student.id, policy.Extension())
        terms = policy.terms_for(assignment, extension)
        attempts = decided_attempts([row.attempt for row in mine], mine, held, rubric)
        counted = policy.counted_attempt(terms, attempts)
        provisional = result = None
        stale: dict[str, Decision] = {}
        by_number = {row.attempt.number: row for row in mine}
        if counted is not None:
            provisional, result, stale = decided_result(by_number[counted.number].result, held, rubric)
        standings.append(StudentStanding(student, terms, extension, policy.standings(terms, attempts), by_number,
                                         counted, provisional, result, held, stale))
    return ClassView(assignment_id, rubric, standings)
