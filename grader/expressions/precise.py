"""A second look at one point, at about 50 significant digits (mpmath), where float64 cannot decide.

`cosh(h)^2 - sinh(h)^2` is 1 for every h, but float64 cancels it to 0 or to 4 once h passes 18,
and `log(1 - sigmoid(r))` rounds to log(0) near r = 37. Where the floating-point comparison finds
two expressions apart at a point, `recheck_point` evaluates both there with 50 digits before the
answer is called wrong. It is only ever asked about points that already disagree, so answers that
agree in float64 never pay for it (mpmath is imported on first use).

The same whitelist and the same domain rules as evaluate.py: where a value would be complex (log
of a negative number, arcsin(2), a negative number to a fractional power) or infinite (1/0), it is
undefined, None. Growth is bounded: a value past 2^MAX_BITS is undefined too ("too large"), so a
tower such as 10^10^10^10 costs nothing at high precision either.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Mapping

from .exact import exact_number
from .nodes import Applied, Binary, Call, Constant, Node, Number, Unary, Variable, children, post_order

__all__ = ["DIGITS", "MAX_BITS", "Recheck", "recheck_point"]

DIGITS = 50  # cosh(25)^2 - sinh(25)^2 loses 22 digits to cancellation and keeps 28
MAX_BITS = 4096  # far past float64's 2^1024: a larger value cannot be a float answer, only runaway growth

Value = Any  # an mpmath mpf, or None where undefined


@dataclass(frozen=True)
class Recheck:
    """Both values at one point, at high precision and rounded back to floats (nan where undefined)."""

    student: float
    reference: float
    agrees: bool
    reference_defined: bool


def recheck_point(student: Node, reference: Node, point: Mapping[str, float], rel: float,
                  absolute: float) -> Recheck:
    """Evaluate both trees at `point` with DIGITS digits and compare them as compare() does."""
    context = _context()
    got = _evaluate(student, point, context)
    expected = _evaluate(reference, point, context)
    if expected is None:
        return Recheck(_float(got), math.nan, True, False)  # not a point the comparison counts
    agrees = got is not None and abs(got - expected) <= absolute + rel * abs(expected)
    return Recheck(_float(got), _float(expected), bool(agrees), True)


@lru_cache(maxsize=1)
def _context() -> Any:
    import mpmath  # only when a point needs a second look: grading that agrees in float64 never loads it

    context = mpmath.MPContext()
    context.dps = DIGITS
    return context


def _float(value: Value) -> float:
    if value is None:
        return math.nan
    result = float(value)
    return result if math.isfinite(result) else math.nan


def _evaluate(node: Node, point: Mapping[str, Any], context: Any) -> Value:
    values: dict[int, Value] = {}
    for current in post_order(node):
        operands = [values[id(part)] for part in children(current)]
        if any(operand is None for operand in operands):
            values[id(current)] = None
            continue
        try:
            value = _apply(current, operands, point, context)
        except (ArithmeticError, ValueError):  # a pole mpmath reports by raising (1/tan(0))
            value = None
        values[id(current)] = _checked(value, context)
    return values[id(node)]


def _checked(value: Value, context: Any) -> Value:
    """The value if it is a finite real within 2^MAX_BITS, else None (undefined, or too large)."""
    if value is None or not isinstance(value, context.mpf) or not context.isfinite(value):
        return None
    if value and context.mag(value) > MAX_BITS:
        return None
    return value


def _apply(node: Node, operands: list[Value], point: Mapping[str, Any], context: Any) -> Value:
    if isinstance(node, Number):
        fraction = exact_number(node.value)  # 0.1 is the 0.1 the student typed, not the float near it
        return context.mpf(fraction.numerator) / fraction.denominator
    if isinstance(node, Variable):
        if node.name not in point:
            raise KeyError(f"no value given for the variable {node.name!r}")
        return context.mpf(point[node.name])
    if isinstance(node, Constant):
        return +context.pi if node.name == "pi" else +context.e  # a number at this precision, not the constant
    if isinstance(node, Unary):
        return -operands[0]
    if isinstance(node, Binary):
        return _binary(node.op, operands[0], operands[1], context)
    if isinstance(node, Call):
        if node.function in ("max", "min"):
            return max(operands) if node.function == "max" else min(operands)
        return _FUNCTIONS[node.function](operands[0], context)
    if isinstance(node, Applied):
        return _evaluate(node.body, dict(zip(node.parameters, operands)), context)
    raise TypeError(f"not an expression node: {node!r}")


def _binary(op: str, left: Value, right: Value, context: Any) -> Value:
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right
    if op == "/":
        return None if right == 0 else left / right
    if left == 0:
        return None if right < 0 else context.mpf(right == 0)
    if left < 0 and not context.isint(right):
        return None  # complex: (-8)^(1/3) is undefined here, as in float64
    if right * context.log(abs(left), 2) > MAX_BITS:
        return None
    return context.power(left, right)


def _grows(function: Callable[[Value, Any], Value], *,
           both_ways: bool = True) -> Callable[[Value, Any], Value]:
    """sinh, cosh (and exp, upwards only: e^-1000 is merely small) past MAX_BITS·ln 2 are too large:
    undefined, without computing them."""
    limit = MAX_BITS * math.log(2)
    return lambda x, context: None if (abs(x) if both_ways else x) > limit else function(x, context)


def _where(test: Callable[[Value], bool],
           function: Callable[[Value, Any], Value]) -> Callable[[Value, Any], Value]:
    return lambda x, context: function(x, context) if test(x) else None


def _reciprocal(function: Callable[[Value, Any], Value]) -> Callable[[Value, Any], Value]:
    def inverse(x: Value, context: Any) -> Value:
        value = function(x, context)
        return None if value is None or value == 0 else 1 / value
    return inverse


def _sigmoid(x: Value, context: Any) -> Value:
    if x >= 0:
        return 1 / (1 + context.exp(-x))
    small = context.exp(x)
    return small / (1 + small)


def _softplus(x: Value, context: Any) -> Value:
    return (x if x > 0 else 0) + context.log1p(context.exp(-abs(x)))


_FUNCTIONS: dict[str, Callable[[Value, Any], Value]] = {
    "log": _where(lambda x: x > 0, lambda x, c: c.log(x)),
    "log2": _where(lambda x: x > 0, lambda x, c: c.log(x, 2)),
    "log10": _where(lambda x: x > 0, lambda x, c: c.log10(x)),
    "exp": _grows(lambda x, c: c.exp(x), both_ways=False),
    "sqrt": _where(lambda x: x >= 0, lambda x, c: c.sqrt(x)),
    "abs": lambda x, c: abs(x),
    "sin": lambda x, c: c.sin(x), "cos": lambda x, c: c.cos(x), "tan": lambda x, c: c.tan(x),
    "cot": _reciprocal(lambda x, c: c.tan(x)), "sec": _reciprocal(lambda x, c: c.cos(x)),
    "csc": _reciprocal(lambda x, c: c.sin(x)),
    "arcsin": _where(lambda x: abs(x) <= 1, lambda x, c: c.asin(x)),
    "arccos": _where(lambda x: abs(x) <= 1, lambda x, c: c.acos(x)),
    "arctan": lambda x, c: c.atan(x),
    "sinh": _grows(lambda x, c: c.sinh(x)), "cosh": _grows(lambda x, c: c.cosh(x)),
    "tanh": lambda x, c: c.tanh(x),
    "coth": _reciprocal(lambda x, c: c.tanh(x)), "sech": _reciprocal(_grows(lambda x, c: c.cosh(x))),
    "csch": _reciprocal(_grows(lambda x, c: c.sinh(x))),
    "arcsinh": lambda x, c: c.asinh(x),
    "arccosh": _where(lambda x: x >= 1, lambda x, c: c.acosh(x)),
    "arctanh": _where(lambda x: abs(x) < 1, lambda x, c: c.atanh(x)),
    "sigmoid": _sigmoid, "softplus": _softplus,
    "erf": lambda x, c: c.erf(x),
}
