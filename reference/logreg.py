"""Binary logistic regression by hand: the forward pass, the mean cross-entropy, its gradient, one
gradient-descent step, and the two convexity statements of assignment `hw-logreg`, decided by experiment.

Pure numpy functions. Each takes the values a student may have computed themselves (the
probabilities, the gradient) as arguments, so the same code gives the true answers, the answers
carried forward from a student's own numbers and, with a mistake switched on, the known mistakes.
Nothing here raises for an odd number: log(0) or log of a negative number becomes inf or nan,
and such a value simply grades as wrong.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._format import short_number

EIGENVALUE_SLACK = 1e-12
"""An eigenvalue above −1e-12 counts as non-negative: far above rounding in a 3×3 Hessian of O(1) entries."""

CHORD_MARGIN = 1e-9
"""A midpoint must lie this far above the chord to count as a counterexample to convexity (no rounding)."""


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function 1 / (1 + e^−z), element-wise, without overflow warnings for large |z|."""
    z = np.asarray(z, dtype=float)
    with np.errstate(over="ignore"):
        return np.where(z >= 0, 1.0 / (1.0 + np.exp(-z)), np.exp(z) / (1.0 + np.exp(z)))


def probabilities(X: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    """p_i = σ(w·x_i + b) for every row x_i of X."""
    return sigmoid(X @ w + b)


def cross_entropy(p: np.ndarray, y: np.ndarray, *, mean: bool = True, log=np.log) -> float:
    """−(1/n) Σ [y_i log p_i + (1 − y_i) log(1 − p_i)]; `mean=False` is the sum, `log` the logarithm used."""
    with np.errstate(all="ignore"):
        terms = y * log(p) + (1.0 - y) * log(1.0 - p)
        total = -float(np.sum(terms))
    return total / len(y) if mean else total


def gradient(X: np.ndarray, y: np.ndarray, p: np.ndarray, *, mean: bool = True,
             sign: float = 1.0) -> tuple[np.ndarray, float]:
    """(∂L/∂w, ∂L/∂b) = ((1/n) Xᵀ(p − y), (1/n) Σ(p_i − y_i)); `sign=-1` is the flipped y − p."""
    with np.errstate(all="ignore"):
        residual = sign * (p - y)
        dw, db = X.T @ residual, float(np.sum(residual))
    n = len(y)
    return (dw / n, db / n) if mean else (dw, db)


def descent_step(w: np.ndarray, b: float, dw: np.ndarray, db: float, rate: float,
                 *, direction: float = -1.0) -> tuple[np.ndarray, float]:
    """w − η ∂L/∂w and b − η ∂L/∂b; `direction=+1` is the step uphill (the + instead of −)."""
    with np.errstate(all="ignore"):
        return w + direction * rate * dw, float(b + direction * rate * db)


def hessian(X: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    """The Hessian of the mean cross-entropy in (w, b): X̃ᵀ S X̃ / n, X̃ = [X 1], S = diag(p_i(1 − p_i))."""
    design = np.hstack([X, np.ones((X.shape[0], 1))])
    p = probabilities(X, w, b)
    return design.T @ (design * (p * (1 - p))[:, None]) / X.shape[0]


@dataclass(frozen=True)
class StatementKey:
    """Whether a statement holds, and the evidence a student is shown."""

    holds: bool
    evidence: str


def cross_entropy_is_convex(rng: np.random.Generator, trials: int, X: np.ndarray, w: np.ndarray,
                            b: float) -> StatementKey:
    """'The mean cross-entropy is convex in (w, b).' The Hessian X̃ᵀSX̃/n must be positive semi-definite
    at every point: checked at the homework's own data and weights and on `trials` random data sets
    and weights; a negative eigenvalue anywhere would make the statement False."""
    smallest_own = float(np.linalg.eigvalsh(hessian(X, w, b)).min())
    smallest = smallest_own
    for _ in range(trials):
        n, d = int(rng.integers(1, 6)), int(rng.integers(1, 4))
        data = rng.normal(0.0, 2.0, (n, d))
        weights, bias = rng.normal(0.0, 3.0, d), float(rng.normal(0.0, 3.0))
        eigenvalue = float(np.linalg.eigvalsh(hessian(data, weights, bias)).min())
        if eigenvalue < -EIGENVALUE_SLACK:
            return StatementKey(False, f"The Hessian has the negative eigenvalue {short_number(eigenvalue)} "
                                       f"at w = {np.round(weights, 3).tolist()}, b = {short_number(bias)}.")
        smallest = min(smallest, eigenvalue)
    return StatementKey(True, (
        "The Hessian of L in (w, b) is X̃ᵀSX̃/n with S = diag(pᵢ(1 − pᵢ)), and pᵢ(1 − pᵢ) > 0, so "
        "vᵀHv = (1/n) Σ pᵢ(1 − pᵢ)(x̃ᵢ·v)² ≥ 0 for every v. Checked numerically too: its smallest "
        f"eigenvalue is {short_number(max(smallest_own, 0.0))} at this homework's data and weights, and never below 0 "
        f"on {trials} random data sets and weights."))


def squared_error_is_convex(rng: np.random.Generator, trials: int) -> StatementKey:
    """'The squared error (σ(wx + b) − y)² is convex in w.' Searched for a midpoint above the chord
    with one point x = 1, b = 0, y = 1: finding one makes the statement False."""

    def error(weight: float) -> float:
        return float((sigmoid(np.array(weight)) - 1.0) ** 2)

    for _ in range(trials):
        left, right = sorted(rng.uniform(-6.0, 6.0, 2).round(1))
        middle = (left + right) / 2
        chord = (error(left) + error(right)) / 2
        if error(middle) > chord + CHORD_MARGIN:
            return StatementKey(False, (
                f"A counterexample: one point x = 1 with y = 1 and b = 0, so the error is f(w) = (σ(w) − 1)². "
                f"f({short_number(left)}) = {short_number(error(left))} and f({short_number(right)}) = "
                f"{short_number(error(right))}, but at the midpoint f({short_number(middle)}) = "
                f"{short_number(error(middle))}, above the chord's {short_number(chord)}: not convex."))
    return StatementKey(True, f"No midpoint above the chord in {trials} random tries.")
