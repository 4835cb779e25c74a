"""The web page's sign-in sessions, kept on the server, and its CSRF tokens.

Signing in makes a session: a random id in the browser's cookie, and in the database only its
SHA-256 with the student (or the staff member: `start_staff_session`), the time and the last time it was seen. A session ends on sign-out, when
the student's token is reissued, after IDLE_TIMEOUT without a visit, after SESSION_LIFETIME in any
case, and by `grade sessions COURSE --end STUDENT`. Nothing in a copy of the database is enough to
sign anyone in: it holds hashes of tokens and session ids, never what a browser presents.

Each form carries a CSRF token derived from the cookie it belongs to (the session's, or before
sign-in a random pre-session cookie's) and the course's secret; a POST whose token does not match
its cookie is refused. SameSite on the cookie is a second line, not the only one.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets

from grader.serve.people import Person, StaffRecord
from grader.serve.storage import Storage, StudentRecord

SESSION_COOKIE = "grade_session"
LOGIN_COOKIE = "grade_login"  # the pre-session cookie that the sign-in form's CSRF token is bound to
SESSION_LIFETIME = 12 * 3600  # seconds: a working day; then the student signs in again
IDLE_TIMEOUT = 2 * 3600  # seconds without a visit after which a session ends (a student who left the library)
LOGIN_LIFETIME = 3600  # seconds a sign-in form stays valid
MAX_COOKIE_CHARS = 128


def _signature(secret: bytes, purpose: str, value: str) -> str:
    digest = hmac.new(secret, f"{purpose}\n{value}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _id_hash(cookie: str) -> str:
    return hashlib.sha256(cookie.encode("utf-8", "surrogatepass")).hexdigest()


def start_student_session(storage: Storage, student: StudentRecord, now: dt.datetime) -> str:
    """A new session for `student`; the cookie value (shown to the browser only)."""
    cookie = secrets.token_urlsafe(32)
    storage.start_session(_id_hash(cookie), student.id, now)
    return cookie


def start_staff_session(storage: Storage, member: StaffRecord, now: dt.datetime) -> str:
    """A new session for a TA or an instructor (a staff token's sign-in, or an LMS launch with a staff role)."""
    cookie = secrets.token_urlsafe(32)
    storage.start_session(_id_hash(cookie), None, now, staff_id=member.id)
    return cookie


start_session = start_student_session  # (the name the student pages use)


def session_person(storage: Storage, cookie: str | None, now: dt.datetime) -> Person | None:
    """The student or staff member of an open session, or None for anything else."""
    if not cookie or len(cookie) > MAX_COOKIE_CHARS:
        return None
    return storage.session_person(_id_hash(cookie), now, idle=dt.timedelta(seconds=IDLE_TIMEOUT),
                                  lifetime=dt.timedelta(seconds=SESSION_LIFETIME))


def session_student(storage: Storage, cookie: str | None, now: dt.datetime) -> StudentRecord | None:
    """The student of an open session, or None for anything else (a staff member's session included)."""
    person = session_person(storage, cookie, now)
    return person if isinstance(person, StudentRecord) else None


def end_session(storage: Storage, cookie: str | None, now: dt.datetime, why: str = "signed out") -> None:
    if cookie and len(cookie) <= MAX_COOKIE_CHARS:
        storage.end_session(_id_hash(cookie), now, why)


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
