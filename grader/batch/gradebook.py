"""gradebook.csv: one row per graded student, sorted by id, one column per question.

Columns: student_id, name, email, total, max, then every question id in rubric order. The cells
go through `grader.files.csv_cells`, like every CSV the grader writes: scores stay numbers, and text a
spreadsheet would run as a formula is neutralised.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import IO

from grader.batch.records import StudentRow
from grader.files.csv_cells import cell
from grader.rubric import LoadedRubric


def write_gradebook(stream: IO[str], rows: Iterable[StudentRow], rubric: LoadedRubric) -> None:
    """Write the CSV (the stream is opened with newline=""), as `grader.files.csv_cells.csv_text` writes one."""
    max_score = rubric.rubric.max_score
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow([cell(value) for value in ["student_id", "name", "email", "total", "max", *rubric.questions]])
    number = _Cells()  # a class has few distinct scores: each is formatted once
    for row in rows:
        writer.writerow([cell(row.id), cell(row.name), cell(row.email), number[row.total], number[max_score],
                         *map(number.__getitem__, row.scores)])


class _Cells(dict[float, str]):
    """Number -> its cell, formatted on first use."""

    def __missing__(self, value: float) -> str:
        text = cell(value)
        if value == value:  # NaN is never a key (cell refuses it anyway)
            self[value] = text
        return text
