"""Powers written on a function's name (issue 21, item 1): `\\sin^{2}(x)`, `\\sin^{2} x`, SymPy's own
`\\sin^{2}{\\left(x \\right)}`, `sin²x`, `\\cos^{n}` with an integer n, and `\\sin^{-1}` as arcsin
(which the feedback then says). Such a reference loads instead of refusing the rubric."""

from __future__ import annotations

import pytest

from grader.expressions import ExpressionError, parse, to_plain
from grader.questions.base import AnswerKey
from grader.questions.expression import ExpressionQuestion

NAMES = ("x", "n", "y")

POWERS = [
    # (typed, read as)
    # LaTeX: the exponent in braces, the argument in brackets, braces or bare
    (r"\sin^{2}(x)", "sin(x)^2"),
    (r"\sin^{2} x", "sin(x)^2"),
    (r"\sin^{2}x", "sin(x)^2"),
    (r"\cosh^{3}\left(x\right)", "cosh(x)^3"),
    (r"\sin^{2}{\left(x \right)}", "sin(x)^2"),  # SymPy's latex(sin(x)**2)
    (r"\tan^{2}{\left(2 x \right)}", "tan(2*x)^2"),
    (r"\sin^2(x)", "sin(x)^2"),
    (r"\sin^2 x + \cos^2 x", "sin(x)^2 + cos(x)^2"),
    (r"\log^{2}(x)", "log(x)^2"),
    # unicode superscripts
    ("sin²x", "sin(x)^2"),
    ("sin² x + cos² x", "sin(x)^2 + cos(x)^2"),
    ("cos³(x)", "cos(x)^3"),
    # a declared (integer) variable as the power
    (r"\cos^{n}(x)", "cos(x)^n"),
    (r"\cos^{n} x", "cos(x)^n"),
    ("cos^n(x)", "cos(x)^n"),
    # ^{-1} on sin, cos, tan and the hyperbolic ones is the inverse function
    (r"\sin^{-1}(x)", "arcsin(x)"),
    (r"\sin^{-1} x", "arcsin(x)"),
    ("sin^-1(x)", "arcsin(x)"),
    ("sin⁻¹x", "arcsin(x)"),
    ("sin⁻¹(x/2)", "arcsin(x/2)"),
    (r"\cos^{-1}(x)", "arccos(x)"),
    (r"\tan^{-1}{\left(x \right)}", "arctan(x)"),
    (r"\tanh^{-1}(x)", "arctanh(x)"),
    ("cosh^-1(y)", "arccosh(y)"),
]


@pytest.mark.parametrize(("typed", "reading"), POWERS)
def test_a_power_on_a_function_name_is_a_power_of_its_value(typed: str, reading: str) -> None:
    assert to_plain(parse(typed, NAMES)) == reading


@pytest.mark.parametrize(("typed", "fragment"), [
    (r"\log^{-1}(x)", "log^-1"),  # exp(x) or 1/log(x)? ambiguous: asked, not guessed
    (r"\sec^{-1}(x)", "sec^-1"),
    (r"\sin^{-2}(x)", "write sin(x)^(-2)"),
    (r"\sin^{}(x)", "nothing between"),
])
def test_an_unclear_power_is_an_error_that_says_what_to_write(typed: str, fragment: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse(typed, NAMES)
    assert fragment in caught.value.message


def question(answer: str) -> ExpressionQuestion:
    return ExpressionQuestion.model_validate({
        "id": "q1", "type": "expression", "points": 1, "answer": answer,
        "variables": {"x": {"min": -0.9, "max": 0.9}, "n": {"integer": True, "min": 1, "max": 5}}})


def test_the_inverse_reading_is_said_in_the_feedback() -> None:
    asked = question("arcsin(x)")
    verdict = asked.grade(asked.parse(r"\sin^{-1}(x)"), AnswerKey(answer=asked.answer))
    assert verdict.status == "correct"
    assert "arcsin" in verdict.feedback and r"\sin^{-1}" in verdict.feedback
    wrong = asked.grade(asked.parse("sin⁻¹(2x)"), AnswerKey(answer=asked.answer))
    assert wrong.status == "incorrect" and "arcsin(2*x)" in wrong.feedback


@pytest.mark.parametrize("reference", [r"\sin^{2}(x)", r"\sin^{2}{\left(x \right)}", r"\cos^{n} x"])
def test_such_a_reference_loads_and_grades(reference: str) -> None:
    asked = question(reference)  # refused at load before
    plain = "sin(x)^2" if "sin" in reference else "cos(x)^n"
    assert asked.grade(asked.parse(plain), AnswerKey(answer=asked.answer)).status == "correct"
