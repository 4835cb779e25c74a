"""Tests of reference.lstm: the homework's numbers, a general forward pass, pins, mistakes, errors."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest

from reference.lstm import (
    PARAMETER_KEYS,
    LSTMParams,
    Step,
    forward,
    mse,
    sigmoid,
    sum_squared_error,
)

HOMEWORK_LSTM: dict[str, Any] = {
    "W_f": [[1, 2]], "U_f": [[0.5]], "b_f": [0.2],
    "W_i": [[-1, 0]], "U_i": [[2]], "b_i": [-0.1],
    "W_c": [[1, 2]], "U_c": [[1.5]], "b_c": [0.5],
    "W_o": [[3, 0]], "U_o": [[-1]], "b_o": [0.8],
}  # fmt: skip
HOMEWORK_X: list[list[float]] = [[1, 0], [0.5, -1]]
HOMEWORK_Y = [0.5, 0.8]


def homework_steps(**options: Any) -> list[Step]:
    return forward(LSTMParams.from_mapping(HOMEWORK_LSTM), HOMEWORK_X, **options)


def random_mapping(rng: np.random.Generator, hidden: int, inputs: int) -> dict[str, np.ndarray]:
    shapes = {"W": (hidden, inputs), "U": (hidden, hidden), "b": (hidden,)}
    return {key: rng.normal(size=shapes[key[0]]) for key in PARAMETER_KEYS}


# --- the homework's forward pass (HOMEWORK.md, Problem 3b) ---


@pytest.mark.parametrize(
    ("t", "field", "expected"),
    [
        (1, "f", 0.768525),
        (1, "i", 0.249740),
        (1, "ctilde", 0.905148),
        (1, "c", 0.226052),
        (1, "o", 0.978119),
        (1, "h", 0.217415),
        (2, "f", 0.233028),
        (2, "i", 0.458801),
        (2, "ctilde", -0.587525),
        (2, "c", -0.216881),
        (2, "o", 0.889199),
        (2, "h", -0.189882),
    ],
)
def test_homework_forward_pass(t: int, field: str, expected: float) -> None:
    value = getattr(homework_steps()[t - 1], field)
    assert value.shape == (1,)
    assert value[0] == pytest.approx(expected, abs=5e-7)


def test_homework_hidden_states_to_seven_digits() -> None:
    first, second = homework_steps()
    assert first.h[0] == pytest.approx(0.2174146, abs=5e-8)
    assert second.h[0] == pytest.approx(-0.1898822, abs=5e-8)


def test_homework_mse_and_sum() -> None:
    h = [step.h[0] for step in homework_steps()]
    assert mse(h, HOMEWORK_Y) == pytest.approx(0.5298607, abs=5e-8)
    assert sum_squared_error(h, HOMEWORK_Y) == pytest.approx(1.059721, abs=5e-7)


# --- a general forward pass against a plain loop ---


def plain_loop(p: dict[str, np.ndarray], xs: np.ndarray, h: np.ndarray, c: np.ndarray) -> list[tuple[np.ndarray, ...]]:
    """The equations of Problem 2 written out gate by gate, as a student would."""

    def sig(z: np.ndarray) -> np.ndarray:
        return np.asarray(1 / (1 + np.exp(-z)))

    out: list[tuple[np.ndarray, ...]] = []
    for x in xs:
        f = sig(p["W_f"] @ x + p["U_f"] @ h + p["b_f"])
        i = sig(p["W_i"] @ x + p["U_i"] @ h + p["b_i"])
        o = sig(p["W_o"] @ x + p["U_o"] @ h + p["b_o"])
        ctilde = np.tanh(p["W_c"] @ x + p["U_c"] @ h + p["b_c"])
        c = f * c + i * ctilde
        h = o * np.tanh(c)
        out.append((f, i, o, ctilde, c, h))
    return out


@pytest.mark.parametrize("start", ["zeros", "random"])
def test_general_forward_matches_plain_loop(start: str) -> None:
    rng = np.random.default_rng(7)
    mapping = random_mapping(rng, hidden=3, inputs=2)
    xs = rng.normal(size=(5, 2))
    h0 = np.zeros(3) if start == "zeros" else rng.normal(size=3)
    c0 = np.zeros(3) if start == "zeros" else rng.normal(size=3)
    steps = forward(LSTMParams.from_mapping(mapping), xs, h0, c0)
    expected = plain_loop(mapping, xs, h0, c0)
    assert len(steps) == 5
    for step, (f, i, o, ctilde, c, h) in zip(steps, expected, strict=True):
        for got, want in [(step.f, f), (step.i, i), (step.o, o), (step.ctilde, ctilde), (step.c, c), (step.h, h)]:
            assert got.shape == (3,)
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def test_default_start_is_zero() -> None:
    params = LSTMParams.from_mapping(random_mapping(np.random.default_rng(3), hidden=2, inputs=3))
    xs = np.ones((2, 3))
    default = forward(params, xs)
    explicit = forward(params, xs, np.zeros(2), np.zeros(2))
    np.testing.assert_array_equal(default[-1].h, explicit[-1].h)
    np.testing.assert_array_equal(default[-1].c, explicit[-1].c)


def test_sizes_are_reported() -> None:
    params = LSTMParams.from_mapping(random_mapping(np.random.default_rng(0), hidden=3, inputs=2))
    assert (params.hidden_size, params.input_size) == (3, 2)


def test_caller_arrays_stay_writable() -> None:
    mapping = random_mapping(np.random.default_rng(0), hidden=2, inputs=2)
    params = LSTMParams.from_mapping(mapping)
    mapping["W_f"][0, 0] = 99.0  # the caller's array is not frozen, and not shared
    assert params.W_f[0, 0] != 99.0
    with pytest.raises(ValueError):
        params.W_f[0, 0] = 1.0


# --- shape and key errors ---


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("U_i", [[2, 1]], r"'U_i' has shape \(1, 2\); expected \(1, 1\) \(hidden × hidden"),
        ("W_c", [[1, 2, 3]], r"'W_c' has shape \(1, 3\); expected \(1, 2\) \(hidden × input"),
        ("b_o", [[0.8]], r"'b_o' has shape \(1, 1\); expected \(1,\) \(hidden"),
        ("b_f", [0.2, 0.1], r"'b_f' has shape \(2,\); expected \(1,\)"),
        ("W_f", [1, 2], r"'W_f' must be a hidden×input matrix"),
        ("W_f", [[]], r"'W_f' must not be empty"),
        ("U_o", [["a"]], r"'U_o' must be numbers"),
        ("b_i", [float("nan")], r"'b_i' must be finite"),
        ("W_o", [[1, float("inf")]], r"'W_o' must be finite"),
    ],
)
def test_bad_shapes_name_the_key_and_the_expected_shape(key: str, value: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        LSTMParams.from_mapping({**HOMEWORK_LSTM, key: value})


def test_missing_and_unknown_keys() -> None:
    mapping = {key: value for key, value in HOMEWORK_LSTM.items() if key != "U_c"}
    mapping["W_g"] = [[1, 2]]
    with pytest.raises(ValueError, match=r"missing 'U_c'; unknown 'W_g'; expected the keys W_f, U_f"):
        LSTMParams.from_mapping(mapping)


@pytest.mark.parametrize(
    ("xs", "message"),
    [
        ([[1, 0, 2]], r"xs has shape \(1, 3\); expected \(T, 2\)"),
        ([1, 0], r"xs has shape \(2,\); expected \(T, 2\)"),
        (np.zeros((0, 2)), r"xs has shape \(0, 2\)"),
    ],
)
def test_bad_inputs(xs: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        forward(LSTMParams.from_mapping(HOMEWORK_LSTM), xs)


def test_bad_start_state() -> None:
    with pytest.raises(ValueError, match=r"h0 has shape \(2,\); expected \(1,\)"):
        forward(LSTMParams.from_mapping(HOMEWORK_LSTM), HOMEWORK_X, h0=[0.0, 0.0])


# --- pins ---


def test_pinned_input_gate_recomputes_what_follows() -> None:
    clean = homework_steps()
    pinned = homework_steps(pins=[{"i": 0.3}])
    assert pinned[0].i[0] == 0.3
    assert pinned[0].f[0] == clean[0].f[0]
    assert pinned[0].c[0] == pytest.approx(0.3 * clean[0].ctilde[0])
    assert pinned[0].h[0] == pytest.approx(clean[0].o[0] * math.tanh(0.3 * clean[0].ctilde[0]))
    assert pinned[1].f[0] != clean[1].f[0]


def test_pinned_hidden_state_feeds_the_next_step() -> None:
    pinned = homework_steps(pins=[{"h": 0.5}])
    assert pinned[1].f[0] == pytest.approx(1 / (1 + math.exp(-(0.5 - 2 + 0.5 * 0.5 + 0.2))))


def test_pins_at_a_later_step_and_vector_pins() -> None:
    params = LSTMParams.from_mapping(random_mapping(np.random.default_rng(1), hidden=2, inputs=1))
    steps = forward(params, [[0.5], [1.0]], pins=[{}, {"o": [0.1, 0.2], "c": 0.4}])
    np.testing.assert_allclose(steps[1].h, np.array([0.1, 0.2]) * np.tanh(0.4))


@pytest.mark.parametrize(
    ("pins", "message"),
    [
        ([{"g": 0.1}], r"pins for step 1: unknown name\(s\) 'g'; valid names are f, i, ctilde, c, o, h"),
        ([{}, {}, {}], r"pins has 3 entries but the sequence has only 2 steps"),
        ([{"c": [0.1, 0.2]}], r"pin 'c' at step 1 has shape \(2,\); expected \(1,\)"),
    ],
)
def test_bad_pins(pins: list[dict[str, Any]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        homework_steps(pins=pins)


# --- mistake switches ---


def test_no_tanh_on_h() -> None:
    steps = homework_steps(no_tanh_on_h=True)
    for step in steps:
        assert step.h[0] == pytest.approx(step.o[0] * step.c[0])
    assert steps[0].h[0] == pytest.approx(0.978119 * 0.226052, abs=1e-6)


def test_swapped_candidate_activation() -> None:
    steps = homework_steps(swap_candidate_activation=True)
    assert steps[0].ctilde[0] == pytest.approx(1 / (1 + math.exp(-1.5)))
    assert steps[0].f[0] == pytest.approx(0.768525, abs=1e-6)  # the gates keep their sigmoid


def test_drop_recurrent_is_inert_at_step_one_from_zero() -> None:
    clean, dropped = homework_steps(), homework_steps(drop_recurrent=True)
    assert dropped[0].h[0] == clean[0].h[0]
    assert dropped[1].f[0] == pytest.approx(1 / (1 + math.exp(-(0.5 - 2 + 0.2))))
    assert dropped[1].ctilde[0] == pytest.approx(math.tanh(0.5 - 2 + 0.5))
    assert dropped[1].c[0] == pytest.approx(dropped[1].f[0] * clean[0].c[0] + dropped[1].i[0] * dropped[1].ctilde[0])


def test_drop_recurrent_changes_step_one_from_a_nonzero_state() -> None:
    params = LSTMParams.from_mapping(HOMEWORK_LSTM)
    clean = forward(params, HOMEWORK_X, h0=[0.5])
    dropped = forward(params, HOMEWORK_X, h0=[0.5], drop_recurrent=True)
    assert dropped[0].f[0] != clean[0].f[0]


# --- helpers ---


def test_sigmoid_is_stable_and_exact_enough() -> None:
    z = np.array([-800.0, -30.0, 0.0, 30.0, 800.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values = sigmoid(z)
    np.testing.assert_allclose(values, [0.0, math.exp(-30) / (1 + math.exp(-30)), 0.5, 1 / (1 + math.exp(-30)), 1.0])
    assert values[1] > 0  # a tiny forget gate stays measurable (statement p2.b reports it)


def test_mse_with_vector_states_sums_over_entries_and_averages_over_steps() -> None:
    h = [[0.0, 1.0], [1.0, 1.0]]
    y = [[1.0, 1.0], [1.0, 3.0]]
    assert mse(h, y) == pytest.approx((1 + 4) / 2)
    assert sum_squared_error(h, y) == pytest.approx(5.0)


def test_mse_shape_mismatch() -> None:
    with pytest.raises(ValueError, match=r"same shape.*\(2,\) and \(3,\)"):
        mse([0.1, 0.2], [0.1, 0.2, 0.3])
