"""Which responses an LMS may show in its iframe: decided per response, for the registered platforms only.

Every page says `frame-ancestors 'none'` (and X-Frame-Options: DENY). Under /lti/ (the launch, the
check, the deep-linking picker, their failure pages), and on every page of a browser whose session
began inside an LMS frame (the FRAME_COOKIE set when that sign-in completed there), the CSP names
the registered platforms' origins instead and X-Frame-Options is dropped (it cannot name an
origin). Any other page, and any page for any other site, stays unframeable.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

from grader.serve.lti.config import LtiConfig
from grader.serve.lti.signin import FRAME_COOKIE

DENIED = "frame-ancestors 'none'"


def frameable(request: Request) -> bool:
    return request.url.path.startswith("/lti/") or request.cookies.get(FRAME_COOKIE) == "1"


def allow_platforms(response: Response, config: LtiConfig) -> None:
    """Let the registered platforms (and nobody else) frame this response."""
    policy = response.headers.get("content-security-policy")
    origins = " ".join(config.framing_origins)
    if policy and DENIED in policy and origins:
        response.headers["content-security-policy"] = policy.replace(DENIED, f"frame-ancestors {origins}")
        if "x-frame-options" in response.headers:
            del response.headers["x-frame-options"]


def install(app: FastAPI, config: LtiConfig) -> None:
    """The middleware; added after the app's own, so it sees the headers every response ends with."""

    @app.middleware("http")
    async def _frames(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        if frameable(request):
            allow_platforms(response, config)
        return response
