"""Are two expressions the same function? WeBWorK's method: compare them at random points.

Both are evaluated at seeded random points of each variable's domain; they are equivalent when
they agree within a tolerance wherever the reference is defined. When they do not, the verdict
names what it can (a sign, a constant factor, an added constant, agreement on part of the
domain, the student's expression being undefined or too large, or being only approximately
right) without revealing the reference. When both are rational functions with rational
coefficients they are compared exactly, with fractions (exact.py), not within a tolerance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Literal, Mapping

import numpy as np

from .evaluate import evaluate, overflowed
from .exact import NotExact, dyadic_points, evaluate_exact, is_rational
from .nodes import Node

__all__ = ["MIN_DEFINED_POINTS", "Comparison", "Diagnosis", "Domain", "check_defined", "compare",
           "describe_domains", "sample_points"]

MIN_DEFINED_POINTS = 10  # fewer points where the reference is defined cannot tell forms apart
MIN_AGREEING_POINTS = 2  # one agreeing point can be a coincidental crossing, not a "partial" answer

Diagnosis = Literal["factor", "offset", "sign", "partial", "undefined", "too_large",
                    "approximate", "different"]


@dataclass(frozen=True)
class Domain:
    """The interval a variable's sample values are drawn from, uniformly; with `integer`, the
    whole numbers from low to high (so `(-1)^n` is defined and means a sign)."""

    low: float
    high: float
    integer: bool = False

    def __post_init__(self) -> None:
        if not (math.isfinite(self.low) and math.isfinite(self.high) and self.low < self.high):
            raise ValueError(f"a domain needs finite low < high, got [{self.low}, {self.high}]")
        if self.integer and not (float(self.low).is_integer() and float(self.high).is_integer()):
            raise ValueError(f"an integer domain needs whole-number bounds, got "
                             f"[{self.low}, {self.high}]")

    def __str__(self) -> str:
        if self.integer:
            return f"{{{self.low:g}, …, {self.high:g}}}"
        return f"[{self.low:g}, {self.high:g}]"


@dataclass(frozen=True)
class Comparison:
    """The verdict: `message` is a sentence for the student ('' when equivalent)."""

    equivalent: bool
    message: str
    diagnosis: Diagnosis | None


def sample_points(domains: Mapping[str, Domain], points: int, seed: int) -> dict[str, np.ndarray]:
    """`points` values per variable; they depend only on `seed`, the sorted names and domains."""
    generator = np.random.default_rng(seed)
    return {name: _draw(generator, domains[name], points) for name in sorted(domains)}


def _draw(generator: np.random.Generator, domain: Domain, points: int) -> np.ndarray:
    if domain.integer:
        return generator.integers(int(domain.low), int(domain.high), points,
                                  endpoint=True).astype(np.float64)
    return generator.uniform(domain.low, domain.high, points)


def describe_domains(domains: Mapping[str, Domain]) -> str:
    """`x in [0, 1], n in {1, …, 9}`, for messages to the rubric's author."""
    return ", ".join(f"{name} in {domain}" for name, domain in domains.items()) or "no variables"


def check_defined(reference: Node, domains: Mapping[str, Domain], *, points: int = 40,
                  seed: int = 0) -> None:
    """Raise ValueError unless `reference` is defined at enough of the points `compare` uses."""
    env = sample_points(domains, points, seed)
    values = np.broadcast_to(evaluate(reference, env), (points,))
    _require_defined(int(np.isfinite(values).sum()), points, domains)


def _require_defined(defined: int, points: int, domains: Mapping[str, Domain]) -> None:
    if defined < min(MIN_DEFINED_POINTS, points):
        raise ValueError(f"the reference is defined at only {defined} of {points} sample points "
                         f"of its domains ({describe_domains(domains)}); at least "
                         f"{min(MIN_DEFINED_POINTS, points)} are needed to compare answers: "
                         "check the expression and the domains")


def compare(student: Node, reference: Node, domains: Mapping[str, Domain], *,
            rel: float = 1e-6, abs: float = 1e-9, points: int = 40,  # noqa: A002 (like isclose)
            seed: int = 0, exact: bool = True) -> Comparison:
    """Compare `student` with `reference` at `points` random points of `domains`.

    They agree at a point when |student - reference| <= abs + rel * |reference|; points where
    the reference is undefined are skipped. With `exact` (the default), two rational functions
    with rational coefficients must be equal exactly instead (see exact.py). Raises ValueError
    when the reference is defined at fewer than MIN_DEFINED_POINTS (or `points`) of them, or a
    variable has no domain.
    """
    if points < 1:
        raise ValueError("points must be at least 1")
    env = sample_points(domains, points, seed)
    if exact and is_rational(student) and is_rational(reference):
        verdict = _compare_exactly(student, reference, domains, env, points, rel, abs)
        if verdict is not None:
            return verdict
    # An expression without variables evaluates to one value: spread it over the points.
    expected = np.broadcast_to(evaluate(reference, env), (points,))
    got = np.broadcast_to(evaluate(student, env), (points,))
    defined = np.flatnonzero(np.isfinite(expected))
    _require_defined(len(defined), points, domains)
    checker = _Checker(expected[defined], got[defined], rel, abs)
    if checker.agrees.all():
        return Comparison(True, "", None)
    grown = np.broadcast_to(overflowed(student, env), (points,))[defined] \
        if not np.isfinite(got[defined]).all() else None
    return checker.diagnose(lambda index: _describe_point(env, domains, int(defined[index])),
                            grown)


def _compare_exactly(student: Node, reference: Node, domains: Mapping[str, Domain],
                     env: Mapping[str, np.ndarray], points: int, rel: float,
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
    defined = [index for index, value in enumerate(expected) if value is not None]
    _require_defined(len(defined), points, domains)
    if all(got[index] == expected[index] for index in defined):
        return Comparison(True, "", None)
    checker = _Checker(_floats([expected[index] for index in defined]),
                       _floats([got[index] for index in defined]), rel, absolute)
    if checker.agrees.all():
        return _verdict("approximate", "Your answer is close to the correct one but not equal "
                                       "to it: keep every number exact (1/3, not 0.333).")
    return checker.diagnose(lambda index: _describe_point(rounded, domains, defined[index]))


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


def _describe_point(env: Mapping[str, np.ndarray], domains: Mapping[str, Domain],
                    index: int) -> str:
    return ", ".join(f"{name} = {env[name][index]:.3g}" for name in domains)


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
