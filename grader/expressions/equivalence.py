"""Are two expressions the same function? WeBWorK's method: compare them at many points.

Both are evaluated at seeded points of each variable's domain, stratified so that small parts of
it are not missed (sampling.py); they are equivalent when they agree within a tolerance wherever
the reference is defined. A point where float64 finds them apart is evaluated again with 50
digits (precise.py) before that counts, so cancellation (cosh² − sinh² at h = 20) cannot make a
right answer wrong. When they do not agree, the verdict names what it can (a sign, a constant
factor, an added constant, agreement on part of the domain, the student's expression being
undefined or too large, or being only approximately right) without revealing the reference. When
both are rational functions with rational coefficients they are compared exactly, with fractions
(exact.py), first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Callable, Literal, Mapping

import numpy as np

from .evaluate import evaluate, overflowed
from .exact import NotExact, dyadic_points, evaluate_exact, is_rational
from .nodes import Node, variable_names
from .precise import recheck_point
from .sampling import SAMPLE_POINTS, Domain, boundary_rows, describe_domains, sample_points

__all__ = ["MIN_DEFINED_POINTS", "SAMPLE_POINTS", "Comparison", "Diagnosis", "Domain", "check_defined",
           "compare", "describe_domains", "sample_points"]

MIN_DEFINED_POINTS = 10  # fewer points where the reference is defined cannot tell forms apart
MIN_AGREEING_POINTS = 2  # one agreeing point can be a coincidental crossing, not a "partial" answer

Diagnosis = Literal["factor", "offset", "sign", "partial", "undefined", "too_large",
                    "approximate", "different"]


@dataclass(frozen=True)
class Comparison:
    """The verdict: `message` is a sentence for the student ('' when equivalent)."""

    equivalent: bool
    message: str
    diagnosis: Diagnosis | None


def check_defined(reference: Node, domains: Mapping[str, Domain], *, points: int = SAMPLE_POINTS,
                  seed: int = 0) -> None:
    """Raise ValueError unless `reference` is defined at enough of the points `compare` uses."""
    env = sample_points(domains, points, seed)
    size = _size(env, points)
    values = np.broadcast_to(evaluate(reference, env), (size,))
    _require_defined(int(np.isfinite(values).sum()), size, domains)


@lru_cache(maxsize=256)
def _points(domains: tuple[tuple[str, Domain], ...], points: int,
            seed: int) -> tuple[dict[str, np.ndarray], int, np.ndarray]:
    """The points of compare() for a question (its domains and seed), drawn once: the values of each
    variable, how many points, and which are boundary rows. The arrays are read-only."""
    env = sample_points(dict(domains), points, seed)
    size = _size(env, points)
    gaps = boundary_rows(env, dict(domains), size)
    for array in (*env.values(), gaps):
        array.flags.writeable = False
    return env, size, gaps


def _size(env: Mapping[str, np.ndarray], points: int) -> int:
    """How many points `env` holds (an expression without variables is compared at `points`)."""
    return max((len(values) for values in env.values()), default=points)


def _require_defined(defined: int, points: int, domains: Mapping[str, Domain]) -> None:
    if defined < min(MIN_DEFINED_POINTS, points):
        raise ValueError(f"the reference is defined at only {defined} of {points} sample points "
                         f"of its domains ({describe_domains(domains)}); at least "
                         f"{min(MIN_DEFINED_POINTS, points)} are needed to compare answers: "
                         "check the expression and the domains")


def compare(student: Node, reference: Node, domains: Mapping[str, Domain], *,
            rel: float = 1e-6, abs: float = 1e-9, points: int = SAMPLE_POINTS,  # noqa: A002 (like isclose)
            seed: int = 0, exact: bool = True) -> Comparison:
    """Compare `student` with `reference` at the points sample_points() draws for `domains`.

    They agree at a point when |student - reference| <= abs + rel * |reference|; points where
    the reference is undefined are skipped, and so are the ends and zero (exactly) where only the
    student's answer is undefined, as x²/x at x = 0: the points just beside them judge it. With
    `exact` (the default), two rational functions with rational coefficients must be equal exactly
    instead (see exact.py). Raises ValueError when the reference is defined at fewer than
    MIN_DEFINED_POINTS of the points, or a variable has no domain.
    """
    if points < 1:
        raise ValueError("points must be at least 1")
    env, size, gaps = _points(tuple(domains.items()), points, seed)
    if exact and is_rational(student) and is_rational(reference):
        verdict = _compare_exactly(student, reference, domains, env, size, gaps, rel, abs)
        if verdict is not None:
            return verdict
    # An expression without variables evaluates to one value: spread it over the points.
    expected = np.broadcast_to(evaluate(reference, env), (size,))
    got = np.broadcast_to(evaluate(student, env), (size,))
    defined = np.flatnonzero(np.isfinite(expected) & ~(gaps & ~np.isfinite(got)))
    _require_defined(len(defined), size, domains)
    checker = _Checker(expected[defined], got[defined], rel, abs)
    if not checker.agrees.all():
        checker.recheck(student, reference, {name: env[name][defined] for name in env})
    if checker.agrees.all():
        return Comparison(True, "", None)
    grown = np.broadcast_to(overflowed(student, env), (size,))[defined] \
        if not np.isfinite(checker.got).all() else None
    named = _named(student, reference, domains)
    return checker.diagnose(lambda index: _describe_point(env, named, int(defined[index])), grown)


def _compare_exactly(student: Node, reference: Node, domains: Mapping[str, Domain],
                     env: Mapping[str, np.ndarray], points: int, gaps: np.ndarray, rel: float,
                     absolute: float) -> Comparison | None:
    """The exact verdict, or None when floating point must decide (see exact.py)."""
    rounded = {name: dyadic_points(values, domains[name].low, domains[name].high)
               for name, values in env.items()}
    fractions = {name: [Fraction(float(value)) for value in values]
                 for name, values in rounded.items()}
    try:
        expected = evaluate_exact(reference, fractions, points)
        got = evaluate_exact(student, fractions, points)
    except NotExact:
        return None
    defined = [index for index, value in enumerate(expected)
               if value is not None and not (gaps[index] and got[index] is None)]
    _require_defined(len(defined), points, domains)
    if all(got[index] == expected[index] for index in defined):
        return Comparison(True, "", None)
    checker = _Checker(_floats([expected[index] for index in defined]),
                       _floats([got[index] for index in defined]), rel, absolute)
    if checker.agrees.all():
        return _verdict("approximate", "Your answer is close to the correct one but not equal "
                                       "to it: keep every number exact (1/3, not 0.333).")
    named = _named(student, reference, domains)
    return checker.diagnose(lambda index: _describe_point(rounded, named, defined[index]))


def _floats(values: list[Fraction | None]) -> np.ndarray:
    converted = []
    for value in values:
        try:
            converted.append(math.nan if value is None else float(value))
        except OverflowError:
            converted.append(math.nan)
    return np.array(converted, dtype=np.float64)


class _Checker:
    def __init__(self, expected: np.ndarray, got: np.ndarray, rel: float, absolute: float) -> None:
        self.expected, self.got = expected, got
        self.rel, self.absolute = rel, absolute
        self.agrees = self.close(got, expected)

    def close(self, values: np.ndarray, target: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            return np.abs(values - target) <= self.absolute + self.rel * np.abs(target)

    def recheck(self, student: Node, reference: Node, env: Mapping[str, np.ndarray]) -> None:
        """Look again at the points where float64 disagrees, with 50 digits, in order, up to the
        first difference that holds: one is enough to call the answer wrong, and a wrong answer
        costs one high-precision point (it is the example the feedback names)."""
        expected, got = self.expected.copy(), self.got.copy()
        agrees = self.agrees.copy()
        for index in np.flatnonzero(~agrees):
            point = {name: float(values[index]) for name, values in env.items()}
            found = recheck_point(student, reference, point, self.rel, self.absolute)
            agrees[index] = found.agrees
            got[index] = found.student
            if found.reference_defined:
                expected[index] = found.reference
            if not found.agrees:
                break
        self.expected, self.got, self.agrees = expected, got, agrees

    def diagnose(self, where: Callable[[int], str],
                 grown: np.ndarray | None = None) -> Comparison:
        """The first diagnosis that fits, in order: undefined (or too large), sign, factor,
        offset, partial. `grown` marks the points where the student's value overflowed."""
        expected, got = self.expected, self.got
        undefined = np.flatnonzero(~np.isfinite(got))
        if len(undefined):
            point = where(undefined[0])
            at = f" at {point}" if point else ""
            if grown is not None and grown[undefined[0]]:
                return _verdict("too_large", f"Your expression is too large to compute{at} (it "
                                             "passes 10^308), where the correct answer has a "
                                             "value.")
            return _verdict("undefined", f"Your expression is undefined{at}, where the correct "
                                         "answer has a value.")
        # A constant reference would be given away by a factor or an offset: skip those.
        if not self.close(expected, np.full_like(expected, expected[0])).all():
            if self.close(got, -expected).all():
                return _verdict("sign", "Your answer is the negative of the correct one.")
            largest = int(np.argmax(np.abs(expected)))
            factor = got[largest] / expected[largest]
            if np.abs(factor) > 1e-6 and self.close(got, factor * expected).all():
                return _verdict("factor", f"Your answer is {_describe_factor(factor)} the "
                                          "correct one.")
            offset = float(np.median(got - expected))
            if self.close(got - offset, expected).all():
                return _verdict("offset", "Your answer differs from the correct one by a "
                                          f"constant ({offset:+.3g}).")
        agreeing = np.flatnonzero(self.agrees)
        differing = np.flatnonzero(~self.agrees)
        example = where(differing[0])
        if len(agreeing) >= MIN_AGREEING_POINTS and example:
            return _verdict("partial", "Your answer agrees with the correct one only for part of "
                                       f"the domain, e.g. at {where(agreeing[0])} but not at "
                                       f"{example}.")
        at = f", e.g. at {example}" if example else ""
        return _verdict("different", f"Your answer differs from the correct one{at}.")


def _verdict(diagnosis: Diagnosis, message: str) -> Comparison:
    return Comparison(False, message, diagnosis)


def _named(student: Node, reference: Node, domains: Mapping[str, Domain]) -> list[str]:
    """The variables a point is described by: those the answer or the reference use, in order."""
    used = variable_names(student) | variable_names(reference)
    return [name for name in domains if name in used]


def _describe_point(env: Mapping[str, np.ndarray], names: list[str], index: int) -> str:
    """`x = 1.61, t = 0.5`: only the variables the answer or the reference use."""
    return ", ".join(f"{name} = {env[name][index]:.3g}" for name in names)


def _describe_factor(factor: float) -> str:
    """2 -> '2 times', 0.5 -> 'half', 1/3 -> '1/3 of', 1.5 -> '3/2 times', else 'about k times'."""
    fraction = Fraction(factor).limit_denominator(12)
    if not math.isclose(float(fraction), factor, rel_tol=1e-6):
        return f"about {factor:.3g} times"
    if fraction == Fraction(1, 2):
        return "half"
    if fraction.denominator == 1:
        return f"{fraction.numerator} times"
    if fraction.numerator == 1:
        return f"1/{fraction.denominator} of"
    return f"{fraction.numerator}/{fraction.denominator} times"
