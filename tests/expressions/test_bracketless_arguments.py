"""Arguments without brackets, read as people read them (issue 21, item 2): `sin 2x` is sin(2x),
`\\log 2y` is log(2y), `ln σ²` is ln(σ²), `sin x cos x` is sin(x)·cos(x). An argument runs to the
next function name, `+` or `−`, a comma or a closing bracket. The feedback echoes the reading, and
in a reference any bracketless argument is a `grade validate` warning that shows it."""

from __future__ import annotations

import textwrap

import pytest

from grader.expressions import parse, to_plain
from grader.questions.base import AnswerKey
from grader.questions.expression import ExpressionQuestion

NAMES = ("x", "y", "sigma", "mu", "t")

READINGS = [
    # (typed, read as)
    ("sin 2x", "sin(2*x)"),
    (r"\log 2y", "log(2*y)"),
    ("ln σ²", "log(sigma^2)"),
    ("sin x cos x", "sin(x)*cos(x)"),
    (r"\sin x \cos x", "sin(x)*cos(x)"),
    (r"\sin 2x \cos 2x", "sin(2*x)*cos(2*x)"),
    ("sin 2x + 1", "sin(2*x) + 1"),
    ("sin 2x - cos x", "sin(2*x) - cos(x)"),
    ("2 sin x cos x", "2*sin(x)*cos(x)"),
    ("sin 2πx", "sin(2*pi*x)"),
    ("log 2 sigma", "log(2*sigma)"),
    ("log x y", "log(x*y)"),
    ("sin x^2 y", "sin(x^2*y)"),
    ("e^-t sin 2t", "e^(-t)*sin(2*t)"),
    ("(1 + sin 2x)/2", "(1 + sin(2*x))/2"),
    ("max(sin 2x, y)", "max(sin(2*x), y)"),
    ("|sin 2x| y", "abs(sin(2*x))*y"),
    ("log log sigma", "log(log(sigma))"),
    # an explicit operator ends it, as on a calculator
    ("ln σ²/2", "log(sigma^2)/2"),
    ("sin x / cos x", "sin(x)/cos(x)"),
    ("sin 2x * y", "sin(2*x)*y"),
    ("2 log sigma - 1", "2*log(sigma) - 1"),
    # brackets right after the name still close the argument
    ("sin(2)x", "sin(2)*x"),
    ("log(sigma)^2 mu", "log(sigma)^2*mu"),
    # roots keep LaTeX's one-token argument: \sqrt 2x is √2·x, as LaTeX typesets it
    (r"\sqrt 2x", "sqrt(2)*x"),
    ("√2σ", "sqrt(2)*sigma"),
]


@pytest.mark.parametrize(("typed", "reading"), READINGS)
def test_a_bracketless_argument_is_read_as_people_read_it(typed: str, reading: str) -> None:
    assert to_plain(parse(typed, NAMES)) == reading


def question(answer: str) -> ExpressionQuestion:
    return ExpressionQuestion.model_validate({
        "id": "q1", "type": "expression", "points": 1, "answer": answer,
        "variables": {"x": {"min": -3, "max": 3}, "y": {"min": 0.1, "max": 3}}})


@pytest.mark.parametrize(("answer", "reference", "status", "fragment"), [
    ("sin 2x", "2*sin(x)*cos(x)", "correct", "We read sin 2x as sin(2*x)"),
    (r"\log 2y", "log(2) + log(y)", "correct", "We read \\log 2y as log(2*y)"),
    ("sin x cos x", "sin(2*x)/2", "correct", "Correct."),
    ("sin 2x + 1", "sin(2*x)", "incorrect", "We read your answer as: sin(2*x) + 1"),
    ("sin 2x cos x", "sin(2*x)", "incorrect", "We read your answer as: sin(2*x)*cos(x)"),
])
def test_the_feedback_echoes_the_reading(answer: str, reference: str, status: str, fragment: str) -> None:
    asked = question(reference)
    verdict = asked.grade(asked.parse(answer), AnswerKey(answer=reference))
    assert verdict.status == status, verdict.feedback
    assert fragment in verdict.feedback


RUBRIC = """\
    id: bracketless
    title: "References with and without brackets"
    questions:
      - id: q1
        type: expression
        points: 1
        answer: "sin 2x"
        variables: {x: {min: -3, max: 3}}
      - id: q2
        type: expression
        points: 1
        answer: "ln σ²"
        variables: {sigma: {min: 0.1, max: 3}}
      - id: q3
        type: expression
        points: 1
        answer: "sin(2*x)"
        variables: {x: {min: -3, max: 3}}
"""


def test_validate_warns_about_every_bracketless_argument_in_a_reference(tmp_path, capsys) -> None:
    from grader.cli import main
    from grader.rubric import load_rubric
    from grader.authoring.selftest import self_test

    path = tmp_path / "bracketless.yaml"
    path.write_text(textwrap.dedent(RUBRIC), encoding="utf-8")
    checks = {check.id: check for check in self_test(load_rubric(path))}
    assert any("sin 2x" in warning and "sin(2*x)" in warning for warning in checks["q1"].warnings)
    assert any("ln σ²" in warning and "log(sigma^2)" in warning for warning in checks["q2"].warnings)
    assert checks["q3"].warnings == []
    assert all(not check.failures for check in checks.values())
    assert main(["validate", str(path)]) == 0  # a warning, not a failure
    assert "warning: the reference `sin 2x` is read as sin(2*x)" in capsys.readouterr().out
