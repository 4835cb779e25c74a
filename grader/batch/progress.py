"""A one-line progress bar on stderr: count, rate and time left. Only for a terminal.

The bar is redrawn at most REDRAW_SECONDS apart and wiped at the end, so nothing of it is left
in a log. When stderr is not a terminal (a pipe, a file, CI) or --quiet is given, it is silent.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

REDRAW_SECONDS = 0.1  # ten redraws a second look smooth and cost nothing
BAR_WIDTH = 28


class Progress:
    """`advance(n)` as files finish; `close()` wipes the line."""

    def __init__(self, total: int, *, enabled: bool, stream: TextIO | None = None) -> None:
        self.total = total
        self.done = 0
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self._start = time.monotonic()
        self._drawn = 0.0
        self._width = 0

    @classmethod
    def for_terminal(cls, total: int, *, quiet: bool) -> "Progress":
        """Enabled when stderr is a terminal and --quiet was not given."""
        return cls(total, enabled=not quiet and sys.stderr.isatty())

    def advance(self, count: int) -> None:
        self.done += count
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._drawn >= REDRAW_SECONDS or self.done >= self.total:
            self._drawn = now
            self._draw(now - self._start)

    def line(self, elapsed: float) -> str:
        """The text of the bar after `elapsed` seconds."""
        fraction = self.done / self.total if self.total else 1.0
        filled = int(BAR_WIDTH * fraction)
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate > 0 else None
        eta = _clock(left) if left is not None else "--:--"
        return (f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {self.done:,}/{self.total:,} files  "
                f"{rate:,.0f}/s  {eta} left")

    def _draw(self, elapsed: float) -> None:
        text = self.line(elapsed)
        self.stream.write("\r" + text.ljust(self._width))
        self.stream.flush()
        self._width = len(text)

    def close(self) -> None:
        if self.enabled and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
