"""The platforms' public key sets (JWKS), fetched from each `key_set_url` and cached.

A launch names its key by `kid`. A known kid is answered from the cache; an unknown one fetches
the key set again once (the platform may have rotated its key) and fails if it is still unknown.
Refetches are spaced by REFETCH_INTERVAL, so a flood of launches with made-up kids is not a flood
of requests to the platform.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from joserfc.jwk import RSAKey

from grader.serve.lti.config import PlatformConfig
from grader.serve.lti.errors import LtiError, PlatformError
from grader.serve.lti.http import PlatformHttp

KEY_SET_TTL = dt.timedelta(hours=1)  # a fetched key set is fetched again after this, kid known or not
REFETCH_INTERVAL = dt.timedelta(seconds=10)  # at most one refetch for unknown kids per platform in this time


@dataclass
class _Cached:
    fetched_at: dt.datetime
    keys: dict[str, RSAKey] = field(default_factory=dict)


class PlatformKeys:
    """Each platform's keys by kid, shared by every request of the process."""

    def __init__(self, http: PlatformHttp, clock: Callable[[], dt.datetime]) -> None:
        self.http = http
        self.clock = clock
        self.fetches = 0  # how many times a key set was fetched (the tests count them)
        self._cache: dict[str, _Cached] = {}
        self._lock = threading.Lock()

    def key(self, platform: PlatformConfig, kid: str) -> RSAKey | None:
        """The platform's key `kid`, or None when a fresh key set does not have it either."""
        now = self.clock()
        with self._lock:
            cached = self._cache.get(platform.key_set_url)
            stale = cached is None or now - cached.fetched_at > KEY_SET_TTL
            if not stale and kid in cached.keys:  # type: ignore[union-attr]
                return cached.keys[kid]  # type: ignore[union-attr]
            if stale or now - cached.fetched_at >= REFETCH_INTERVAL:  # type: ignore[union-attr]
                cached = self._cache[platform.key_set_url] = _Cached(now, self._fetch(platform, now))
            return cached.keys.get(kid)  # type: ignore[union-attr]

    def _fetch(self, platform: PlatformConfig, now: dt.datetime) -> dict[str, RSAKey]:
        self.fetches += 1
        what = "the platform's key set"
        try:
            answer = self.http.ok(self.http.request("GET", platform.key_set_url, what,
                                                    headers={"Accept": "application/json"}), what, now)
            data = answer.json(what)
        except PlatformError as exc:
            raise LtiError(502, f"the platform's key set could not be fetched ({exc.message})",
                           f"check `key_set_url` for {platform.issuer} in course.yaml ({platform.key_set_url}): it "
                           "must answer the platform's public keys as JSON") from None
        keys: dict[str, RSAKey] = {}
        for entry in data.get("keys", []) if isinstance(data, dict) else []:
            if not isinstance(entry, dict) or entry.get("kty") != "RSA" or not isinstance(entry.get("kid"), str):
                continue
            if entry.get("use", "sig") != "sig" or entry.get("alg", "RS256") != "RS256":
                continue
            try:
                keys[entry["kid"]] = RSAKey.import_key({name: value for name, value in entry.items()
                                                        if name in ("kty", "n", "e", "kid")})
            except Exception:  # noqa: BLE001, S112 - a key this tool cannot read is one it will not trust
                continue
        return keys
