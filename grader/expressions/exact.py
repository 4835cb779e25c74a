"""Exact evaluation of rational functions with `fractions.Fraction`.

Floating point cannot tell 99999999/10^8 from 99999998/99999999, nor see a constant term that
is off by one under the large values of a degree-13 polynomial. When both sides are rational
functions with rational coefficients (numbers, variables, + − × ÷, integer powers, and abs,
max, min), the comparison evaluates them exactly at rational points instead.

Exactness has a price, so it is bounded: a value longer than MAX_BITS bits, or a power that
would make one, raises NotExact and the comparison falls back to floating point, as it does
for a power whose exponent is not an integer at some point.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Mapping, Sequence

import numpy as np

from .nodes import Applied, Binary, Call, Node, Number, Unary, Variable, children, post_order

__all__ = ["MAX_BITS", "NotExact", "dyadic_points", "evaluate_exact", "exact_number",
           "is_rational"]

MAX_BITS = 20_000  # a few thousand digits: microseconds per operation, and far past real answers
POINT_BITS = 24  # sample points keep 24 significant bits of the domain's width: small fractions
_EXACT_FUNCTIONS = frozenset({"abs", "max", "min"})
_SHORTEST_DIGITS = 15  # a float's repr this long is a computed value like 1/3, not a typed decimal

Value = Fraction | None  # None: undefined at this point (a division by zero, 0 to a negative power)


class NotExact(Exception):
    """These trees or points need floating point (or would cost too much exactly)."""


def is_rational(node: Node) -> bool:
    """Whether `node` uses only numbers, variables, + − × ÷ ^, abs, max, min (and rubric
    functions made of them). An exponent must still be an integer where it is evaluated."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Call) and current.function not in _EXACT_FUNCTIONS:
            return False
        if isinstance(current, Applied):
            stack.append(current.body)
        elif not isinstance(current, (Number, Variable, Unary, Binary, Call)):
            return False  # a constant such as pi or e
        stack.extend(children(current))
    return True


def exact_number(value: float) -> Fraction:
    """The number a student typed: `0.1` is 1/10 (not the binary float near it), and a value
    like 0.3333333333333333 (from ⅓) is 1/3 when a small denominator gives exactly that float."""
    text = repr(float(value))
    decimal = Fraction(text)
    digits = sum(character.isdigit() for character in text.split("e")[0])
    if digits >= _SHORTEST_DIGITS:
        small = Fraction(value).limit_denominator(10**6)
        if float(small) == value:
            return small
    return decimal


def dyadic_points(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """`values` rounded to multiples of 2^-k (k from the domain's width), kept inside [low, high].

    A dyadic float converts to a Fraction exactly and with few bits, so the exact and the
    floating-point evaluations see the very same points."""
    width = high - low
    step = 2.0 ** (np.floor(np.log2(width)) - POINT_BITS)
    return np.clip(np.round(values / step) * step, low, high)


def evaluate_exact(node: Node, points: Mapping[str, Sequence[Fraction]],
                   count: int) -> list[Value]:
    """The exact value of `node` at each of `count` points; raises NotExact (see the module)."""
    results: dict[int, list[Value]] = {}
    for current in post_order(node):
        results[id(current)] = _apply(current, [results[id(part)] for part in children(current)], points,
                                      count)
    return results[id(node)]


def _apply(node: Node, operands: list[list[Value]], points: Mapping[str, Sequence[Fraction]],
           count: int) -> list[Value]:
    if isinstance(node, Number):
        return [exact_number(node.value)] * count
    if isinstance(node, Variable):
        if node.name not in points:
            raise ValueError(f"no values given for the variable {node.name!r}")
        return list(points[node.name])
    if isinstance(node, Unary):
        return [None if value is None else -value for value in operands[0]]
    if isinstance(node, Binary):
        return [_binary(node.op, left, right) for left, right in zip(*operands)]
    if isinstance(node, Call):
        return [_call(node.function, values) for values in zip(*operands)]
    if isinstance(node, Applied):
        return evaluate_exact(node.body, dict(zip(node.parameters, operands)), count)  # type: ignore[arg-type]
    raise NotExact(f"{type(node).__name__} is not rational")


def _call(function: str, values: tuple[Value, ...]) -> Value:
    if any(value is None for value in values):
        return None
    if function == "abs":
        return abs(values[0])  # type: ignore[arg-type]
    return max(values) if function == "max" else min(values)  # type: ignore[type-var]


def _binary(op: str, left: Value, right: Value) -> Value:
    if left is None or right is None:
        return None
    if op == "+":
        return _checked(left + right)
    if op == "-":
        return _checked(left - right)
    if op == "*":
        return _checked(left * right)
    if op == "/":
        return None if right == 0 else _checked(left / right)
    return _power(left, right)


def _power(base: Fraction, exponent: Fraction) -> Value:
    if exponent.denominator != 1:
        raise NotExact("a power with a non-integer exponent")
    power = exponent.numerator
    if base == 0:
        return None if power < 0 else Fraction(1 if power == 0 else 0)
    if base in (1, -1):
        return base if power % 2 else Fraction(1)
    size = max(base.numerator.bit_length(), base.denominator.bit_length())
    if abs(power) * size > MAX_BITS:
        raise NotExact("the power is too large to keep exactly")
    return base ** power


def _checked(value: Fraction) -> Fraction:
    if max(value.numerator.bit_length(), value.denominator.bit_length()) > MAX_BITS:
        raise NotExact("a value is too long to keep exactly")
    return value
