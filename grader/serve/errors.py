"""The service's one error type: an HTTP status, a message for the student and what to do about it."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """A refusal the API answers as `{"error": {"status", "message", "fix"}}` (pages render it as HTML)."""

    def __init__(self, status: int, message: str, fix: str = "", *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.fix = fix
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        return {"error": {"status": self.status, "message": self.message, "fix": self.fix}}

    def headers(self) -> dict[str, str]:
        headers = {"Retry-After": str(max(1, self.retry_after))} if self.retry_after is not None else {}
        if self.status == 401:
            headers["WWW-Authenticate"] = 'Bearer realm="grade"'
        return headers
