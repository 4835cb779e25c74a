"""course.yaml's `lti:` section: the service's public address and the platforms (Canvas, Moodle) it trusts.

Read by the same strict pydantic models as the rest of course.yaml (a mistake stops `grade serve`
at start with the key and the fix). Every URL is `https://`, except `http://` on a loopback
address (a local trial, the tests): a key set, a token or a score never travels in the clear.
"""

from __future__ import annotations

import ipaddress
from typing import Literal, get_args
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, StrictStr, field_validator, model_validator

PlatformKind = Literal["canvas", "moodle", "other"]
PLATFORM_KINDS: tuple[str, ...] = get_args(PlatformKind)
LOOPBACK_NAMES = ("localhost",)


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def allowed_url(url: str) -> bool:
    """https://, or http:// to this machine (DESIGN.md: LTI 1.3, "Details an LMS relies on")."""
    parts = urlsplit(url)
    if not parts.netloc or parts.username or parts.password:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and is_loopback(parts.hostname))


def origin(url: str) -> str:
    """`https://school.instructure.com` of any URL on it (scheme, host and port)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _checked_url(value: str) -> str:
    if not allowed_url(value):
        raise ValueError(f"`{value[:80]}` must be an https:// address (http:// only on this machine: 127.0.0.1, "
                         "localhost)")
    return value.rstrip("/") if urlsplit(value).path in ("", "/") else value


class PlatformConfig(BaseModel):
    """One LMS registration: what its admin shows after adding the tool (README: Connecting Canvas or Moodle)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    issuer: StrictStr = Field(description="The platform's issuer (`iss`): https://canvas.instructure.com for "
                                          "Canvas cloud, the site's address for Moodle.")
    client_id: StrictStr = Field(min_length=1, description="The client id the platform gave this tool.")
    auth_login_url: StrictStr = Field(description="The platform's OIDC authorization endpoint.")
    auth_token_url: StrictStr = Field(description="The platform's OAuth 2 token endpoint (for scores and rosters).")
    key_set_url: StrictStr = Field(description="The platform's public key set (JWKS) URL.")
    deployment_ids: list[StrictStr] = Field(min_length=1, description="The deployment ids launches may carry.")
    kind: PlatformKind = Field(default="other", description="canvas | moodle | other: only how `grade lti setup` "
                                                            "words the steps.")
    frame_origins: list[StrictStr] = Field(default_factory=list, description=(
        "The origins whose pages show the service in an iframe (Canvas: your school's address, "
        "https://school.instructure.com); the issuer's and the login URL's origins are always included."))

    @field_validator("issuer", "auth_login_url", "auth_token_url", "key_set_url")
    @classmethod
    def _https(cls, value: str) -> str:
        return _checked_url(value)

    @field_validator("frame_origins")
    @classmethod
    def _origins(cls, values: list[str]) -> list[str]:
        return [origin(_checked_url(value)) for value in values]

    @property
    def framing_origins(self) -> list[str]:
        """The origins allowed to frame the launch and the pages reached from it."""
        found = [origin(self.issuer), origin(self.auth_login_url), *self.frame_origins]
        return list(dict.fromkeys(found))


class LtiConfig(BaseModel):
    """course.yaml `lti:` (DESIGN.md: LTI 1.3)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: StrictStr = Field(description="The service's public base URL, as students reach it (behind the TLS proxy).")
    platforms: list[PlatformConfig] = Field(default_factory=list, description="The LMS registrations trusted.")

    @field_validator("url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        value = _checked_url(value)
        if urlsplit(value).query or urlsplit(value).fragment:
            raise ValueError("the service's URL has no query or fragment: https://grader.example.edu")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _unique(self) -> LtiConfig:
        seen: set[tuple[str, str]] = set()
        for platform in self.platforms:
            key = (platform.issuer, platform.client_id)
            if key in seen:
                raise ValueError(f"the platform {platform.issuer} with client_id {platform.client_id} is listed twice")
            seen.add(key)
        return self

    def platform(self, issuer: str, client_id: str | None) -> PlatformConfig | None:
        """The registration of `issuer` (and `client_id`, when given or when the issuer has several)."""
        matches = [p for p in self.platforms if p.issuer == issuer.rstrip("/") or p.issuer == issuer]
        if client_id:
            matches = [p for p in matches if p.client_id == client_id]
        return matches[0] if len(matches) == 1 else None

    def endpoint(self, path: str) -> str:
        return f"{self.url}{path}"

    @property
    def framing_origins(self) -> list[str]:
        return list(dict.fromkeys(origin for platform in self.platforms for origin in platform.framing_origins))
