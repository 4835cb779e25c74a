"""Tests of reference.gan: the two generator costs, their gradients and the choice between them."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

from reference.gan import (
    choose_generator_cost,
    gradient_magnitudes,
    logit,
    non_saturating_cost,
    non_saturating_grad,
    saturating_cost,
    saturating_grad,
)
from reference.lstm import sigmoid

LOGITS = [-6.0, -4.59511985, -1.0, 0.0, 0.5, 3.0]  # -4.595 is the logit of 0.01


def test_costs_at_known_values() -> None:
    assert saturating_cost([0.01]) == pytest.approx(math.log(0.99))
    assert non_saturating_cost([0.01]) == pytest.approx(-math.log(0.01))
    assert saturating_cost([0.2, 0.6]) == pytest.approx((math.log(0.8) + math.log(0.4)) / 2)
    assert non_saturating_cost([0.2, 0.6]) == pytest.approx(-(math.log(0.2) + math.log(0.6)) / 2)


@pytest.mark.parametrize("a", LOGITS)
def test_saturating_gradient_matches_central_difference(a: float) -> None:
    eps = 1e-6
    numeric = (saturating_cost(sigmoid(a + eps)) - saturating_cost(sigmoid(a - eps))) / (2 * eps)
    assert float(saturating_grad(a)) == pytest.approx(numeric, rel=1e-6, abs=1e-10)


@pytest.mark.parametrize("a", LOGITS)
def test_non_saturating_gradient_matches_central_difference(a: float) -> None:
    eps = 1e-6
    numeric = (non_saturating_cost(sigmoid(a + eps)) - non_saturating_cost(sigmoid(a - eps))) / (2 * eps)
    assert float(non_saturating_grad(a)) == pytest.approx(numeric, rel=1e-6, abs=1e-10)


def test_gradients_are_vectorised() -> None:
    a = np.array([-1.0, 0.0, 1.0])
    np.testing.assert_allclose(saturating_grad(a) - non_saturating_grad(a), -2 * sigmoid(a) + 1)


@pytest.mark.parametrize("d", [0.01, 0.1, 0.3, 0.7])
def test_logit_inverts_the_sigmoid(d: float) -> None:
    assert float(sigmoid(logit(d))) == pytest.approx(d, rel=1e-12)


@pytest.mark.parametrize(("d", "saturating", "non_saturating"), [(0.01, 0.01, 0.99), (0.2, 0.2, 0.8)])
def test_gradient_magnitudes(d: float, saturating: float, non_saturating: float) -> None:
    assert gradient_magnitudes(d) == pytest.approx((saturating, non_saturating), rel=1e-12)


def test_choice_and_evidence() -> None:
    choice, evidence = choose_generator_cost()
    assert choice == "non-saturating"
    assert evidence == (
        "At D(G(z)) = 0.01 the gradient with respect to D's logit is 0.01 for the saturating cost and "
        "0.99 for the non-saturating one: the saturating cost is flat exactly when the generator is poor."
    )


@pytest.mark.parametrize("d", [0.001, 0.05, 0.49])
def test_non_saturating_wins_wherever_d_rejects(d: float) -> None:
    assert choose_generator_cost(d)[0] == "non-saturating"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: choose_generator_cost(0.5), r"must be in \(0, 0.5\)"),
        (lambda: choose_generator_cost(0.0), r"must be in \(0, 0.5\)"),
        (lambda: saturating_cost([1.0]), "strictly between 0 and 1"),
        (lambda: non_saturating_cost([0.0]), "strictly between 0 and 1"),
        (lambda: logit(1.2), "strictly between 0 and 1"),
    ],
)
def test_out_of_range_values_are_refused(call: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()
