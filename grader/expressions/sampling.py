"""Where two expressions are compared: seeded points, stratified over each variable's interval.

Uniform random points can miss a small part of a domain: `abs(v)` and `v` with v in [-0.1, 3]
differ on 3% of it, and 40 uniform points missed that for 4 of 20 seeds. So each interval is cut
into `points` strata of equal width with one random point in each, and every variable also gets
its special values: both ends, the points just inside them, and zero with a small value on
either side when the interval holds zero. Each variable's column is shuffled on its own (a Latin
hypercube), so several variables do not move in step.

The guarantee (README, "Writing a rubric"): with `points` strata, two expressions that differ on
an interval of one variable at least 2/points of its domain wide (2% with the default 100) are
always told apart, whatever the seed and whatever the other variables: such an interval holds a
whole stratum, hence a point.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping

import numpy as np

__all__ = ["SAMPLE_POINTS", "SPECIAL_POINTS", "Domain", "boundary_rows", "describe_domains", "sample_points"]

SAMPLE_POINTS = 100  # strata per variable: a difference on 2% of an interval always holds one of them
SPECIAL_POINTS = 7  # both ends, just inside each, zero and a small value either side (padded when absent)
INSIDE = 2.0**-20  # "just inside" an end, as a share of the width: 1e-6, and still a dyadic step (exact.py)
SMALL = 2.0**-10  # "a small value" beside zero, as a share of the width


@dataclass(frozen=True)
class Domain:
    """The interval a variable's sample values are drawn from; with `integer`, the whole numbers
    from low to high (so `(-1)^n` is defined and means a sign)."""

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

    def special_values(self) -> list[float]:
        """The ends, the points just inside them, and zero with its neighbours when inside."""
        low, high = float(self.low), float(self.high)
        if self.integer:
            beside = [value for value in (0.0, -1.0, 1.0) if low < value < high]
            return [low, high, *beside]
        inside = (high - low) * INSIDE
        small = (high - low) * SMALL
        values = [low, high, low + inside, high - inside]
        if low <= 0 <= high:
            values += [value for value in (0.0, -small, small) if low < value < high]
        return values


def sample_points(domains: Mapping[str, Domain], points: int, seed: int) -> dict[str, np.ndarray]:
    """`points + SPECIAL_POINTS` values per variable; they depend only on `seed`, the sorted names
    and the domains."""
    generator = np.random.default_rng(seed)
    return {name: _column(generator, domains[name], points) for name in sorted(domains)}


def _column(generator: np.random.Generator, domain: Domain, points: int) -> np.ndarray:
    special = domain.special_values()
    padding = SPECIAL_POINTS - len(special)
    if domain.integer:
        low, high = int(domain.low), int(domain.high)
        if high - low + 1 <= points:  # few enough to compare them all
            every = np.arange(low, high + 1)
            drawn = np.concatenate([every, generator.integers(low, high, points - len(every), endpoint=True)])
        else:
            drawn = np.floor(low + (np.arange(points) + generator.random(points)) * (high - low + 1) / points)
        extra = generator.integers(low, high, padding, endpoint=True)
    else:
        width = domain.high - domain.low
        drawn = domain.low + (np.arange(points) + generator.random(points)) * (width / points)
        extra = generator.uniform(domain.low, domain.high, padding)
    column = np.concatenate([np.minimum(drawn, domain.high), np.array(special), extra]).astype(np.float64)
    return generator.permutation(column)


def boundary_rows(env: Mapping[str, np.ndarray], domains: Mapping[str, Domain], size: int) -> np.ndarray:
    """Which of the `size` points have some variable exactly at an end of its interval or at zero:
    an answer undefined only there (x²/x at x = 0) is judged by the points just beside them."""
    rows = np.zeros(size, dtype=bool)
    for name, values in env.items():
        domain = domains[name]
        rows |= (values == domain.low) | (values == domain.high) | (values == 0)
    return rows


def describe_domains(domains: Mapping[str, Domain]) -> str:
    """`x in [0, 1], n in {1, …, 9}`, for messages to the rubric's author."""
    return ", ".join(f"{name} in {domain}" for name, domain in domains.items()) or "no variables"
