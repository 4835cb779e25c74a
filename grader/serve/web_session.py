"""The web page's sign-in session and its CSRF tokens: signed with the course's secret, nothing stored.

A session cookie holds the hash of the token the student signed in with (never the token) and the
time of sign-in, signed (HMAC-SHA256) with the secret kept in the course's database: every server
process and every restart accepts it, nobody without the secret can make one, and it ends after
SESSION_LIFETIME or as soon as the token is reissued (`grade tokens --reissue`). Each form carries a CSRF token derived from the cookie it
belongs to (the session's, or before sign-in a random pre-session cookie's); a POST whose token
does not match its cookie is refused. SameSite on the cookie is a second line, not the only one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SESSION_COOKIE = "grade_session"
LOGIN_COOKIE = "grade_login"  # the pre-session cookie that the sign-in form's CSRF token is bound to
SESSION_LIFETIME = 12 * 3600  # seconds: a working day; then the student signs in again
LOGIN_LIFETIME = 3600  # seconds a sign-in form stays valid


def _signature(secret: bytes, purpose: str, value: str) -> str:
    digest = hmac.new(secret, f"{purpose}\n{value}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def new_session(secret: bytes, token_hash: str, now: float) -> str:
    """The cookie value for a student who signed in at `now` (seconds since the epoch) with the token of
    `token_hash`. The session names the token, not the student: reissuing the token ends it."""
    payload = f"{token_hash}.{int(now)}"
    return f"{payload}.{_signature(secret, 'session', payload)}"


def session_token_hash(secret: bytes, cookie: str | None, now: float) -> str | None:
    """The token hash of a valid, unexpired session cookie; None for anything else."""
    if not cookie or len(cookie) > 256:
        return None
    payload, _, signature = cookie.rpartition(".")
    if not hmac.compare_digest(signature.encode(), _signature(secret, "session", payload).encode()):
        return None
    token_hash, _, issued = payload.partition(".")
    if not issued.isdigit() or not 0 <= now - int(issued) <= SESSION_LIFETIME:
        return None
    return token_hash


def new_login_cookie() -> str:
    """A random value that ties the sign-in form to this browser."""
    return secrets.token_urlsafe(24)


def csrf_token(secret: bytes, cookie: str) -> str:
    """The token every form of the page carries: bound to the cookie (session or pre-session) it was served with."""
    return _signature(secret, "csrf", cookie)


def csrf_matches(secret: bytes, cookie: str | None, submitted: object) -> bool:
    """Whether a POST's form token belongs to the cookie the browser sent with it."""
    if not cookie or not isinstance(submitted, str) or not submitted:
        return False
    return hmac.compare_digest(submitted.encode(), csrf_token(secret, cookie).encode())
