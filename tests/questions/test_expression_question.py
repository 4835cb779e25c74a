"""p4.a through the shipped rubric: every way students type the KL closed forms, their common
mistakes with the feedback they must get, and hostile inputs that must come back invalid, fast.
Then the question model's own keys: `functions` (σ as the sigmoid), integer variables, `exact`,
and the load-time check of a reference defined at too few sample points."""

import time

import pytest

from grader.errors import AnswerError, RubricError
from grader.grading import answer_key_for
from grader.questions.base import AnswerKey
from grader.questions.expression import ExpressionQuestion

STANDARD, GENERAL = "p4.a.standard", "p4.a.general"


def grade(rubric, qid, raw):
    question = rubric.questions[qid]
    try:
        parsed = question.parse(raw)
    except AnswerError as exc:
        return "invalid", str(exc)
    verdict = question.grade(parsed, answer_key_for(question, rubric, "s1", {}))
    return verdict.status, verdict.feedback


@pytest.mark.parametrize("qid, raw, status, fragment", [
    # calculator / Python style
    (STANDARD, "0.5*(mu^2+sigma^2-1) - log(sigma)", "correct", "Correct"),
    (STANDARD, "-1/2*(1 + log(sigma**2) - mu**2 - sigma**2)", "correct", "Correct"),
    (STANDARD, "(mu^2 + sigma^2 - 1 - log(sigma^2))/2", "correct", "Correct"),
    (STANDARD, "mu^2/2 + sigma^2/2 - 1/2 - ln(sigma)", "correct", "Correct"),
    (STANDARD, "0.5*mu**2 + 0.5*sigma**2 - 0.5 - 0.5*log(sigma*sigma)", "correct", "Correct"),
    (STANDARD, "-0.5*(1 + log(sigma^2) - mu^2 - sigma^2)", "correct", "Correct"),
    (STANDARD, "(mu^2 + sigma^2 - 1)/2 - log(sigma)", "correct", "Correct"),
    (STANDARD, "0.5*(mu^2 + exp(2*log(sigma)) - 1) - log(sqrt(sigma^2))", "correct", "Correct"),
    (STANDARD, "  0.5 * ( mu ^ 2 + sigma ^ 2 - 1 ) - log( sigma )  ", "correct", "Correct"),
    # implicit multiplication
    (STANDARD, "0.5(mu^2 + sigma^2 - 1) - log(sigma)", "correct", "Correct"),
    (STANDARD, "0.5(mu^2 + sigma^2 - 1 - 2log(sigma))", "correct", "Correct"),
    (STANDARD, "1/2 (mu mu + sigma sigma - 1) - log sigma", "correct", "Correct"),
    (GENERAL, "log(sigma2/sigma1) + (sigma1^2 + (mu1 - mu2)^2)/(2sigma2^2) - 1/2", "correct", "Correct"),
    (GENERAL, "log(sigma2) - log(sigma1) + (sigma1^2 + (mu1-mu2)(mu1-mu2))/(2 sigma2^2) - 0.5", "correct", "Correct"),
    # unicode
    (STANDARD, "½(μ² + σ² − 1 − ln σ²)", "correct", "Correct"),
    (STANDARD, "½·(μ² + σ² − 1) − ln σ", "correct", "Correct"),
    (STANDARD, "0.5×(μ²+σ²−1) − log(σ)", "correct", "Correct"),
    (GENERAL, "ln(σ₂/σ₁) + (σ₁² + (μ₁ − μ₂)²)/(2σ₂²) − ½", "correct", "Correct"),
    (GENERAL, "log σ₂ − log σ₁ + (σ₁² + (μ₁−μ₂)²)/(2·σ₂²) − ½", "correct", "Correct"),
    # LaTeX
    (STANDARD, r"\frac{1}{2}\left(\mu^2+\sigma^2-1-\log\sigma^2\right)", "correct", "Correct"),
    (STANDARD, r"$\frac12(\mu^{2} + \sigma^{2} - 1) - \ln \sigma$", "correct", "Correct"),
    (STANDARD, r"\frac{\mu^2 + \sigma^2 - 1 - \log(\sigma^2)}{2}", "correct", "Correct"),
    (GENERAL, r"\log\frac{\sigma_2}{\sigma_1} + \frac{\sigma_1^2 + (\mu_1-\mu_2)^2}{2\sigma_2^2} - \frac12", "correct", "Correct"),
    (GENERAL, r"\ln\left(\frac{\sigma_{2}}{\sigma_{1}}\right) + \frac{\sigma_1^2+(\mu_1-\mu_2)^2}{2\sigma_2^2} - \frac{1}{2}", "correct", "Correct"),
    (GENERAL, r"\log \sigma_2 - \log \sigma_1 + \frac{\sigma_1^2 + (\mu_1 - \mu_2)^2}{2 \cdot \sigma_2^2} - \tfrac{1}{2}", "correct", "Correct"),
    # the common mistakes of HOMEWORK.md, with the feedback they must get
    (STANDARD, "mu^2 + sigma^2 - 1 - log(sigma^2)", "incorrect", "factor ½ in front is missing"),
    (STANDARD, "(mu^2 + sigma^2 - 1)/2", "incorrect", "−log σ² term is missing"),
    (GENERAL, "(sigma1^2 + (mu1 - mu2)^2)/(2*sigma2^2) - 1/2", "incorrect", "log(σ₂/σ₁) is missing"),
    (GENERAL, "2*log(sigma2/sigma1) + (sigma1^2 + (mu1 - mu2)^2)/sigma2^2 - 1", "incorrect", "twice the KL divergence"),
    # other mistakes, named numerically
    (STANDARD, "-(mu^2 + sigma^2 - 1 - log(sigma^2))/2", "incorrect", "negative of the correct one"),
    (STANDARD, "(mu^2 + sigma^2 - 1 - log(sigma^2))/4", "incorrect", "half the correct one"),
    (STANDARD, "(mu^2 + sigma^2 - log(sigma^2))/2", "incorrect", "differs from the correct one by a constant"),
    (STANDARD, "(mu^2 + sigma^2 - 1 + log(sigma^2))/2", "incorrect", "We read your answer as: "),
    (STANDARD, "0.5*(mu^2+sigma^2-1) - log(abs(sigma - 1) + 1)", "incorrect", "We read your answer as"),
    (GENERAL, "log(sigma1/sigma2) + (sigma1^2 + (mu1 - mu2)^2)/(2*sigma2^2) - 1/2", "incorrect", "We read your answer as"),
    (GENERAL, "log(sigma2/sigma1) + (sigma1^2 + (mu1 - mu2)^2)/2*sigma2^2 - 1/2", "incorrect", "(sigma1^2 + (mu1 - mu2)^2)/2*sigma2^2"),
    # hostile inputs: invalid, with a message, and no side effect
    (STANDARD, "__import__('os').system('touch /tmp/pwned-by-expression')", "invalid", "unexpected '_' at 1"),
    (STANDARD, "().__class__.__bases__[0].__subclasses__()", "invalid", ""),
    (STANDARD, "mu.real", "invalid", ""),
    (STANDARD, "lambda: 1", "invalid", ""),
    (STANDARD, "[x for x in (mu, sigma)]", "invalid", ""),
    (STANDARD, "(mu^2 + sigma^2", "invalid", "never closed"),
    (STANDARD, "mu^2 + sigma^2)", "invalid", "unexpected ')'"),
    (STANDARD, "(" * 10_000 + "mu" + ")" * 10_000, "invalid", ""),
    (STANDARD, "mu+" * 350_000, "invalid", ""),
    (STANDARD, "0.5*(x^2 + sigma^2)", "invalid", "`x` is not a variable of this question; the variables are mu, sigma"),
    (GENERAL, "log(sigma3/sigma1)", "invalid", "not a variable"),
    (STANDARD, "mu; import os", "invalid", ""),
    (STANDARD, "", "invalid", ""),
    (STANDARD, ["mu", "sigma"], "invalid", "expected an expression in mu, sigma"),
    # float semantics: giant powers overflow instead of building giant integers
    (STANDARD, "10^10^10^10", "incorrect", ""),
])
def test_p4a_answers(rubric, qid, raw, status, fragment):
    started = time.perf_counter()
    got_status, feedback = grade(rubric, qid, raw)
    assert time.perf_counter() - started < 1.0
    assert got_status == status, feedback
    assert fragment in feedback
    reference = "(mu^2 + sigma^2 - 1 - log(sigma^2))/2"
    assert reference not in feedback or reference in str(raw)  # the key is never shown


def test_no_side_effect_from_hostile_input(rubric, tmp_path):
    marker = tmp_path / "pwned"
    grade(rubric, STANDARD, f"__import__('os').system('touch {marker}')")
    assert not marker.exists()


def test_parse_error_shows_a_caret(rubric):
    _, feedback = grade(rubric, STANDARD, "0.5*(mu^2 + sigma^2))")
    lines = feedback.splitlines()
    assert lines[-1].strip() == "^" and lines[-2].strip() == "0.5*(mu^2 + sigma^2))"
    assert lines[-1].index("^") == lines[-2].index("))") + 1


def test_same_input_same_verdict(rubric):
    assert grade(rubric, STANDARD, "(mu^2 + sigma^2)/2") == grade(rubric, STANDARD, "(mu^2 + sigma^2)/2")


# ---- functions, σ as a function or a variable, integer variables, the rubric's checks ----------

SIGMOID_QUESTION = {
    "id": "q4", "type": "expression", "points": 2, "answer": "sigmoid(z)*(1 - sigmoid(z))",
    "variables": {"z": {"min": -4, "max": 4}}, "functions": {"σ": "sigmoid"},
}


def grade_question(spec, raw, answer=None):
    question = ExpressionQuestion.model_validate(spec)
    try:
        parsed = question.parse(raw)
    except AnswerError as exc:
        return "invalid", str(exc)
    verdict = question.grade(parsed, AnswerKey(answer=answer or spec["answer"]))
    return verdict.status, verdict.feedback


@pytest.mark.parametrize("raw, status, fragment", [
    ("σ(z)(1 − σ(z))", "correct", "Correct"),
    (r"\sigma(z)\left(1 - \sigma(z)\right)", "correct", "Correct"),
    ("sigma(z) - sigma(z)^2", "correct", "Correct"),
    ("e^-z/(1 + e^-z)^2", "correct", "Correct"),
    ("σ(z)(1 + σ(z))", "incorrect", "We read your answer as: sigmoid(z)*(1 + sigmoid(z))"),
    ("σ(z)", "incorrect", "We read your answer as: sigmoid(z)"),
    ("σ(z, 1)", "invalid", "sigmoid takes one argument"),
    ("tanhh(z)", "invalid", "did you mean tanh?"),
])
def test_sigma_declared_a_function(raw, status, fragment):
    got_status, feedback = grade_question(SIGMOID_QUESTION, raw)
    assert got_status == status, feedback
    assert fragment in feedback


def test_sigma_stays_a_variable_in_the_kl_questions(rubric):
    question = rubric.questions[STANDARD]
    assert not question.functions
    assert question.parse("σ(μ)") == question.parse("sigma*mu")  # σ·μ, as it always was
    status, feedback = grade(rubric, STANDARD, "½(μ² + σ(σ) − 1 − ln σ²)")
    assert status == "correct", feedback


def test_rubric_functions_and_integer_variables_through_the_question_model():
    spec = {"id": "q", "type": "expression", "points": 1, "answer": "relu(x) - relu(-x) + (-cos(y))^n",
            "variables": {"x": {"min": -2, "max": 2}, "y": {"min": -3, "max": 3},
                          "n": {"integer": True, "min": 1, "max": 9}},
            "functions": {"relu": "max(x, 0)"}}
    assert grade_question(spec, "x + (-1)^n cos(y)^n")[0] == "correct"
    assert grade_question(spec, "x + cos(y)^n")[0] == "incorrect"
    assert grade_question(spec, "relu(x, 1)")[0] == "invalid"


def test_exact_is_the_default_and_can_be_switched_off():
    spec = {"id": "q", "type": "expression", "points": 1, "answer": "x/3", "variables": {"x": {"min": 0, "max": 1}}}
    status, feedback = grade_question(spec, "0.333x")
    assert status == "incorrect" and "keep every number exact" in feedback
    assert grade_question({**spec, "exact": False}, "0.333x")[0] == "correct"
    assert grade_question(spec, "2x/6")[0] == "correct"


@pytest.mark.parametrize("change, fragment", [
    ({"answer": "log(x - 5)"}, "the expression `log(x - 5)`: the reference is defined at only 0 of 107 "
                               "sample points of its domains (x in [0, 1])"),
    ({"functions": {"relu": "max(y, 0)"}}, "function `relu`"),
    ({"functions": {"x": "sigmoid"}}, "already a variable or function"),
    ({"variables": {"x": {"min": 0.5, "max": 3, "integer": True}}}, "whole-number min and max"),
])
def test_bad_expression_questions_are_rubric_errors(change, fragment):
    spec = {"id": "q1", "type": "expression", "points": 1, "answer": "x", "variables": {"x": {"min": 0, "max": 1}},
            **change}
    with pytest.raises(ValueError) as caught:
        ExpressionQuestion.model_validate(spec)
    assert fragment in str(caught.value)


TOO_FEW_POINTS_RUBRIC = """\
id: too-few-points
title: "A reference undefined on its domain"
questions:
  - id: q1
    type: expression
    points: 1
    answer: "log(x - 5)"
    variables:
      x: {min: 0, max: 1}
"""


def test_a_reference_defined_at_too_few_points_fails_at_load_and_in_validate(tmp_path, capsys):
    from grader.cli import main
    from grader.rubric import load_rubric

    path = tmp_path / "too-few-points.yaml"
    path.write_text(TOO_FEW_POINTS_RUBRIC, encoding="utf-8")
    with pytest.raises(RubricError) as caught:
        load_rubric(path)
    message = str(caught.value)
    assert "q1" in message and "x in [0, 1]" in message and "defined at only 0 of 107" in message
    assert main(["validate", str(path)]) == 2
    error = capsys.readouterr().err
    assert "q1" in error and "x in [0, 1]" in error and "Traceback" not in error


def test_a_reference_ref_defined_at_too_few_points_is_named_with_its_question():
    question = ExpressionQuestion.model_validate(
        {"id": "q9", "type": "expression", "points": 1, "answer": {"ref": "k"}, "variables": {"x": {"min": 0, "max": 1}}})
    with pytest.raises(ValueError, match=r"`sqrt\(x - 2\)`: the reference is defined at only 0"):
        question.check_reference("sqrt(x - 2)")
    # a variant's reference that only shows at grading time is a rubric error too, not a traceback
    with pytest.raises(RubricError, match="question q9"):
        question.grade(question.parse("x"), AnswerKey(answer="sqrt(x - 2)"))


SHARED_FUNCTIONS_RUBRIC = """\
id: shared-functions
title: "Functions for every expression question"
functions:
  σ: sigmoid
  relu: "max(x, 0)"
questions:
  - id: q1
    type: expression
    points: 1
    answer: "sigmoid(z)*(1 - sigmoid(z))"
    variables:
      z: {min: -4, max: 4}
  - id: q2
    type: expression
    points: 1
    answer: "(mu^2 + sigma^2 - 1 - log(sigma^2))/2"
    variables:
      mu: {min: -2, max: 2}
      sigma: {min: 0.1, max: 3}
  - id: q3
    type: expression
    points: 1
    answer: "relu(z)"
    variables:
      z: {min: -4, max: 4}
    functions: {relu: "abs(x)"}
"""


def test_rubric_level_functions_reach_every_expression_question_but_not_a_variable(tmp_path):
    from grader.rubric import load_rubric

    path = tmp_path / "shared-functions.yaml"
    path.write_text(SHARED_FUNCTIONS_RUBRIC, encoding="utf-8")
    rubric = load_rubric(path)
    sigmoid_question, kl_question, own_question = (rubric.questions[q] for q in ("q1", "q2", "q3"))
    key = AnswerKey(answer=sigmoid_question.answer)
    assert sigmoid_question.grade(sigmoid_question.parse("σ(z)(1 − σ(z))"), key).status == "correct"
    assert "relu" in sigmoid_question.functions
    # the KL question declares sigma a variable: σ stays σ there, relu still arrives
    assert "σ" not in kl_question.functions and "relu" in kl_question.functions
    assert kl_question.parse("σ(μ)") == kl_question.parse("sigma*mu")
    # a question's own definition wins over the rubric's
    assert own_question.grade(own_question.parse("abs(z)"), AnswerKey(answer="relu(z)")).status == "correct"
