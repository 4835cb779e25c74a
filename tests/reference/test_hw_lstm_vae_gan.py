"""Tests of reference.hw_lstm_vae_gan: the answer names and values, given pins, variants, the sheet."""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from reference import hw_lstm_vae_gan
from reference.gaussian import KL_GENERAL_EXPRESSION, KL_STANDARD_EXPRESSION
from reference.hw_lstm_vae_gan import (
    GIVEN_NAMES,
    draw_parameters,
    given_names,
    sheet_values,
    solve,
)

PARAMETERS: dict[str, Any] = {
    "lstm": {
        "W_f": [[1, 2]], "U_f": [[0.5]], "b_f": [0.2],
        "W_i": [[-1, 0]], "U_i": [[2]], "b_i": [-0.1],
        "W_c": [[1, 2]], "U_c": [[1.5]], "b_c": [0.5],
        "W_o": [[3, 0]], "U_o": [[-1]], "b_o": [0.8],
    },
    "x": [[1, 0], [0.5, -1]],
    "y": [0.5, 0.8],
    "statements": {"seed": 2024, "trials": 200},
    "gan": {"d_of_g": 0.01},
}  # fmt: skip

STEP_FIELDS = ("f", "i", "ctilde", "c", "o", "h")
LSTM_NAMES = [f"lstm.{name}{t}" for t in (1, 2) for name in STEP_FIELDS] + ["lstm.mse"]
OUTPUT_NAMES = {
    *LSTM_NAMES,
    "lstm.shape.f", "lstm.shape.i", "lstm.shape.c", "lstm.shape.h",
    "p2.a", "p2.b", "p2.c", "p2.d",
    "p2.a.evidence", "p2.b.evidence", "p2.c.evidence", "p2.d.evidence",
    "gan.grad_saturating", "gan.grad_non_saturating", "gan.choice", "gan.choice.evidence",
    "kl.general.expression", "kl.standard.expression",
    "mistake.mse_sum", "mistake.h1_no_tanh", "mistake.h2_no_tanh",
    "mistake.ctilde1_swapped", "mistake.ctilde2_swapped",
    "mistake.f2_no_recurrent", "mistake.i2_no_recurrent", "mistake.ctilde2_no_recurrent",
    "mistake.o2_no_recurrent", "mistake.c2_no_recurrent", "mistake.h2_no_recurrent",
    "mistake.kl_standard_no_half", "mistake.kl_standard_no_log",
    "mistake.kl_general_no_half", "mistake.kl_general_no_log",
}  # fmt: skip


def numbers(answers: dict[str, object]) -> dict[str, float]:
    """The numeric answers only, typed as floats."""
    return {name: value for name, value in answers.items() if type(value) is float}


def sig(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def scalar_lstm(
    pins: dict[int, dict[str, float]] | None = None, *, no_tanh: bool = False, swap: bool = False, drop: bool = False
) -> list[dict[str, float]]:
    """An independent scalar oracle: the homework's LSTM with the math module, step by step."""
    p = PARAMETERS["lstm"]
    h = c = 0.0
    out = []
    for t, x in enumerate(PARAMETERS["x"], start=1):
        pinned = (pins or {}).get(t, {})
        z = {
            gate: sum(w * xi for w, xi in zip(p[f"W_{gate}"][0], x, strict=True))
            + (0.0 if drop else p[f"U_{gate}"][0][0] * h)
            + p[f"b_{gate}"][0]
            for gate in ("f", "i", "c", "o")
        }
        step = {"f": sig(z["f"]), "i": sig(z["i"]), "o": sig(z["o"])}
        step["ctilde"] = sig(z["c"]) if swap else math.tanh(z["c"])
        step.update({k: v for k, v in pinned.items() if k in ("f", "i", "o", "ctilde")})
        c = pinned.get("c", step["f"] * c + step["i"] * step["ctilde"])
        h = pinned.get("h", step["o"] * c if no_tanh else step["o"] * math.tanh(c))
        out.append({**step, "c": c, "h": h})
    return out


# --- names and values ---


def test_output_names_are_exactly_the_contract() -> None:
    assert set(solve(PARAMETERS)) == OUTPUT_NAMES


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("lstm.f1", 0.768525),
        ("lstm.i1", 0.249740),
        ("lstm.ctilde1", 0.905148),
        ("lstm.c1", 0.226052),
        ("lstm.o1", 0.978119),
        ("lstm.h1", 0.2174146),
        ("lstm.f2", 0.233028),
        ("lstm.i2", 0.458801),
        ("lstm.ctilde2", -0.587525),
        ("lstm.c2", -0.216881),
        ("lstm.o2", 0.889199),
        ("lstm.h2", -0.1898822),
        ("lstm.mse", 0.5298607),
        ("mistake.mse_sum", 1.059721),
        ("gan.grad_saturating", 0.01),
        ("gan.grad_non_saturating", 0.99),
    ],
)
def test_homework_values(name: str, expected: float) -> None:
    value = solve(PARAMETERS)[name]
    assert type(value) is float
    decimals = len(str(expected).split(".")[1])
    assert value == pytest.approx(expected, abs=0.5 * 10**-decimals)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("lstm.shape.f", [1, 1]),
        ("lstm.shape.i", [1, 1]),
        ("lstm.shape.c", [1, 1]),
        ("lstm.shape.h", [1, 1]),
        ("p2.a", False),
        ("p2.b", False),
        ("p2.c", True),
        ("p2.d", False),
        ("gan.choice", "non-saturating"),
        ("kl.general.expression", KL_GENERAL_EXPRESSION),
        ("kl.standard.expression", KL_STANDARD_EXPRESSION),
    ],
)
def test_homework_keys(name: str, expected: object) -> None:
    value = solve(PARAMETERS)[name]
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    "name", ["p2.a.evidence", "p2.b.evidence", "p2.c.evidence", "p2.d.evidence", "gan.choice.evidence"]
)
def test_evidence_is_text_with_numbers(name: str) -> None:
    evidence = solve(PARAMETERS)[name]
    assert isinstance(evidence, str)
    assert any(ch.isdigit() for ch in evidence)


def test_lstm_values_match_the_scalar_oracle() -> None:
    answers = solve(PARAMETERS)
    for t, step in enumerate(scalar_lstm(), start=1):
        for field, value in step.items():
            assert answers[f"lstm.{field}{t}"] == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize(
    ("name", "oracle"),
    [
        ("mistake.h1_no_tanh", lambda: scalar_lstm(no_tanh=True)[0]["h"]),
        ("mistake.h2_no_tanh", lambda: scalar_lstm(no_tanh=True)[1]["h"]),
        ("mistake.ctilde1_swapped", lambda: scalar_lstm(swap=True)[0]["ctilde"]),
        ("mistake.ctilde2_swapped", lambda: scalar_lstm(swap=True)[1]["ctilde"]),
        ("mistake.f2_no_recurrent", lambda: scalar_lstm(drop=True)[1]["f"]),
        ("mistake.i2_no_recurrent", lambda: scalar_lstm(drop=True)[1]["i"]),
        ("mistake.ctilde2_no_recurrent", lambda: scalar_lstm(drop=True)[1]["ctilde"]),
        ("mistake.o2_no_recurrent", lambda: scalar_lstm(drop=True)[1]["o"]),
        ("mistake.c2_no_recurrent", lambda: scalar_lstm(drop=True)[1]["c"]),
        ("mistake.h2_no_recurrent", lambda: scalar_lstm(drop=True)[1]["h"]),
        (
            "mistake.mse_sum",
            lambda: sum((y - s["h"]) ** 2 for y, s in zip(PARAMETERS["y"], scalar_lstm(), strict=True)),
        ),
    ],
)
def test_mistakes_match_the_scalar_oracle(name: str, oracle: Callable[[], float]) -> None:
    value = solve(PARAMETERS)[name]
    assert value == pytest.approx(oracle(), rel=1e-12)
    assert value != pytest.approx(solve(PARAMETERS)["lstm." + name.split(".")[1].split("_")[0]], rel=1e-6)


def test_hand_checked_mistakes() -> None:
    answers = numbers(solve(PARAMETERS))
    assert answers["mistake.ctilde1_swapped"] == pytest.approx(sig(1.5))
    assert answers["mistake.ctilde2_no_recurrent"] == pytest.approx(math.tanh(0.5 - 2 + 0.5))
    assert answers["mistake.h1_no_tanh"] == pytest.approx(answers["lstm.o1"] * answers["lstm.c1"])


# --- given: error carried forward ---

STEP2 = {"f2", "i2", "ctilde2", "c2", "o2", "h2"}


@pytest.mark.parametrize(
    ("pinned", "dependents"),
    [
        ("f1", set()),  # c0 = 0, so c1 = i1·c̃1 does not depend on f1
        ("i1", {"c1", "h1", *STEP2, "mse"}),
        ("ctilde1", {"c1", "h1", *STEP2, "mse"}),
        ("c1", {"h1", *STEP2, "mse"}),
        ("o1", {"h1", *STEP2, "mse"}),
        ("h1", {*STEP2, "mse"}),
        ("f2", {"c2", "h2", "mse"}),
        ("i2", {"c2", "h2", "mse"}),
        ("ctilde2", {"c2", "h2", "mse"}),
        ("c2", {"h2", "mse"}),
        ("o2", {"h2", "mse"}),
        ("h2", {"mse"}),
    ],
)
def test_pinning_changes_exactly_the_dependents(pinned: str, dependents: set[str]) -> None:
    base = solve(PARAMETERS)
    value = numbers(base)[f"lstm.{pinned}"] + 0.1
    answers = solve(PARAMETERS, {pinned: value})
    assert answers[f"lstm.{pinned}"] == value
    changed = {name.removeprefix("lstm.") for name in LSTM_NAMES if answers[name] != base[name]}
    assert changed == dependents | {pinned}


def test_carried_forward_step_values() -> None:
    answers = solve(PARAMETERS, {"f2": 0.4, "c1": 0.3, "i2": 0.5, "ctilde2": -0.6})
    assert answers["lstm.c2"] == pytest.approx(0.4 * 0.3 + 0.5 * -0.6)
    answers = solve(PARAMETERS, {"o2": 0.9, "c2": -0.25})
    assert answers["lstm.h2"] == pytest.approx(0.9 * math.tanh(-0.25))
    assert answers["mistake.h2_no_tanh"] == pytest.approx(0.9 * -0.25)
    answers = solve(PARAMETERS, {"h1": 0.25, "h2": -0.1})
    assert answers["lstm.mse"] == pytest.approx(((0.5 - 0.25) ** 2 + (0.8 + 0.1) ** 2) / 2)
    assert answers["mistake.mse_sum"] == pytest.approx((0.5 - 0.25) ** 2 + (0.8 + 0.1) ** 2)


def test_given_matches_the_oracle_everywhere() -> None:
    given = {"i1": 0.3, "o1": 0.7, "ctilde2": -0.4}
    answers = solve(PARAMETERS, given)
    oracle = scalar_lstm({1: {"i": 0.3, "o": 0.7}, 2: {"ctilde": -0.4}})
    for t, step in enumerate(oracle, start=1):
        for field, value in step.items():
            assert answers[f"lstm.{field}{t}"] == pytest.approx(value, rel=1e-12)
    swapped = scalar_lstm({1: {"i": 0.3, "o": 0.7}, 2: {"ctilde": -0.4}}, swap=True)
    assert answers["mistake.ctilde1_swapped"] == pytest.approx(swapped[0]["ctilde"], rel=1e-12)


def test_numpy_numbers_are_accepted_as_given() -> None:
    assert solve(PARAMETERS, {"h1": np.float64(0.5)})["lstm.h1"] == 0.5


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"x1": 0.1}, r"unknown given name 'x1'.*valid names are f1 i1 ctilde1 c1 o1 h1 f2 i2 ctilde2 c2 o2 h2"),
        ({"h3": 0.1}, r"unknown given name 'h3'"),
        ({"h0": 0.1}, r"unknown given name 'h0'"),
        ({"mse": 0.1}, r"unknown given name 'mse'"),
        ({"lstm.h1": 0.1}, r"unknown given name 'lstm.h1' \(did you mean 'h1'\?\)"),
        ({"ctilda1": 0.1}, r"did you mean 'ctilde1'\?"),
        ({"h1": "0.5"}, r"given 'h1' must be a number"),
        ({"h1": True}, r"given 'h1' must be a number"),
    ],
)
def test_bad_given(given: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        solve(PARAMETERS, given)


def test_solve_does_not_mutate_its_inputs() -> None:
    parameters, given = copy.deepcopy(PARAMETERS), {"h1": 0.5}
    solve(parameters, given)
    assert parameters == PARAMETERS
    assert given == {"h1": 0.5}


# --- other sequence lengths and parameter errors ---


def test_given_names() -> None:
    assert {f"{name}{t}" for t in (1, 2) for name in STEP_FIELDS} == GIVEN_NAMES
    assert given_names(PARAMETERS) == GIVEN_NAMES


def test_three_steps() -> None:
    parameters = {**PARAMETERS, "x": [[1, 0], [0.5, -1], [0, 1]], "y": [0.5, 0.8, -0.2]}
    answers = solve(parameters, {"h3": 0.1})
    assert len(given_names(parameters)) == 18
    assert answers["lstm.h3"] == 0.1
    assert answers["lstm.h2"] == pytest.approx(-0.1898822, abs=5e-8)
    assert "mistake.h3_no_recurrent" in answers and "mistake.ctilde3_swapped" in answers
    assert answers["lstm.mse"] == pytest.approx(
        sum((y - numbers(answers)[f"lstm.h{t}"]) ** 2 for t, y in enumerate(parameters["y"], start=1)) / 3
    )


def test_one_step_has_no_recurrent_mistakes() -> None:
    answers = solve({**PARAMETERS, "x": [[1, 0]], "y": [0.5]})
    assert not any(name.endswith("_no_recurrent") for name in answers)
    assert answers["lstm.mse"] == pytest.approx((0.5 - 0.2174146) ** 2, abs=1e-7)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"lstm": {**PARAMETERS["lstm"], "U_f": [[0.5, 1]]}}, r"'U_f' has shape \(1, 2\); expected \(1, 1\)"),
        ({"x": [[1, 0, 0], [0.5, -1, 0]]}, r"parameters.x has shape \(2, 3\); expected one row of 2 numbers"),
        ({"x": [[1, 0], [0.5]]}, r"parameters.x must be numbers in a regular"),
        ({"y": [0.5]}, r"parameters.y has shape \(1,\); expected one number per time step \(2\)"),
        ({"y": [0.5, float("nan")]}, r"parameters.y must be finite"),
        ({"gan": {"d_of_g": 0.7}}, r"parameters.gan.d_of_g .* must be in \(0, 0.5\)"),
        ({"gan": {}}, r"parameters.gan: expected a mapping with the key 'd_of_g'"),
        ({"statements": {"seed": 1, "trials": 0}}, r"trials >= 1"),
        ({"lstm": [1, 2]}, r"parameters.lstm must be a mapping"),
    ],
)
def test_bad_parameters(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        solve({**PARAMETERS, **change})


def test_missing_section() -> None:
    with pytest.raises(ValueError, match=r"parameters: missing 'y'"):
        solve({key: value for key, value in PARAMETERS.items() if key != "y"})


def test_hidden_size_above_one_is_refused() -> None:
    rng = np.random.default_rng(0)
    shapes = {"W": (2, 2), "U": (2, 2), "b": (2,)}
    lstm = {key: rng.normal(size=shapes[key[0]]).tolist() for key in PARAMETERS["lstm"]}
    with pytest.raises(ValueError, match=r"hidden size 2, but the homework's questions are scalar"):
        solve({**PARAMETERS, "lstm": lstm})


# --- per-student variants ---


def flat(parameters: dict[str, Any]) -> list[float]:
    values = [v for key in sorted(parameters["lstm"]) for v in np.ravel(parameters["lstm"][key])]
    return values + list(np.ravel(parameters["x"])) + list(np.ravel(parameters["y"]))


def test_same_seed_same_variant() -> None:
    first = draw_parameters(PARAMETERS, np.random.default_rng(5))
    second = draw_parameters(PARAMETERS, np.random.default_rng(5))
    assert first == second


def test_different_seeds_differ() -> None:
    variants = [draw_parameters(PARAMETERS, np.random.default_rng(seed)) for seed in range(5)]
    assert len({json.dumps(v, sort_keys=True) for v in variants}) == 5


@pytest.mark.parametrize("seed", range(10))
def test_variant_keeps_shapes_settings_and_the_grid(seed: int) -> None:
    variant = draw_parameters(PARAMETERS, np.random.default_rng(seed))
    assert variant["statements"] == PARAMETERS["statements"]
    assert variant["gan"] == PARAMETERS["gan"]
    for key, value in PARAMETERS["lstm"].items():
        assert np.shape(variant["lstm"][key]) == np.shape(value)
        bound = 1 if key.startswith("b") else 2
        assert all(-bound <= v <= bound for v in np.ravel(variant["lstm"][key]))
    assert np.shape(variant["x"]) == (2, 2) and np.shape(variant["y"]) == (2,)
    assert all(-1 <= v <= 1 for v in [*np.ravel(variant["x"]), *variant["y"]])
    assert all((v * 2).is_integer() for v in flat(variant))
    json.dumps(variant)  # plain Python numbers and lists only
    assert all(type(v) is float for v in variant["y"])


@pytest.mark.parametrize("seed", range(20))
def test_variant_is_never_degenerate(seed: int) -> None:
    variant = draw_parameters(PARAMETERS, np.random.default_rng(seed))
    x1, x2 = variant["x"]
    assert any(x1) and any(x2) and x1 != x2
    answers = numbers(solve(variant))
    for t in (1, 2):
        gates = sorted(answers[f"lstm.{g}{t}"] for g in ("f", "i", "o"))
        assert gates[1] - gates[0] > 0.001 and gates[2] - gates[1] > 0.001
    assert abs(answers["lstm.h1"]) > 0.001


def test_custom_grid_and_ranges() -> None:
    variant = draw_parameters(
        PARAMETERS, np.random.default_rng(1), weight_range=(0, 1), bias_range=(-0.5, 0), step=0.25
    )
    values = [v for key in PARAMETERS["lstm"] for v in np.ravel(variant["lstm"][key])]
    assert all((v * 4).is_integer() for v in values)
    assert all(0 <= v <= 1 for key in variant["lstm"] if key[0] != "b" for v in np.ravel(variant["lstm"][key]))
    assert all(-0.5 <= v <= 0 for key in ("b_f", "b_i", "b_c", "b_o") for v in variant["lstm"][key])


def test_draw_does_not_mutate_its_input() -> None:
    parameters = copy.deepcopy(PARAMETERS)
    variant = draw_parameters(parameters, np.random.default_rng(0))
    variant["statements"]["seed"] = 1
    assert parameters == PARAMETERS


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"weight_range": (0.1, 0.2)}, r"weight_range \(0.1, 0.2\) holds no multiple of step 0.5"),
        ({"step": 0}, r"step must be positive"),
    ],
)
def test_bad_grids(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        draw_parameters(PARAMETERS, np.random.default_rng(0), **options)


def test_impossible_ranges_give_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hw_lstm_vae_gan, "MAX_DRAWS", 20)
    with pytest.raises(ValueError, match=r"no usable variant in 20 draws"):
        draw_parameters(PARAMETERS, np.random.default_rng(0), input_range=(0, 0))


# --- the problem sheet ---


def test_sheet_values() -> None:
    assert sheet_values(PARAMETERS) == {
        "W_f": "[1, 2]", "U_f": "0.5", "b_f": "0.2",
        "W_i": "[-1, 0]", "U_i": "2", "b_i": "-0.1",
        "W_c": "[1, 2]", "U_c": "1.5", "b_c": "0.5",
        "W_o": "[3, 0]", "U_o": "-1", "b_o": "0.8",
        "x1": "[1, 0]", "x2": "[0.5, -1]",
        "y1": "0.5", "y2": "0.8",
    }  # fmt: skip


def test_sheet_values_of_a_variant_print_the_drawn_numbers() -> None:
    variant = draw_parameters(PARAMETERS, np.random.default_rng(3))
    values = sheet_values(variant)
    assert float(values["U_f"]) == variant["lstm"]["U_f"][0][0]
    assert values["x2"] == "[" + ", ".join(f"{v:g}" for v in variant["x"][1]) + "]"
