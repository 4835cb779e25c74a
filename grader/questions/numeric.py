"""Numbers, compared like numpy.isclose or by significant figures / decimal places (PrairieLearn's rule)."""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from grader.numbers import parse_number
from grader.questions.base import AnswerKey, QuestionBase, Ref, SelfTest


class Tolerance(BaseModel):
    """How close is right: `{rel, abs}` as numpy.isclose, or `{sigfigs: n}`, or `{decimals: n}`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rel: float | None = Field(default=None, ge=0, description="Relative tolerance (fraction of |reference|).")
    abs: float | None = Field(default=None, ge=0, description="Absolute tolerance.")
    sigfigs: int | None = Field(default=None, ge=1, le=15, description="Significant figures that must agree.")
    decimals: int | None = Field(default=None, ge=0, le=15, description="Decimal places that must agree.")

    @model_validator(mode="after")
    def _one_kind(self) -> "Tolerance":
        kinds = [self.rel is not None or self.abs is not None, self.sigfigs is not None, self.decimals is not None]
        if sum(kinds) != 1:
            raise ValueError("give either rel/abs, or sigfigs, or decimals (exactly one kind)")
        return self

    def allowed_error(self, reference: float) -> float:
        """The largest |answer − reference| that is still right."""
        if self.sigfigs is not None:
            if reference == 0:
                return 0.51 * 10.0 ** (-(self.sigfigs - 1))
            exponent = -math.floor(math.log10(abs(reference))) + (self.sigfigs - 1)
            return 0.51 * 10.0 ** (-exponent)
        if self.decimals is not None:
            return 0.51 * 10.0 ** (-self.decimals)
        return (self.abs or 0.0) + (self.rel or 0.0) * abs(reference)

    def describe(self) -> str:
        if self.sigfigs is not None:
            return f"{self.sigfigs} significant figures"
        if self.decimals is not None:
            return f"{self.decimals} decimal places"
        parts = []
        if self.rel:
            parts.append(f"{self.rel * 100:g}% relative")
        if self.abs:
            parts.append(f"{self.abs:g} absolute")
        return " + ".join(parts) or "exact"


DEFAULT_TOLERANCE = Tolerance(rel=1e-2, abs=1e-3)  # HOMEWORK.md's rule for hand computation


class NumericQuestion(QuestionBase):
    """A number, right within a tolerance of the reference."""

    type: Literal["numeric"]
    kind = "a number"
    answer: Ref | float = Field(description="The reference value, or a solver value by `ref`.")
    tolerance: Tolerance = Field(default=DEFAULT_TOLERANCE, description="How close counts as right.")

    def parse(self, raw: Any) -> float:
        return parse_number(raw)

    def matches(self, parsed: float, value: Any) -> bool:
        reference = float(value)
        return abs(parsed - reference) <= self.tolerance.allowed_error(reference) * (1 + 1e-12)

    def wrong_feedback(self, parsed: float, key: AnswerKey) -> str:
        reference = float(key.answer)
        if reference != 0 and self.matches(-parsed, reference):
            return "Not correct: the size is right but the sign is not. Check the sign."
        for factor, how in ((100.0, "100 times too large (a percentage written as a plain number?)"),
                            (0.01, "100 times too small")):
            if reference != 0 and self.matches(parsed / factor, reference):
                return f"Not correct: your value looks {how}."
        return (f"Not correct: {self.describe(parsed)} is not within the tolerance "
                f"({self.tolerance.describe()}) of the correct value. Recheck this computation.")

    def describe(self, value: Any) -> str:
        return f"{float(value):.6g}"

    def self_test(self, key: AnswerKey) -> SelfTest:
        reference = float(key.answer)
        wrong = reference + 10 * self.tolerance.allowed_error(reference) + 1.0
        return SelfTest(correct=f"{reference:.10g}", incorrect=wrong, invalid="not a number")
