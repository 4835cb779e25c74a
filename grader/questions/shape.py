"""Dimensions of a vector or matrix: "1", "1x1", "1×1", "(1, 1)", "[1, 1]", "scalar"."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, StrictInt

from grader.errors import AnswerError
from grader.questions.base import AnswerKey, QuestionBase, Ref, SelfTest

SCALAR_WORDS = frozenset({"scalar", "a scalar", "scalar (1x1)", "number", "a number"})
_SEPARATOR = re.compile(r"\s*(?:[x×*,]|by)\s*", re.IGNORECASE)
_BRACKETS = "()[]{}"


def squeeze(shape: tuple[int, ...]) -> tuple[int, ...]:
    """Shapes that differ only by dimensions of size 1 describe the same numbers (1 = 1×1 = scalar)."""
    return tuple(size for size in shape if size != 1)


class ShapeQuestion(QuestionBase):
    """The dimensions of a quantity; sizes of 1 may be written or left out."""

    type: Literal["shape"]
    kind = "dimensions, like 1x1 or (2, 1)"
    answer: Ref | list[StrictInt] = Field(description="The dimensions, e.g. [1, 1], or a solver value by `ref`.")

    def parse(self, raw: Any) -> tuple[int, ...]:
        if isinstance(raw, bool) or raw is None:
            raise AnswerError(f"expected dimensions like 1x1 or (2, 1), got `{self.show_answer(raw)}`")
        if isinstance(raw, int):
            return _sizes([raw], raw)
        if isinstance(raw, list):
            return _sizes(raw, raw)
        if not isinstance(raw, str):
            raise AnswerError(f"expected dimensions like 1x1 or (2, 1), got `{self.show_answer(raw)}`")
        text = raw.strip().casefold()
        if text in SCALAR_WORDS or text.startswith("scalar"):
            return ()
        inner = text.strip(_BRACKETS + " ").rstrip(", ")  # "(2,)" is Python's one-dimensional shape
        parts = [part for part in _SEPARATOR.split(inner)]
        # ASCII digits only, and few of them: int() refuses "²" and 5000-digit text with a ValueError
        if not inner or any(not (part.isascii() and part.isdigit() and len(part) <= 9) for part in parts):
            raise AnswerError(f"`{raw.strip()}` is not a shape; write dimensions like 1x1, (2, 1) or `scalar`")
        return _sizes([int(part) for part in parts], raw)

    def matches(self, parsed: tuple[int, ...], value: Any) -> bool:
        return squeeze(parsed) == squeeze(tuple(int(size) for size in value))

    def wrong_feedback(self, parsed: tuple[int, ...], key: AnswerKey) -> str:
        return ("Not correct: check how many rows and columns this quantity has from the sizes of "
                "W, U and the hidden state.")

    def describe(self, value: Any) -> str:
        sizes = tuple(int(size) for size in value)
        return "×".join(str(size) for size in sizes) + (" (a scalar)" if not squeeze(sizes) else "")

    def self_test(self, key: AnswerKey) -> SelfTest:
        sizes = [int(size) for size in key.answer]
        wrong = [size + 1 for size in sizes] or [2]
        return SelfTest(correct="x".join(map(str, sizes)) or "scalar", incorrect=wrong, invalid="big")


def _sizes(values: list[Any], raw: Any) -> tuple[int, ...]:
    if not values or len(values) > 8 or any(isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in values):
        raise AnswerError(f"`{raw}` is not a shape; sizes are positive whole numbers, like 1x1 or (2, 1)")
    return tuple(values)
