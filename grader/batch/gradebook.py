"""gradebook.csv: one row per graded student, sorted by id, one column per question.

Columns: student_id, name, email, total, max, then every question id in rubric order. Scores are
written as plain numbers (1, 0.5, 31.25). Text that a spreadsheet would run as a formula — a
cell starting with =, +, -, @, a tab or a carriage return — gets a leading single quote
(OWASP's advice for CSV injection); numbers are never touched.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import IO

from grader.batch.records import StudentRow
from grader.reports import points
from grader.rubric import LoadedRubric

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str | None) -> str:
    """A text cell that a spreadsheet shows as text, never evaluates."""
    if not text:
        return ""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_gradebook(stream: IO[str], rows: Iterable[StudentRow], rubric: LoadedRubric) -> None:
    """Write the CSV (the stream is opened with newline="")."""
    writer = csv.writer(stream)
    writer.writerow(["student_id", "name", "email", "total", "max", *rubric.questions])
    max_score = points(rubric.rubric.max_score)
    for row in rows:
        writer.writerow([neutralise(row.id), neutralise(row.name), neutralise(row.email), points(row.total),
                         max_score, *(points(score) for score in row.scores)])
