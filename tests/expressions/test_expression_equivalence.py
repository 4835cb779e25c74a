"""Equivalence of the KL answers of Problem 4(a): many forms, named mistakes, and the verdicts."""

from __future__ import annotations

import pytest

from grader.expressions import (
    Comparison,
    Domain,
    ExpressionError,
    compare,
    parse,
    sample_points,
)

STANDARD_VARIABLES = ("mu", "sigma")
STANDARD_KEY = "(mu^2 + sigma^2 - 1 - log(sigma^2))/2"
STANDARD_DOMAINS = {"mu": Domain(-2, 2), "sigma": Domain(0.1, 3)}

GENERAL_VARIABLES = ("mu1", "sigma1", "mu2", "sigma2")
GENERAL_KEY = "log(sigma2/sigma1) + (sigma1^2 + (mu1 - mu2)^2)/(2*sigma2^2) - 1/2"
GENERAL_DOMAINS = {"mu1": Domain(-2, 2), "sigma1": Domain(0.1, 3),
                   "mu2": Domain(-2, 2), "sigma2": Domain(0.1, 3)}

EQUIVALENT = "equivalent"
ERROR = "error"

STANDARD = [
    # (answer, verdict: EQUIVALENT / ERROR / a diagnosis, fragment of the message)
    # calculator / python
    (STANDARD_KEY, EQUIVALENT, ""),
    ("0.5*(mu^2+sigma^2-1) - log(sigma)", EQUIVALENT, ""),
    ("-1/2*(1 + log(sigma**2) - mu**2 - sigma**2)", EQUIVALENT, ""),
    ("-0.5*(1 + log(sigma^2) - mu^2 - sigma^2)", EQUIVALENT, ""),
    ("0.5*mu**2 + 0.5*sigma**2 - 0.5 - log(sigma)", EQUIVALENT, ""),
    ("mu^2/2 + sigma^2/2 - 1/2 - ln(sigma)", EQUIVALENT, ""),
    (".5*(mu^2 + sigma^2) - .5 - log(sigma)", EQUIVALENT, ""),
    ("5e-1*(mu^2+sigma^2-1-2*log(sigma))", EQUIVALENT, ""),
    ("(mu**2 + sigma**2 - 1)/2 - log(abs(sigma))", EQUIVALENT, ""),
    ("[mu^2 + sigma^2 - 1 - log(sigma^2)]/2", EQUIVALENT, ""),
    ("{mu^2 + sigma^2 - 1 - ln(sigma^2)}/2", EQUIVALENT, ""),
    ("0.5*(mu^2 + sigma^2 - 1 + log(1/sigma^2))", EQUIVALENT, ""),
    ("0.5*(mu^2 + sigma^2 - 1) + log(1/sigma)", EQUIVALENT, ""),
    ("(mu^2 + sigma^2 - log(exp(1)*sigma^2))/2", EQUIVALENT, ""),
    ("0.5*(mu^2+sigma^2-1) - log(sqrt(sigma^2))", EQUIVALENT, ""),
    ("0.5*(mu^2+sigma^2-1) - log(sigma)*2/2", EQUIVALENT, ""),
    # implicit multiplication
    ("0.5(mu^2 + sigma^2 - 1) - log(sigma)", EQUIVALENT, ""),
    ("(mu^2 + sigma^2 - 1 - 2log(sigma))/2", EQUIVALENT, ""),
    ("(mu^2 + sigma^2 - 1 - 2 log sigma)/2", EQUIVALENT, ""),
    ("1/2 (mu^2 + sigma^2 - 1 - log sigma^2)", EQUIVALENT, ""),
    ("0.5(mu mu + sigma sigma - 1) - ln sigma", EQUIVALENT, ""),
    ("0.5(mumu + sigmasigma - 1) - lnsigma", EQUIVALENT, ""),
    # unicode
    ("½(μ² + σ² − 1 − ln σ²)", EQUIVALENT, ""),
    ("½·(μ² + σ² − 1) − ln σ", EQUIVALENT, ""),
    ("(μ² + σ² – 1 – log σ²) ÷ 2", EQUIVALENT, ""),
    ("0.5×(μ²+σ²−1) − ln(σ)", EQUIVALENT, ""),
    ("¼(2μ² + 2σ² − 2 − 4 ln σ)", EQUIVALENT, ""),
    ("½(μ² + σ² − 1) + ln σ⁻¹", EQUIVALENT, ""),
    ("½(μ² + σ² − 1) − ln√(σ²)", EQUIVALENT, ""),
    ("½(µ² + σ² − 1) − ½ ln σ²", EQUIVALENT, ""),
    # latex
    (r"\frac{1}{2}\left(\mu^2+\sigma^2-1-\log\sigma^2\right)", EQUIVALENT, ""),
    (r"$\frac{1}{2}\left(\mu^2+\sigma^2-1-\log\sigma^2\right)$", EQUIVALENT, ""),
    (r"\frac12(\mu^2 + \sigma^2 - 1) - \ln\sigma", EQUIVALENT, ""),
    (r"\dfrac{\mu^{2} + \sigma^{2} - 1 - \ln\left(\sigma^{2}\right)}{2}", EQUIVALENT, ""),
    (r"\tfrac{1}{2}\left[\mu^2 + \sigma^2 - 1\right] - \log{\sigma}", EQUIVALENT, ""),
    (r"\frac{1}{2} \cdot \left( \mu^2 + \sigma^2 - 1 \right) - \ln \sigma", EQUIVALENT, ""),
    (r"\frac{\mu^2+\sigma^2-1}{2}-\frac{1}{2}\log\sigma^{2}", EQUIVALENT, ""),
    (r"0.5\,(\mu^2+\sigma^2-1)-\log\sigma", EQUIVALENT, ""),
    (r"\frac{1}{2}\times(\mu^2+\sigma^2-1) - \ln|\sigma|", EQUIVALENT, ""),
    (r"$$\frac{\mu^2 + \sigma^2 - 1}{2} - \ln(\sigma)$$", EQUIVALENT, ""),
    (r"\frac{1}{2}(\mu^2+\sigma^2-1) - \operatorname{log}(\sigma)", EQUIVALENT, ""),
    # named mistakes
    ("mu^2 + sigma^2 - 1 - log(sigma^2)", "factor", "2 times the correct one"),  # missing ½
    ("(mu^2 + sigma^2 - 1 - log(sigma^2))/4", "factor", "half the correct one"),
    ("3/4*(mu^2 + sigma^2 - 1 - log(sigma^2))", "factor", "3/2 times the correct one"),
    ("(mu^2 + sigma^2 - 1 - log(sigma^2))/6", "factor", "1/3 of the correct one"),
    ("1.2345*(mu^2 + sigma^2 - 1 - log(sigma^2))", "factor", "about 2.47 times"),
    ("-(mu^2 + sigma^2 - 1 - log(sigma^2))/2", "sign", "negative of the correct one"),
    ("(1 + log(sigma^2) - mu^2 - sigma^2)/2", "sign", "negative of the correct one"),
    ("(mu^2 + sigma^2 - log(sigma^2))/2", "offset", "by a constant (+0.5)"),
    ("(mu^2 + sigma^2 - 1 - log(sigma^2))/2 - 1", "offset", "by a constant (-1)"),
    ("(mu^2 + sigma^2 - 1 - log(sigma^2) + log(2))/2", "offset", "by a constant (+0.347)"),
    ("(mu*|mu| + sigma^2 - 1 - log(sigma^2))/2", "partial", "only for part of the domain"),
    ("(mu^2 + sigma^2 - 1 - log(-sigma))/2", "undefined", "undefined at mu = "),
    ("(mu^2 + sigma^2 - 1 - log(sigma^2 - 1))/2", "undefined", "undefined at mu = "),
    ("(mu^2 + sigma^2 - 1 - log(sigma))/2", "different", "differs from the correct one, e.g. at"),
    ("0.5*(mu^2+sigma^2-1) - log(sigma^2)", "different", "e.g. at mu = "),
    ("mu^2 + sigma^2", "different", "e.g. at mu = "),
    ("1/2", "different", "e.g. at mu = "),
    # errors
    ("x^2 + sigma^2", ERROR, "`x` is not a variable of this question"),
    ("mu^2 + sigma3", ERROR, "`sigma3` is not a variable"),
    ("0.5*(mu^2+sigma^2-1 - log(sigma)", ERROR, "never closed"),
    ("KL = 0.5*(mu^2+sigma^2-1) - log(sigma)", ERROR, "type only the expression"),
]

GENERAL = [
    (GENERAL_KEY, EQUIVALENT, ""),
    ("log(sigma2) - log(sigma1) + (sigma1^2 + (mu1-mu2)^2)/(2 sigma2^2) - 0.5", EQUIVALENT, ""),
    ("ln(σ₂/σ₁) + (σ₁² + (μ₁ − μ₂)²)/(2σ₂²) − ½", EQUIVALENT, ""),
    ("log(σ2/σ1) + (σ1² + (μ1 − μ2)²)/(2σ2²) − 1/2", EQUIVALENT, ""),
    (r"\log\frac{\sigma_2}{\sigma_1} + \frac{\sigma_1^2 + (\mu_1-\mu_2)^2}{2\sigma_2^2} - \frac12",
     EQUIVALENT, ""),
    (r"\ln\left(\frac{\sigma_{2}}{\sigma_{1}}\right)+\frac{\sigma_{1}^{2}+\left(\mu_{1}-\mu_{2}"
     r"\right)^{2}}{2\sigma_{2}^{2}}-\frac{1}{2}", EQUIVALENT, ""),
    ("log(sigma_2/sigma_1) + (sigma_1^2 + (mu_2 - mu_1)^2)/(2*sigma_2^2) - 1/2", EQUIVALENT, ""),
    ("0.5*(log(sigma2^2/sigma1^2) + (sigma1^2 + (mu1-mu2)^2)/sigma2^2 - 1)", EQUIVALENT, ""),
    ("(sigma1^2 + mu1^2 - 2mu1 mu2 + mu2^2)/(2sigma2^2) + log sigma2 - log sigma1 - 1/2",
     EQUIVALENT, ""),
    ("1/2*(sigma1^2/sigma2^2 + (mu2-mu1)^2/sigma2^2 - 1 + ln(sigma2^2/sigma1^2))", EQUIVALENT, ""),
    ("-log(sigma1/sigma2) + (sigma1**2 + (mu1 - mu2)**2)/(2*sigma2**2) - .5", EQUIVALENT, ""),
    ("log(sigma1/sigma2) + (sigma1^2 + (mu1-mu2)^2)/(2*sigma2^2) - 1/2", "different", "e.g. at"),
    ("log(sigma2/sigma1) + (sigma1^2 + (mu1-mu2)^2)/(2*sigma2^2)", "offset", "(+0.5)"),
    ("2*log(sigma2/sigma1) + (sigma1^2 + (mu1-mu2)^2)/sigma2^2 - 1", "factor", "2 times"),
    # precedence trap: /2*sigma2^2 multiplies by sigma2^2
    ("log(sigma2/sigma1) + (sigma1^2 + (mu1-mu2)^2)/2*sigma2^2 - 1/2", "different", "e.g. at"),
    ("log(sigma2/sigma1) + (sigma1^2 + (mu1-mu2)^2)/(2*sigma2^2) - 1/2 + mu", ERROR,
     "`mu` is not a variable of this question; the variables are mu1, sigma1, mu2, sigma2"),
    ("log(sigma2/sigma1) + (sigma1^2 + (mu1-mu2)^2)/(2*sigma^2) - 1/2", ERROR,
     "`sigma` is not a variable"),
]


def verdict(answer: str, key: str, variables: tuple[str, ...],
            domains: dict[str, Domain]) -> Comparison:
    return compare(parse(answer, variables), parse(key, variables), domains)


@pytest.mark.parametrize(("answer", "expected", "fragment"), STANDARD)
def test_standard_kl(answer: str, expected: str, fragment: str) -> None:
    check(answer, expected, fragment, STANDARD_KEY, STANDARD_VARIABLES, STANDARD_DOMAINS)


@pytest.mark.parametrize(("answer", "expected", "fragment"), GENERAL)
def test_general_kl(answer: str, expected: str, fragment: str) -> None:
    check(answer, expected, fragment, GENERAL_KEY, GENERAL_VARIABLES, GENERAL_DOMAINS)


def check(answer: str, expected: str, fragment: str, key: str, variables: tuple[str, ...],
          domains: dict[str, Domain]) -> None:
    if expected == ERROR:
        with pytest.raises(ExpressionError) as caught:
            parse(answer, variables)
        assert fragment in caught.value.message
        return
    result = verdict(answer, key, variables, domains)
    if expected == EQUIVALENT:
        assert result == Comparison(True, "", None)
        return
    assert not result.equivalent
    assert result.diagnosis == expected
    assert fragment in result.message
    assert result.message.endswith(".") and result.message[0].isupper()


def test_missing_log_term_is_not_equivalent_and_says_where() -> None:
    result = verdict("(mu^2+sigma^2-1)/2", STANDARD_KEY, STANDARD_VARIABLES, STANDARD_DOMAINS)
    assert not result.equivalent
    assert result.diagnosis in ("different", "partial")
    assert "mu = " in result.message and "sigma = " in result.message


@pytest.mark.parametrize("answer", [answer for answer, expected, _ in STANDARD
                                    if expected not in (EQUIVALENT, ERROR)])
def test_messages_never_reveal_the_reference(answer: str) -> None:
    message = verdict(answer, STANDARD_KEY, STANDARD_VARIABLES, STANDARD_DOMAINS).message
    assert "log" not in message and "should be" not in message
    assert "sigma^2" not in message and "(mu" not in message


def test_a_constant_reference_is_not_given_away_by_a_factor_or_offset() -> None:
    for answer in ("1", "2", "-1/2", "3/2"):
        result = compare(parse(answer, ()), parse("1/2", ()), {})
        assert result.diagnosis == "different"
        assert result.message == "Your answer differs from the correct one."


def test_verdict_is_deterministic_and_seeded() -> None:
    student = parse("(mu^2 + sigma^2)/2", STANDARD_VARIABLES)
    reference = parse(STANDARD_KEY, STANDARD_VARIABLES)
    first = compare(student, reference, STANDARD_DOMAINS, seed=3)
    assert first == compare(student, reference, STANDARD_DOMAINS, seed=3)
    assert first.message != compare(student, reference, STANDARD_DOMAINS, seed=4).message


def test_points_depend_on_sorted_names_not_mapping_order() -> None:
    forward = sample_points({"a": Domain(0, 1), "b": Domain(2, 3)}, 5, 0)
    backward = sample_points({"b": Domain(2, 3), "a": Domain(0, 1)}, 5, 0)
    assert all((forward[name] == backward[name]).all() for name in "ab")
    assert ((0 <= forward["a"]) & (forward["a"] <= 1)).all()


def test_tolerance() -> None:
    # Without exact arithmetic (a rubric's `exact: false`, or any non-rational form): tolerance.
    reference = parse("mu + 10", ("mu",))
    domains = {"mu": Domain(0, 1)}
    assert compare(parse("mu + 10.000001", ("mu",)), reference, domains, exact=False).equivalent
    assert not compare(parse("mu + 10.001", ("mu",)), reference, domains, exact=False).equivalent
    assert compare(parse("mu + 10.001", ("mu",)), reference, domains, rel=1e-3,
                   exact=False).equivalent
    reference = parse("exp(mu) + 10", ("mu",))
    assert compare(parse("exp(mu) + 10.000001", ("mu",)), reference, domains).equivalent


def test_rational_forms_are_compared_exactly_not_within_the_tolerance() -> None:
    reference = parse("mu + 10", ("mu",))
    domains = {"mu": Domain(0, 1)}
    result = compare(parse("mu + 10.000001", ("mu",)), reference, domains, rel=1e-3)
    assert result.diagnosis == "approximate"
    assert "keep every number exact" in result.message


def test_points_where_the_reference_is_undefined_are_skipped() -> None:
    reference = parse("sqrt(mu) + 1/sqrt(mu)", ("mu",))
    student = parse("(mu + 1)/sqrt(mu)", ("mu",))
    assert compare(student, reference, {"mu": Domain(-1, 3)}).equivalent


def test_a_reference_undefined_almost_everywhere_is_rejected() -> None:
    with pytest.raises(ValueError, match="reference is defined at only"):
        compare(parse("mu", ("mu",)), parse("log(-mu)", ("mu",)), {"mu": Domain(0.1, 1)})


def test_domain_must_be_an_interval() -> None:
    with pytest.raises(ValueError):
        Domain(1, 1)
    with pytest.raises(ValueError):
        Domain(0, float("inf"))
