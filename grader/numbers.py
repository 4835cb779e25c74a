"""Read a number the way a student writes it, without ever evaluating their text.

Accepted: YAML numbers, and strings such as `0.2174`, ` −0.19 `, `≈ 0.2174`, `2.17e-1`,
`2.17 × 10^-1`, `2.17·10⁻¹`, `52.99%`, `1/2`, `-3/4`. Everything else is an `AnswerError`
whose message says what was expected.
"""

from __future__ import annotations

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


def parse_number(raw: Any) -> float:
    """The float a student meant by `raw`, or AnswerError with a message they can act on."""
    if isinstance(raw, bool):
        raise AnswerError(f"expected a number, got `{str(raw).lower()}`")
    if isinstance(raw, (int, float)):
        return _finite(float(raw), str(raw))
    if isinstance(raw, str):
        return _finite(_parse_text(raw), raw.strip())
    if isinstance(raw, (list, tuple)):
        raise AnswerError("expected a single number, got a list")
    if isinstance(raw, dict):
        raise AnswerError("expected a single number, got a mapping")
    if raw is None:
        raise AnswerError("the answer is empty")
    raise AnswerError(f"expected a number, got `{raw}`")


def _finite(value: float, shown: str) -> float:
    if math.isnan(value) or math.isinf(value):
        raise AnswerError(f"`{shown}` is not a finite number; give the value you computed")
    return value


def _parse_text(raw: str) -> float:
    text = raw.strip().translate(_MINUS_SIGNS)
    text = _APPROX_PREFIX.sub("", text).strip()
    if not text:
        raise AnswerError("the answer is empty")
    if text.endswith("%"):
        return _parse_text(text[:-1]) / 100.0
    text = _SUPERSCRIPT_EXPONENT.sub(lambda m: "10^" + m["exponent"].translate(_SUPERSCRIPTS), text)
    text = text.replace(" ", "")
    if _PLAIN.match(text):
        return float(text)
    match = _TIMES_TEN.match(text)
    if match:
        return float(match["mantissa"]) * 10.0 ** int(match["exponent"])
    match = _FRACTION.match(text)
    if match:
        denominator = float(match["den"])
        if denominator == 0:
            raise AnswerError(f"`{raw.strip()}` divides by zero")
        return float(match["num"]) / denominator
    if _DECIMAL_COMMA.match(text):
        raise AnswerError(f"`{raw.strip()}`: write the decimal point as `.`, e.g. `{text.replace(',', '.')}`")
    shown = raw.strip() if len(raw) <= 40 else raw.strip()[:40] + "…"
    raise AnswerError(f"`{shown}` is not a number; write a decimal like 0.25, a fraction like 1/4 or a percentage like 25%")
