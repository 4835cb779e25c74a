"""p4.a through the shipped rubric: every way students type the KL closed forms, their common
mistakes with the feedback they must get, and hostile inputs that must come back invalid, fast."""

import time

import pytest

from grader.errors import AnswerError
from grader.grading import answer_key_for

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
