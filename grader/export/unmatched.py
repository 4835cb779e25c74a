"""Submissions an LMS file cannot carry (no roster match, no email...): listed, never silently dropped."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from grader.files.csv_cells import csv_text
from grader.files.output import write_atomic
from grader.results import Result

UNMATCHED_FILE = "unmatched.csv"  # written beside the export, so it is found where the grades are
UNMATCHED_HEADER = ("student_id", "name", "email", "score", "max_score", "reason")
LISTED_ON_STDERR = 20  # the file has them all; the terminal shows the first few


@dataclass(frozen=True)
class Unmatched:
    """A graded submission left out of an export, and why."""

    result: Result
    reason: str


def unmatched_path(output: Path) -> Path:
    return output.parent / UNMATCHED_FILE


def write_unmatched(output: Path, unmatched: list[Unmatched]) -> Path:
    """Write unmatched.csv beside `output` (a header alone when every submission was placed)."""
    rows = [UNMATCHED_HEADER] + [
        (item.result.student.id, item.result.student.name, item.result.student.email, item.result.score,
         item.result.max_score, item.reason) for item in unmatched]
    path = unmatched_path(output)
    write_atomic(path, csv_text(rows))
    return path


def report_unmatched(unmatched: list[Unmatched], listing: Path, stream: TextIO | None = None) -> None:
    """Warn on stderr, one line per submission (up to LISTED_ON_STDERR)."""
    if not unmatched:
        return
    stream = stream or sys.stderr  # looked up now: tests and callers may have replaced it
    print(f"warning: {len(unmatched)} graded submission(s) are not in the export; all are listed in {listing}:",
          file=stream)
    for item in unmatched[:LISTED_ON_STDERR]:
        student = item.result.student
        who = f"{student.id} ({student.name})" if student.name else student.id
        print(f"  {who}: {item.reason}", file=stream)
    if len(unmatched) > LISTED_ON_STDERR:
        print(f"  ... and {len(unmatched) - LISTED_ON_STDERR} more", file=stream)
