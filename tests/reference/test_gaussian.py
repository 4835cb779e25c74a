"""Tests of reference.gaussian: closed forms, a Monte-Carlo check, and the expression strings."""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import numpy as np
import pytest

from reference.gaussian import (
    KL_GENERAL_EXPRESSION,
    KL_GENERAL_VARIABLES,
    KL_STANDARD_EXPRESSION,
    KL_STANDARD_VARIABLES,
    kl_general,
    kl_standard,
)

CASES = [  # (mu1, sigma1, mu2, sigma2)
    (0.0, 1.0, 0.0, 1.0),
    (1.0, 1.0, 0.0, 1.0),
    (1.0, 2.0, 0.0, 1.0),
    (-0.5, 0.3, 0.7, 1.5),
    (2.0, 0.8, -1.0, 0.5),
]


def log_normal_pdf(z: np.ndarray, mu: float, sigma: float) -> np.ndarray:
    return np.asarray(-0.5 * np.log(2 * np.pi * sigma**2) - (z - mu) ** 2 / (2 * sigma**2))


def evaluate(expression: str, **variables: float) -> float:
    """Evaluate one of OUR constant expression strings (never student text) in calculator notation."""
    return float(eval(expression.replace("^", "**"), {"__builtins__": {}, "log": math.log}, variables))


@pytest.mark.parametrize(
    ("mu1", "sigma1", "mu2", "sigma2", "expected"),
    [
        (0.0, 1.0, 0.0, 1.0, 0.0),
        (1.0, 1.0, 0.0, 1.0, 0.5),
        (1.0, 2.0, 0.0, 1.0, math.log(0.5) + 2.0),
        (0.0, 1.0, 0.0, 2.0, math.log(2.0) + 1 / 8 - 0.5),
    ],
)
def test_general_known_values(mu1: float, sigma1: float, mu2: float, sigma2: float, expected: float) -> None:
    assert kl_general(mu1, sigma1, mu2, sigma2) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(("mu", "sigma"), [(0.0, 1.0), (1.0, 1.0), (0.3, 0.2), (-2.0, 3.0)])
def test_standard_is_general_against_n01(mu: float, sigma: float) -> None:
    assert kl_standard(mu, sigma) == pytest.approx(kl_general(mu, sigma, 0.0, 1.0), abs=1e-12)


@pytest.mark.parametrize(("mu1", "sigma1", "mu2", "sigma2"), CASES)
def test_closed_form_matches_monte_carlo(mu1: float, sigma1: float, mu2: float, sigma2: float) -> None:
    """E_q[log q(z) − log p(z)] estimated from 200,000 seeded draws agrees within 5 standard errors."""
    z = np.random.default_rng(2024).normal(mu1, sigma1, 200_000)
    samples = log_normal_pdf(z, mu1, sigma1) - log_normal_pdf(z, mu2, sigma2)
    standard_error = samples.std() / math.sqrt(samples.size)
    assert abs(samples.mean() - kl_general(mu1, sigma1, mu2, sigma2)) <= 5 * standard_error + 1e-12


def test_vectorised_and_non_negative() -> None:
    rng = np.random.default_rng(0)
    mu1, mu2 = rng.normal(size=(2, 100))
    sigma1, sigma2 = rng.uniform(0.1, 3.0, size=(2, 100))
    values = kl_general(mu1, sigma1, mu2, sigma2)
    assert values.shape == (100,)
    assert np.all(values >= -1e-12)
    assert kl_standard(np.zeros(3), np.ones(3)).tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize(("mu1", "sigma1", "mu2", "sigma2"), CASES)
def test_general_expression_string_agrees(mu1: float, sigma1: float, mu2: float, sigma2: float) -> None:
    value = evaluate(KL_GENERAL_EXPRESSION, mu1=mu1, sigma1=sigma1, mu2=mu2, sigma2=sigma2)
    assert value == pytest.approx(kl_general(mu1, sigma1, mu2, sigma2), abs=1e-12)


@pytest.mark.parametrize(("mu", "sigma"), [(0.0, 1.0), (1.0, 1.0), (0.3, 0.2), (-2.0, 3.0)])
def test_standard_expression_string_agrees(mu: float, sigma: float) -> None:
    assert evaluate(KL_STANDARD_EXPRESSION, mu=mu, sigma=sigma) == pytest.approx(kl_standard(mu, sigma), abs=1e-12)


@pytest.mark.parametrize(
    ("expression", "variables"),
    [(KL_GENERAL_EXPRESSION, KL_GENERAL_VARIABLES), (KL_STANDARD_EXPRESSION, KL_STANDARD_VARIABLES)],
)
def test_expressions_use_exactly_the_declared_names(expression: str, variables: tuple[str, ...]) -> None:
    assert set(re.findall(r"[A-Za-z_]\w*", expression)) == {"log", *variables}
    assert "**" not in expression


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: kl_general(0, 0, 0, 1), "sigma1 is a standard deviation and must be positive"),
        (lambda: kl_general(0, 1, 0, -1), "sigma2 is a standard deviation"),
        (lambda: kl_standard(0, [1.0, -0.5]), "sigma is a standard deviation"),
    ],
)
def test_non_positive_sigma_is_refused(call: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()
