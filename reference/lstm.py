"""A general LSTM forward pass that reports every gate and state of every step.

The equations are those of HOMEWORK.md, Problem 2 (element-wise sigmoid σ and tanh):

    f_t = σ(W_f x_t + U_f h_{t-1} + b_f)      i_t = σ(W_i x_t + U_i h_{t-1} + b_i)
    o_t = σ(W_o x_t + U_o h_{t-1} + b_o)      c̃_t = tanh(W_c x_t + U_c h_{t-1} + b_c)
    c_t = f_t ⊙ c_{t-1} + i_t ⊙ c̃_t          h_t = o_t ⊙ tanh(c_t)

Besides the clean pass, `forward` can pin intermediate values (a student's own numbers, for
error carried forward) and switch on the known mistakes of the homework, so one function
computes true answers, carried-forward answers and mistaken answers alike. `forward_passes`
runs several such passes (the clean one and each mistake) at once, as rows of one array: the
same numbers, bit for bit, for a fraction of numpy's per-call overhead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array: TypeAlias = NDArray[np.float64]

GATES = ("f", "i", "o", "c")
"""Parameter suffixes, in the order the gates are stacked internally (three sigmoids, then c̃)."""

PARAMETER_KEYS = tuple(f"{kind}_{gate}" for gate in ("f", "i", "c", "o") for kind in ("W", "U", "b"))
"""The keys of an LSTM parameter mapping: W_f, U_f, b_f, W_i, ... (W_c, U_c, b_c are for c̃)."""

STEP_FIELDS = ("f", "i", "ctilde", "c", "o", "h")
"""The per-step quantities, in the order the homework asks for them; also the valid pin names."""


def sigmoid(z: ArrayLike) -> Array:
    """Element-wise logistic function, computed without overflow for large |z|."""
    # 1/(1 + e^-z) = exp(-log(1 + e^-z)); logaddexp evaluates the log without overflow.
    result: Array = np.exp(-np.logaddexp(0.0, -np.asarray(z, dtype=float)))
    return result


def _shape_text(shape: tuple[int, ...]) -> str:
    return str(tuple(int(n) for n in shape))  # "(2,)", "(1, 2)": numpy's own spelling of shapes


def _as_float_array(value: object, what: str) -> Array:
    """A private float copy of `value` (a copy, so freezing it never touches the caller's array)."""
    try:
        return np.array(value, dtype=float)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{what} must be numbers, got {value!r}") from error


@dataclass(frozen=True, eq=False)
class LSTMParams:
    """The twelve weight arrays of an LSTM: W (hidden×input), U (hidden×hidden), b (hidden)."""

    W_f: Array
    U_f: Array
    b_f: Array
    W_i: Array
    U_i: Array
    b_i: Array
    W_c: Array
    U_c: Array
    b_c: Array
    W_o: Array
    U_o: Array
    b_o: Array
    # The gates stacked in GATES order, so a step costs one product per weight kind.
    W_stack: Array = field(init=False, repr=False)
    U_stack: Array = field(init=False, repr=False)
    b_stack: Array = field(init=False, repr=False)

    def __post_init__(self) -> None:
        arrays = {key: _as_float_array(getattr(self, key), f"LSTM parameter {key!r}") for key in PARAMETER_KEYS}
        if arrays["W_f"].ndim != 2:
            raise ValueError(
                f"LSTM parameter 'W_f' must be a hidden×input matrix (a list of rows), "
                f"got shape {_shape_text(arrays['W_f'].shape)}"
            )
        hidden, inputs = arrays["W_f"].shape
        if hidden < 1 or inputs < 1:
            raise ValueError(f"LSTM parameter 'W_f' must not be empty, got shape {_shape_text((hidden, inputs))}")
        expected = {"W": (hidden, inputs), "U": (hidden, hidden), "b": (hidden,)}
        meaning = {"W": "hidden × input", "U": "hidden × hidden", "b": "hidden"}
        for key in PARAMETER_KEYS:
            kind = key[0]
            if arrays[key].shape != expected[kind]:
                raise ValueError(
                    f"LSTM parameter {key!r} has shape {_shape_text(arrays[key].shape)}; expected "
                    f"{_shape_text(expected[kind])} ({meaning[kind]}, with hidden = {hidden} and "
                    f"input = {inputs} taken from W_f)"
                )
            arrays[key].setflags(write=False)
            object.__setattr__(self, key, arrays[key])
        for kind in ("W", "U", "b"):
            stacked = np.concatenate([arrays[f"{kind}_{gate}"] for gate in GATES])
            if not np.isfinite(stacked).all():  # checked per kind, not per key: solve runs this per student
                bad = next(f"{kind}_{g}" for g in GATES if not np.isfinite(arrays[f"{kind}_{g}"]).all())
                raise ValueError(f"LSTM parameter {bad!r} must be finite numbers, got {arrays[bad].tolist()!r}")
            stacked.setflags(write=False)
            object.__setattr__(self, f"{kind}_stack", stacked)

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, ArrayLike]) -> LSTMParams:
        """Build parameters from a mapping with exactly the keys of PARAMETER_KEYS, checking shapes."""
        missing = [key for key in PARAMETER_KEYS if key not in mapping]
        unknown = sorted(str(key) for key in mapping if key not in PARAMETER_KEYS)
        if missing or unknown:
            problems = []
            if missing:
                problems.append("missing " + ", ".join(repr(k) for k in missing))
            if unknown:
                problems.append("unknown " + ", ".join(repr(k) for k in unknown))
            raise ValueError(f"LSTM parameters: {'; '.join(problems)}; expected the keys {', '.join(PARAMETER_KEYS)}")
        return cls(**{key: mapping[key] for key in PARAMETER_KEYS})  # __post_init__ makes the float copies

    @property
    def hidden_size(self) -> int:
        """Size of h_t and c_t."""
        return int(self.W_f.shape[0])

    @property
    def input_size(self) -> int:
        """Size of x_t."""
        return int(self.W_f.shape[1])


@dataclass(frozen=True, eq=False)
class Step:
    """Every gate and state of one time step, each of shape (hidden,)."""

    f: Array
    i: Array
    o: Array
    ctilde: Array
    c: Array
    h: Array


StepPins = Mapping[str, ArrayLike]
"""Values to impose at one step, by STEP_FIELDS name, e.g. {"i": 0.3}; a scalar fills the vector."""


def _state(value: ArrayLike | None, hidden: int, what: str) -> Array:
    if value is None:
        return np.zeros(hidden)
    array = np.asarray(value, dtype=float)
    if array.ndim == 0:
        return np.full(hidden, float(array))
    if array.shape != (hidden,):
        raise ValueError(f"{what} has shape {_shape_text(array.shape)}; expected ({hidden},) (hidden)")
    return array


def _step_pins(pins: Sequence[StepPins] | None, steps: int, hidden: int) -> list[dict[str, Array]]:
    if pins is None:
        return [{} for _ in range(steps)]
    if len(pins) > steps:
        raise ValueError(f"pins has {len(pins)} entries but the sequence has only {steps} steps")
    converted: list[dict[str, Array]] = []
    for index, step_pins in enumerate(pins):
        unknown = sorted(set(step_pins) - set(STEP_FIELDS))
        if unknown:
            raise ValueError(
                f"pins for step {index + 1}: unknown name(s) {', '.join(map(repr, unknown))}; "
                f"valid names are {', '.join(STEP_FIELDS)}"
            )
        converted.append(
            {name: _state(value, hidden, f"pin {name!r} at step {index + 1}") for name, value in step_pins.items()}
        )
    return converted + [{} for _ in range(steps - len(converted))]


def forward(
    params: LSTMParams,
    xs: ArrayLike,
    h0: ArrayLike | None = None,
    c0: ArrayLike | None = None,
    *,
    pins: Sequence[StepPins] | None = None,
    no_tanh_on_h: bool = False,
    swap_candidate_activation: bool = False,
    drop_recurrent: bool = False,
) -> list[Step]:
    """Run the LSTM over xs (shape T × input) from h0, c0 (zeros by default); one Step per x_t.

    pins[k] imposes values at step k (time t = k + 1): a pinned quantity replaces the computed
    one and everything downstream is computed from it, as when a student carries an earlier
    value forward. The switches reproduce known mistakes at every step: `no_tanh_on_h` gives
    h_t = o_t ⊙ c_t, `swap_candidate_activation` uses σ instead of tanh for c̃_t, and
    `drop_recurrent` omits every U h_{t-1} term (which changes nothing at t = 1 when h0 = 0).
    """
    x = np.asarray(xs, dtype=float)
    if x.ndim != 2 or x.shape[1] != params.input_size or x.shape[0] < 1:
        raise ValueError(
            f"xs has shape {_shape_text(x.shape)}; expected (T, {params.input_size}): "
            f"one row x_t of size input = {params.input_size} per time step, T >= 1"
        )
    hidden = params.hidden_size
    h = _state(h0, hidden, "h0")
    c = _state(c0, hidden, "c0")
    step_pins = _step_pins(pins, x.shape[0], hidden)
    input_terms = x @ params.W_stack.T + params.b_stack  # every step's W x_t + b at once
    candidate = sigmoid if swap_candidate_activation else np.tanh
    steps: list[Step] = []
    for input_term, pinned in zip(input_terms, step_pins, strict=True):
        z = input_term if drop_recurrent else input_term + params.U_stack @ h
        gates = sigmoid(z[: 3 * hidden])
        f = pinned.get("f", gates[:hidden])
        i = pinned.get("i", gates[hidden : 2 * hidden])
        o = pinned.get("o", gates[2 * hidden :])
        ctilde = pinned["ctilde"] if "ctilde" in pinned else candidate(z[3 * hidden :])
        c = pinned["c"] if "c" in pinned else f * c + i * ctilde
        if "h" in pinned:
            h = pinned["h"]
        else:
            h = o * c if no_tanh_on_h else o * np.tanh(c)
        steps.append(Step(f=f, i=i, o=o, ctilde=ctilde, c=c, h=h))
    return steps


@dataclass(frozen=True)
class Mistakes:
    """The known mistakes one pass of `forward_passes` reproduces (see `forward` for each switch)."""

    no_tanh_on_h: bool = False
    swap_candidate_activation: bool = False
    drop_recurrent: bool = False


def forward_passes(
    params: LSTMParams,
    xs: ArrayLike,
    passes: Sequence[Mistakes],
    h0: ArrayLike | None = None,
    c0: ArrayLike | None = None,
    *,
    pins: Sequence[StepPins] | None = None,
) -> Array:
    """`forward` for each of `passes` at once: an array of shape (passes, T, 6, hidden) whose [p, t, k]
    is the k-th STEP_FIELDS value (f, i, c̃, c, o, h) of step t + 1 of `forward(..., **vars(passes[p]))`.

    Each pass is a row and every operation is element-wise on the rows, in forward's order, so every
    value equals forward's bit for bit (the tests compare them); the pins apply to every pass.
    """
    x = np.asarray(xs, dtype=float)
    if x.ndim != 2 or x.shape[1] != params.input_size or x.shape[0] < 1:
        raise ValueError(
            f"xs has shape {_shape_text(x.shape)}; expected (T, {params.input_size}): "
            f"one row x_t of size input = {params.input_size} per time step, T >= 1"
        )
    hidden, count = params.hidden_size, len(passes)
    h = _state(h0, hidden, "h0")  # (hidden,) while shared by every pass, else (passes, hidden): numpy broadcasts
    c = _state(c0, hidden, "c0")
    step_pins = _step_pins(pins, x.shape[0], hidden)
    column = (count, 1)
    no_tanh = np.array([mistakes.no_tanh_on_h for mistakes in passes]).reshape(column)
    swapped = np.array([mistakes.swap_candidate_activation for mistakes in passes]).reshape(column)
    dropped = np.array([mistakes.drop_recurrent for mistakes in passes]).reshape(column)
    input_terms = x @ params.W_stack.T + params.b_stack  # as in forward: the same products, the same sums
    values = np.empty((count, x.shape[0], len(STEP_FIELDS), hidden))
    for t, (input_term, pinned) in enumerate(zip(input_terms, step_pins, strict=True)):
        if hidden == 1:  # U h_{t-1} is one product per gate: element-wise, exactly as the matrix product
            recurrent = h * params.U_stack[:, 0]
        else:  # a sum of products: forward's own matrix-vector product, pass by pass, for the same sums
            recurrent = np.stack([params.U_stack @ row for row in np.broadcast_to(h, (count, hidden))])
        z = np.where(dropped, input_term, input_term + recurrent)
        gates = sigmoid(z[:, : 3 * hidden])
        f = pinned.get("f", gates[:, :hidden])
        i = pinned.get("i", gates[:, hidden : 2 * hidden])
        o = pinned.get("o", gates[:, 2 * hidden :])
        if "ctilde" in pinned:
            ctilde = pinned["ctilde"]
        else:
            ctilde = np.tanh(z[:, 3 * hidden :])
            if swapped.any():
                ctilde = np.where(swapped, sigmoid(z[:, 3 * hidden :]), ctilde)
        c = pinned["c"] if "c" in pinned else f * c + i * ctilde
        if "h" in pinned:
            h = pinned["h"]
        else:
            h = o * np.tanh(c)
            if no_tanh.any():
                h = np.where(no_tanh, o * c, h)
        for k, value in enumerate((f, i, ctilde, c, o, h)):  # STEP_FIELDS order
            values[:, t, k] = value
    return values


def _squared_errors(h_seq: ArrayLike, y_seq: ArrayLike) -> Array:
    """‖y_t − h_t‖² for each step t, for sequences of shape (T,) or (T, hidden)."""
    h = np.asarray(h_seq, dtype=float)
    y = np.asarray(y_seq, dtype=float)
    if h.shape != y.shape or h.ndim not in (1, 2) or h.shape[0] < 1:
        raise ValueError(
            f"h_seq and y_seq must have the same shape (T,) or (T, hidden); got "
            f"{_shape_text(h.shape)} and {_shape_text(y.shape)}"
        )
    errors: Array = (y - h) ** 2
    return errors if errors.ndim == 1 else errors.sum(axis=1)


def mse(h_seq: ArrayLike, y_seq: ArrayLike) -> float:
    """Mean over time steps of the squared error ‖y_t − h_t‖²; for scalars ½[(y₁−h₁)² + (y₂−h₂)²]."""
    return float(_squared_errors(h_seq, y_seq).mean())


def sum_squared_error(h_seq: ArrayLike, y_seq: ArrayLike) -> float:
    """Sum (not mean) over steps of ‖y_t − h_t‖²: the known mistake of summing in the MSE."""
    return float(_squared_errors(h_seq, y_seq).sum())
