"""Read a number the way a student writes it, without ever evaluating their text.

Accepted: YAML numbers, and strings such as `0.2174`, ` −0.19 `, `≈ 0.2174`, `2.17e-1`,
`2.17 × 10^-1`, `2.17·10⁻¹`, `52.99%`, `1/2`, `-3/4`. Everything else is an `AnswerError`
whose message says what was expected: a number too large for a float (`1` and 400 zeros, `1e400`),
`nan` and `inf` included, so no value a student types can end grading in an exception.

`finite_float` is the same rule for numbers read from staff files (override scores, results):
it raises `NumberError`, which the caller turns into a message about its file.
"""

from __future__ import annotations

import decimal
import math
import re
from typing import Any

from grader.errors import AnswerError

_MINUS_SIGNS = str.maketrans({"−": "-", "–": "-", "—": "-", "﹣": "-", "－": "-", "＋": "+"})
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_SUPERSCRIPT_EXPONENT = re.compile(r"10(?P<exponent>[⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)$")
_APPROX_PREFIX = re.compile(r"^(?:≈|~|≅|=|approx\.?|about)\s*", re.IGNORECASE)
_DECIMAL = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_PLAIN = re.compile(rf"^{_DECIMAL}$")
_TIMES_TEN = re.compile(rf"^(?P<mantissa>{_DECIMAL})\s*(?:[x×·*⋅]|\*\*?)\s*10\s*(?:\^|\*\*)?\s*\(?(?P<exponent>[+-]?\d+)\)?$")
_FRACTION = re.compile(rf"^(?P<num>{_DECIMAL})\s*/\s*(?P<den>{_DECIMAL})$")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
SHOWN_CHARS = 40  # a number echoed in a message is cut here: the student knows what they wrote
MAX_EXPONENT_DIGITS = 5  # 10^99999 is already far past any float; longer exponents are not parsed as ints


class NumberError(ValueError):
    """A value that is not a finite number; `str()` is a sentence that names the value."""


def finite_float(value: Any) -> float:
    """`value` (an int or a float, never a bool) as a finite float, or NumberError saying why not.

    Ints of any size are safe here: one too large for a float is refused, not an OverflowError.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise NumberError(f"expected a number, got {_kind(value)}")
    if isinstance(value, int):
        try:
            return float(value)
        except OverflowError:
            raise NumberError(f"{shown_number(_int_text(value))} is too large") from None
    if math.isnan(value) or math.isinf(value):
        raise NumberError(f"`{value}` is not a finite number")
    return value


def shown_number(text: str) -> str:
    """A number as echoed in a message, in backticks: long digit strings are cut and their length given."""
    text = text.strip()
    if len(text) <= SHOWN_CHARS:
        return f"`{text}`"
    digits = sum(character.isdigit() for character in text)
    return f"`{text[:SHOWN_CHARS]}…` ({digits:,} digits)"


def parse_number(raw: Any) -> float:
    """The float a student meant by `raw`, or AnswerError with a message they can act on."""
    if isinstance(raw, bool):
        raise AnswerError(f"expected a number, got `{str(raw).lower()}`")
    if isinstance(raw, int):
        return _finite(_int_to_float(raw), _int_text(raw))
    if isinstance(raw, float):
        if math.isnan(raw) or math.isinf(raw):
            raise AnswerError(f"`{raw}` is not a finite number; give the value you computed")
        return raw
    if isinstance(raw, str):
        return _finite(_parse_text(raw), raw)
    if isinstance(raw, (list, tuple)):
        raise AnswerError("expected a single number, got a list")
    if isinstance(raw, dict):
        raise AnswerError("expected a single number, got a mapping")
    if raw is None:
        raise AnswerError("the answer is empty")
    raise AnswerError(f"expected a number, got `{raw}`")


def _kind(value: Any) -> str:
    """What `value` is, for "expected a number, got …"."""
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if value is None:
        return "nothing (null)"
    if isinstance(value, str):
        return f"the text {_shown_text(value)}"
    if isinstance(value, (list, tuple)):
        return "a list"
    return "a mapping" if isinstance(value, dict) else "another kind of value"


def _int_text(value: int) -> str:
    """str(value), even past Python's 4300-digit limit for int-to-text conversion."""
    try:
        return str(value)
    except ValueError:
        return str(decimal.Decimal(value))  # Decimal converts an int without the text limit


def _int_to_float(value: int) -> float:
    try:
        return float(value)
    except OverflowError:
        return math.inf  # reported by _finite with the digits the student wrote


def _finite(value: float, written: str) -> float:
    """Parsed from finite-looking digits: anything not finite overflowed, so the number is too large."""
    if math.isnan(value) or math.isinf(value):
        raise AnswerError(f"{shown_number(written)} is too large to be an answer; give the value you computed")
    return value


def _power_of_ten(exponent: str) -> float:
    """10**exponent as a float, 0.0 or inf past the float range, without int() on a 5000-digit text."""
    digits = exponent.lstrip("+-").lstrip("0") or "0"
    negative = exponent.startswith("-")
    if len(digits) > MAX_EXPONENT_DIGITS:
        return 0.0 if negative else math.inf
    try:
        return 10.0 ** int(exponent)
    except OverflowError:
        return math.inf


def _parse_text(raw: str) -> float:
    text = raw.strip().translate(_MINUS_SIGNS)
    text = _APPROX_PREFIX.sub("", text).strip()
    if not text:
        raise AnswerError("the answer is empty")
    if text.endswith("%") and not text[:-1].rstrip().endswith("%"):  # one sign only: `50%%` is no number
        return _parse_text(text[:-1]) / 100.0
    text = _SUPERSCRIPT_EXPONENT.sub(lambda m: "10^" + m["exponent"].translate(_SUPERSCRIPTS), text)
    text = text.replace(" ", "")
    if _PLAIN.match(text):
        return float(text)
    match = _TIMES_TEN.match(text)
    if match:
        mantissa = float(match["mantissa"])
        return 0.0 if mantissa == 0 else mantissa * _power_of_ten(match["exponent"])
    match = _FRACTION.match(text)
    if match:
        denominator = float(match["den"])
        if denominator == 0:
            raise AnswerError(f"{shown_number(raw)} divides by zero")
        return float(match["num"]) / denominator
    if _DECIMAL_COMMA.match(text):
        example = text.replace(",", ".") if len(text) <= SHOWN_CHARS else "0.25"
        raise AnswerError(f"{shown_number(raw)}: write the decimal point as `.`, e.g. `{example}`")
    raise AnswerError(f"{_shown_text(raw)} is not a number; write a decimal like 0.25, a fraction like 1/4 "
                      "or a percentage like 25%")


def _shown_text(raw: str) -> str:
    text = raw.strip()
    return f"`{text}`" if len(text) <= SHOWN_CHARS else f"`{text[:SHOWN_CHARS]}…`"
