"""Problem 2's true/false statements about the LSTM, decided by experiment rather than typed in.

Each statement is a search for a counterexample over random LSTMs: finding one makes the
statement False and the counterexample becomes feedback a student can check by hand; finding
none in `trials` random LSTMs makes it True. The search is seeded, so the keys never change.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._format import short_array, short_number
from .lstm import PARAMETER_KEYS, LSTMParams, forward

INPUT_SIZES = (1, 3)
"""Smallest and largest input size of a random LSTM."""

HIDDEN_SIZES = (1, 3)
"""Smallest and largest hidden size of a random LSTM: small, so counterexamples stay readable."""

WEIGHT_SCALES = (1.0, 10.0, 100.0)
"""Standard deviations of random weights for p2.c, large ones included to push the sigmoids to 0."""

DIFFERENCE_THRESHOLD = 1e-6
"""Two values differ when they are this far apart: far above rounding, so no false counterexample."""

FORGET_BIAS = -30.0
"""The forget-gate bias used in p2.b: it forces f_t to about e^-30 ≈ 1e-13, i.e. effectively 0."""

GRADIENT_STEP = 1e-6
"""Step of the central difference in p2.b (error ~1e-12, far below the gradients it reveals)."""


@dataclass(frozen=True)
class StatementKey:
    """Whether a statement holds, and the evidence a student is shown."""

    holds: bool
    evidence: str


Statement = Callable[[np.random.Generator, int], StatementKey]


def random_lstm(
    rng: np.random.Generator,
    *,
    hidden_sizes: tuple[int, int] = HIDDEN_SIZES,
    input_sizes: tuple[int, int] = INPUT_SIZES,
    scale: float = 1.0,
) -> LSTMParams:
    """An LSTM of random sizes (inclusive ranges) with normal weights of standard deviation `scale`."""
    hidden = int(rng.integers(hidden_sizes[0], hidden_sizes[1] + 1))
    inputs = int(rng.integers(input_sizes[0], input_sizes[1] + 1))
    shapes = {"W": (hidden, inputs), "U": (hidden, hidden), "b": (hidden,)}
    return LSTMParams.from_mapping({key: rng.normal(0.0, scale, shapes[key[0]]) for key in PARAMETER_KEYS})


def _sizes(params: LSTMParams) -> str:
    return f"input size {params.input_size}, hidden size {params.hidden_size}"


def _held(trials: int, detail: str = "") -> StatementKey:
    return StatementKey(holds=True, evidence=f"Held on {trials} random LSTMs{detail}.")


def _check_trials(trials: int) -> None:
    if trials < 1:
        raise ValueError(f"trials must be at least 1, got {trials}")


def zero_input_keeps_hidden_state(rng: np.random.Generator, trials: int) -> StatementKey:
    """p2.a: 'If x_t is the zero vector, then h_t = h_{t-1}.' Tried at t = 2, after a random x_1."""
    _check_trials(trials)
    for _ in range(trials):
        params = random_lstm(rng)
        x1 = rng.uniform(-1.0, 1.0, params.input_size)
        first, second = forward(params, [x1, np.zeros(params.input_size)])
        if np.max(np.abs(second.h - first.h)) > DIFFERENCE_THRESHOLD:
            return StatementKey(
                holds=False,
                evidence=(
                    f"Counterexample (a random LSTM, {_sizes(params)}): with x_t = 0 and "
                    f"h_{{t-1}} = {short_array(first.h)}, the LSTM gives h_t = {short_array(second.h)} "
                    f"≠ h_{{t-1}}. The gates and c̃_t still depend on h_{{t-1}} and the biases."
                ),
            )
    return _held(trials)


def _hidden_jacobian(params: LSTMParams, x: np.ndarray, h_prev: np.ndarray, c_prev: np.ndarray) -> np.ndarray:
    """∂h_t/∂h_{t-1} by central differences: entry [j, k] is ∂h_t[j]/∂h_{t-1}[k]."""
    columns = []
    for k in range(params.hidden_size):
        shift = np.zeros(params.hidden_size)
        shift[k] = GRADIENT_STEP
        above = forward(params, [x], h_prev + shift, c_prev)[0].h
        below = forward(params, [x], h_prev - shift, c_prev)[0].h
        columns.append((above - below) / (2 * GRADIENT_STEP))
    return np.stack(columns, axis=1)


def closed_forget_gate_blocks_gradient(rng: np.random.Generator, trials: int) -> StatementKey:
    """p2.b: 'If f_t is very small or zero, no error is back-propagated to earlier time steps.'

    The forget-gate bias is forced to FORGET_BIAS so that f_t ≈ 0; a nonzero numerical gradient
    of h_t with respect to h_{t-1} shows the error still reaches step t − 1.
    """
    _check_trials(trials)
    for _ in range(trials):
        random = random_lstm(rng)
        mapping = {key: getattr(random, key) for key in PARAMETER_KEYS}
        mapping["b_f"] = np.full(random.hidden_size, FORGET_BIAS)
        params = LSTMParams.from_mapping(mapping)
        x = rng.uniform(-1.0, 1.0, params.input_size)
        h_prev = rng.uniform(-1.0, 1.0, params.hidden_size)
        c_prev = rng.uniform(-1.0, 1.0, params.hidden_size)
        f = forward(params, [x], h_prev, c_prev)[0].f
        if np.max(f) > DIFFERENCE_THRESHOLD:
            continue  # the weights overcame the bias: f_t is not small, so this LSTM proves nothing
        jacobian = _hidden_jacobian(params, x, h_prev, c_prev)
        largest = jacobian.flat[np.argmax(np.abs(jacobian))]
        if abs(largest) > DIFFERENCE_THRESHOLD:
            gradient = (
                f"∂h_t/∂h_{{t-1}} = {short_number(largest)}"
                if params.hidden_size == 1
                else f"the largest entry of ∂h_t/∂h_{{t-1}} is {short_number(largest)}"
            )
            return StatementKey(
                holds=False,
                evidence=(
                    f"Counterexample (a random LSTM, {_sizes(params)}, forget-gate bias "
                    f"{short_number(FORGET_BIAS)}): f_t = {short_array(f)} ≈ 0, yet numerically "
                    f"{gradient} ≠ 0. The error still reaches step t−1 through i_t, c̃_t and o_t."
                ),
            )
    return _held(trials)


def gates_are_non_negative(rng: np.random.Generator, trials: int) -> StatementKey:
    """p2.c: 'The entries of f_t, i_t and o_t are non-negative.' Checked with weights up to scale 100."""
    _check_trials(trials)
    for trial in range(trials):
        scale = WEIGHT_SCALES[trial % len(WEIGHT_SCALES)]
        params = random_lstm(rng, scale=scale)
        xs = rng.normal(0.0, scale, (int(rng.integers(1, 5)), params.input_size))
        steps = forward(params, xs)
        if not (np.concatenate([getattr(step, name) for step in steps for name in ("f", "i", "o")]) < 0).any():
            continue  # one test for the whole pass; the first negative entry is looked up only when there is one
        for t, step in enumerate(steps, start=1):
            for name in ("f", "i", "o"):
                gate = getattr(step, name)
                if np.min(gate) < 0:
                    return StatementKey(
                        holds=False,
                        evidence=(
                            f"Counterexample (a random LSTM, {_sizes(params)}): at t = {t}, "
                            f"{name}_t = {short_array(gate)} has a negative entry."
                        ),
                    )
    largest = short_number(max(WEIGHT_SCALES[:trials]))
    return _held(trials, f" with weights of scale up to {largest}: no entry of f_t, i_t or o_t was negative")


def gates_are_distributions(rng: np.random.Generator, trials: int) -> StatementKey:
    """p2.d: 'f_t, i_t and o_t are probability distributions (entries ≥ 0, summing to 1).'

    Hidden sizes start at 2 so that the counterexample is a genuine vector, not a single number.
    """
    _check_trials(trials)
    for _ in range(trials):
        params = random_lstm(rng, hidden_sizes=(2, HIDDEN_SIZES[1]))
        step = forward(params, [rng.uniform(-1.0, 1.0, params.input_size)])[0]
        for name in ("f", "i", "o"):
            gate = getattr(step, name)
            total = float(np.sum(gate))
            if np.min(gate) < 0 or abs(total - 1.0) > DIFFERENCE_THRESHOLD:
                return StatementKey(
                    holds=False,
                    evidence=(
                        f"Counterexample (a random LSTM, {_sizes(params)}): {name}_t = "
                        f"{short_array(gate)}, whose entries sum to {short_number(total)} ≠ 1. "
                        f"The sigmoid acts on each entry separately."
                    ),
                )
    return _held(trials)


STATEMENTS: dict[str, Statement] = {
    "p2.a": zero_input_keeps_hidden_state,
    "p2.b": closed_forget_gate_blocks_gradient,
    "p2.c": gates_are_non_negative,
    "p2.d": gates_are_distributions,
}
"""Every statement of Problem 2, by question id."""


@functools.lru_cache(maxsize=32)
def _check_all(seed: int, trials: int) -> tuple[tuple[str, StatementKey], ...]:
    # One independent stream per statement, so adding or reordering statements changes no key.
    streams = np.random.SeedSequence(seed).spawn(len(STATEMENTS))
    return tuple(
        (question, statement(np.random.default_rng(stream), trials))
        for (question, statement), stream in zip(STATEMENTS.items(), streams, strict=True)
    )


def check_all(seed: int, trials: int) -> dict[str, StatementKey]:
    """Decide every statement with a seeded search of `trials` random LSTMs each; cached by (seed, trials)."""
    if int(seed) < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")
    return dict(_check_all(int(seed), int(trials)))
