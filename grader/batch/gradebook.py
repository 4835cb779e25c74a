"""gradebook.csv: one row per graded student, sorted by id, one column per question.

Columns: student_id, name, email, total, max, then every question id in rubric order. The cells
go through `grader.csv_cells`, like every CSV the grader writes: scores stay numbers, and text a
spreadsheet would run as a formula is neutralised.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO

from grader.batch.records import StudentRow
from grader.csv_cells import csv_text
from grader.rubric import LoadedRubric


def write_gradebook(stream: IO[str], rows: Iterable[StudentRow], rubric: LoadedRubric) -> None:
    """Write the CSV (the stream is opened with newline="")."""
    max_score = rubric.rubric.max_score
    header = [["student_id", "name", "email", "total", "max", *rubric.questions]]
    stream.write(csv_text(header + [[row.id, row.name, row.email, row.total, max_score, *row.scores] for row in rows]))
