"""Closed-form expressions, judged equivalent by evaluation at seeded random points (WeBWorK's method)."""

from __future__ import annotations

import zlib
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr, field_validator, model_validator

from grader.errors import AnswerError
from grader.expressions import Comparison, Domain, ExpressionError, Node, compare, parse, to_plain
from grader.questions.base import AnswerKey, QuestionBase, Ref, SelfTest

VARIABLE_NAME = r"^[A-Za-z][A-Za-z0-9]*$"


class VariableDomain(BaseModel):
    """Where a variable's sample values are drawn from (σ > 0: `{min: 0.1, max: 3}`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min: float
    max: float

    @model_validator(mode="after")
    def _ordered(self) -> "VariableDomain":
        if not self.min < self.max:
            raise ValueError(f"min ({self.min}) must be below max ({self.max})")
        return self


class ExpressionTolerance(BaseModel):
    """How closely the two expressions must agree at every sample point."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rel: float = Field(default=1e-3, ge=0, description="Relative (0.1% accepts a decimal like 0.6931 for log 2).")
    abs: float = Field(default=1e-6, ge=0, description="Absolute, for values near zero.")


class ExpressionQuestion(QuestionBase):
    """A formula in declared variables; any equivalent form is right."""

    type: Literal["expression"]
    kind = "an expression"
    answer: Ref | StrictStr = Field(description="The reference expression, or a solver value by `ref`.")
    variables: dict[str, VariableDomain] = Field(min_length=1, description="Each variable and its domain.")
    tolerance: ExpressionTolerance = Field(default_factory=ExpressionTolerance)
    sample_points: int = Field(default=40, ge=10, le=1000, description="How many random points are compared.")

    @field_validator("variables")
    @classmethod
    def _names(cls, variables: dict[str, VariableDomain]) -> dict[str, VariableDomain]:
        import re

        for name in variables:
            if not re.match(VARIABLE_NAME, name):
                raise ValueError(f"`{name}` is not a variable name (letters then digits, like sigma2)")
        return variables

    @model_validator(mode="after")
    def _literal_answer_parses(self) -> "ExpressionQuestion":
        if isinstance(self.answer, str):
            _reference(self.answer, tuple(self.variables))
        return self

    def check_reference(self, value: Any) -> None:
        _reference(str(value), tuple(self.variables))

    def hint(self) -> str:
        return f"an expression in {', '.join(self.variables)}"

    def _compare(self, parsed: Node, reference: Any) -> Comparison:
        # Many students type the same forms: trees are hashable, so each comparison is made once.
        return _compare_cached(parsed, str(reference), tuple(self.variables.items()), self.tolerance,
                               self.sample_points, zlib.crc32(self.id.encode()))

    def parse(self, raw: Any) -> Node:
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            raw = str(raw)
        if not isinstance(raw, str):
            raise AnswerError(f"expected {self.hint()}, written on one line")
        return _parse_answer(raw, tuple(self.variables))

    def matches(self, parsed: Node, value: Any) -> bool:
        return self._compare(parsed, value).equivalent

    def wrong_feedback(self, parsed: Node, key: AnswerKey) -> str:
        message = self._compare(parsed, key.answer).message
        return f"Not correct: {message} We read your answer as: {to_plain(parsed)}"

    def describe(self, value: Any) -> str:
        return str(value)

    def self_test(self, key: AnswerKey) -> SelfTest:
        reference = str(key.answer)
        return SelfTest(correct=f"2*({reference})/2", incorrect=f"3*({reference}) + 1", invalid=f"({reference}")


CACHE_SIZE = 4096  # distinct answers kept per process; a class types far fewer forms than this


@lru_cache(maxsize=CACHE_SIZE)
def _parse_answer(text: str, variables: tuple[str, ...]) -> Node:
    try:
        return parse(text, list(variables))
    except ExpressionError as exc:
        raise AnswerError(str(exc)) from None


@lru_cache(maxsize=CACHE_SIZE)
def _compare_cached(student: Node, reference: str, variables: tuple[tuple[str, VariableDomain], ...],
                    tolerance: ExpressionTolerance, points: int, seed: int) -> Comparison:
    domains = {name: Domain(domain.min, domain.max) for name, domain in variables}
    return compare(student, _reference(reference, tuple(name for name, _ in variables)), domains,
                   rel=tolerance.rel, abs=tolerance.abs, points=points, seed=seed)


@lru_cache(maxsize=256)
def _reference(text: str, variables: tuple[str, ...]) -> Node:
    """Parse a reference (or known-mistake) expression once; a bad one is the rubric's error."""
    try:
        return parse(text, list(variables))
    except ExpressionError as exc:
        raise ValueError(f"the reference expression does not parse: {exc}") from None
