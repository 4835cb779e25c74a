"""A CSV for Canvas's gradebook importer (Grades > Import).

The importer's rules: the header starts `Student, ID, SIS User ID, SIS Login ID, Section` (it
finds the header by `Student` and `ID`, and the identity columns end at `Section`); each further
column is an assignment, `Title (id)` for an existing one (a bare title creates a new one); an
optional row whose first cell holds `Points Possible` sets the assignments' points; every other
row is a student, found by ID (Canvas's user id), then SIS User ID, then SIS Login ID.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from grader.errors import UsageError
from grader.files.canvas_roster import RosterStudent
from grader.files.csv_cells import Cell
from grader.export.unmatched import Unmatched
from grader.results import Result

IDENTITY_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
POINTS_POSSIBLE = "    Points Possible"  # Canvas writes it indented; its importer looks for "Points Possible"
TITLE_WITH_ID = re.compile(r"^(?P<title>.+) \((?P<id>\d+)\)$")  # how the importer reads `Title (id)`
IMPORT_STEPS = """\
Import into Canvas:
  1. (optional) Grades > Export > Export Entire Gradebook, and pass that file as --roster: rows then
     carry Canvas's own ids and sections, and students are matched by SIS User ID, SIS Login ID, email.
     (The plain student_id,name,email roster works too: every student gets a row, matched by id or email.)
  2. Grades > Import, choose the CSV, Upload Data.
  3. Canvas previews the changes: check the assignment and the students it lists, then Upload Scores.
  4. Submissions that matched nobody on the roster are in unmatched.csv beside the CSV.
"""
TOTAL_COLUMNS = re.compile(r"Current Score|Current Points|Current Grade|Final Score|Final Points|Final Grade")


@dataclass(frozen=True)
class CanvasExport:
    rows: list[list[Cell]]
    unmatched: list[Unmatched]
    without_submission: int  # roster students with no graded submission


def assignment_column(title: str, assignment_id: str | None) -> str:
    """`Homework 3 (12345)`, or the title alone; a UsageError for a title the importer would misread."""
    title = title.strip()
    if not title:
        raise UsageError("--assignment needs the assignment's title as Canvas shows it")
    if assignment_id is not None:
        if not assignment_id.strip().isdigit():
            raise UsageError(f"--assignment-id `{assignment_id}` is not a Canvas assignment id",
                             hint="use the number at the end of the assignment's URL, e.g. .../assignments/12345")
        return f"{title} ({assignment_id.strip()})"
    if TITLE_WITH_ID.match(title):
        raise UsageError(f"Canvas would read the end of `{title}` as an assignment id",
                         hint="pass --assignment-id, or a title that does not end in a number in parentheses")
    if TOTAL_COLUMNS.search(title):
        raise UsageError(f"Canvas ignores a column named like `{title}` (it reads it as a course total)",
                         hint="pass --assignment-id, or choose another title")
    return title


def canvas_rows(results: list[Result], *, column: str, roster: list[RosterStudent] | None = None,
                points_possible: bool = False, missing_as_zero: bool = False) -> CanvasExport:
    """The importer's rows: header, optional Points Possible, then one row per student in a stable order."""
    rows: list[list[Cell]] = [[*IDENTITY_COLUMNS, column]]
    if points_possible:
        rows.append([POINTS_POSSIBLE, "", "", "", "", results[0].max_score])
    if roster is None:
        # Without Canvas's ids, our student id is the SIS User ID the importer matches by.
        rows += [[result.student.name or "", "", result.student.id, "", "", result.score] for result in results]
        return CanvasExport(rows, [], 0)
    matched, unmatched = match_roster(results, roster)
    empty: Cell = 0 if missing_as_zero else None  # an empty cell leaves Canvas's grade alone
    for index, student in enumerate(roster):
        score = matched[index].score if index in matched else empty
        rows.append([student.name, student.canvas_id, student.sis_user_id, student.sis_login_id, student.section,
                     score])
    return CanvasExport(rows, unmatched, len(roster) - len(matched))


# Strongest first: a whole pass per rule, so a SIS id match is never taken by an email match before it.
MATCH_RULES: tuple[tuple[str, Callable[[Result, RosterStudent], bool]], ...] = (
    ("SIS User ID", lambda result, student: bool(student.sis_user_id) and result.student.id == student.sis_user_id),
    ("SIS Login ID", lambda result, student: bool(student.sis_login_id)
        and result.student.id.casefold() == student.sis_login_id.casefold()),
    ("email", lambda result, student: bool(result.student.email)
        and result.student.email.strip().casefold() in student.emails()),
)


def match_roster(results: list[Result], roster: list[RosterStudent]) -> tuple[dict[int, Result], list[Unmatched]]:
    """Roster index -> the submission matched to it, and the submissions that match no roster student."""
    matched: dict[int, Result] = {}
    taken_by: dict[int, str] = {}
    clashes: dict[str, str] = {}
    waiting = list(results)
    for rule, matches in MATCH_RULES:
        still_waiting = []
        for result in waiting:
            index = next((i for i, student in enumerate(roster) if matches(result, student)), None)
            if index is None:
                still_waiting.append(result)
            elif index in matched:
                clashes[result.student.id] = (f"its {rule} matches the roster student already given "
                                              f"{taken_by[index]}'s grade")
            else:
                matched[index] = result
                taken_by[index] = result.student.id
        waiting = still_waiting
    placed = set(taken_by.values())
    unmatched = [Unmatched(result, clashes.get(result.student.id,
                           "no roster student has this SIS User ID, SIS Login ID or email"))
                 for result in results if result.student.id not in placed]
    return matched, unmatched
