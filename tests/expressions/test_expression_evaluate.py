"""Evaluation: float64 semantics, undefined values as nan, no recursion."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from grader.expressions import Binary, Number, Variable, evaluate, parse

KL = ("mu", "sigma")
ENV = {"mu": np.array([-1.0, 0.0, 2.0]), "sigma": np.array([0.5, 1.0, 3.0])}


def values(text: str) -> list[float]:
    return evaluate(parse(text, KL), ENV).tolist()


@pytest.mark.parametrize(("text", "expected"), [
    ("mu + sigma", [-0.5, 1.0, 5.0]),
    ("mu*sigma - 1", [-1.5, -1.0, 5.0]),
    ("sigma^2", [0.25, 1.0, 9.0]),
    ("2^-1", [0.5, 0.5, 0.5]),
    ("-mu^2", [-1.0, -0.0, -4.0]),
    ("e^-mu", [math.e, 1.0, math.exp(-2)]),
    ("log(sigma^2)", [2 * math.log(0.5), 0.0, 2 * math.log(3.0)]),
    ("sqrt(sigma)", [math.sqrt(0.5), 1.0, math.sqrt(3.0)]),
    ("|mu|", [1.0, 0.0, 2.0]),
    ("pi", [math.pi] * 3),
    ("(mu^2 + sigma^2 - 1 - log(sigma^2))/2",
     [(1 + 0.25 - 1 - 2 * math.log(0.5)) / 2, 0.0, (4 + 9 - 1 - 2 * math.log(3.0)) / 2]),
])
def test_values(text: str, expected: list[float]) -> None:
    assert np.allclose(values(text), expected, rtol=1e-12, atol=0)


@pytest.mark.parametrize(("text", "defined"), [
    ("log(mu)", [False, False, True]),  # log(0) is -inf: undefined
    ("1/mu", [True, False, True]),
    ("sqrt(mu)", [False, True, True]),
    ("mu^0.5", [False, True, True]),
    ("(mu - mu)^(-1)", [False, False, False]),
    ("1/(1/mu)", [True, False, True]),  # an undefined part makes the whole undefined
    ("exp(1000*sigma)", [True, False, False]),  # overflow is undefined too
    ("10^10^10^10", [False, False, False]),
    ("tan(pi/2)*0 + mu", [True, True, True]),  # tan(pi/2) is finite in floating point
])
def test_undefined_points_are_nan(text: str, defined: list[bool]) -> None:
    result = evaluate(parse(text, KL), ENV)
    assert result.dtype == np.float64
    assert np.isfinite(result).tolist() == defined
    assert not np.isinf(result).any()


def test_huge_power_tower_is_quick() -> None:
    elapsed = []
    for _ in range(3):  # the fastest of three: another process can stall any one of them
        started = time.perf_counter()
        result = evaluate(parse("10^10^10^10^10^10^10", KL), ENV)
        elapsed.append(time.perf_counter() - started)
    assert min(elapsed) < 0.1
    assert np.isnan(result).all()


def test_constant_expression_has_the_shape_of_the_points() -> None:
    assert evaluate(parse("1/2", KL), ENV).shape == (3,)
    assert evaluate(parse("1/2", KL), {}).shape == ()


def test_missing_variable_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="sigma"):
        evaluate(parse("mu + sigma", KL), {"mu": np.array([1.0])})


def test_deep_hand_built_tree_does_not_recurse() -> None:
    tree = Variable("mu")
    for _ in range(20_000):
        tree = Binary("+", tree, Number(1.0))
    assert evaluate(tree, ENV).tolist() == [19_999.0, 20_000.0, 20_002.0]
