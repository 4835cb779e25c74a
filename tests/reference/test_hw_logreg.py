"""Tests of reference.hw_logreg and reference.logreg: values checked against independent computations
(finite differences, closed forms), given pins, known mistakes, the convexity keys, variants, the sheet."""

from __future__ import annotations

import copy
import math
import re
from typing import Any

import numpy as np
import pytest

from reference import logreg
from reference.hw_logreg import DSIGMA_EXPRESSION, GIVEN_NAMES, draw_parameters, sheet_values, solve

PARAMETERS: dict[str, Any] = {
    "X": [[1, 2], [-1, 0.5], [2, -1], [0, -1.5]],
    "y": [1, 0, 1, 0],
    "w": [0.5, -0.5],
    "b": 0.5,
    "learning_rate": 0.5,
    "statements": {"seed": 2026, "trials": 200},
}
N = 4


def sig(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def loss_at(w: list[float], b: float) -> float:
    """The mean cross-entropy, written out with math only (independent of the solver)."""
    total = 0.0
    for x, y in zip(PARAMETERS["X"], PARAMETERS["y"]):
        p = sig(w[0] * x[0] + w[1] * x[1] + b)
        total -= y * math.log(p) + (1 - y) * math.log(1 - p)
    return total / N


@pytest.fixture(scope="module")
def answers() -> dict[str, Any]:
    return solve(PARAMETERS)


def test_answer_names(answers):
    assert set(answers) == {
        "logreg.z", "logreg.p", "logreg.loss", "logreg.dw", "logreg.db", "logreg.w_new", "logreg.b_new",
        "logreg.dsigma.expression", "mistake.loss_sum", "mistake.loss_log10", "mistake.dw_sign", "mistake.dw_sum",
        "mistake.db_sign", "mistake.db_sum", "mistake.w_new_ascent", "mistake.b_new_ascent",
        "mistake.dsigma_no_square", "mistake.dsigma_plus", "convex.cross_entropy", "convex.cross_entropy.evidence",
        "convex.squared_error", "convex.squared_error.evidence"}  # fmt: skip


def test_probabilities_and_loss_by_hand(answers):
    assert answers["logreg.z"] == pytest.approx([0.0, -0.25, 2.0, 1.25])
    assert answers["logreg.p"] == pytest.approx([0.5, sig(-0.25), sig(2.0), sig(1.25)])
    assert answers["logreg.loss"] == pytest.approx(loss_at([0.5, -0.5], 0.5))


def test_gradient_matches_finite_differences(answers):
    h = 1e-6
    w, b = [0.5, -0.5], 0.5
    dw = [(loss_at([w[0] + h, w[1]], b) - loss_at([w[0] - h, w[1]], b)) / (2 * h),
          (loss_at([w[0], w[1] + h], b) - loss_at([w[0], w[1] - h], b)) / (2 * h)]
    db = (loss_at(w, b + h) - loss_at(w, b - h)) / (2 * h)
    assert answers["logreg.dw"] == pytest.approx(dw, abs=1e-8)
    assert answers["logreg.db"] == pytest.approx(db, abs=1e-8)


def test_one_descent_step(answers):
    dw, db = answers["logreg.dw"], answers["logreg.db"]
    assert answers["logreg.w_new"] == pytest.approx([0.5 - 0.5 * dw[0], -0.5 - 0.5 * dw[1]])
    assert answers["logreg.b_new"] == pytest.approx(0.5 - 0.5 * db)


def test_known_mistakes_are_the_mistaken_computations(answers):
    assert answers["mistake.loss_sum"] == pytest.approx(N * answers["logreg.loss"])
    assert answers["mistake.loss_log10"] == pytest.approx(answers["logreg.loss"] / math.log(10))
    assert answers["mistake.dw_sign"] == pytest.approx([-v for v in answers["logreg.dw"]])
    assert answers["mistake.dw_sum"] == pytest.approx([N * v for v in answers["logreg.dw"]])
    assert answers["mistake.db_sign"] == pytest.approx(-answers["logreg.db"])
    assert answers["mistake.db_sum"] == pytest.approx(N * answers["logreg.db"])
    assert answers["mistake.w_new_ascent"] == pytest.approx([0.5 + 0.5 * answers["logreg.dw"][0],
                                                              -0.5 + 0.5 * answers["logreg.dw"][1]])
    assert answers["mistake.b_new_ascent"] == pytest.approx(0.5 + 0.5 * answers["logreg.db"])


@pytest.mark.parametrize("z", [-3.0, -0.5, 0.0, 1.7])
def test_the_sigmoid_derivative_and_its_mistakes(z):
    h = 1e-6
    numerical = (sig(z + h) - sig(z - h)) / (2 * h)
    assert DSIGMA_EXPRESSION == "sigmoid(z)*(1 - sigmoid(z))"
    assert sig(z) * (1 - sig(z)) == pytest.approx(numerical, abs=1e-9)
    assert math.exp(-z) / (1 + math.exp(-z)) != pytest.approx(numerical, abs=1e-3)  # dsigma_no_square


def test_a_pinned_p_is_carried_into_loss_and_gradient():
    pinned = solve(PARAMETERS, {"p": (0.5, 0.5, 0.5, 0.5)})
    assert pinned["logreg.p"] == [0.5] * 4
    assert pinned["logreg.loss"] == pytest.approx(math.log(2))
    residual = np.array([0.5, 0.5, 0.5, 0.5]) - np.array(PARAMETERS["y"])
    assert pinned["logreg.dw"] == pytest.approx((np.array(PARAMETERS["X"]).T @ residual / N).tolist())
    assert pinned["logreg.db"] == pytest.approx(0.0)


def test_a_pinned_gradient_is_carried_into_the_step():
    pinned = solve(PARAMETERS, {"dw": [1.0, -2.0], "db": 0.25})
    assert pinned["logreg.w_new"] == pytest.approx([0.0, 0.5]) and pinned["logreg.b_new"] == pytest.approx(0.375)


@pytest.mark.parametrize("value", [[0, 1, -1, 2], [1e308, -1e308, 0.5, 0.5], [math.nan, math.inf, -math.inf, 0.0]])
def test_no_number_a_student_gives_makes_the_solver_raise(value):
    pinned = solve(PARAMETERS, {"p": value, "dw": [1e308, -1e308], "db": math.inf})
    assert all(isinstance(v, float) for v in [pinned["logreg.loss"], *pinned["logreg.dw"], pinned["logreg.b_new"]])


@pytest.mark.parametrize("given, message", [
    ({"h1": 0.1}, "unknown given name 'h1'"),
    ({"p": [0.5, 0.5]}, "must hold 4 number"),
    ({"db": "0.5"}, "must be numbers"),
    ({"dw": True}, "must be numbers"),
])
def test_bad_pins_are_named(given, message):
    with pytest.raises(ValueError, match=message):
        solve(PARAMETERS, given)
    assert GIVEN_NAMES == {"p", "dw", "db"}


def test_convexity_keys_are_computed(answers):
    assert answers["convex.cross_entropy"] is True and "Hessian" in answers["convex.cross_entropy.evidence"]
    assert answers["convex.squared_error"] is False


def test_the_counterexample_in_the_evidence_checks_out(answers):
    evidence = answers["convex.squared_error.evidence"]
    left, right, middle = (float(v) for v in re.findall(r"f\((-?[\d.]+)\)", evidence))
    assert middle == pytest.approx((left + right) / 2)

    def f(w: float) -> float:
        return (sig(w) - 1) ** 2

    assert f(middle) > (f(left) + f(right)) / 2  # the midpoint really lies above the chord


def test_the_hessian_matches_finite_differences_of_the_gradient():
    X, y, w, b = np.array(PARAMETERS["X"], float), np.array(PARAMETERS["y"], float), np.array([0.5, -0.5]), 0.5
    h = 1e-6

    def grad(theta: np.ndarray) -> np.ndarray:
        dw, db = logreg.gradient(X, y, logreg.probabilities(X, theta[:2], theta[2]))
        return np.array([*dw, db])

    theta = np.array([*w, b])
    numerical = np.array([(grad(theta + h * e) - grad(theta - h * e)) / (2 * h) for e in np.eye(3)])
    assert logreg.hessian(X, w, b) == pytest.approx(numerical, abs=1e-7)


def test_the_same_parameters_give_the_same_answers_byte_for_byte():
    assert repr(solve(copy.deepcopy(PARAMETERS))) == repr(solve(copy.deepcopy(PARAMETERS)))


@pytest.mark.parametrize("change, message", [
    (lambda p: p.pop("X"), "missing 'X'"),
    (lambda p: p.update(y=[1, 0, 2, 0]), "one label, 0 or 1"),
    (lambda p: p.update(w=[1, 2, 3]), "one weight per feature"),
    (lambda p: p.update(learning_rate=0), "must be positive"),
    (lambda p: p.update(X=[[1, "a"]]), "numbers in a regular list"),
    (lambda p: p.update(statements={"seed": 1}), "statements must be"),
])
def test_bad_parameters_are_named(change, message):
    parameters = copy.deepcopy(PARAMETERS)
    change(parameters)
    with pytest.raises(ValueError, match=message):
        solve(parameters)


def test_variants_are_stable_different_and_usable():
    drawn = [draw_parameters(PARAMETERS, np.random.default_rng(seed)) for seed in range(30)]
    assert draw_parameters(PARAMETERS, np.random.default_rng(3)) == drawn[3]
    assert len({repr(d) for d in drawn}) == 30
    for variant in drawn:
        assert np.shape(variant["X"]) == (4, 2) and sorted(variant["y"]) == [0, 0, 1, 1]
        assert variant["learning_rate"] == 0.5 and variant["statements"] == PARAMETERS["statements"]
        assert all(v * 2 == int(v * 2) for row in variant["X"] for v in row)  # multiples of the step 0.5
        answers = solve(variant)
        assert min(abs(v) for v in [*answers["logreg.dw"], answers["logreg.db"]]) >= 0.02  # sign mistake visible
        assert all(0.02 <= p <= 0.98 for p in answers["logreg.p"])


def test_variant_ranges_without_a_step_value_are_refused():
    with pytest.raises(ValueError, match="holds no multiple of step"):
        draw_parameters(PARAMETERS, np.random.default_rng(0), weight_range=(0.1, 0.2))


def test_sheet_values_print_the_parameters_exactly():
    values = sheet_values(PARAMETERS)
    assert values["points"][1] == {"i": 2, "x": "[-1, 0.5]", "y": "0"}
    assert (values["w"], values["b"], values["rate"], values["n"]) == ("[0.5, -0.5]", "0.5", "0.5", "4")
