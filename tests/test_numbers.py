"""Every way a student writes a number (and the ways that are not numbers)."""

import math

import pytest

from grader.errors import AnswerError
from grader.numbers import parse_number


@pytest.mark.parametrize("raw, expected", [
    # YAML numbers
    (0.2174, 0.2174),
    (1, 1.0),
    (-3, -3.0),
    # plain text, surrounding spaces
    ("0.2174", 0.2174),
    ("  0.2174  ", 0.2174),
    (".5", 0.5),
    ("+0.5", 0.5),
    # unicode minus and dashes
    ("−0.1899", -0.1899),
    ("– 0.1899", -0.1899),
    # approximately
    ("≈ 0.2174", 0.2174),
    ("~0.2174", 0.2174),
    ("about 0.2174", 0.2174),
    # percentages
    ("52.99%", 0.5299),
    ("52.99 %", 0.5299),
    ("−5%", -0.05),
    # fractions
    ("1/2", 0.5),
    ("-3/4", -0.75),
    ("1 / 8", 0.125),
    # exponents
    ("2.17e-1", 0.217),
    ("2.17E-1", 0.217),
    ("2.17 × 10^-1", 0.217),
    ("2.17·10⁻¹", 0.217),
    ("2.17*10**-1", 0.217),
    ("2.17 x 10^(-1)", 0.217),
])
def test_numbers_students_write(raw, expected):
    assert math.isclose(parse_number(raw), expected, rel_tol=1e-12)


@pytest.mark.parametrize("raw, message", [
    (float("nan"), "not a finite number"),
    (float("inf"), "not a finite number"),
    ("1e999", "not a finite number"),
    ([0.1, 0.2], "got a list"),
    ({"value": 1}, "got a mapping"),
    (True, "expected a number"),
    ("abc", "is not a number"),
    ("0,2174", "decimal point"),
    ("1/0", "divides by zero"),
    ("", "empty"),
    ("0.5²", "is not a number"),
    ("__import__('os')", "is not a number"),
])
def test_not_numbers(raw, message):
    with pytest.raises(AnswerError, match=message):
        parse_number(raw)
