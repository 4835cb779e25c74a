"""Vectorised floating-point evaluation of an expression tree at many points at once."""

from __future__ import annotations

from typing import Callable, Mapping

import numpy as np

from .nodes import Binary, Call, Constant, Node, Number, Unary, Variable, children

__all__ = ["evaluate"]

_Array = np.ndarray
_FUNCTIONS: dict[str, Callable[[_Array], _Array]] = {
    "log": np.log, "exp": np.exp, "sqrt": np.sqrt, "abs": np.abs,
    "sin": np.sin, "cos": np.cos, "tan": np.tan,
}
_BINARY: dict[str, Callable[[_Array, _Array], _Array]] = {
    "+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide, "^": np.power,
}
_CONSTANTS = {"pi": np.pi, "e": np.e}


def evaluate(node: Node, env: Mapping[str, np.ndarray]) -> np.ndarray:
    """The value of `node` at every point of `env` (variable name -> array of values).

    The result is a float64 array of the broadcast shape of `env`'s arrays. Where the
    expression is undefined (log of a negative number, 1/0, overflow) it is nan: every
    intermediate inf or nan becomes nan, so an undefined part makes the whole undefined.
    Raises ValueError if `env` lacks a variable of `node`.
    """
    arrays = {name: np.asarray(values, dtype=np.float64) for name, values in env.items()}
    shape = np.broadcast_shapes(*(array.shape for array in arrays.values()))
    results: dict[int, _Array] = {}
    # Post-order with an explicit stack: no recursion, however deep a hand-built tree is.
    stack: list[tuple[Node, bool]] = [(node, False)]
    with np.errstate(all="ignore"):
        while stack:
            current, children_done = stack.pop()
            parts = children(current)
            if parts and not children_done:
                stack.append((current, True))
                stack.extend((part, False) for part in parts)
                continue
            value = _apply(current, [results[id(part)] for part in parts], arrays, shape)
            results[id(current)] = np.where(np.isfinite(value), value, np.nan)
    return results[id(node)]


def _apply(node: Node, operands: list[_Array], arrays: Mapping[str, _Array],
           shape: tuple[int, ...]) -> _Array:
    if isinstance(node, Number):
        return np.full(shape, float(node.value))
    if isinstance(node, Constant):
        return np.full(shape, _CONSTANTS[node.name])
    if isinstance(node, Variable):
        if node.name not in arrays:
            raise ValueError(f"no values given for the variable {node.name!r}")
        return np.broadcast_to(arrays[node.name], shape)
    if isinstance(node, Unary):
        return np.negative(operands[0])
    if isinstance(node, Binary):
        return _BINARY[node.op](operands[0], operands[1])
    if isinstance(node, Call):
        return _FUNCTIONS[node.function](operands[0])
    raise TypeError(f"not an expression node: {node!r}")
