"""CSV cells that spreadsheets cannot execute, and the CSV text every export writes.

A text cell beginning with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a formula
by Excel, LibreOffice and Google Sheets (CSV injection, OWASP). Such text gets a leading single
quote, which spreadsheets show as text. Numbers are written as numbers, negative ones included:
only *text* is neutralised, so a score stays a score.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence

from grader.results import format_points

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r",
                  "\uff1d", "\uff0b", "\uff0d", "\uff20")  # the full-width forms some locales also evaluate
NEUTRALISING_PREFIX = "'"  # shown as text by spreadsheets; importers store it as part of the text
BYTE_ORDER_MARK = "\ufeff"
Cell = str | int | float | None


def neutralise(text: str) -> str:
    """`text` with a leading quote when a spreadsheet would read it as a formula (spaces before it too)."""
    if text.lstrip(" ").startswith(FORMULA_STARTS):
        return NEUTRALISING_PREFIX + text
    return text


def number_text(value: float) -> str:
    """A score as a CSV number: 32.0 -> '32', 31.25 -> '31.25', -0.5 -> '-0.5'."""
    if not math.isfinite(value):
        raise ValueError(f"a score must be a finite number, not {value!r}")
    return format_points(value)


def cell(value: Cell) -> str:
    """The text of one CSV cell: None is empty, numbers stay numbers, text is neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):  # a bool is an int to Python, never a score
        raise TypeError("a CSV cell is text, a number or None, not a bool")
    if isinstance(value, (int, float)):
        return number_text(float(value))
    if isinstance(value, str):
        return neutralise(value)
    raise TypeError(f"a CSV cell is text, a number or None, not {type(value).__name__}")


def csv_text(rows: Iterable[Sequence[Cell]], *, byte_order_mark: bool = False) -> str:
    """The whole CSV file as text (RFC 4180: quoted where needed, CRLF line ends), every cell made safe."""
    buffer = io.StringIO()
    if byte_order_mark:
        buffer.write(BYTE_ORDER_MARK)
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([cell(value) for value in row])
    return buffer.getvalue()
