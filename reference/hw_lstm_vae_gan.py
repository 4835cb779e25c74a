"""The reference solver of assignment `hw-lstm-vae-gan` (see HOMEWORK.md).

`solve(parameters, given)` returns every canonical answer under a fixed name (`lstm.h1`,
`p2.a.evidence`, `mistake.h2_no_tanh`, ...) that rubrics refer to. `given` pins intermediate
values to a student's own numbers, so the same call yields the error-carried-forward answers
and, with the mistake switches of the forward pass, the values of the known mistakes.
"""

from __future__ import annotations

import copy
import difflib
import functools
import numbers
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import gan, gaussian
from ._format import exact_list, exact_number
from ._memo import memoised_parse
from .lstm import STEP_FIELDS, LSTMParams, Mistakes, forward, forward_passes, mse, sum_squared_error
from .statements import check_all

ASSIGNMENT_ID = "hw-lstm-vae-gan"

HOMEWORK_STEPS = 2
"""The homework's sequence length, for which GIVEN_NAMES is spelled out."""

_GIVEN_PATTERN = re.compile(r"^(" + "|".join(sorted(STEP_FIELDS, key=len, reverse=True)) + r")([1-9][0-9]*)$")


def _names_for(steps: int) -> tuple[str, ...]:
    return tuple(f"{name}{t}" for t in range(1, steps + 1) for name in STEP_FIELDS)


GIVEN_NAMES: frozenset[str] = frozenset(_names_for(HOMEWORK_STEPS))
"""The names `given` accepts for the homework's two steps: f1 i1 ctilde1 c1 o1 h1 f2 ... h2."""


@dataclass(frozen=True, eq=False)
class Problem:
    """The assignment's parameters, validated: a scalar-hidden LSTM, its inputs and targets, and settings."""

    lstm: LSTMParams
    x: np.ndarray  # (T, input)
    y: np.ndarray  # (T,)
    seed: int
    trials: int
    d_of_g: float

    @property
    def steps(self) -> int:
        """The sequence length T."""
        return int(self.x.shape[0])


def _section(parameters: Mapping[str, Any], key: str) -> object:
    if key not in parameters:
        raise ValueError(f"parameters: missing {key!r}; expected the keys lstm, x, y, statements, gan")
    return parameters[key]


def _setting(parameters: Mapping[str, Any], section: str, key: str) -> Any:
    values = _section(parameters, section)
    if not isinstance(values, Mapping) or key not in values:
        raise ValueError(f"parameters.{section}: expected a mapping with the key {key!r}, got {values!r}")
    return values[key]


def _array(parameters: Mapping[str, Any], key: str) -> np.ndarray:
    value = _section(parameters, key)
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as error:
        raise ValueError(f"parameters.{key} must be numbers in a regular (non-ragged) list, got {value!r}") from error
    if not np.all(np.isfinite(array)):
        raise ValueError(f"parameters.{key} must be finite numbers, got {value!r}")
    return array


def parse_parameters(parameters: Mapping[str, Any]) -> Problem:
    """Validate the rubric's parameters {lstm: {W_f: [[...]], ...}, x, y, statements: {seed, trials},
    gan: {d_of_g}} into a Problem; a mistake raises ValueError naming the bad entry."""
    lstm_mapping = _section(parameters, "lstm")
    if not isinstance(lstm_mapping, Mapping):
        raise ValueError(f"parameters.lstm must be a mapping of LSTM weights, got {lstm_mapping!r}")
    lstm = LSTMParams.from_mapping(lstm_mapping)
    if lstm.hidden_size != 1:
        raise ValueError(
            f"parameters.lstm: hidden size {lstm.hidden_size}, but the homework's questions are scalar "
            f"(hidden size 1): W must be 1×input, U 1×1, b of length 1"
        )
    x = _array(parameters, "x")
    if x.ndim != 2 or x.shape[0] < 1 or x.shape[1] != lstm.input_size:
        raise ValueError(
            f"parameters.x has shape {x.shape}; expected one row of {lstm.input_size} numbers per time step"
        )
    y = _array(parameters, "y")
    if y.shape != (x.shape[0],):
        raise ValueError(f"parameters.y has shape {y.shape}; expected one number per time step ({x.shape[0]})")
    seed, trials = int(_setting(parameters, "statements", "seed")), int(_setting(parameters, "statements", "trials"))
    if seed < 0 or trials < 1:
        raise ValueError(f"parameters.statements: seed must be >= 0 and trials >= 1, got seed {seed}, trials {trials}")
    d_of_g = float(_setting(parameters, "gan", "d_of_g"))
    if not 0 < d_of_g < 0.5:
        raise ValueError(
            f"parameters.gan.d_of_g is D(G(z)) where D rejects the samples, so it must be in (0, 0.5), got {d_of_g}"
        )
    return Problem(lstm=lstm, x=x, y=y, seed=seed, trials=trials, d_of_g=d_of_g)


_problem = memoised_parse(parse_parameters)


def given_names(parameters: Mapping[str, Any]) -> frozenset[str]:
    """The names `given` accepts for these parameters: f1 ... hT for a sequence of length T."""
    return frozenset(_names_for(parse_parameters(parameters).steps))


@functools.lru_cache(maxsize=1024)
def _given_slot(name: str) -> tuple[str, int] | None:
    """("h", 1) for "h1": the step field and the 1-based step a given name pins (None: not a given name)."""
    match = _GIVEN_PATTERN.match(name)
    return (match.group(1), int(match.group(2))) if match is not None else None


def _pins(given: Mapping[str, float] | None, steps: int) -> list[dict[str, float]]:
    pins: list[dict[str, float]] = [{} for _ in range(steps)]
    for name, value in (given or {}).items():
        slot = _given_slot(str(name))
        if slot is None or slot[1] > steps:
            valid = _names_for(steps)
            tail = str(name).rsplit(".", 1)[-1]  # "lstm.h1" or "p3.b.h1" for "h1": short names only
            close = [tail] if tail in valid else difflib.get_close_matches(str(name), valid, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(f"unknown given name {name!r}{hint}; valid names are {' '.join(valid)}")
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ValueError(f"given {name!r} must be a number, got {value!r}")
        pins[slot[1] - 1][slot[0]] = float(value)
    return pins


PASSES = (Mistakes(), Mistakes(no_tanh_on_h=True), Mistakes(swap_candidate_activation=True),
          Mistakes(drop_recurrent=True))
"""The passes every solve runs at once: the clean one, then the known mistakes, in this order."""
CLEAN, NO_TANH, SWAPPED, NO_RECURRENT = range(len(PASSES))
_FIELD = {name: index for index, name in enumerate(STEP_FIELDS)}


def _scalars(steps: list[list[float]], prefix: str, suffix: str, fields: tuple[str, ...],
             first: int = 1) -> dict[str, float]:
    """{prefix}{field}{t}{suffix} for each step t >= first, from one pass's [step][field] floats."""
    return {
        f"{prefix}{name}{t}{suffix}": step[_FIELD[name]]
        for t, step in enumerate(steps, start=1)
        if t >= first
        for name in fields
    }


@functools.lru_cache(maxsize=32)
def _gan_answers(d_of_g: float) -> tuple[tuple[str, object], ...]:
    # Cached: the same d for every student, and solve runs once per student and question.
    saturating, non_saturating = gan.gradient_magnitudes(d_of_g)
    choice, evidence = gan.choose_generator_cost(d_of_g)
    return (
        ("gan.grad_saturating", saturating),
        ("gan.grad_non_saturating", non_saturating),
        ("gan.choice", choice),
        ("gan.choice.evidence", evidence),
    )


@functools.lru_cache(maxsize=32)
def _fixed_answers(seed: int, trials: int, d_of_g: float) -> tuple[tuple[str, object], ...]:
    """The answers no pin can change (the true/false keys, GAN, KL), in the order solve reports them."""
    answers: dict[str, object] = {}
    for question, key in check_all(seed, trials).items():
        answers[question] = key.holds
        answers[f"{question}.evidence"] = key.evidence
    answers.update(_gan_answers(d_of_g))
    answers["kl.general.expression"] = gaussian.KL_GENERAL_EXPRESSION
    answers["kl.standard.expression"] = gaussian.KL_STANDARD_EXPRESSION
    return tuple(answers.items())


def solve(parameters: Mapping[str, Any], given: Mapping[str, float] | None = None) -> dict[str, object]:
    """Every canonical answer of the assignment, by name; `given` pins values by short name (e.g. "h1").

    A pinned value is reported as given and everything computed from it is recomputed; the
    pins apply to the mistaken passes too, so do not pin a value you want to check.
    """
    problem = _problem(parameters)
    pins = _pins(given, problem.steps)
    with np.errstate(all="ignore"):  # a student's extreme value may overflow; it then grades as wrong
        passes: list[list[list[float]]] = forward_passes(problem.lstm, problem.x, PASSES, pins=pins)[..., 0].tolist()
        clean = passes[CLEAN]
        h = [step[_FIELD["h"]] for step in clean]
        answers: dict[str, object] = _scalars(clean, "lstm.", "", STEP_FIELDS)
        answers["lstm.mse"] = mse(h, problem.y)
        mistake_mse_sum = sum_squared_error(h, problem.y)
    for name in ("f", "i", "c", "h"):
        answers[f"lstm.shape.{name}"] = [problem.lstm.hidden_size, 1]
    answers.update(_fixed_answers(problem.seed, problem.trials, problem.d_of_g))
    answers["mistake.mse_sum"] = mistake_mse_sum
    answers.update({f"mistake.{name}": text for name, text in gaussian.KL_MISTAKE_EXPRESSIONS.items()})
    answers.update(_scalars(passes[NO_TANH], "mistake.", "_no_tanh", ("h",)))
    answers.update(_scalars(passes[SWAPPED], "mistake.", "_swapped", ("ctilde",)))
    # Dropping U·h_{t-1} changes nothing at t = 1 (h0 = 0), so it is reported from t = 2 on.
    answers.update(_scalars(passes[NO_RECURRENT], "mistake.", "_no_recurrent", STEP_FIELDS, first=2))
    return answers


# --- Per-student variants and the problem sheet -------------------------------------------------

MAX_DRAWS = 10_000
"""Draws tried before draw_parameters gives up: only absurdly narrow ranges ever need this many."""

DISTINCT_ABS = 0.001
DISTINCT_REL = 0.01
"""Two answers count as the same when within the homework's tolerance, 0.001 + 1% (HOMEWORK.md)."""


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= DISTINCT_ABS + DISTINCT_REL * max(abs(a), abs(b))


def _grid(bounds: tuple[float, float], step: float, what: str) -> np.ndarray:
    if not step > 0:
        raise ValueError(f"step must be positive, got {step}")
    low, high = bounds
    first, last = int(np.ceil(low / step - 1e-9)), int(np.floor(high / step + 1e-9))
    if first > last:
        raise ValueError(f"{what} {bounds} holds no multiple of step {step}")
    # Rounded so that 3 * 0.1 prints as 0.3, not 0.30000000000000004.
    return np.array([round(k * step, 10) + 0.0 for k in range(first, last + 1)])


def _draw(grid: np.ndarray, shape: tuple[int, ...], rng: np.random.Generator) -> list[Any]:
    values: list[Any] = rng.choice(grid, size=shape).tolist()  # tolist gives plain Python floats
    return values


def _degenerate(parameters: Mapping[str, Any]) -> str | None:
    """Why a drawn variant makes questions trivially alike, or None when it is fine."""
    problem = parse_parameters(parameters)
    rows = [tuple(row) for row in problem.x.tolist()]
    if any(not any(row) for row in rows):
        return "an input x_t is all zeros"
    if len(set(rows)) < len(rows):
        return "two inputs x_t are equal"
    steps = forward(problem.lstm, problem.x)
    for t, step in enumerate(steps, start=1):
        f, i, o = float(step.f[0]), float(step.i[0]), float(step.o[0])
        if _same(f, i) or _same(f, o) or _same(i, o):
            return f"two of f{t}, i{t}, o{t} are equal"
        if t < len(steps) and _same(float(step.h[0]), 0.0):
            return f"h{t} is 0, so step {t + 1} would not depend on step {t}"
    return None


def draw_parameters(
    parameters: Mapping[str, Any],
    rng: np.random.Generator,
    *,
    weight_range: tuple[float, float] = (-2, 2),
    bias_range: tuple[float, float] = (-1, 1),
    input_range: tuple[float, float] = (-1, 1),
    target_range: tuple[float, float] = (-1, 1),
    step: float = 0.5,
) -> dict[str, Any]:
    """A per-student variant: `parameters` with the LSTM weights, inputs and targets redrawn.

    Values are multiples of `step` within the ranges, pleasant to compute by hand; shapes,
    `statements` and `gan` are kept. A draw is repeated while an input is zero or repeated, two
    gates of a step coincide (within the grading tolerance) or some h_t is 0 before the last step.
    """
    problem = parse_parameters(parameters)
    grids = {
        "W": _grid(weight_range, step, "weight_range"),
        "U": _grid(weight_range, step, "weight_range"),
        "b": _grid(bias_range, step, "bias_range"),
    }
    inputs, targets = _grid(input_range, step, "input_range"), _grid(target_range, step, "target_range")
    for _ in range(MAX_DRAWS):
        variant = dict(parameters)
        variant["lstm"] = {
            key: _draw(grids[key[0]], getattr(problem.lstm, key).shape, rng) for key in parameters["lstm"]
        }
        variant["x"] = _draw(inputs, problem.x.shape, rng)
        variant["y"] = _draw(targets, problem.y.shape, rng)
        if _degenerate(variant) is None:
            return copy.deepcopy(variant)
    raise ValueError(f"no usable variant in {MAX_DRAWS} draws: widen the ranges or shrink the step")


def sheet_values(parameters: Mapping[str, Any]) -> dict[str, str]:
    """The numbers a problem sheet prints, as short exact strings: W_f "[1, 2]", U_f "0.5", x1 "[1, 0]", y1 "0.5"."""
    problem = parse_parameters(parameters)
    values: dict[str, str] = {}
    for gate in ("f", "i", "c", "o"):
        values[f"W_{gate}"] = exact_list(getattr(problem.lstm, f"W_{gate}")[0])
        values[f"U_{gate}"] = exact_number(getattr(problem.lstm, f"U_{gate}")[0, 0])
        values[f"b_{gate}"] = exact_number(getattr(problem.lstm, f"b_{gate}")[0])
    for t in range(1, problem.steps + 1):
        values[f"x{t}"] = exact_list(problem.x[t - 1])
        values[f"y{t}"] = exact_number(problem.y[t - 1])
    return values
