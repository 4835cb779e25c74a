"""Slow down what should be rare: N events a minute per key, then 429 with Retry-After for a while.

Two uses: unknown tokens per client address (guessing), and files per student (a flood that would
fill the database). Per server process and in memory (a restart forgets, which only helps for one
minute); behind a reverse proxy the address is the one uvicorn reads from X-Forwarded-For.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from grader.serve.errors import ServiceError

WINDOW_SECONDS = 60.0
MAX_KEYS = 100_000  # forget the oldest keys past this, so a scan from many addresses cannot fill memory


class Throttle:
    """Counts events per key over the last minute; `check` refuses a key that had `per_minute` of them."""

    def __init__(self, per_minute: int, message: str, fix: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.message = message
        self.fix = fix
        self.clock = clock
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, key: str) -> None:
        """429 with Retry-After when `key` had `per_minute` events within the last minute."""
        with self._lock:
            events = self._recent(key)
            if len(events) < self.per_minute:
                return
            wait = math.ceil(events[0] + WINDOW_SECONDS - self.clock())
        raise ServiceError(429, self.message, self.fix, retry_after=max(1, wait))

    def count(self, key: str) -> None:
        with self._lock:
            if key not in self._events and len(self._events) >= MAX_KEYS:
                self._events.pop(next(iter(self._events)))
            self._events.setdefault(key, deque()).append(self.clock())

    def _recent(self, key: str) -> deque[float]:
        events = self._events.get(key, deque())
        while events and events[0] <= self.clock() - WINDOW_SECONDS:
            events.popleft()
        return events
