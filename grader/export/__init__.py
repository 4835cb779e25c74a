"""LMS exports of graded results: Canvas and Moodle CSV imports, a plain CSV, and a Gradescope autograder.

Every export reads `OUT/results.jsonl` (written by `grade batch`) and nothing else, so exports never
re-grade. The command line lives in `command.py`; each format is one small module.
"""

from typing import Literal, get_args

ExportTarget = Literal["canvas", "moodle", "csv", "gradescope-zip"]
EXPORT_TARGETS: tuple[str, ...] = get_args(ExportTarget)

__all__ = ["EXPORT_TARGETS", "ExportTarget"]
