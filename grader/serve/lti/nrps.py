"""Names and Role Provisioning Services: the platform course's members, into the course's roster.

`grade lti roster COURSE --assignment ID` reads the members of the course an assignment's link is
in (every page, by the `Link: rel="next"` header) and adds or updates each active member: Learners
as students, Instructors and TAs as staff, each matched as a launch would match them (by the
platform's person sourcedid, then email, else made new). They are recorded as members of that
platform course too, so their scores go back before they ever launch. Tokens are then needed only
for students outside the LMS.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from grader.serve.lti.ags import MAX_PAGES, next_page
from grader.serve.lti.claims import SCOPE_NRPS, staff_role
from grader.serve.lti.config import PlatformConfig
from grader.serve.lti.errors import PlatformError
from grader.serve.lti.service_token import ServiceTokens
from grader.serve.people import StaffRecord
from grader.serve.storage import Storage
from grader.serve.storage_lti import LinkRecord, LtiUser

MEMBERSHIP_CONTAINER = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"


@dataclass
class RosterReport:
    students_new: list[str] = field(default_factory=list)
    students_known: list[str] = field(default_factory=list)
    staff: list[str] = field(default_factory=list)
    skipped: int = 0  # inactive or deleted members, or members without a user id


def members(tokens: ServiceTokens, platform: PlatformConfig, url: str) -> list[dict[str, Any]]:
    """Every member of the context, page after page."""
    found: list[dict[str, Any]] = []
    next_url: str | None = url
    for _page in range(MAX_PAGES):
        if next_url is None:
            return found
        what = "reading the course's members"
        answer = tokens.call(platform, (SCOPE_NRPS,), "GET", next_url, what, (200,),
                             headers={"Accept": MEMBERSHIP_CONTAINER})
        data = answer.json(what)
        page = data.get("members") if isinstance(data, dict) else None
        if not isinstance(page, list):
            raise PlatformError(f"{what}: the answer has no `members` list")
        found.extend(member for member in page if isinstance(member, dict))
        next_url = next_page(answer.headers.get("link"))
    raise PlatformError(f"the members did not end after {MAX_PAGES} pages")


def apply_roster(storage: Storage, link: LinkRecord, found: list[dict[str, Any]], now: dt.datetime) -> RosterReport:
    """Add or update each active member as a student or a staff member, and record them in the context."""
    report = RosterReport()
    known = {student.id for student in storage.students()}
    subjects = []
    for member in found:
        user_id = member.get("user_id")
        if not isinstance(user_id, str) or not user_id or len(user_id) > 255 or member.get("status", "Active") != "Active":
            report.skipped += 1
            continue
        user = LtiUser(link.issuer, user_id, _text(member.get("name")) or _joined(member),
                       _text(member.get("email")), _text(member.get("lis_person_sourcedid")))
        person = storage.lti_person(user, staff_role(member.get("roles")), now)
        if isinstance(person, StaffRecord):
            report.staff.append(person.id)
        else:
            (report.students_known if person.id in known else report.students_new).append(person.id)
        subjects.append(user_id)
    storage.lti_add_members(link.issuer, link.context_id, subjects, now)
    return report


def _text(value: object) -> str | None:
    return value.strip()[:255] or None if isinstance(value, str) else None


def _joined(member: dict[str, Any]) -> str | None:
    return " ".join(part for part in (_text(member.get("given_name")), _text(member.get("family_name"))) if part) or None
