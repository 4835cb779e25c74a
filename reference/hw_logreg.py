"""The reference solver of assignment `hw-logreg`: binary logistic regression by hand.

A tiny data set (n points, d features, labels 0/1), initial weights w and bias b, and a learning
rate η. `solve(parameters, given)` returns every canonical answer under a fixed name
(`logreg.p`, `logreg.dw`, `mistake.loss_sum`, ...) that the rubric refers to. `given` pins the
student's own probabilities `p`, gradient `dw` and `db`, so the same call yields the answers
carried forward from them; the known mistakes are the same computations with the mistake
switched on. Vectors are returned as lists of floats.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import logreg
from ._format import exact_list, exact_number
from ._memo import memoised_parse

ASSIGNMENT_ID = "hw-logreg"

GIVEN_NAMES: frozenset[str] = frozenset({"p", "dw", "db"})
"""The student's own values a later step may be recomputed from: p (n numbers), dw (d numbers), db."""

DSIGMA_EXPRESSION = "sigmoid(z)*(1 - sigmoid(z))"
DSIGMA_MISTAKES = {
    "dsigma_no_square": "exp(-z)/(1 + exp(-z))",  # the square of the denominator forgotten: 1 − σ(z)
    "dsigma_plus": "sigmoid(z)*(1 + sigmoid(z))",  # the sign inside the bracket
}


@dataclass(frozen=True, eq=False)
class Problem:
    """The assignment's parameters, validated."""

    X: np.ndarray  # (n, d)
    y: np.ndarray  # (n,), zeros and ones
    w: np.ndarray  # (d,)
    b: float
    rate: float
    seed: int
    trials: int


def _array(parameters: Mapping[str, Any], key: str) -> np.ndarray:
    if key not in parameters:
        raise ValueError(f"parameters: missing {key!r}; expected the keys X, y, w, b, learning_rate, statements")
    try:
        array = np.asarray(parameters[key], dtype=float)
    except (TypeError, ValueError) as error:
        raise ValueError(f"parameters.{key} must be numbers in a regular list, got {parameters[key]!r}") from error
    if not np.all(np.isfinite(array)):
        raise ValueError(f"parameters.{key} must be finite numbers, got {parameters[key]!r}")
    return array


def parse_parameters(parameters: Mapping[str, Any]) -> Problem:
    """Validate {X: [[..]], y: [..], w: [..], b, learning_rate, statements: {seed, trials}} into a Problem."""
    X, y, w = _array(parameters, "X"), _array(parameters, "y"), _array(parameters, "w")
    b, rate = float(_array(parameters, "b")), float(_array(parameters, "learning_rate"))
    if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] < 1:
        raise ValueError(f"parameters.X has shape {X.shape}; expected one row of features per data point")
    if y.shape != (X.shape[0],) or not np.all((y == 0) | (y == 1)):
        raise ValueError(f"parameters.y must be one label, 0 or 1, per row of X ({X.shape[0]}), got {y.tolist()}")
    if w.shape != (X.shape[1],):
        raise ValueError(f"parameters.w must have one weight per feature ({X.shape[1]}), got {w.tolist()}")
    if not rate > 0:
        raise ValueError(f"parameters.learning_rate must be positive, got {rate}")
    statements = parameters.get("statements", {})
    if not isinstance(statements, Mapping) or set(statements) != {"seed", "trials"}:
        raise ValueError(f"parameters.statements must be {{seed, trials}}, got {statements!r}")
    seed, trials = int(statements["seed"]), int(statements["trials"])
    if seed < 0 or trials < 1:
        raise ValueError(f"parameters.statements: seed must be >= 0 and trials >= 1, got {seed}, {trials}")
    return Problem(X=X, y=y, w=w, b=b, rate=rate, seed=seed, trials=trials)


_problem = memoised_parse(parse_parameters)


def given_names(parameters: Mapping[str, Any]) -> frozenset[str]:
    """The names `given` accepts: p, dw, db."""
    return GIVEN_NAMES


def _pinned(given: Mapping[str, Any], name: str, size: int | None) -> np.ndarray | float | None:
    """The student's value for `name` (a vector of `size` numbers, or a number when size is None)."""
    if name not in given:
        return None
    value = given[name]
    if isinstance(value, bool) or isinstance(value, (str, bytes)):
        raise ValueError(f"given {name!r} must be numbers, got {value!r}")
    try:
        array = np.asarray(value, dtype=float).ravel()
    except (TypeError, ValueError) as error:
        raise ValueError(f"given {name!r} must be numbers, got {value!r}") from error
    expected = 1 if size is None else size
    if array.size != expected:
        raise ValueError(f"given {name!r} must hold {expected} number(s), got {array.size}")
    return float(array[0]) if size is None else array


def _check_given(given: Mapping[str, Any]) -> None:
    for name in given:
        if name not in GIVEN_NAMES:
            raise ValueError(f"unknown given name {name!r}; valid names are {' '.join(sorted(GIVEN_NAMES))}")


def _numbers(values: np.ndarray) -> list[float]:
    return [float(value) for value in values]


@functools.lru_cache(maxsize=64)
def _statements(canonical: str) -> tuple[tuple[str, object], ...]:
    """The two convexity keys (seeded; cached: every student with the same data shares them)."""
    problem = _problem(json.loads(canonical))
    rng = np.random.default_rng(problem.seed)
    logistic = logreg.cross_entropy_is_convex(rng, problem.trials, problem.X, problem.w, problem.b)
    squared = logreg.squared_error_is_convex(rng, problem.trials)
    return (("convex.cross_entropy", logistic.holds), ("convex.cross_entropy.evidence", logistic.evidence),
            ("convex.squared_error", squared.holds), ("convex.squared_error.evidence", squared.evidence))


def solve(parameters: Mapping[str, Any], given: Mapping[str, Any] | None = None) -> dict[str, object]:
    """Every canonical answer by name; `given` pins the student's own p, dw or db (numbers or lists)."""
    problem = _problem(parameters)
    given = dict(given or {})
    _check_given(given)
    n, d = problem.X.shape
    p_true = logreg.probabilities(problem.X, problem.w, problem.b)
    p = _pinned(given, "p", n)
    p = p_true if p is None else p
    dw, db = logreg.gradient(problem.X, problem.y, p)
    dw_pinned, db_pinned = _pinned(given, "dw", d), _pinned(given, "db", None)
    dw = dw if dw_pinned is None else dw_pinned
    db = db if db_pinned is None else db_pinned
    w_new, b_new = logreg.descent_step(problem.w, problem.b, dw, db, problem.rate)
    dw_sign, db_sign = logreg.gradient(problem.X, problem.y, p, sign=-1.0)
    dw_sum, db_sum = logreg.gradient(problem.X, problem.y, p, mean=False)
    w_up, b_up = logreg.descent_step(problem.w, problem.b, dw, db, problem.rate, direction=1.0)
    answers: dict[str, object] = {
        "logreg.z": _numbers(problem.X @ problem.w + problem.b),
        "logreg.p": _numbers(p),
        "logreg.loss": logreg.cross_entropy(p, problem.y),
        "logreg.dw": _numbers(dw),
        "logreg.db": float(db),
        "logreg.w_new": _numbers(w_new),
        "logreg.b_new": b_new,
        "logreg.dsigma.expression": DSIGMA_EXPRESSION,
        "mistake.loss_sum": logreg.cross_entropy(p, problem.y, mean=False),
        "mistake.loss_log10": logreg.cross_entropy(p, problem.y, log=np.log10),
        "mistake.dw_sign": _numbers(dw_sign),
        "mistake.dw_sum": _numbers(dw_sum),
        "mistake.db_sign": float(db_sign),
        "mistake.db_sum": float(db_sum),
        "mistake.w_new_ascent": _numbers(w_up),
        "mistake.b_new_ascent": b_up,
    }
    answers.update({f"mistake.{name}": text for name, text in DSIGMA_MISTAKES.items()})
    answers.update(_statements(json.dumps(_plain(parameters), sort_keys=True)))
    return answers


def _plain(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters as JSON-able data (a generator may hand over numpy values)."""
    problem = _problem(parameters)
    return {"X": problem.X.tolist(), "y": problem.y.tolist(), "w": problem.w.tolist(), "b": problem.b,
            "learning_rate": problem.rate, "statements": {"seed": problem.seed, "trials": problem.trials}}


# --- Per-student variants and the problem sheet -------------------------------------------------

MAX_DRAWS = 10_000
"""Draws tried before draw_parameters gives up: only absurdly narrow ranges ever need this many."""

DISTINCT = 0.02
"""A value this close to 0 (or to its mistaken twin) would let a mistake pass as right: redraw."""


def _grid(bounds: tuple[float, float], step: float, what: str) -> np.ndarray:
    if not step > 0:
        raise ValueError(f"step must be positive, got {step}")
    first, last = int(np.ceil(bounds[0] / step - 1e-9)), int(np.floor(bounds[1] / step + 1e-9))
    if first > last:
        raise ValueError(f"{what} {tuple(bounds)} holds no multiple of step {step}")
    return np.array([round(k * step, 10) + 0.0 for k in range(first, last + 1)])


def _degenerate(variant: Mapping[str, Any]) -> str | None:
    """Why a drawn variant would make a known mistake indistinguishable from the key, or None."""
    problem = parse_parameters(variant)
    rows = [tuple(row) for row in problem.X.tolist()]
    if len(set(rows)) < len(rows) or any(not any(row) for row in rows):
        return "two equal data points, or a point at the origin"
    if len(set(problem.y.tolist())) < 2:
        return "only one class"
    if not np.all(problem.w):
        return "a weight is 0, so its feature would not enter the predictions"
    answers = solve(variant)
    gradient = [*answers["logreg.dw"], answers["logreg.db"]]  # type: ignore[misc]
    if min(abs(value) for value in gradient) < DISTINCT:
        return "a gradient component is about 0, so the sign mistake would look right"
    probabilities = answers["logreg.p"]
    if min(min(p, 1 - p) for p in probabilities) < DISTINCT:  # type: ignore[union-attr]
        return "a probability is about 0 or 1, so the loss would hardly depend on the others"
    return None


def draw_parameters(
    parameters: Mapping[str, Any],
    rng: np.random.Generator,
    *,
    feature_range: tuple[float, float] = (-2, 2),
    weight_range: tuple[float, float] = (-1, 1),
    bias_range: tuple[float, float] = (-1, 1),
    step: float = 0.5,
) -> dict[str, Any]:
    """A per-student variant: `parameters` with X, the labels, w and b redrawn (shapes, η and the
    statements' settings kept). Values are multiples of `step`, pleasant by hand; a draw is repeated
    while it has equal points, one class only, a zero weight, a gradient component near 0 or a probability
    near 0 or 1."""
    problem = parse_parameters(parameters)
    features = _grid(feature_range, step, "feature_range")
    weights, biases = _grid(weight_range, step, "weight_range"), _grid(bias_range, step, "bias_range")
    for _ in range(MAX_DRAWS):
        variant = copy.deepcopy(dict(parameters))
        variant["X"] = rng.choice(features, size=problem.X.shape).tolist()
        variant["y"] = [int(label) for label in rng.permutation(problem.y.astype(int))]
        variant["w"] = rng.choice(weights, size=problem.w.shape).tolist()
        variant["b"] = float(rng.choice(biases))
        if _degenerate(variant) is None:
            return variant
    raise ValueError(f"no usable variant in {MAX_DRAWS} draws: widen the ranges or shrink the step")


def sheet_values(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """What the sheet prints, exactly: rows of (x₁, x₂, y), w "[0.5, -0.5]", b, η."""
    problem = parse_parameters(parameters)
    return {
        "points": [{"i": i, "x": exact_list(row), "y": exact_number(label)}
                   for i, (row, label) in enumerate(zip(problem.X, problem.y), start=1)],
        "n": str(problem.X.shape[0]), "d": str(problem.X.shape[1]),
        "w": exact_list(problem.w), "b": exact_number(problem.b), "rate": exact_number(problem.rate),
    }
