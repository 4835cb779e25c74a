"""A CSV for Moodle's grade import (Grades > Import > CSV file).

Moodle's importer asks, after the upload, which column identifies the user ("Map from") and by
which user field ("Map to": email address, ID number or username), then which column goes to which
grade item and which one is that item's feedback. This file has exactly those three columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from grader.errors import UsageError
from grader.files.csv_cells import Cell
from grader.export.unmatched import Unmatched
from grader.reports import STATUS_LABELS, render_template
from grader.results import Result

MoodleIdField = Literal["email", "idnumber", "username"]
MOODLE_ID_FIELDS: tuple[str, ...] = get_args(MoodleIdField)
DEFAULT_ID_FIELD: MoodleIdField = "idnumber"  # our student id is the course's id; Moodle keeps it as "ID number"
ID_COLUMN_TITLES = {"email": "Email address", "idnumber": "ID number", "username": "Username"}  # Moodle's own names
FEEDBACK_COLUMN = "Feedback"
IMPORT_STEPS = """\
Import into Moodle (set the grade item's maximum grade to the assignment's points first):
  1. In the course: Grades > Import > CSV file. Upload the CSV; encoding UTF-8, separator Comma.
  2. The mapping step. "Identify user by": Map from = the file's first column (Email address,
     ID number or Username), Map to = the same user field (email address, ID number, username).
  3. "Grade item mappings": map the item's column (e.g. "Homework 3") to that grade item, and
     "Feedback" to the same item under the list's Feedback heading. Then Upload grades.
  4. Moodle reports the users it could not find; submissions without the identity field are in
     unmatched.csv beside the CSV.
"""


@dataclass(frozen=True)
class MoodleExport:
    rows: list[list[Cell]]
    unmatched: list[Unmatched]


def moodle_rows(results: list[Result], *, item: str, id_field: MoodleIdField = DEFAULT_ID_FIELD) -> MoodleExport:
    """Header (identity, item, Feedback), then one row per student sorted by student id."""
    item = item.strip()
    if not item:
        raise UsageError("--item needs the name of the Moodle grade item")
    if item in (ID_COLUMN_TITLES[id_field], FEEDBACK_COLUMN):
        raise UsageError(f"the grade item cannot be called `{item}`: the file has another column of that name")
    rows: list[list[Cell]] = [[ID_COLUMN_TITLES[id_field], item, FEEDBACK_COLUMN]]
    unmatched: list[Unmatched] = []
    seen: dict[str, str] = {}
    for result in results:
        identity = moodle_identity(result, id_field)
        if identity is None:
            unmatched.append(Unmatched(result, f"the submission gives no {ID_COLUMN_TITLES[id_field].lower()}"))
        elif identity.casefold() in seen:
            unmatched.append(Unmatched(result, f"{ID_COLUMN_TITLES[id_field].lower()} `{identity}` is also "
                                               f"{seen[identity.casefold()]}'s"))
        else:
            seen[identity.casefold()] = result.student.id
            rows.append([identity, result.score, feedback_summary(result)])
    return MoodleExport(rows, unmatched)


def moodle_identity(result: Result, id_field: MoodleIdField) -> str | None:
    if id_field == "email":
        return result.student.email.strip() if result.student.email and result.student.email.strip() else None
    if id_field == "username":
        return result.student.id.lower()  # Moodle stores every username in lower case
    return result.student.id


def feedback_summary(result: Result) -> str:
    """One line for the gradebook: the score, how many answers were right, what is still provisional."""
    counts = {status: 0 for status in STATUS_LABELS}
    for question in result.questions:
        counts[question.status] += 1
    context = {
        "result": result,
        "counts": [f"{count} {STATUS_LABELS[status]}" for status, count in counts.items() if count],
        "review": sum(1 for q in result.questions if q.provisional),
        "decided": [f"{q.id} ({q.score:g}/{q.max_score:g})" for q in result.questions if q.override],
    }
    return " ".join(render_template("export_feedback.txt.j2", **context).split())
