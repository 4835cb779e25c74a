"""Read a Canvas gradebook export (Grades > Export) as a roster."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from grader.errors import UsageError
from grader.files.safe_files import require_regular_file

ROSTER_HINT = "export the gradebook from Canvas (Grades > Export > Export Entire Gradebook) and pass that file"
REQUIRED_COLUMNS = ("Student", "ID", "Section")
SIS_COLUMNS = ("SIS User ID", "SIS Login ID")
EMAIL_COLUMNS = ("Email", "Email Address", "E-mail")  # not in Canvas's own export, but kept when a roster adds one
TEST_STUDENTS = frozenset({"Student, Test", "Test Student"})  # Canvas's student-view user, in every export


@dataclass(frozen=True)
class RosterStudent:
    """One student row of a Canvas gradebook export."""

    name: str
    canvas_id: str
    sis_user_id: str
    sis_login_id: str
    section: str
    email: str

    def emails(self) -> set[str]:
        """Addresses this student can be matched by: the email column, or a login that is an address."""
        return {value.casefold() for value in (self.email, self.sis_login_id) if "@" in value}


def read_csv_rows(path: str | Path, hint: str) -> list[list[str]]:
    """The rows of a roster CSV (UTF-8, a BOM allowed); a missing, odd, empty or unreadable file is a UsageError."""
    name = str(path)
    require_regular_file(path, UsageError, hint="give the roster as an ordinary file", what="a CSV file")
    try:
        with open(path, encoding="utf-8-sig", newline="") as stream:
            rows = list(csv.reader(stream))
    except FileNotFoundError:
        raise UsageError("roster file not found", path=name, hint=hint) from None
    except IsADirectoryError:
        raise UsageError("the roster is a folder, not a CSV file", path=name, hint=hint) from None
    except UnicodeDecodeError:
        raise UsageError("the roster is not UTF-8 text", path=name, hint=hint) from None
    except csv.Error as exc:
        raise UsageError(f"the roster is not a CSV file ({exc})", path=name, hint=hint) from None
    if not rows:
        raise UsageError("the roster is empty", path=name, hint=hint)
    return rows


def read_roster(path: str | Path) -> list[RosterStudent]:
    """Students of a Canvas gradebook export, in its order; the Points Possible and Test Student rows are skipped."""
    name = str(path)
    rows = read_csv_rows(path, ROSTER_HINT)
    header = [title.strip() for title in rows[0]]
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if not any(column in header for column in SIS_COLUMNS):
        missing.append(" or ".join(SIS_COLUMNS))
    if missing:
        raise UsageError(f"this is not a Canvas gradebook export: no {', '.join(missing)} column", path=name,
                         where="line 1", hint=ROSTER_HINT)

    def column(row: list[str], title: str) -> str:
        index = header.index(title) if title in header else None
        return row[index].strip() if index is not None and index < len(row) else ""

    students = []
    for row in rows[1:]:
        student = RosterStudent(
            name=column(row, "Student"), canvas_id=column(row, "ID"), sis_user_id=column(row, "SIS User ID"),
            sis_login_id=column(row, "SIS Login ID"), section=column(row, "Section"),
            email=next((value for title in EMAIL_COLUMNS if (value := column(row, title))), ""))
        if student.name in TEST_STUDENTS or "Points Possible" in student.name:
            continue
        if not (student.canvas_id or student.sis_user_id or student.sis_login_id):
            continue  # Canvas's "Manual Posting" row and blank lines identify nobody
        students.append(student)
    return students
