"""The GAN generator's two costs and their gradients (HOMEWORK.md, Problem 5c).

The generator sees the discriminator only through d = D(G(z)) = σ(a), with a the
discriminator's logit. Comparing the gradients of the two costs with respect to a, where D
rejects the samples (d near 0, early in training), shows which cost lets the generator learn.
"""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._format import short_number
from .lstm import sigmoid

Array: TypeAlias = NDArray[np.float64]

EARLY_D_OF_G = 0.01
"""A typical D(G(z)) early in training: the discriminator confidently rejects poor samples."""


def _probabilities(d: ArrayLike) -> Array:
    array = np.asarray(d, dtype=float)
    if not np.all((array > 0) & (array < 1)):
        raise ValueError(f"D(G(z)) values must lie strictly between 0 and 1, got {d!r}")
    return array


def saturating_cost(d: ArrayLike) -> float:
    """J_sat = (1/m) Σ log(1 − D(G(z))), which the generator minimises."""
    return float(np.mean(np.log1p(-_probabilities(d))))


def non_saturating_cost(d: ArrayLike) -> float:
    """J_ns = −(1/m) Σ log D(G(z)), which the generator minimises."""
    return float(-np.mean(np.log(_probabilities(d))))


def logit(d: ArrayLike) -> Array:
    """The discriminator's logit a with σ(a) = d."""
    p = _probabilities(d)
    return np.log(p) - np.log1p(-p)


def saturating_grad(a: ArrayLike) -> Array:
    """d/da log(1 − σ(a)) = −σ(a): one sample's gradient of the saturating cost w.r.t. D's logit."""
    return -sigmoid(a)


def non_saturating_grad(a: ArrayLike) -> Array:
    """d/da (−log σ(a)) = −(1 − σ(a)): one sample's gradient of the non-saturating cost."""
    return -(1.0 - sigmoid(a))


def gradient_magnitudes(d: float) -> tuple[float, float]:
    """|∂/∂a| of the saturating and of the non-saturating cost at D(G(z)) = d (≈ d and ≈ 1 − d)."""
    a = logit(d)
    return float(abs(saturating_grad(a))), float(abs(non_saturating_grad(a)))


def choose_generator_cost(d: float = EARLY_D_OF_G) -> tuple[str, str]:
    """Pick the cost with the larger gradient where D rejects the samples (d < ½), with evidence.

    The comparison is only meaningful for d < ½, the regime of a poor generator that the
    question is about, so other values are refused.
    """
    if not 0 < d < 0.5:
        raise ValueError(f"compare the costs where D rejects the samples: D(G(z)) must be in (0, 0.5), got {d}")
    saturating, non_saturating = gradient_magnitudes(d)
    choice = "non-saturating" if non_saturating > saturating else "saturating"
    evidence = (
        f"At D(G(z)) = {short_number(d)} the gradient with respect to D's logit is "
        f"{short_number(saturating)} for the saturating cost and {short_number(non_saturating)} "
        f"for the non-saturating one: the saturating cost is flat exactly when the generator is poor."
    )
    return choice, evidence
