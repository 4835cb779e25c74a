"""Closed-form expressions, judged equivalent by evaluation at seeded random points (WeBWorK's method)."""

from __future__ import annotations

import re
import zlib
from dataclasses import replace
from functools import cached_property, lru_cache
from typing import Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, field_validator, model_validator

from grader.errors import AnswerError, RubricError
from grader.expressions import (
    Comparison,
    Domain,
    ExpressionError,
    FunctionTable,
    Node,
    SAMPLE_POINTS,
    Reading,
    check_defined,
    compare,
    define_functions,
    read,
    to_plain,
)
from grader.expressions.definitions import canonical_name
from grader.questions.base import AnswerKey, QuestionBase, Ref, SelfTest, Verdict

VARIABLE_NAME = r"^[A-Za-z][A-Za-z0-9]*$"


class VariableDomain(BaseModel):
    """Where a variable's sample values are drawn from (σ > 0: `{min: 0.1, max: 3}`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min: float
    max: float
    integer: StrictBool = Field(default=False, description="Whole numbers from min to max only, "
                                "e.g. `n: {integer: true, min: 1, max: 9}`, so (-1)^n is a sign.")

    @model_validator(mode="after")
    def _ordered(self) -> "VariableDomain":
        if not self.min < self.max:
            raise ValueError(f"min ({self.min}) must be below max ({self.max})")
        if self.integer and not (float(self.min).is_integer() and float(self.max).is_integer()):
            raise ValueError(f"an integer variable needs whole-number min and max, not {self.min:g} "
                             f"and {self.max:g}")
        return self

    @property
    def domain(self) -> Domain:
        return Domain(self.min, self.max, self.integer)


class FunctionDefinition(BaseModel):
    """A function of several parameters: `{parameters: [a, b], expression: "a*b + 1"}`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    parameters: list[StrictStr] = Field(min_length=1, description="The parameters' names, in order.")
    expression: StrictStr = Field(description="The body, in the parameters only.")


FunctionSpec = Union[StrictStr, FunctionDefinition]


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
    functions: dict[str, FunctionSpec] = Field(default_factory=dict, description=(
        "This question's own function names: another name for a built-in function (`σ: sigmoid`, "
        "so σ(z) is the sigmoid and not σ·z), or a definition in the parameter x (`relu: \"max(x, 0)\"`), "
        "or `{parameters: [a, b], expression: ...}`."))
    tolerance: ExpressionTolerance = Field(default_factory=ExpressionTolerance)
    exact: StrictBool = Field(default=True, description=(
        "Compare rational functions with rational coefficients exactly (fractions), not within the "
        "tolerance; `false` accepts 0.333 for 1/3 within the tolerance."))
    sample_points: int = Field(default=SAMPLE_POINTS, ge=10, le=1000, description=(
        "Strata per variable's interval, one random point in each (besides its ends and zero): two "
        "expressions that differ on 2/sample_points of an interval (2% by default) are always told apart."))

    @field_validator("variables")
    @classmethod
    def _names(cls, variables: dict[str, VariableDomain]) -> dict[str, VariableDomain]:
        for name in variables:
            if not re.match(VARIABLE_NAME, name):
                raise ValueError(f"`{name}` is not a variable name (letters then digits, like sigma2)")
        return variables

    @model_validator(mode="after")
    def _literal_answer_parses(self) -> "ExpressionQuestion":
        self.function_table  # noqa: B018 (builds and checks the definitions now, at load)
        if isinstance(self.answer, str):
            self.check_reference(self.answer)
        return self

    @cached_property
    def function_table(self) -> FunctionTable:
        return _function_table(_spec_key(self.functions), tuple(self.variables))

    @property
    def domains(self) -> dict[str, Domain]:
        return {name: domain.domain for name, domain in self.variables.items()}

    @property
    def seed(self) -> int:
        return zlib.crc32(self.id.encode())

    def check_reference(self, value: Any) -> None:
        """The reference (or a known mistake) must parse and be defined at enough sample points."""
        text = str(value)
        reference = _reference(text, tuple(self.variables), self.function_table)
        try:
            check_defined(reference, self.domains, points=self.sample_points, seed=self.seed)
        except ValueError as exc:
            raise ValueError(f"the expression `{text}`: {exc}") from None

    def hint(self) -> str:
        return f"an expression in {', '.join(self.variables)}"

    def _compare(self, parsed: Node, reference: Any) -> Comparison:
        # Many students type the same forms: trees are hashable, so each comparison is made once.
        try:
            return _compare_cached(parsed, str(reference), tuple(self.variables.items()), self.tolerance,
                                   self.sample_points, self.seed, self.function_table, self.exact)
        except ValueError as exc:  # a variant's reference that the load-time check could not see
            raise RubricError(f"the expression `{reference}`: {exc}", where=f"question {self.id}",
                              hint="widen or move the variables' domains, or fix the expression") from None

    def parse(self, raw: Any) -> Reading:
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            raw = str(raw)
        if not isinstance(raw, str):
            raise AnswerError(f"expected {self.hint()}, written on one line")
        return _read_answer(raw, tuple(self.variables), self.function_table)

    def matches(self, parsed: Reading, value: Any) -> bool:
        return self._compare(parsed.tree, value).equivalent

    def wrong_feedback(self, parsed: Reading, key: AnswerKey) -> str:
        message = self._compare(parsed.tree, key.answer).message
        return f"Not correct: {message} We read your answer as: {to_plain(parsed.tree)}"

    def grade(self, parsed: Reading, key: AnswerKey) -> Verdict:
        """The shared grading; a reading worth echoing (`sin 2x` as sin(2*x), `sin⁻¹ x` as arcsin(x))
        is said wherever the feedback does not already print the whole reading."""
        verdict = super().grade(parsed, key)
        echoed = [note for note in parsed.notes if note.kind == "inverse" or note.factors > 1]
        if echoed and (verdict.note is not None or verdict.status != "incorrect"):
            said = " ".join(f"We read {note.typed} as {note.reading}." for note in echoed)
            verdict = replace(verdict, feedback=f"{verdict.feedback} {said}")
        return verdict

    def reference_warnings(self, answer: Any, mistakes: list[tuple[str, Any]]) -> list[str]:
        """An argument without brackets in the reference or a known mistake: how it is read, for
        `grade validate` (a student would see the reading only in the key, too late)."""
        warnings = []
        for what, value in [("the reference", answer), *((f"the known mistake `{code}`", value)
                                                       for code, value in mistakes)]:
            text = str(value)
            for note in _reference_reading(text, tuple(self.variables), self.function_table).notes:
                if note.kind != "argument":
                    continue
                place = (f"{what} `{text}` is read as {note.reading}" if note.typed == text.strip()
                         else f"in {what} `{text}`, `{note.typed}` is read as {note.reading}")
                warnings.append(f"{place}; write the brackets, so that no reader takes it another way")
        return warnings

    def describe(self, value: Any) -> str:
        return str(value)

    def plain_form(self, value: Any) -> str:
        """A reference as calculator notation (`(mu^2 + sigma^2 - 1 - log(sigma^2))/2`)."""
        return to_plain(_reference(str(value), tuple(self.variables), self.function_table))

    def self_test(self, key: AnswerKey) -> SelfTest:
        reference = str(key.answer)
        return SelfTest(correct=f"2*({reference})/2", incorrect=f"3*({reference}) + 1", invalid=f"({reference}")


def with_shared_functions(rubric: Any) -> Any:
    """Raw rubric data with its top-level `functions:` given to every expression question.

    A question's own `functions:` win over the shared ones, and a question that declares a
    variable of the same name (the KL questions' `sigma`) keeps it as a variable. Data that is
    not shaped like a rubric is returned as it is, for validation to report.
    """
    shared = rubric.get("functions") if isinstance(rubric, dict) else None
    if not shared or not isinstance(shared, dict) or not isinstance(rubric.get("questions"), list):
        return rubric

    def inherit(question: Any) -> Any:
        if not isinstance(question, dict) or question.get("type") != "expression":
            return question
        own = question.get("functions", {})
        variables = question.get("variables")
        taken = {str(name).lower() for name in variables} if isinstance(variables, dict) else set()
        inherited = {name: spec for name, spec in shared.items() if _shared_name(name) not in taken}
        return {**question, "functions": {**inherited, **own} if isinstance(own, dict) else own}

    return {**rubric, "questions": [inherit(question) for question in rubric["questions"]]}


def _shared_name(name: Any) -> str:
    try:
        return canonical_name(str(name)).lower()
    except ValueError:
        return str(name)  # the question's validation names the bad key


CACHE_SIZE = 4096  # distinct answers kept per process; a class types far fewer forms than this
SpecKey = tuple[tuple[str, Union[str, tuple[tuple[str, ...], str]]], ...]


def _spec_key(functions: dict[str, FunctionSpec]) -> SpecKey:
    return tuple((name, spec if isinstance(spec, str) else (tuple(spec.parameters), spec.expression))
                 for name, spec in functions.items())


@lru_cache(maxsize=256)
def _function_table(spec: SpecKey, variables: tuple[str, ...]) -> FunctionTable:
    """The question's functions, built once; a bad definition is the rubric's error (ValueError)."""
    return define_functions(dict(spec), variables)


@lru_cache(maxsize=CACHE_SIZE)
def _read_answer(text: str, variables: tuple[str, ...], functions: FunctionTable) -> Reading:
    try:
        return read(text, list(variables), functions)
    except ExpressionError as exc:
        raise AnswerError(str(exc)) from None


@lru_cache(maxsize=CACHE_SIZE)
def _compare_cached(student: Node, reference: str, variables: tuple[tuple[str, VariableDomain], ...],
                    tolerance: ExpressionTolerance, points: int, seed: int, functions: FunctionTable,
                    exact: bool) -> Comparison:
    domains = {name: domain.domain for name, domain in variables}
    return compare(student, _reference(reference, tuple(name for name, _ in variables), functions), domains,
                   rel=tolerance.rel, abs=tolerance.abs, points=points, seed=seed, exact=exact)


@lru_cache(maxsize=256)
def _reference_reading(text: str, variables: tuple[str, ...], functions: FunctionTable) -> Reading:
    """Read a reference (or known-mistake) expression once; a bad one is the rubric's error."""
    try:
        return read(text, list(variables), functions)
    except ExpressionError as exc:
        raise ValueError(f"the reference expression does not parse: {exc}") from None


def _reference(text: str, variables: tuple[str, ...], functions: FunctionTable) -> Node:
    return _reference_reading(text, variables, functions).tree
