"""The one error of the LTI routes: what is wrong, and what the course's admin should check."""

from __future__ import annotations

from grader.serve.errors import ServiceError


class LtiError(ServiceError):
    """A launch, a login or a deep link that cannot go on. `check` (the ServiceError's fix) tells the admin
    what to look at in the LMS or in course.yaml; the page says it, never a traceback."""

    def __init__(self, status: int, message: str, check: str) -> None:
        super().__init__(status, message, check)

    @property
    def check(self) -> str:
        return self.fix


class PlatformError(Exception):
    """A platform's service (token, line items, scores, roster) answered with a failure, or not at all."""

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None,
                 retryable: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.retry_after = retry_after
        self.retryable = retryable
