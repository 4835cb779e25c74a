"""Service access tokens: OAuth 2 client credentials with a JWT assertion signed by the tool's key.

IMS Security Framework 1.0, 4.1: the assertion's `iss` and `sub` are the tool's client_id, `aud`
the platform's token URL, with a fresh `jti`; the platform answers a bearer token for the scopes
asked. Tokens are cached per (platform, scopes) until shortly before they expire, and dropped
when a service answers 401 (revoked early).
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from collections.abc import Callable

from grader.serve.lti.config import PlatformConfig
from grader.serve.lti.errors import PlatformError
from grader.serve.lti.http import Answer, PlatformHttp
from grader.serve.lti.keys import ToolKey, sign

ASSERTION_LIFETIME = 300  # seconds the client assertion is valid
EXPIRY_MARGIN = dt.timedelta(seconds=60)  # a cached token is renewed this long before it expires
DEFAULT_LIFETIME = 3600  # seconds, when the platform does not say (`expires_in`)
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

CacheKey = tuple[str, str, tuple[str, ...]]


class ServiceTokens:
    """The process's service tokens, by platform and scopes."""

    def __init__(self, http: PlatformHttp, signing_key: Callable[[], ToolKey],
                 clock: Callable[[], dt.datetime]) -> None:
        self.http = http
        self.signing_key = signing_key
        self.clock = clock
        self.requests = 0  # tokens asked for (the tests count them)
        self._cache: dict[CacheKey, tuple[str, dt.datetime]] = {}
        self._lock = threading.Lock()

    def token(self, platform: PlatformConfig, scopes: tuple[str, ...]) -> str:
        key = (platform.issuer, platform.client_id, tuple(sorted(scopes)))
        now = self.clock()
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None and cached[1] - EXPIRY_MARGIN > now:
                return cached[0]
        token, expires = self._request(platform, key[2], now)
        with self._lock:
            self._cache[key] = (token, expires)
        return token

    def forget(self, platform: PlatformConfig, scopes: tuple[str, ...]) -> None:
        with self._lock:
            self._cache.pop((platform.issuer, platform.client_id, tuple(sorted(scopes))), None)

    def _request(self, platform: PlatformConfig, scopes: tuple[str, ...], now: dt.datetime) -> tuple[str, dt.datetime]:
        self.requests += 1
        issued = int(now.timestamp())
        assertion = sign(self.signing_key(), {
            "iss": platform.client_id, "sub": platform.client_id, "aud": platform.auth_token_url,
            "iat": issued, "exp": issued + ASSERTION_LIFETIME, "jti": secrets.token_urlsafe(24)})
        what = f"the service token from {platform.issuer}"
        answer = self.http.ok(self.http.request("POST", platform.auth_token_url, what, data={
            "grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": assertion, "scope": " ".join(scopes)}, headers={"Accept": "application/json"}),
            what, now)
        data = answer.json(what)
        token = data.get("access_token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise PlatformError(f"{what}: the answer has no access_token")
        lifetime = data.get("expires_in", DEFAULT_LIFETIME)
        lifetime = lifetime if isinstance(lifetime, (int, float)) and 0 < lifetime < 10**7 else DEFAULT_LIFETIME
        return token, now + dt.timedelta(seconds=lifetime)

    def call(self, platform: PlatformConfig, scopes: tuple[str, ...], method: str, url: str, what: str,
             expected: tuple[int, ...], **kwargs: object) -> Answer:
        """A platform service's answer to a call with the bearer token for `scopes` (asked for again once after
        a 401: a token revoked early); a PlatformError when the status is not `expected`."""
        headers = dict(kwargs.pop("headers", None) or {})  # type: ignore[call-overload]
        for attempt in (1, 2):
            headers["Authorization"] = f"Bearer {self.token(platform, scopes)}"
            answer = self.http.request(method, url, what, headers=headers, **kwargs)
            if answer.status != 401 or attempt == 2:
                break
            self.forget(platform, scopes)
        return self.http.ok(answer, what, self.clock(), expected)
