"""Tests of reference.statements: Problem 2's keys are computed, reproducible and explained."""

from __future__ import annotations

import re

import numpy as np
import pytest

from reference.lstm import PARAMETER_KEYS, LSTMParams, forward
from reference.statements import (
    FORGET_BIAS,
    STATEMENTS,
    Statement,
    StatementKey,
    check_all,
    closed_forget_gate_blocks_gradient,
    gates_are_distributions,
    gates_are_non_negative,
    random_lstm,
    zero_input_keeps_hidden_state,
)

HOMEWORK_KEYS = {"p2.a": False, "p2.b": False, "p2.c": True, "p2.d": False}
NUMBER = re.compile(r"-?\d+(\.\d+)?(e-?\d+)?")


@pytest.mark.parametrize(("question", "holds"), sorted(HOMEWORK_KEYS.items()))
def test_homework_keys(question: str, holds: bool) -> None:
    key = check_all(2024, 200)[question]
    assert key.holds is holds
    assert NUMBER.search(key.evidence), key.evidence


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 99])
def test_keys_do_not_depend_on_the_seed(seed: int) -> None:
    assert {question: key.holds for question, key in check_all(seed, 50).items()} == HOMEWORK_KEYS


@pytest.mark.parametrize(
    ("question", "pattern"),
    [
        ("p2.a", r"^Counterexample .*with x_t = 0 and h_\{t-1\} = \S.*, the LSTM gives h_t = \S.* ≠ h_\{t-1\}"),
        ("p2.b", r"^Counterexample .*forget-gate bias -30\): f_t = .*e-1\d.* ≈ 0, yet numerically .* ≠ 0"),
        ("p2.c", r"^Held on 200 random LSTMs with weights of scale up to 100"),
        ("p2.d", r"^Counterexample .*hidden size [23]\): [fio]_t = \[.*\], whose entries sum to [\d.]+ ≠ 1"),
    ],
)
def test_evidence_reads_as_promised(question: str, pattern: str) -> None:
    assert re.search(pattern, check_all(2024, 200)[question].evidence)


def test_evidence_numbers_are_short() -> None:
    for key in check_all(2024, 200).values():
        for match in NUMBER.finditer(key.evidence):
            mantissa = match.group(0).split("e")[0].lstrip("-").replace(".", "").lstrip("0")
            assert len(mantissa) <= 4, (match.group(0), key.evidence)


def test_p2a_counterexample_is_real() -> None:
    """Re-run the search's first LSTM by hand: the reported h_{t-1} and h_t must differ."""
    key = zero_input_keeps_hidden_state(np.random.default_rng(5), 10)
    rng = np.random.default_rng(5)
    params = random_lstm(rng)
    x1 = rng.uniform(-1.0, 1.0, params.input_size)
    first, second = forward(params, [x1, np.zeros(params.input_size)])
    assert not np.allclose(first.h, second.h)
    assert key.holds is False


def test_p2b_gradient_matches_the_analytic_one_when_f_is_zero() -> None:
    """With f_t = 0 exactly, ∂h_t/∂h_{t-1} for a scalar LSTM still has the i, c̃ and o paths."""
    rng = np.random.default_rng(11)
    mapping = {key: rng.normal(size=(1, 1) if key[0] != "b" else (1,)) for key in PARAMETER_KEYS}
    mapping["b_f"] = np.array([FORGET_BIAS])
    params = LSTMParams.from_mapping(mapping)
    x, h_prev, c_prev = np.array([0.3]), np.array([0.2]), np.array([0.7])
    step = forward(params, [x], h_prev, c_prev)[0]
    assert step.f[0] < 1e-10
    i, o, ct, c = step.i[0], step.o[0], step.ctilde[0], step.c[0]
    di = i * (1 - i) * mapping["U_i"][0, 0]
    dct = (1 - ct**2) * mapping["U_c"][0, 0]
    do = o * (1 - o) * mapping["U_o"][0, 0]
    dc = di * ct + i * dct  # the f_t · c_{t-1} path is ~0
    analytic = do * np.tanh(c) + o * (1 - np.tanh(c) ** 2) * dc
    eps = 1e-6
    numeric = (
        forward(params, [x], h_prev + eps, c_prev)[0].h[0] - forward(params, [x], h_prev - eps, c_prev)[0].h[0]
    ) / (2 * eps)
    assert numeric == pytest.approx(analytic, rel=1e-6, abs=1e-9)
    assert abs(analytic) > 1e-3


@pytest.mark.parametrize(
    ("statement", "holds"),
    [
        (zero_input_keeps_hidden_state, False),
        (closed_forget_gate_blocks_gradient, False),
        (gates_are_non_negative, True),
        (gates_are_distributions, False),
    ],
)
def test_each_statement_is_deterministic(statement: Statement, holds: bool) -> None:
    first = statement(np.random.default_rng(42), 20)
    second = statement(np.random.default_rng(42), 20)
    assert first == second
    assert isinstance(first, StatementKey)
    assert first.holds is holds


def test_few_trials_report_the_scales_actually_used() -> None:
    key = gates_are_non_negative(np.random.default_rng(0), 2)
    assert key.evidence.startswith("Held on 2 random LSTMs with weights of scale up to 10:")


def test_statements_cover_the_homework() -> None:
    assert list(STATEMENTS) == ["p2.a", "p2.b", "p2.c", "p2.d"]


def test_check_all_is_cached_and_safe_to_mutate() -> None:
    first = check_all(2024, 200)
    first["p2.a"] = StatementKey(holds=True, evidence="tampered")
    second = check_all(2024, 200)
    assert second["p2.a"].holds is False
    assert second["p2.b"] is first["p2.b"]  # the same cached object: the search did not run again


@pytest.mark.parametrize(
    ("seed", "trials", "message"),
    [
        (2024, 0, "trials must be at least 1"),
        (-1, 10, "seed must be a non-negative integer"),
    ],
)
def test_bad_settings(seed: int, trials: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_all(seed, trials)


@pytest.mark.parametrize("seed", range(5))
def test_random_lstm_sizes_stay_in_range(seed: int) -> None:
    params = random_lstm(np.random.default_rng(seed), hidden_sizes=(2, 3), input_sizes=(1, 1))
    assert params.hidden_size in (2, 3)
    assert params.input_size == 1
