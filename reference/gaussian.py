"""Closed forms of the KL divergence between univariate Gaussians (HOMEWORK.md, Problem 4a).

Given both as numpy functions (to check numbers, e.g. against a Monte-Carlo estimate) and as
expression strings in plain calculator notation, which the expression grader compares with a
student's formula by evaluating both at random points.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

KL_GENERAL_EXPRESSION = "log(sigma2/sigma1) + (sigma1^2 + (mu1 - mu2)^2)/(2*sigma2^2) - 1/2"
"""KL(N(mu1, sigma1²) ‖ N(mu2, sigma2²)), in the variables mu1, sigma1, mu2, sigma2 (log is natural)."""

KL_STANDARD_EXPRESSION = "(mu^2 + sigma^2 - 1 - log(sigma^2))/2"
"""KL(N(mu, sigma²) ‖ N(0, 1)), in the variables mu, sigma (log is natural)."""

KL_MISTAKE_EXPRESSIONS = {
    "kl_standard_no_half": "mu^2 + sigma^2 - 1 - log(sigma^2)",
    "kl_standard_no_log": "(mu^2 + sigma^2 - 1)/2",
    "kl_general_no_half": "2*log(sigma2/sigma1) + (sigma1^2 + (mu1 - mu2)^2)/sigma2^2 - 1",
    "kl_general_no_log": "(sigma1^2 + (mu1 - mu2)^2)/(2*sigma2^2) - 1/2",
}
"""The common mistakes of HOMEWORK.md 4(a) as expressions: the factor ½ dropped, the log term dropped."""

KL_GENERAL_VARIABLES = ("mu1", "sigma1", "mu2", "sigma2")
"""The variable names of KL_GENERAL_EXPRESSION; the sigmas must be positive."""

KL_STANDARD_VARIABLES = ("mu", "sigma")
"""The variable names of KL_STANDARD_EXPRESSION; sigma must be positive."""


def _positive(values: ArrayLike, name: str) -> NDArray[np.float64]:
    array = np.asarray(values, dtype=float)
    if not np.all(array > 0):
        raise ValueError(f"{name} is a standard deviation and must be positive, got {values!r}")
    return array


def kl_general(mu1: ArrayLike, sigma1: ArrayLike, mu2: ArrayLike, sigma2: ArrayLike) -> NDArray[np.float64]:
    """KL(q‖p) for q = N(μ₁, σ₁²), p = N(μ₂, σ₂²): log(σ₂/σ₁) + (σ₁² + (μ₁−μ₂)²)/(2σ₂²) − ½."""
    s1 = _positive(sigma1, "sigma1")
    s2 = _positive(sigma2, "sigma2")
    m1 = np.asarray(mu1, dtype=float)
    m2 = np.asarray(mu2, dtype=float)
    kl: NDArray[np.float64] = np.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - 0.5
    return kl


def kl_standard(mu: ArrayLike, sigma: ArrayLike) -> NDArray[np.float64]:
    """KL(N(μ, σ²) ‖ N(0, 1)) = ½(μ² + σ² − 1 − log σ²), the VAE's KL term for one latent unit."""
    s = _positive(sigma, "sigma")
    m = np.asarray(mu, dtype=float)
    return 0.5 * (m**2 + s**2 - 1 - np.log(s**2))
