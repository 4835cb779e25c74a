"""Numbers, vectors and matrices, compared like numpy.isclose or by significant figures / decimal places
(PrairieLearn's rule), per component."""

from __future__ import annotations

import math
from typing import Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, model_validator

from grader.errors import AnswerError
from grader.numbers import parse_number
from grader.questions.base import AnswerKey, QuestionBase, Ref, SelfTest, Verdict
from grader.questions.vectors import (Vector, example_of_shape, format_value, is_array, looks_like_vector,
                                      read_vector, reference_vector, shape_words, squeeze)


class Tolerance(BaseModel):
    """How close is right: `{rel, abs}` as numpy.isclose, or `{sigfigs: n}`, or `{decimals: n}`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rel: float | None = Field(default=None, ge=0, allow_inf_nan=False, description="Relative tolerance (fraction of |reference|).")
    abs: float | None = Field(default=None, ge=0, allow_inf_nan=False, description="Absolute tolerance.")
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
PartialCredit = Literal["per_component"]
LiteralArray = Union[list[float], list[list[float]]]


class NumericQuestion(QuestionBase):
    """A number, or a vector or matrix of numbers, right within a tolerance of the reference
    (per component for vectors; `partial: per_component` gives credit for each right component)."""

    type: Literal["numeric"]
    kind = "a number"
    answer: Ref | float | LiteralArray = Field(description=(
        "The reference value (a number, a list for a vector, a list of rows for a matrix), "
        "or a solver value by `ref`."))
    tolerance: Tolerance = Field(default=DEFAULT_TOLERANCE, description="How close counts as right (per component).")
    partial: PartialCredit | None = Field(default=None, description=(
        "`per_component`: a vector answer earns the share of its components that are right."))

    @model_validator(mode="after")
    def _literal_answer_usable(self) -> "NumericQuestion":
        if is_array(self.answer):
            reference_vector(self.answer)
        elif self.partial is not None and not isinstance(self.answer, Ref):
            raise ValueError("`partial: per_component` needs a vector or matrix answer")
        return self

    def hint(self) -> str:
        return self.hint_for(self.answer)

    def hint_for(self, answer: Any) -> str:
        if is_array(answer):
            shape = reference_vector(answer).shape
            return f"{shape_words(shape)}, like {example_of_shape(shape)}"
        return self.kind

    def parse(self, raw: Any) -> float | Vector:
        if looks_like_vector(raw):
            return read_vector(raw)
        return parse_number(raw)

    def conform(self, parsed: float | Vector, key: AnswerKey) -> float | Vector:
        if not is_array(key.answer):
            if isinstance(parsed, Vector):
                if parsed.size != 1:
                    raise AnswerError(f"expected a single number, got a list of {parsed.size} numbers")
                return parsed.values[0]
            return parsed
        shape = reference_vector(key.answer).shape
        student = parsed if isinstance(parsed, Vector) else Vector((), (parsed,))
        if squeeze(student.shape) != squeeze(shape):
            raise AnswerError(f"expected {shape_words(shape)}, got {shape_words(student.shape)}")
        return student.reshaped(shape)

    def matches(self, parsed: float | Vector, value: Any) -> bool:
        if isinstance(parsed, float) and not is_array(value):
            return self._close(parsed, float(value))
        return not self._off_components(parsed, value)

    def given_value(self, parsed: float | Vector) -> Any:
        # 12 significant digits: `21.74%` and `0.2174` pin the same value (and share one cached solve);
        # far below any tolerance, so the carried answer does not change.
        if isinstance(parsed, Vector):
            return Vector(parsed.shape, tuple(_normalised(value) for value in parsed.values)).nested()
        return _normalised(parsed)

    def _close(self, answer: float, reference: float) -> bool:
        return abs(answer - reference) <= self.tolerance.allowed_error(reference) * (1 + 1e-12)

    def _off_components(self, parsed: float | Vector, value: Any) -> list[int] | None:
        """The positions of the components off the reference; None when the shapes differ."""
        try:
            reference = reference_vector(value)
        except ValueError:
            return None  # a solver value that is not numbers (NaN from a student's extreme value) matches nothing
        student = parsed if isinstance(parsed, Vector) else Vector((), (float(parsed),))
        if squeeze(student.shape) != squeeze(reference.shape):
            return None
        return [position for position, (answer, expected) in enumerate(zip(student.values, reference.values))
                if not self._close(answer, expected)]

    def grade(self, parsed: float | Vector, key: AnswerKey) -> Verdict:
        verdict = super().grade(parsed, key)
        if (verdict.status != "incorrect" or verdict.note is not None or self.partial != "per_component"
                or not isinstance(parsed, Vector)):
            return verdict
        return self._per_component(parsed, key, verdict)

    def _per_component(self, parsed: Vector, key: AnswerKey, verdict: Verdict) -> Verdict:
        """Each component right for the key earns its share; right for the student's own earlier values,
        its share times the carry-forward credit."""
        off_key = self._off_set(parsed, key.answer)
        off_carried = self._off_set(parsed, key.carried) if key.carried_from else set(range(parsed.size))
        carried = [position for position in off_key if position not in off_carried]
        off = sorted(off_key & off_carried)
        credit = (parsed.size - len(off_key) + self.carry_forward_credit * len(carried)) / parsed.size
        if credit <= 0:
            return verdict
        feedback = f"Partly correct: {_components(parsed, off)}."
        if carried:
            feedback += " Components that follow from your own earlier answers count as right."
        return Verdict("partial", credit, feedback, carried_forward=bool(carried))

    def _off_set(self, parsed: Vector, value: Any) -> set[int]:
        off = self._off_components(parsed, value)
        return set(range(parsed.size)) if off is None else set(off)

    def wrong_feedback(self, parsed: float | Vector, key: AnswerKey) -> str:
        if isinstance(parsed, Vector):
            return self._vector_feedback(parsed, key)
        reference = float(key.answer)
        if reference != 0 and self.matches(-parsed, reference):
            return "Not correct: the size is right but the sign is not. Check the sign."
        for factor, how in ((100.0, "100 times too large (a percentage written as a plain number?)"),
                            (0.01, "100 times too small")):
            if reference != 0 and self.matches(parsed / factor, reference):
                return f"Not correct: your value looks {how}."
        return (f"Not correct: {self.describe(parsed)} is not within the tolerance "
                f"({self.tolerance.describe()}) of the correct value. Recheck this computation.")

    def _vector_feedback(self, parsed: Vector, key: AnswerKey) -> str:
        negated = Vector(parsed.shape, tuple(-value for value in parsed.values))
        if any(parsed.values) and self.matches(negated, key.answer):
            return "Not correct: the sizes are right but every sign is flipped. Check the sign."
        off = self._off_components(parsed, key.answer)
        if off is None:
            return "Not correct."
        return (f"Not correct: {_components(parsed, off)} (tolerance {self.tolerance.describe()}, "
                "per component). Recheck those entries.")

    def describe(self, value: Any) -> str:
        return format_value(value)

    def show_answer(self, raw: Any) -> str:
        if isinstance(raw, list):
            return "[" + ", ".join(self.show_answer(item) for item in raw) + "]"
        return super().show_answer(raw)

    def check_reference(self, value: Any) -> None:
        if hasattr(value, "tolist") and getattr(value, "ndim", 0) > 0:
            raise ValueError("the solver returned a numpy array; return plain lists (`array.tolist()`), "
                             "so the key prints and exports as numbers")
        try:
            reference_vector(value)
        except (ValueError, AnswerError) as exc:
            raise ValueError(f"a numeric answer must be a number or a regular list of numbers: {exc}") from None

    def check_references(self, answer: Any, mistakes: list[Any]) -> None:
        super().check_references(answer, mistakes)
        shape = squeeze(reference_vector(answer).shape)
        if self.partial is not None and not shape:
            raise ValueError("`partial: per_component` needs a vector or matrix answer")
        for value in mistakes:
            if squeeze(reference_vector(value).shape) != shape:
                raise ValueError(f"a known mistake is {shape_words(reference_vector(value).shape)}, "
                                 f"but the answer is {shape_words(reference_vector(answer).shape)}")

    def self_test(self, key: AnswerKey) -> SelfTest:
        if is_array(key.answer):
            reference = reference_vector(key.answer)
            wrong = [value + 10 * self.tolerance.allowed_error(value) + 1.0 for value in reference.values]
            shown = [f"{value:.10g}" for value in reference.values]
            return SelfTest(correct="[" + ", ".join(shown) + "]", incorrect=wrong,
                            invalid=[*reference.values, 0.0])
        reference = float(key.answer)
        wrong = reference + 10 * self.tolerance.allowed_error(reference) + 1.0
        return SelfTest(correct=f"{reference:.10g}", incorrect=wrong, invalid="not a number")


def _normalised(value: float) -> float:
    return float(f"{value:.12g}")


def _components(parsed: Vector, off: list[int]) -> str:
    """`component 2 of 3 is off`, `components 1 and 3 of 3 are off` (positions only, never values)."""
    if not off:
        return "every component is within the tolerance"
    names = [parsed.index_of(position) for position in off]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    if len(parsed.shape) > 1:
        noun = "entry" if len(names) == 1 else "entries"
    else:
        noun = "component" if len(names) == 1 else "components"
    return f"{noun} {listed} of {parsed.size} {'is' if len(names) == 1 else 'are'} off"
