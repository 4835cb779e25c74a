"""Number formatting shared by the reference solvers.

Two needs, two functions: feedback for students wants short numbers (a few significant
digits), while a problem sheet must print parameters exactly as the rubric holds them.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from numpy.typing import ArrayLike

FEEDBACK_DIGITS = 4
"""Significant digits in student feedback: enough to check a hand computation, short to read."""


def short_number(value: float, digits: int = FEEDBACK_DIGITS) -> str:
    """Format a number with at most `digits` significant digits, e.g. 0.3105 or 9.357e-14."""
    text = f"{float(value):.{digits}g}"
    return "0" if text == "-0" else text


def short_array(values: ArrayLike, digits: int = FEEDBACK_DIGITS) -> str:
    """Format a scalar or a vector for feedback; a one-entry vector reads as its entry."""
    flat = np.asarray(values, dtype=float).ravel()
    if flat.size == 1:
        return short_number(flat[0], digits)
    return "[" + ", ".join(short_number(v, digits) for v in flat) + "]"


def exact_number(value: float) -> str:
    """Format a number exactly and briefly: 1.0 -> "1", -0.5 -> "-0.5", 0.1 -> "0.1"."""
    number = float(value)
    if number.is_integer():
        return str(int(number))
    return repr(number)


def exact_list(values: Iterable[float]) -> str:
    """Format a sequence of numbers exactly, as "[1, 2]"."""
    return "[" + ", ".join(exact_number(v) for v in values) + "]"
