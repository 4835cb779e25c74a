"""Who a launch is, which page they land on, and the handoff that signs them in there.

The person: the student (a Learner) or staff member (an Instructor or TA) linked to the launch's
(issuer, sub), found or made by `Storage.lti_person`. The page: a Learner's lands on the link's
assignment, staff on its staff page (or /staff/). The resource link is recorded with its AGS and
NRPS endpoints, and the person as a member of the platform's course, so scores can go back.

Sign-in ends in `pages.signed_in_redirect`, as every sign-in does. Inside the LMS's iframe the
browser may refuse the session cookie (third-party cookies blocked), and the server cannot tell
until the next request: so the launch stores a one-time ticket (its hash) and sets a probe cookie,
then /lti/check sees whether the probe came back. If it did, the session starts in the frame; if
not, the page offers "continue in a new window" (a plain link), where the ticket signs them in as a
first party. No step needs JavaScript.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from grader.serve.course import Course
from grader.serve.lti.claims import RESOURCE_LINK_REQUEST, Launch
from grader.serve.lti.errors import LtiError
from grader.serve.people import Person, StaffRecord
from grader.serve.storage import Storage
from grader.serve.storage_lti import LinkRecord, LtiUser

HANDOFF_LIFETIME = dt.timedelta(minutes=10)  # from the launch to the click on "continue in a new window"
PROBE_COOKIE = "grade_lti_probe"  # set by the launch: back at /lti/check only if the frame may keep cookies
FRAME_COOKIE = "grade_lti_frame"  # this browser's session began in an LMS frame: its pages may be framed there


def ticket_hash(ticket: str) -> str:
    return hashlib.sha256(ticket.encode("utf-8", "surrogatepass")).hexdigest()


def probe_value(secret: bytes, ticket: str) -> str:
    """The probe cookie of one launch: bound to its ticket, so another launch's probe does not count."""
    return hmac.new(secret, f"lti-probe\n{ticket}".encode(), hashlib.sha256).hexdigest()


def probe_matches(secret: bytes, ticket: str, cookie: str | None) -> bool:
    return bool(cookie) and hmac.compare_digest(str(cookie).encode(), probe_value(secret, ticket).encode())


def person_for(storage: Storage, launch: Launch, now: dt.datetime) -> Person:
    """The student or staff member of the launch, and their membership in the platform's course."""
    user = LtiUser(launch.platform.issuer, launch.subject, launch.name, launch.email, launch.sourcedid)
    person = storage.lti_person(user, launch.staff_role, now)
    if launch.context_id:
        storage.lti_add_members(launch.platform.issuer, launch.context_id, [launch.subject], now)
    return person


def record_link(course: Course, storage: Storage, launch: Launch, now: dt.datetime) -> LinkRecord | None:
    """The launch's resource link, recorded with its assignment and its service endpoints."""
    if launch.message_type != RESOURCE_LINK_REQUEST:
        return None
    assignment_id = launch.assignment_id
    if assignment_id is not None and assignment_id not in course.assignments:
        raise LtiError(404, f"this link is for the assignment `{assignment_id}`, which the course does not have",
                       f"set the link's custom parameter to assignment={' or assignment='.join(course.assignments)} "
                       "(or add the assignment back to course.yaml); a link made by deep linking names it itself")
    ags = launch.ags
    scopes = ags.get("scope") if isinstance(ags.get("scope"), list) else []
    link = LinkRecord(0, launch.platform.issuer, launch.platform.client_id, launch.deployment_id,
                      launch.context_id, str(launch.resource_link.get("id")), assignment_id,
                      _short(launch.resource_link.get("title")), _url(ags.get("lineitems")), _url(ags.get("lineitem")),
                      " ".join(scope for scope in scopes if isinstance(scope, str)), launch.memberships_url)
    return storage.lti_save_link(link, now)


def destination(person: Person, link: LinkRecord | None) -> str:
    """Where the person lands: the assignment's page (staff: its staff page), else their first page."""
    assignment = link.assignment_id if link is not None else None
    if isinstance(person, StaffRecord):
        return f"/staff/assignments/{assignment}" if assignment else "/staff/"
    return f"/assignments/{assignment}" if assignment else "/"


def _url(value: object) -> str | None:
    return value if isinstance(value, str) and value and len(value) <= 2000 else None


def _short(value: object) -> str | None:
    return value.strip()[:200] or None if isinstance(value, str) else None
