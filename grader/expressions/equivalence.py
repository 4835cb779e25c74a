"""Are two expressions the same function? WeBWorK's method: compare them at random points.

Both are evaluated at seeded random points of each variable's domain; they are equivalent when
they agree within a tolerance wherever the reference is defined. When they do not, the verdict
names what it can (a sign, a constant factor, an added constant, agreement on part of the
domain, or the student's expression being undefined) without revealing the reference.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Literal, Mapping

import numpy as np

from .evaluate import evaluate
from .nodes import Node

__all__ = ["MIN_DEFINED_POINTS", "Comparison", "Diagnosis", "Domain", "compare", "sample_points"]

MIN_DEFINED_POINTS = 10  # fewer points where the reference is defined cannot tell forms apart
MIN_AGREEING_POINTS = 2  # one agreeing point can be a coincidental crossing, not a "partial" answer

Diagnosis = Literal["factor", "offset", "sign", "partial", "undefined", "different"]


@dataclass(frozen=True)
class Domain:
    """The interval a variable's sample values are drawn from, uniformly."""

    low: float
    high: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.low) and math.isfinite(self.high) and self.low < self.high):
            raise ValueError(f"a domain needs finite low < high, got [{self.low}, {self.high}]")


@dataclass(frozen=True)
class Comparison:
    """The verdict: `message` is a sentence for the student ('' when equivalent)."""

    equivalent: bool
    message: str
    diagnosis: Diagnosis | None


def sample_points(domains: Mapping[str, Domain], points: int, seed: int) -> dict[str, np.ndarray]:
    """`points` values per variable; they depend only on `seed`, the sorted names and domains."""
    generator = np.random.default_rng(seed)
    return {name: generator.uniform(domains[name].low, domains[name].high, points)
            for name in sorted(domains)}


def compare(student: Node, reference: Node, domains: Mapping[str, Domain], *,
            rel: float = 1e-6, abs: float = 1e-9, points: int = 40,  # noqa: A002 (like isclose)
            seed: int = 0) -> Comparison:
    """Compare `student` with `reference` at `points` random points of `domains`.

    They agree at a point when |student - reference| <= abs + rel * |reference|; points where
    the reference is undefined are skipped. Raises ValueError when the reference is defined at
    fewer than MIN_DEFINED_POINTS (or `points`) of them, or a variable has no domain.
    """
    if points < 1:
        raise ValueError("points must be at least 1")
    env = sample_points(domains, points, seed)
    # An expression without variables evaluates to one value: spread it over the points.
    expected = np.broadcast_to(evaluate(reference, env), (points,))
    got = np.broadcast_to(evaluate(student, env), (points,))
    defined = np.flatnonzero(np.isfinite(expected))
    if len(defined) < min(MIN_DEFINED_POINTS, points):
        raise ValueError(f"the reference is defined at only {len(defined)} of {points} sample "
                         "points; check it and the domains")
    checker = _Checker(expected[defined], got[defined], rel, abs)
    if checker.agrees.all():
        return Comparison(True, "", None)
    return checker.diagnose(lambda index: _describe_point(env, domains, int(defined[index])))


class _Checker:
    def __init__(self, expected: np.ndarray, got: np.ndarray, rel: float, absolute: float) -> None:
        self.expected, self.got = expected, got
        self.rel, self.absolute = rel, absolute
        self.agrees = self.close(got, expected)

    def close(self, values: np.ndarray, target: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            return np.abs(values - target) <= self.absolute + self.rel * np.abs(target)

    def diagnose(self, where: Callable[[int], str]) -> Comparison:
        """The first diagnosis that fits, in order: undefined, sign, factor, offset, partial."""
        expected, got = self.expected, self.got
        undefined = np.flatnonzero(~np.isfinite(got))
        if len(undefined):
            point = where(undefined[0])
            at = f" at {point}" if point else ""
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
