"""Who may use the staff pages and the staff API: one dependency, `require_staff`, decides it everywhere.

Every `/staff/...` page and every `/api/v1/staff/...` call depends on `require_staff` (the few
that change every student's grade on `require_instructor`, which builds on it). The API is asked
with a token (`Authorization: Bearer`), the pages with the session cookie; either way a student's
token or session is 403, and no credential at all is 401 (which the pages answer with the
sign-in form). Staff sign in the way students do (a staff token on the same page, or an LMS launch
with an Instructor or TA role): whichever way, `pages.signed_in_redirect` starts the session.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from grader.serve import web_session
from grader.serve.errors import ServiceError
from grader.serve.people import Person, StaffRecord
from grader.serve.service import Service, service_of
from grader.serve.storage_desk import AuditEntry

STAFF_ONLY = ServiceError(403, "this is for the course's staff (TAs and instructors)",
                          "sign in with a staff token; your own work is on the first page")
INSTRUCTOR_ONLY = ServiceError(403, "only an instructor may do this (it changes every student's grade)",
                               "ask an instructor of the course")


def session_person(request: Request) -> Person | None:
    """Whoever the browser's session cookie belongs to (None without an open session)."""
    service = service_of(request)
    return web_session.session_person(service.storage, request.cookies.get(web_session.SESSION_COOKIE),
                                      service.clock())


def staff_signed_in(request: Request) -> bool:
    return isinstance(session_person(request), StaffRecord)


def _token_person(request: Request) -> Person:
    """The person of `Authorization: Bearer TOKEN` (401 without one or for an unknown one, 429 after failures)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    client = request.client.host if request.client else "unknown"
    return service_of(request).identify(token.strip() if scheme.lower() == "bearer" else None, client)


def require_staff(request: Request) -> StaffRecord:
    """The staff member making this request: the API by token, the pages by session. A student is 403; nobody
    is 401 (the API's error, the pages' sign-in form)."""
    if request.url.path.startswith("/api/"):
        person = _token_person(request)
    else:
        person = session_person(request)
        if person is None:
            raise ServiceError(401, "sign in to use the staff pages", "sign in with your staff token")
    if not isinstance(person, StaffRecord):
        raise STAFF_ONLY
    return person


def require_instructor(member: Annotated[StaffRecord, Depends(require_staff)]) -> StaffRecord:
    """An instructor (a TA is 403): for what changes every student's grade at once (applying a regrade)."""
    if not member.is_instructor:
        raise INSTRUCTOR_ONLY
    return member


Staff = Annotated[StaffRecord, Depends(require_staff)]
Instructor = Annotated[StaffRecord, Depends(require_instructor)]


def record_sign_in(service: Service, member: StaffRecord) -> None:
    """A staff sign-in is an action like any other: it goes into the audit table."""
    service.storage.record_audit(AuditEntry(member.id, "sign-in", None, None, f"{member.role} signed in"),
                                 service.clock())
