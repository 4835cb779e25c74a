"""Reading a logarithm's base from its subscript: `log_2`, `log_{10}`, `log₂`, `ln_e`, `\\log_{3}`.

A mixin of the tokenizer (tokenizer.py), which emits one `log` function token carrying the
base; the parser makes log2, log10 or log(x)/log(b) of it.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

from . import symbols

if TYPE_CHECKING:
    from .errors import ExpressionError

__all__ = ["LogBaseReading"]

_LOG_WITH_SUBSCRIPT = re.compile(r"(log|ln)(?=_|[₀-₉])", re.IGNORECASE)
_LOG_BASE = re.compile(r"[0-9]+(?:\.[0-9]+)?|e")


class LogBaseReading:
    """`log` followed by a subscript, for the tokenizer that mixes this in."""

    source: str

    if TYPE_CHECKING:  # provided by the tokenizer
        def error(self, message: str, position: int) -> ExpressionError: ...

    def logarithm_with_base(self, start: int) -> tuple[float, int] | None:
        """For `log_2`, `log_{10}`, `ln_e`, `log₂` at `start`: the base and where it ends."""
        match = _LOG_WITH_SUBSCRIPT.match(self.source, start)
        return None if match is None else self.logarithm_base(match.end(1), start)

    def logarithm_base(self, at: int, start: int) -> tuple[float, int]:
        """The base written at `at` (`_2`, `_{10}`, `₂`, `_e`) and where it ends; 0 for base e."""
        source = self.source
        if source[at:at + 1] in symbols.SUBSCRIPT_DIGITS:
            end = at
            while end < len(source) and source[end] in symbols.SUBSCRIPT_DIGITS:
                end += 1
            text = "".join(symbols.SUBSCRIPT_DIGITS[c] for c in source[at:end])
        elif source[at + 1:at + 2] == "{":
            end = source.find("}", at + 2)
            if end < 0:
                raise self.error(f"the base at {at + 1} must be a number in braces, as in "
                                 "log_{10}", at)
            text, end = source[at + 2:end].strip(), end + 1
        else:
            found = _LOG_BASE.match(source, at + 1)
            text = found.group() if found else ""
            end = found.end() if found else at + 1
        if text == "e":
            return 0.0, end
        try:
            base = float(text) if _LOG_BASE.fullmatch(text) else math.nan
        except ValueError:
            base = math.nan
        if not (math.isfinite(base) and base > 0 and base != 1):
            raise self.error(f"the base of the logarithm at {start + 1} must be a positive number "
                             "other than 1, as in log_2(x) or log_{10}(x)", start)
        return base, end
