"""A class roster: a plain CSV with `student_id,name,email`, or Canvas's gradebook export.

Commands that act once per student (`grade sheet --roster`, `grade variants freeze`) read the
roster here. A Canvas export is read by grader.files.canvas_roster (the one Canvas reader);
its student id is the SIS User ID, else the SIS Login ID — what `grade export canvas` matches
submissions by first.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from grader.errors import UsageError
from grader.files.canvas_roster import REQUIRED_COLUMNS, RosterStudent, read_csv_rows, read_roster

PLAIN_COLUMNS = ("student_id", "name", "email")
ROSTER_HINT = ("give a CSV whose first line is `student_id,name,email` (name and email may be empty), or "
               "Canvas's gradebook export (Grades > Export > Export Entire Gradebook)")


@dataclass(frozen=True)
class RosterEntry:
    """One student of a roster."""

    id: str
    name: str
    email: str


def read_students(path: str | Path) -> list[RosterEntry]:
    """The roster's students in its order; a student id given twice is an error naming both lines."""
    name = str(path)
    rows = read_csv_rows(path, ROSTER_HINT)
    header = [title.strip().casefold() for title in rows[0]]
    if "student_id" in header:
        entries = _plain(rows, header, name)
    else:
        _require_canvas_columns(header, name)
        entries = [(0, RosterEntry(student.sis_user_id or student.sis_login_id, student.name, student.email))
                   for student in read_roster(path) if student.sis_user_id or student.sis_login_id]
    seen: dict[str, int] = {}
    for line, entry in entries:
        if entry.id in seen:
            where = f"lines {seen[entry.id]} and {line}" if line else None
            raise UsageError(f"the student id `{entry.id}` is on the roster twice", path=name, where=where,
                             hint="keep one row per student")
        seen[entry.id] = line
    if not entries:
        raise UsageError("the roster lists no students", path=name, hint=ROSTER_HINT)
    return [entry for _, entry in entries]


def read_canvas_roster(path: str | Path) -> list[RosterStudent]:
    """A roster for `grade export canvas`: Canvas's gradebook export as it is (its ids and sections), or a plain
    roster's students with their id as the SIS User ID (what Canvas's importer finds a student by without its
    own id), matched to submissions by that id or their email."""
    header = [title.strip().casefold() for title in read_csv_rows(path, ROSTER_HINT)[0]]
    if "student_id" not in header:
        _require_canvas_columns(header, str(path))
        return read_roster(path)
    return [RosterStudent(name=entry.name, canvas_id="", sis_user_id=entry.id, sis_login_id="", section="",
                          email=entry.email) for entry in read_students(path)]


def _require_canvas_columns(header: list[str], name: str) -> None:
    if not all(column.casefold() in header for column in REQUIRED_COLUMNS):
        raise UsageError("the roster has neither a `student_id` column nor Canvas's Student, ID and Section "
                         "columns", path=name, where="line 1", hint=ROSTER_HINT)


def _plain(rows: list[list[str]], header: list[str], name: str) -> list[tuple[int, RosterEntry]]:
    columns = {title: header.index(title) for title in PLAIN_COLUMNS if title in header}

    def cell(row: list[str], title: str) -> str:
        index = columns.get(title)
        return row[index].strip() if index is not None and index < len(row) else ""

    entries = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(value.strip() for value in row):
            continue  # a blank line names nobody
        student_id = cell(row, "student_id")
        if not student_id:
            raise UsageError("this row has no student_id", path=name, where=f"line {line}",
                             hint="fill in the student's id, or delete the row")
        entries.append((line, RosterEntry(student_id, cell(row, "name"), cell(row, "email"))))
    return entries
