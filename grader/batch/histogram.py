"""The score histogram of summary.html, laid out as plain numbers for an inline SVG.

Bins have a "nice" width (¼, ½, 1, 2, 2.5, 5, 10... points) so that there are at most MAX_BINS
of them; a score equal to the maximum falls in the last bin. The template only draws rectangles
and labels at the coordinates computed here, so it needs no arithmetic and no script.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from grader.reports import points

MAX_BINS = 20  # enough resolution for a grade distribution, few enough to label every other bar
NICE_STEPS = (1.0, 2.0, 2.5, 5.0)
WIDTH, HEIGHT = 760, 260  # the SVG's user units; it scales to the page width
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 16, 44  # margins for the axes' labels


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    count: int
    label: str  # "12–14"
    range_text: str  # "12 to under 14" (the last bin: "34 to 36"), for the table read by screen readers


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Histogram:
    width: int
    height: int
    bars: list[Bar]
    x_ticks: list[Tick]  # x positions on the score axis
    y_ticks: list[Tick]  # y positions on the count axis
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float


def bin_width(max_score: float) -> float:
    """The smallest nice width that covers 0..max_score in at most MAX_BINS bins."""
    exponent = math.floor(math.log10(max(max_score, 1e-9) / MAX_BINS)) - 1
    while True:
        for step in NICE_STEPS:
            width = step * 10.0 ** exponent
            if max_score / width <= MAX_BINS + 1e-9:
                return width
        exponent += 1


def histogram(totals: Sequence[float], max_score: float) -> Histogram:
    """Count the totals into bins and place the bars, axis ticks and labels."""
    width = bin_width(max_score)
    bins = max(1, math.ceil(max_score / width - 1e-9))
    counts = [0] * bins
    for total in totals:
        counts[min(bins - 1, max(0, int(total // width)))] += 1
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    tallest = max(counts) or 1
    y_step = _count_step(tallest)
    y_max = math.ceil(tallest / y_step) * y_step
    slot = plot_width / bins
    bars = []
    for index, count in enumerate(counts):
        height = plot_height * count / y_max
        low, high = index * width, min(max_score, (index + 1) * width)
        bars.append(Bar(x=round(LEFT + index * slot + 1, 2), y=round(TOP + plot_height - height, 2),
                        width=round(max(slot - 2, 1), 2), height=round(height, 2), count=count,
                        label=f"{points(low)}–{points(high)}",
                        range_text=f"{points(low)} to {'' if index == bins - 1 else 'under '}{points(high)}"))
    label_every = 1 if bins <= 10 else 2
    x_ticks = [Tick(round(LEFT + index * slot, 2), points(min(max_score, index * width)))
               for index in range(0, bins + 1, label_every)]
    if x_ticks[-1].label != points(max_score):
        x_ticks.append(Tick(float(LEFT + plot_width), points(max_score)))
    y_ticks = [Tick(round(TOP + plot_height - plot_height * value / y_max, 2), str(value))
               for value in range(0, y_max + 1, y_step)]
    return Histogram(width=WIDTH, height=HEIGHT, bars=bars, x_ticks=x_ticks, y_ticks=y_ticks,
                     plot_left=LEFT, plot_right=LEFT + plot_width, plot_top=TOP, plot_bottom=TOP + plot_height)


def _count_step(tallest: int) -> int:
    """A step for the count axis that gives about five gridlines."""
    raw = max(1.0, tallest / 5)
    magnitude = 10 ** math.floor(math.log10(raw))
    for step in (1, 2, 5, 10):
        if step * magnitude >= raw:
            return int(step * magnitude)
    return int(10 * magnitude)
