"""The TA's desk: what the staff pages and the staff API show and do, as plain functions.

The course (each assignment's dates, submissions, who has not submitted, mean and median), an
assignment (the class summary of `grade batch`, live from the database; the students' table with
search and sort), a student (every attempt as it stands, with the key; extensions), and the
downloads (Canvas, Moodle, plain CSV, review.yaml, the `grade batch` OUT folder as a zip). Every
number comes from `class_view`, and every export from the same exporters `grade export` uses.
Actions record who did them, when and what in the audit table.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.batch.summary import ClassSummary, summarise
from grader.files.csv_cells import csv_text
from grader.errors import UsageError
from grader.export.canvas import assignment_column, canvas_rows
from grader.export.gradescope_zip import zip_bytes
from grader.export.moodle import moodle_rows
from grader.export.spreadsheet import spreadsheet_rows
from grader.results import Result
from grader.serve import policy
from grader.serve.class_view import ClassView, StudentStanding, class_view
from grader.serve.course import Course, aware_time
from grader.serve.decided import decided_result
from grader.serve.decisions_io import review_yaml
from grader.serve.errors import ServiceError
from grader.serve.people import StaffRecord
from grader.serve.service import counted_score_may_have_changed
from grader.serve.storage import Storage
from grader.serve.storage_desk import AuditEntry

SORT_KEYS = ("id", "name", "best", "last", "attempts", "late")
MAX_REASON = 500  # characters of an extension's reason
DOWNLOADS = {  # file name -> (what it is, media type)
    "canvas.csv": ("Canvas gradebook import", "text/csv; charset=utf-8"),
    "moodle.csv": ("Moodle grade import", "text/csv; charset=utf-8"),
    "grades.csv": ("plain CSV: the gradebook and one column per question", "text/csv; charset=utf-8"),
    "review.yaml": ("review.yaml: the decisions, for grade batch --overrides", "application/yaml; charset=utf-8"),
    "graded.zip": ("the grade batch output folder (reports, summary, results.jsonl...)", "application/zip"),
}


@dataclass(frozen=True)
class AssignmentOverview:
    id: str
    title: str
    opens: str | None
    due: str | None
    attempts: int | None
    graded_attempts: int
    submitted: int
    not_submitted: list[str]  # student ids
    mean: float | None
    median: float | None
    max_score: float
    to_review: int  # counted answers still needs_review and undecided


def require_assignment(course: Course, assignment_id: str) -> str:
    """The assignment, or 404 (for addresses)."""
    if assignment_id not in course.assignments:
        raise ServiceError(404, f"the course has no assignment `{assignment_id[:64]}`",
                           "choose an assignment from the course page (/staff/)")
    return assignment_id


def overview(course: Course, storage: Storage) -> list[AssignmentOverview]:
    """Every assignment of the course with its numbers so far."""
    listed = []
    for assignment_id, assignment in course.assignments.items():
        view = class_view(course, storage, assignment_id)
        to_review = sum(1 for standing in view.counted for question in standing.result.questions  # type: ignore[union-attr]
                        if question.status == "needs_review")
        listed.append(AssignmentOverview(
            assignment_id, view.rubric.rubric.title, policy.iso(assignment.opens), policy.iso(assignment.due),
            assignment.attempts, sum(len(standing.standings) for standing in view.students),
            sum(1 for standing in view.students if standing.submitted),
            [standing.student.id for standing in view.students if not standing.submitted],
            view.mean, view.median, view.rubric.rubric.max_score, to_review))
    return listed


def summary(view: ClassView) -> ClassSummary:
    """The class summary of `grade batch` (statistics, histogram, wrong values), from the counted Results."""
    return summarise(view.rows(), view.rubric)


def students_table(view: ClassView, search: str = "", sort: str = "id", descending: bool = False,
                   ) -> list[StudentStanding]:
    """The students matching `search` (in id, name or email), sorted by `sort` (empty scores last)."""
    if sort not in SORT_KEYS:
        raise ServiceError(422, f"cannot sort by `{sort[:20]}`", f"sort by one of: {', '.join(SORT_KEYS)}")
    wanted = search.strip().casefold()
    chosen = [standing for standing in view.students if not wanted or any(
        wanted in (value or "").casefold() for value in (standing.student.id, standing.student.name,
                                                         standing.student.email))]
    value = {"id": lambda s: s.student.id, "name": lambda s: (s.student.name or "").casefold(),
             "best": lambda s: s.best, "last": lambda s: s.last, "attempts": lambda s: s.used,
             "late": lambda s: s.late}[sort]
    present = [standing for standing in chosen if value(standing) is not None]
    empty = [standing for standing in chosen if value(standing) is None]
    present.sort(key=lambda standing: (value(standing), standing.student.id), reverse=descending)
    return present + empty


def student_standing(course: Course, storage: Storage, assignment_id: str, student_id: str) -> StudentStanding:
    standing = class_view(course, storage, assignment_id, student_id).student(student_id)
    if standing is None:
        raise ServiceError(404, f"the course has no student `{student_id[:64]}`",
                           "choose a student from the assignment's table")
    return standing


def attempt_report(course: Course, standing: StudentStanding, assignment_id: str, number: str) -> Result:
    """One attempt's Result as it stands, with the TA's decisions and the expected answers (staff see the key)."""
    row = standing.rows.get(int(number)) if number.isdigit() and len(number) < 10 else None
    if row is None:
        raise ServiceError(404, f"{standing.student.id} has no attempt {number[:20]} of `{assignment_id}`",
                           "choose an attempt from the student's page")
    rubric = course.rubrics[assignment_id]
    result = decided_result(row.result, standing.decisions, rubric)[1]
    keys = rubric.answer_keys(standing.student.id)
    return result.model_copy(update={"questions": [
        question if question.expected is not None or question.id not in keys else question.model_copy(
            update={"expected": rubric.questions[question.id].describe(keys[question.id].answer)})
        for question in result.questions]})


def grant_extension(course: Course, storage: Storage, assignment_id: str, student_id: str, due: str, attempts: str,
                    reason: str, member: StaffRecord, now: dt.datetime) -> policy.Terms:
    """A later due date and/or another attempt limit for one student, with why, recorded as `grade extend` does."""
    student_standing(course, storage, assignment_id, student_id)  # 404 for an unknown student
    due, attempts, reason = due.strip(), attempts.strip(), reason.strip()
    if not due and not attempts:
        raise ServiceError(422, "give a due date, an attempt limit or both", "fill in at least one of the two")
    if not reason:
        raise ServiceError(422, "say why the extension is granted", "a few words, e.g. “medical note”")
    try:
        new_due = aware_time(due) if due else None
    except ValueError as exc:
        raise ServiceError(422, f"the due date: {exc}", "e.g. 2026-12-03T23:59:00-05:00") from None
    if attempts and (not attempts.isdigit() or not 1 <= int(attempts) <= 10_000):
        raise ServiceError(422, f"the attempt limit must be a whole number from 1, not `{attempts[:20]}`",
                           "e.g. 12")
    limit = int(attempts) if attempts else None
    what = ", ".join(part for part in (f"due {policy.iso(new_due)}" if new_due else "",
                                       f"attempts {limit}" if limit else "") if part)
    storage.add_extension(student_id, assignment_id, new_due, limit, f"{member.id} ({member.role})", now,
                          reason=reason[:MAX_REASON],
                          audit=AuditEntry(member.id, "extend", assignment_id, student_id,
                                           f"extension: {what}; reason: {reason[:MAX_REASON]}"))
    counted_score_may_have_changed(storage, assignment_id, [student_id], now)
    return policy.terms_for(course.assignments[assignment_id], storage.extension(student_id, assignment_id))


def download(course: Course, storage: Storage, assignment_id: str, name: str, member: StaffRecord,
             now: dt.datetime) -> tuple[bytes, str]:
    """One of DOWNLOADS for the assignment: (its bytes, its media type). Recorded in the audit table."""
    if name not in DOWNLOADS:
        raise ServiceError(404, f"there is no download `{name[:40]}`", f"the downloads are: {', '.join(DOWNLOADS)}")
    view = class_view(course, storage, assignment_id)
    results = [standing.result for standing in view.counted if standing.result is not None]
    title = view.rubric.rubric.title or assignment_id
    if name == "review.yaml":
        data = review_yaml(view).encode("utf-8")
    elif name == "graded.zip":
        data = _graded_zip(course, storage, view)
    elif not results:
        raise ServiceError(409, f"no student has a counted attempt of `{assignment_id}` yet",
                           "download the grades once students have submitted")
    elif name == "canvas.csv":
        try:
            column = assignment_column(title, None)
        except UsageError:
            column = assignment_id  # a title Canvas would misread: the id is a safe column name
        data = csv_text(canvas_rows(results, column=column, points_possible=True).rows).encode("utf-8")
    elif name == "moodle.csv":
        data = csv_text(moodle_rows(results, item=title).rows).encode("utf-8")
    else:
        data = csv_text(spreadsheet_rows(results), byte_order_mark=True).encode("utf-8")
    storage.record_audit(AuditEntry(member.id, "download", assignment_id, None,
                                    f"downloaded {name} ({len(results)} students)"), now)
    return data, DOWNLOADS[name][1]


def _graded_zip(course: Course, storage: Storage, view: ClassView) -> bytes:
    """`grade collect` into a private scratch folder with the page's decisions as its overrides, zipped."""
    from grader.serve.collect import collect

    if not view.counted:
        raise ServiceError(409, f"no student has a counted attempt of `{view.assignment_id}` yet",
                           "download the folder once students have submitted")
    with tempfile.TemporaryDirectory(prefix="grade-desk-") as scratch:
        decisions = Path(scratch) / "decisions.yaml"
        decisions.write_text(review_yaml(view), encoding="utf-8")
        out = Path(scratch) / "graded"
        collect(course, storage, view.assignment_id, out, quiet=True, overrides=(decisions,))
        entries = {path.relative_to(out).as_posix(): path.read_bytes()
                   for path in sorted(out.rglob("*")) if path.is_file()}
    return zip_bytes({f"graded/{name}": data for name, data in entries.items()})


def audit_rows(storage: Storage, student_id: str | None = None) -> list[dict[str, Any]]:
    """The audit entries (of one student, or all), newest first, as the pages and the API show them."""
    return [{"at": policy.iso(record.at), "actor": record.entry.actor, "action": record.entry.action,
             "assignment": record.entry.assignment_id, "student": record.entry.student_id,
             "detail": record.entry.detail} for record in storage.audit_entries(student_id=student_id)]
