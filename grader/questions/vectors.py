"""Vectors and matrices of numbers: read them the way students write them, and compare shapes.

A student may write `[0.86, -1.09]`, `(0.86, −1.09)`, a YAML list, a row or column matrix
(`[[0.86], [-1.09]]`) or MATLAB's `[0.86; -1.09]`; every entry goes through the one number parser
(unicode minus, fractions, percentages). Shapes that differ only by sizes of 1 hold the same
numbers (a 2-vector, a 2×1 column and a 1×2 row), so each is accepted where another is expected.
Nothing here ever evaluates the student's text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from grader.errors import AnswerError
from grader.numbers import parse_number

MAX_COMPONENTS = 10_000  # homework vectors have a handful of entries; more is not an answer
MAX_DIMENSIONS = 3  # vectors and matrices (and a stack of matrices); deeper nesting is a slip
_OPENING = {"[": "]", "(": ")"}


@dataclass(frozen=True)
class Vector:
    """Numbers in a shape: `values` in row-major order; shape () is a single number."""

    shape: tuple[int, ...]
    values: tuple[float, ...]

    @property
    def size(self) -> int:
        return len(self.values)

    def reshaped(self, shape: tuple[int, ...]) -> "Vector":
        return Vector(shape, self.values)

    def nested(self) -> Any:
        """The values as nested tuples in this shape (a float for shape ())."""
        if not self.shape:
            return self.values[0]
        return _nest(list(self.values), self.shape)

    def index_of(self, position: int) -> str:
        """Component `position` (0-based, row-major) as people count it: `2`, or `(1, 2)` in a matrix."""
        if len(self.shape) <= 1:
            return str(position + 1)
        indexes = []
        for size in reversed(self.shape):
            indexes.append(position % size + 1)
            position //= size
        return "(" + ", ".join(str(index) for index in reversed(indexes)) + ")"


def squeeze(shape: tuple[int, ...]) -> tuple[int, ...]:
    """Sizes of 1 left out: (2, 1), (1, 2) and (2,) all hold two numbers in a row."""
    return tuple(size for size in shape if size != 1)


def is_array(value: Any) -> bool:
    """A list, tuple or array (numpy's included), as opposed to a single number."""
    if isinstance(value, (float, int)):  # the common case first: most answers are single numbers
        return False
    return isinstance(value, (list, tuple)) or getattr(value, "ndim", 0) > 0


def shape_words(shape: tuple[int, ...]) -> str:
    """A shape as a reader says it: `a single number`, `a vector of 3 numbers`, `a 2×3 matrix`."""
    if not squeeze(shape):
        return "a single number"
    if len(shape) == 1:
        return f"a vector of {shape[0]} numbers"
    return "a " + "×".join(str(size) for size in shape) + " matrix"


EXAMPLE_ENTRIES = ("0.5", "-1", "0.25", "2")  # made-up numbers for a template's "like [...]" example


def example_of_shape(shape: tuple[int, ...]) -> str:
    """A made-up answer of this shape, as a student would write it: `[0.5, -1, 0.25]`, `[[0.5, -1], [0.25, 2]]`."""
    if len(shape) <= 1:
        count = shape[0] if shape else 1
        return "[" + ", ".join(EXAMPLE_ENTRIES[i % len(EXAMPLE_ENTRIES)] for i in range(count)) + "]"
    rows, columns = shape[0], shape[1]
    return "[" + ", ".join("[" + ", ".join(EXAMPLE_ENTRIES[(r * columns + c) % len(EXAMPLE_ENTRIES)]
                                           for c in range(columns)) + "]" for r in range(rows)) + "]"


def reference_vector(value: Any) -> Vector:
    """A key or known-mistake value (a number, a nested list or a numpy array) as a Vector;
    ValueError when the lists are ragged or hold something other than finite numbers."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if not is_array(value):
        number = _reference_number(value)
        return Vector((), (number,))
    flat: list[float] = []
    try:
        shape = _shape_of(value, flat, _reference_number, depth=1)
    except AnswerError as exc:  # the same checks as for students, but a rubric's value is the rubric's error
        raise ValueError(str(exc)) from None
    return Vector(shape, tuple(flat))


def read_vector(raw: Any) -> Vector:
    """A student's list or bracketed text as a Vector, or AnswerError saying what to fix."""
    if isinstance(raw, str):
        raw = _split_text(raw)
    flat: list[float] = []
    shape = _shape_of(raw, flat, parse_number, depth=1)
    return Vector(shape, tuple(flat))


def looks_like_vector(raw: Any) -> bool:
    """A YAML list, or text that opens a bracket: read it as a vector."""
    return isinstance(raw, list) or isinstance(raw, str) and raw.lstrip()[:1] in _OPENING


def format_value(value: Any) -> str:
    """A key value for people: `0.217415`, `[0.86, -1.09]`, `[[1, 2], [3, 4]]` (6 significant digits)."""
    if isinstance(value, Vector):
        value = value.nested()
    if hasattr(value, "tolist"):
        value = value.tolist()
    if is_array(value):
        return "[" + ", ".join(format_value(item) for item in value) + "]"
    return f"{float(value):.6g}"


def _reference_number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"expected numbers, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"expected finite numbers, got {number}")
    return number


def _shape_of(node: Any, flat: list[float], read: Any, depth: int) -> tuple[int, ...]:
    """The shape of a nested list, appending its numbers to `flat`; the lists must be regular."""
    if not isinstance(node, (list, tuple)):
        flat.append(read(node))
        return ()
    if depth > MAX_DIMENSIONS:
        raise AnswerError(f"the lists nest more than {MAX_DIMENSIONS} levels deep; write a vector or a matrix")
    if not node:
        raise AnswerError("the list is empty; write the numbers inside the brackets")
    shapes = set()
    for item in node:
        shapes.add(_shape_of(item, flat, read, depth + 1))
        if len(flat) > MAX_COMPONENTS:
            raise AnswerError(f"more than {MAX_COMPONENTS:,} numbers; an answer here has a handful")
    if len(shapes) > 1:
        raise AnswerError("the rows have different lengths (or mix numbers and lists); "
                          "write every row with the same number of entries")
    return (len(node), *shapes.pop())


def _split_text(text: str) -> list[Any]:
    """`[0.86, -1.09]`, `(1/2, 50%)`, `[[1, 2], [3, 4]]` or `[1, 2; 3, 4]` as nested lists of entry texts.

    Commas separate entries and semicolons rows; each entry stays text for the number parser."""
    stack: list[tuple[str, list[Any], list[list[Any]]]] = []  # (closing bracket, entries, finished rows)
    result: list[Any] | None = None
    entry = ""
    for position, char in enumerate(text.strip()):
        if result is not None:
            if not char.isspace():
                raise AnswerError(f"unexpected `{char}` after the closing bracket; write one vector or matrix")
            continue
        if char in _OPENING:
            if entry.strip():
                raise AnswerError(f"a bracket opens after `{entry.strip()}`; separate entries with commas")
            stack.append((_OPENING[char], [], []))
            entry = ""
        elif char in ")]":
            if not stack or stack[-1][0] != char:
                raise AnswerError(f"the bracket `{char}` at position {position + 1} does not match an opening one")
            closing, entries, rows = stack.pop()
            _finish(entry, entries, last=True)
            entry = ""
            finished: list[Any] = rows + [entries] if rows else entries
            if stack:
                stack[-1][1].append(finished)
            else:
                result = finished
        elif char in ",;":
            if not stack:
                raise AnswerError("write the numbers inside brackets, like [0.5, -1]")
            _finish(entry, stack[-1][1], last=False)
            entry = ""
            if char == ";":
                stack[-1][2].append(stack[-1][1][:])
                stack[-1][1].clear()
        else:
            entry += char
            if not stack:
                raise AnswerError("write the numbers inside brackets, like [0.5, -1]")
    if result is None:
        raise AnswerError("a bracket is not closed; write the numbers like [0.5, -1]")
    return result


def _finish(entry: str, entries: list[Any], *, last: bool) -> None:
    """End one entry: text goes to the list; an empty entry is allowed only after a closing list or
    as a trailing comma (`(2,)`)."""
    if entry.strip():
        entries.append(entry.strip())
        return
    after_a_list = bool(entries) and isinstance(entries[-1], list)
    trailing_comma = last and bool(entries)
    if not (after_a_list or trailing_comma):
        raise AnswerError("an entry is empty; write a number between every two commas")


def _nest(values: list[float], shape: tuple[int, ...]) -> Any:
    if len(shape) == 1:
        return tuple(values)
    step = len(values) // shape[0]
    return tuple(_nest(values[start:start + step], shape[1:]) for start in range(0, len(values), step))
