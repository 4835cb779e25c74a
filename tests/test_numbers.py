"""Every way a student writes a number (and the ways that are not numbers)."""

import math
import re

import pytest

from grader.errors import AnswerError
from grader.numbers import NumberError, finite_float, parse_number


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
    ("1e999", "`1e999` is too large to be an answer"),
    ([0.1, 0.2], "got a list"),
    ({"value": 1}, "got a mapping"),
    (True, "expected a number"),
    ("abc", "is not a number"),
    ("0,2174", "decimal point"),
    ("1/0", "divides by zero"),
    ("", "empty"),
    ("0.5²", "is not a number"),
    ("__import__('os')", "is not a number"),
    # hostile text: thousands of percent signs were a RecursionError
    ("1" + "%" * 5000, "is not a number"),
    ("50%%", "is not a number"),
])
def test_not_numbers(raw, message):
    with pytest.raises(AnswerError, match=message):
        parse_number(raw)


# finite_float: the same rule for numbers from staff files (override scores); NumberError, never OverflowError
@pytest.mark.parametrize("value, expected", [(3, 3.0), (0.5, 0.5), (-2, -2.0), (10**300, 1e300)])
def test_finite_float(value, expected):
    assert finite_float(value) == expected


@pytest.mark.parametrize("value, message", [
    pytest.param(10**400, "`" + "1" + "0" * 39 + "…` (401 digits) is too large", id="10**400"),
    pytest.param(10**5000, "`" + "1" + "0" * 39 + "…` (5,001 digits) is too large", id="past the int-to-text limit"),
    (float("nan"), "`nan` is not a finite number"),
    (float("-inf"), "`-inf` is not a finite number"),
    (True, "expected a number, got `true`"),
    ("1", "expected a number, got the text `1`"),
    (None, "expected a number, got nothing (null)"),
    ([1], "expected a number, got a list"),
])
def test_finite_float_refuses(value, message):
    with pytest.raises(NumberError, match=re.escape(message)):
        finite_float(value)
