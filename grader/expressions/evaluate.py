"""Vectorised floating-point evaluation of an expression tree at many points at once."""

from __future__ import annotations

import math
from typing import Callable, Mapping

import numpy as np

from .nodes import Applied, Binary, Call, Constant, Node, Number, Unary, Variable, children, post_order

__all__ = ["evaluate", "overflowed"]

_Array = np.ndarray


def _sigmoid(x: _Array) -> _Array:
    # 1/(1 + e^-x) for x ≥ 0 and e^x/(1 + e^x) below: neither overflows nor cancels.
    small = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0, small) / (1.0 + small)


def _softplus(x: _Array) -> _Array:
    # log(1 + e^x) without overflow: max(x, 0) + log(1 + e^-|x|)
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


_erf = np.frompyfunc(math.erf, 1, 1)  # math.erf is exact to double precision; numpy has none

_FUNCTIONS: dict[str, Callable[[_Array], _Array]] = {
    "log": np.log, "exp": np.exp, "sqrt": np.sqrt, "abs": np.abs,
    "sin": np.sin, "cos": np.cos, "tan": np.tan,
    "cot": lambda x: 1.0 / np.tan(x), "sec": lambda x: 1.0 / np.cos(x),
    "csc": lambda x: 1.0 / np.sin(x),
    "arcsin": np.arcsin, "arccos": np.arccos, "arctan": np.arctan,
    "sinh": np.sinh, "cosh": np.cosh, "tanh": np.tanh,
    "coth": lambda x: 1.0 / np.tanh(x), "sech": lambda x: 1.0 / np.cosh(x),
    "csch": lambda x: 1.0 / np.sinh(x),
    "arcsinh": np.arcsinh, "arccosh": np.arccosh, "arctanh": np.arctanh,
    "log2": np.log2, "log10": np.log10,
    "sigmoid": _sigmoid, "softplus": _softplus,
    "erf": lambda x: _erf(x).astype(np.float64),
}
_VARIADIC: dict[str, Callable[[_Array, _Array], _Array]] = {"max": np.maximum, "min": np.minimum}
_BINARY: dict[str, Callable[[_Array, _Array], _Array]] = {
    "+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide, "^": np.power,
}
_CONSTANTS = {"pi": np.pi, "e": np.e}
# Functions whose infinite value at a finite argument means "too large", not a pole like log(0).
_GROWING = frozenset({"exp", "sinh", "cosh", "softplus"})


def evaluate(node: Node, env: Mapping[str, np.ndarray]) -> np.ndarray:
    """The value of `node` at every point of `env` (variable name -> array of values).

    The result is a float64 array of the broadcast shape of `env`'s arrays. Where the
    expression is undefined (log of a negative number, 1/0, overflow) it is nan: every
    intermediate inf or nan becomes nan, so an undefined part makes the whole undefined.
    Raises ValueError if `env` lacks a variable of `node`.
    """
    return _Evaluation(env, track_overflow=False).run(node)[0]


def overflowed(node: Node, env: Mapping[str, np.ndarray]) -> np.ndarray:
    """Where `node`'s value is undefined only because a number grew past float64 (10^10^10,
    e^1000), as opposed to a pole or a domain error (1/0, log(-1)): for clearer feedback."""
    return _Evaluation(env, track_overflow=True).run(node)[1]


class _Evaluation:
    def __init__(self, env: Mapping[str, np.ndarray], *, track_overflow: bool) -> None:
        self.arrays = {name: np.asarray(values, dtype=np.float64) for name, values in env.items()}
        self.shape = np.broadcast_shapes(*(array.shape for array in self.arrays.values()))
        self.track = track_overflow

    def run(self, node: Node) -> tuple[_Array, _Array]:
        results: dict[int, _Array] = {}
        overflow: dict[int, _Array] = {}
        with np.errstate(all="ignore"):
            for current in post_order(node):
                parts = children(current)
                operands = [results[id(part)] for part in parts]
                value, inner = self.apply(current, operands)
                results[id(current)] = np.where(np.isfinite(value), value, np.nan)
                if self.track:
                    grown = self.grew(current, operands, value)
                    if inner is not None:
                        grown = grown | inner
                    for part in parts:
                        grown = grown | overflow[id(part)]
                    overflow[id(current)] = grown
        empty = np.zeros(self.shape, dtype=bool)
        return results[id(node)], overflow.get(id(node), empty)

    def apply(self, node: Node, operands: list[_Array]) -> tuple[_Array, _Array | None]:
        """The node's value, and (for a rubric's function, when tracking) where its body grew."""
        if isinstance(node, Number):
            return np.full(self.shape, float(node.value)), None
        if isinstance(node, Constant):
            return np.full(self.shape, _CONSTANTS[node.name]), None
        if isinstance(node, Variable):
            if node.name not in self.arrays:
                raise ValueError(f"no values given for the variable {node.name!r}")
            return np.broadcast_to(self.arrays[node.name], self.shape), None
        if isinstance(node, Unary):
            return np.negative(operands[0]), None
        if isinstance(node, Binary):
            return _BINARY[node.op](operands[0], operands[1]), None
        if isinstance(node, Call):
            if node.function in _VARIADIC:
                combine = _VARIADIC[node.function]
                value = operands[0]
                for operand in operands[1:]:
                    value = combine(value, operand)
                return value, None
            return _FUNCTIONS[node.function](operands[0]), None
        if isinstance(node, Applied):
            # The body sees only its parameters, bound to the arguments' values.
            inner = _Evaluation(dict(zip(node.parameters, operands)), track_overflow=self.track)
            value, grown = inner.run(node.body)
            return np.broadcast_to(value, self.shape), np.broadcast_to(grown, self.shape)
        raise TypeError(f"not an expression node: {node!r}")

    def grew(self, node: Node, operands: list[_Array], value: _Array) -> _Array:
        """Where this node alone turned finite operands into an infinity by growth."""
        infinite = np.isinf(value)
        for operand in operands:
            infinite = infinite & np.isfinite(operand)
        if isinstance(node, Binary):
            if node.op == "/":
                return infinite & (operands[1] != 0)
            if node.op == "^":
                return infinite & (operands[0] != 0)
            return infinite
        if isinstance(node, Call) and node.function in _GROWING:
            return infinite
        return np.zeros(self.shape, dtype=bool)
