"""Every call the tool makes to a platform: httpx, no redirects, one deadline, a size cap, https only.

A service token is a credential: a client that followed a redirect could hand it to another host,
so a 3xx is an answer like any other (and a failure). The platform's URLs come from course.yaml and
from signed launches, and are checked again here: https://, or http:// to this machine.
Failures become `PlatformError`s that say whether trying again later may help: a 429, a 5xx,
Canvas's 403 with `x-rate-limit-remaining: 0.0`, or no answer at all.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
from dataclasses import dataclass
from typing import Any

import httpx

from grader import __version__
from grader.serve.lti.config import allowed_url
from grader.serve.lti.errors import PlatformError

REQUEST_TIMEOUT = 15.0  # seconds for one call to a platform, connection included
MAX_ANSWER = 8 * 1024 * 1024  # bytes: a roster page of a large course is well under this
MESSAGE_CHARS = 300  # characters of a platform's error text kept for `grade lti status`


@dataclass(frozen=True)
class Answer:
    status: int
    headers: httpx.Headers
    body: bytes

    def json(self, what: str) -> Any:
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            raise PlatformError(f"{what}: the platform's answer is not JSON") from None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class PlatformHttp:
    """One process's HTTP client for platforms (thread-safe, connections pooled)."""

    def __init__(self, transport: httpx.BaseTransport | None = None) -> None:
        self.client = httpx.Client(follow_redirects=False, timeout=REQUEST_TIMEOUT, transport=transport,
                                   headers={"User-Agent": f"homework-grader/{__version__} (LTI 1.3 tool)"})

    def close(self) -> None:
        self.client.close()

    def request(self, method: str, url: str, what: str, **kwargs: Any) -> Answer:
        """The platform's answer, whatever its status; PlatformError (retryable) when there is none."""
        if not allowed_url(url):
            raise PlatformError(f"{what}: `{url[:120]}` is not an https:// address")
        try:
            with self.client.stream(method, url, **kwargs) as response:
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > MAX_ANSWER:
                        raise PlatformError(f"{what}: the platform's answer is larger than {MAX_ANSWER // 2**20} MiB")
                    chunks.append(chunk)
                return Answer(response.status_code, response.headers, b"".join(chunks))
        except httpx.HTTPError as exc:
            raise PlatformError(f"{what}: no answer from {httpx.URL(url).host} ({type(exc).__name__})",
                                retryable=True) from None

    def ok(self, answer: Answer, what: str, now: dt.datetime, expected: tuple[int, ...] = (200,)) -> Answer:
        """`answer` when its status is expected; otherwise the PlatformError it amounts to."""
        if answer.status in expected:
            return answer
        raise failure(answer, what, now)


def failure(answer: Answer, what: str, now: dt.datetime) -> PlatformError:
    """A failed answer as a PlatformError: its status, the platform's own message, whether to try again, when."""
    rate_limited = answer.status == 403 and _number(answer.headers.get("x-rate-limit-remaining")) == 0
    retryable = answer.status == 429 or answer.status >= 500 or rate_limited
    if 300 <= answer.status < 400:
        detail = f"redirected to {answer.headers.get('location', '?')[:120]} (the tool follows no redirect)"
    else:
        detail = platform_message(answer)
    kind = "rate limited" if rate_limited else f"HTTP {answer.status}"
    return PlatformError(f"{what}: {kind}: {detail}", status=answer.status, retryable=retryable,
                         retry_after=retry_after(answer.headers.get("retry-after"), now))


def platform_message(answer: Answer) -> str:
    """The platform's own words about a failure: a JSON error's message, else the body's start."""
    try:
        data = json.loads(answer.body)
    except (ValueError, UnicodeDecodeError):
        data = None
    if isinstance(data, dict):
        errors = data.get("errors")
        if isinstance(errors, list):  # Canvas: {"errors": [{"message": "..."}]}
            said = [str(error.get("message")) for error in errors if isinstance(error, dict) and error.get("message")]
            if said:
                return "; ".join(said)[:MESSAGE_CHARS]
        for key in ("error_description", "message", "error", "errors"):
            value = data.get(key)
            if value:
                return (value if isinstance(value, str) else json.dumps(value))[:MESSAGE_CHARS]
    return " ".join(answer.text.split())[:MESSAGE_CHARS] or "(no message)"


def retry_after(value: str | None, now: dt.datetime) -> float | None:
    """Retry-After in seconds: a number of seconds, or an HTTP date."""
    if not value:
        return None
    seconds = _number(value)
    if seconds is not None:
        return max(0.0, seconds)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return max(0.0, (when - now).total_seconds())


def _number(value: str | None) -> float | None:
    """`0.0`, `12`: Canvas writes its rate-limit headers as decimals."""
    try:
        number = float(value) if value is not None else None
    except ValueError:
        return None
    return number if number is not None and number == number and abs(number) != float("inf") else None
