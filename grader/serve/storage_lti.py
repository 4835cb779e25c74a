"""LTI 1.3's tables (part of the storage layer, STYLE.md lesson 13): logins, handoffs, people, links, the outbox.

`Storage` has these methods as a mixin, so they share its engine and its write transactions; no
other module writes SQL. A login's state and a handoff's ticket are kept as hashes and used once.
A platform's user (issuer, sub) is linked to the student (a Learner's launch) and/or the staff
member (an Instructor's or TA's) it is, found by the roster's id (the platform's person sourcedid),
then by email, else made from the launch; so a token student and an LMS student with the same id
are one student. The outbox holds one pending row per (resource link, student) whose counted
score may have changed; the sender reads the score when it posts, so a row is never stale.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, func, insert, or_, select, update

from grader.serve.db_schema import (lti_handoffs, lti_identities, lti_links, lti_logins, lti_memberships, lti_outbox,
                                    staff, students)
from grader.serve.people import Person, StaffRecord, StudentRecord

EPHEMERAL_KEPT = dt.timedelta(days=1)  # used or stale login states and handoffs are dropped after this
TIMESTAMP_STEP = dt.timedelta(milliseconds=1)  # AGS: each post of a user's score carries a later timestamp
PERSON_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")  # as submit.yaml's student.id (it names files)


@dataclass(frozen=True)
class LoginRecord:
    issuer: str
    client_id: str
    nonce: str
    created_at: dt.datetime
    used_before: bool  # the state had been used already: a replay


@dataclass(frozen=True)
class Handoff:
    kind: str  # sign-in | deep-link
    person: Person
    destination: str
    payload: str | None
    created_at: dt.datetime


@dataclass(frozen=True)
class LtiUser:
    """A platform's user as a launch or a roster names them."""

    issuer: str
    subject: str
    name: str | None = None
    email: str | None = None
    sourcedid: str | None = None  # lis.person_sourcedid: the school's (SIS) id


@dataclass(frozen=True)
class LinkRecord:
    id: int
    issuer: str
    client_id: str
    deployment_id: str
    context_id: str
    resource_link_id: str
    assignment_id: str | None
    title: str | None
    lineitems_url: str | None
    lineitem_url: str | None
    ags_scopes: str
    memberships_url: str | None


LINK_FIELDS = tuple(field.name for field in fields(LinkRecord))


@dataclass(frozen=True)
class OutboxRow:
    id: int
    link: LinkRecord
    student_id: str
    subject: str
    state: str  # pending | sent | unchanged | failed | nothing
    repost: bool
    queued_at: dt.datetime
    tries: int
    next_try_at: dt.datetime
    score_given: float | None
    score_maximum: float | None
    grading_progress: str | None
    timestamp: dt.datetime | None
    status: int | None
    message: str | None
    done_at: dt.datetime | None


def _link(values: Mapping[str, Any], prefix: str = "") -> LinkRecord:
    """A link from a row's columns (named `prefix` + the column's name)."""
    return LinkRecord(**{field: values[prefix + field] for field in LINK_FIELDS} | {
        "ags_scopes": values[prefix + "ags_scopes"] or ""})


class LtiTables:
    """Storage's methods for LTI 1.3 (mixed into `Storage`, whose `engine` and `_write` they use)."""

    engine: Engine
    _write: Callable[..., AbstractContextManager[Connection]]

    # --- logins (state and nonce) ----------------------------------------------------------------------
    def lti_begin_login(self, state_hash: str, nonce: str, issuer: str, client_id: str, now: dt.datetime) -> None:
        with self._write(flush=False) as connection:
            connection.execute(delete(lti_logins).where(lti_logins.c.created_at < now - EPHEMERAL_KEPT))
            connection.execute(lti_logins.insert().values(state_hash=state_hash, nonce=nonce, issuer=issuer,
                                                          client_id=client_id, created_at=now))

    def lti_use_login(self, state_hash: str, now: dt.datetime) -> LoginRecord | None:
        """The login of this state, marked used (None for a state never given out); `used_before` on a replay."""
        with self._write() as connection:
            row = connection.execute(select(lti_logins).where(lti_logins.c.state_hash == state_hash)).first()
            if row is None:
                return None
            if row.used_at is None:
                connection.execute(update(lti_logins).where(lti_logins.c.state_hash == state_hash).values(used_at=now))
        return LoginRecord(row.issuer, row.client_id, row.nonce, row.created_at, row.used_at is not None)

    # --- handoffs (launch -> page, launch -> picker) ------------------------------------------------------
    def lti_add_handoff(self, ticket_hash: str, kind: str, person: Person, destination: str, payload: str | None,
                        now: dt.datetime) -> None:
        staff_member = isinstance(person, StaffRecord)
        with self._write(flush=False) as connection:
            connection.execute(delete(lti_handoffs).where(lti_handoffs.c.created_at < now - EPHEMERAL_KEPT))
            connection.execute(lti_handoffs.insert().values(
                ticket_hash=ticket_hash, kind=kind, student_id=None if staff_member else person.id,
                staff_id=person.id if staff_member else None, destination=destination, payload=payload,
                created_at=now))

    def lti_handoff(self, ticket_hash: str, kind: str, now: dt.datetime, max_age: dt.timedelta, *,
                    use: bool) -> Handoff | None:
        """An unused handoff of `kind` younger than `max_age` (None otherwise); `use` marks it used."""
        with self._write(flush=False) as connection:
            row = connection.execute(
                select(lti_handoffs, students.c.name, students.c.email, staff.c.name.label("staff_name"),
                       staff.c.email.label("staff_email"), staff.c.role)
                .outerjoin(students, students.c.id == lti_handoffs.c.student_id)
                .outerjoin(staff, staff.c.id == lti_handoffs.c.staff_id)
                .where(lti_handoffs.c.ticket_hash == ticket_hash, lti_handoffs.c.kind == kind,
                       lti_handoffs.c.used_at.is_(None))).first()
            if row is None or now - row.created_at > max_age:
                return None
            if use:
                used = connection.execute(update(lti_handoffs).where(
                    lti_handoffs.c.ticket_hash == ticket_hash, lti_handoffs.c.used_at.is_(None)).values(used_at=now))
                if used.rowcount != 1:
                    return None
        person: Person = (StaffRecord(row.staff_id, row.staff_name, row.staff_email, row.role)
                          if row.staff_id is not None else StudentRecord(row.student_id, row.name, row.email, True))
        return Handoff(row.kind, person, row.destination, row.payload, row.created_at)

    # --- people ------------------------------------------------------------------------------------------
    def lti_person(self, user: LtiUser, staff_role: str | None, now: dt.datetime) -> Person:
        """The student (staff_role None) or staff member a platform's user is: the one linked to (issuer, sub)
        before, else the one whose id is the user's sourcedid, else the one with their email (when exactly one
        has it), else a new one made from the launch. The link is recorded, so the next launch finds them."""
        with self._write() as connection:
            known = connection.execute(select(lti_identities).where(
                lti_identities.c.issuer == user.issuer, lti_identities.c.subject == user.subject)).first()
            if staff_role is not None:
                member_id = (known.staff_id if known is not None and known.staff_id is not None
                             else self._match(connection, staff, user) or self._new_person(connection, staff, user))
                if connection.scalar(select(func.count()).where(staff.c.id == member_id)) == 0:
                    connection.execute(staff.insert().values(id=member_id, name=user.name, email=user.email,
                                                             role=staff_role))
                values = {"staff_id": member_id}
            else:
                student_id = (known.student_id if known is not None and known.student_id is not None
                              else self._match(connection, students, user) or self._new_person(connection, students,
                                                                                                 user))
                if connection.scalar(select(func.count()).where(students.c.id == student_id)) == 0:
                    connection.execute(students.insert().values(id=student_id, name=user.name, email=user.email))
                values = {"student_id": student_id}
            details = {"name": user.name, "email": user.email, "sourcedid": user.sourcedid, "last_seen_at": now}
            if known is None:
                connection.execute(lti_identities.insert().values(issuer=user.issuer, subject=user.subject,
                                                                  first_seen_at=now, **details, **values))
            else:
                connection.execute(update(lti_identities).where(
                    lti_identities.c.issuer == user.issuer, lti_identities.c.subject == user.subject)
                    .values(**details, **values))
            table = staff if staff_role is not None else students
            row = connection.execute(select(table).where(table.c.id == next(iter(values.values())))).first()
        if staff_role is not None:
            return StaffRecord(row.id, row.name, row.email, row.role)
        return StudentRecord(row.id, row.name, row.email, row.token_hash is not None)

    @staticmethod
    def _match(connection: Connection, table: object, user: LtiUser) -> str | None:
        columns = table.c  # type: ignore[attr-defined]
        if user.sourcedid:
            found = connection.scalar(select(columns.id).where(columns.id == user.sourcedid))
            if found is not None:
                return found
        if user.email:
            found = connection.execute(select(columns.id).where(
                func.lower(columns.email) == user.email.strip().lower())).scalars().all()
            if len(found) == 1:
                return found[0]
        return None

    @staticmethod
    def _new_person(connection: Connection, table: object, user: LtiUser) -> str:
        """An id for someone new: the sourcedid or the email when either is a valid id used by nobody (student or
        staff), else `lti-` and a digest of (issuer, sub)."""
        digest = hashlib.sha256("\0".join((user.issuer, user.subject)).encode()).hexdigest()
        for candidate in (user.sourcedid, user.email, f"lti-{digest[:16]}", f"lti-{digest[:32]}"):
            if candidate and PERSON_ID.match(candidate) and not any(
                    connection.scalar(select(func.count()).where(other.c.id == candidate)) for other in (students, staff)):
                return candidate
        return f"lti-{digest[:48]}"

    def lti_add_members(self, issuer: str, context_id: str, subjects: Iterable[str], now: dt.datetime) -> None:
        """Record that these users are in the platform's course `context_id` (its scores may be posted there)."""
        subjects = sorted(set(subjects))
        if not subjects:
            return
        with self._write(flush=False) as connection:
            known = set(connection.execute(select(lti_memberships.c.subject).where(
                lti_memberships.c.issuer == issuer, lti_memberships.c.context_id == context_id)).scalars())
            fresh = [subject for subject in subjects if subject not in known]
            if fresh:
                connection.execute(insert(lti_memberships), [
                    {"issuer": issuer, "context_id": context_id, "subject": subject, "seen_at": now}
                    for subject in fresh])
            seen = [subject for subject in subjects if subject in known]
            if seen:
                connection.execute(update(lti_memberships).where(
                    lti_memberships.c.issuer == issuer, lti_memberships.c.context_id == context_id,
                    lti_memberships.c.subject.in_(seen)).values(seen_at=now))

    # --- resource links ------------------------------------------------------------------------------------
    def lti_save_link(self, link: LinkRecord, now: dt.datetime) -> LinkRecord:
        """Record a launched resource link (or refresh it); a line item found earlier is kept unless the launch
        names one. `link.id` is ignored."""
        key = and_(lti_links.c.issuer == link.issuer, lti_links.c.deployment_id == link.deployment_id,
                   lti_links.c.resource_link_id == link.resource_link_id)
        values = {"client_id": link.client_id, "context_id": link.context_id, "assignment_id": link.assignment_id,
                  "title": link.title, "lineitems_url": link.lineitems_url, "ags_scopes": link.ags_scopes,
                  "memberships_url": link.memberships_url, "last_launch_at": now}
        with self._write() as connection:
            row = connection.execute(select(lti_links).where(key)).first()
            if row is None:
                connection.execute(lti_links.insert().values(
                    issuer=link.issuer, deployment_id=link.deployment_id, resource_link_id=link.resource_link_id,
                    lineitem_url=link.lineitem_url, first_launch_at=now, **values))
            else:
                if link.lineitem_url or row.assignment_id != link.assignment_id:
                    values["lineitem_url"] = link.lineitem_url  # a new assignment: its own line item, found again
                connection.execute(update(lti_links).where(key).values(**values))
            return _link(connection.execute(select(lti_links).where(key)).first()._mapping)

    def lti_links(self, assignment_id: str | None = None) -> list[LinkRecord]:
        query = select(lti_links).order_by(lti_links.c.id)
        if assignment_id is not None:
            query = query.where(lti_links.c.assignment_id == assignment_id)
        with self.engine.connect() as connection:
            return [_link(row._mapping) for row in connection.execute(query)]

    def lti_set_line_item(self, link_id: int, url: str) -> None:
        with self._write() as connection:
            connection.execute(update(lti_links).where(lti_links.c.id == link_id).values(lineitem_url=url))

    # --- the score outbox ----------------------------------------------------------------------------------
    def lti_score_changed(self, assignment_id: str, student_ids: Sequence[str], now: dt.datetime, *,
                          repost: bool = False) -> int:
        """Queue a post for each (resource link of the assignment, student in its platform course) among
        `student_ids`; a row already pending for the pair stays (it posts the score as it is when sent).
        How many rows were queued. Students without an LMS link cost one read."""
        pairs_query = (select(lti_links.c.id, lti_identities.c.student_id, lti_identities.c.subject)
                       .join(lti_memberships, and_(lti_memberships.c.issuer == lti_links.c.issuer,
                                                   lti_memberships.c.context_id == lti_links.c.context_id))
                       .join(lti_identities, and_(lti_identities.c.issuer == lti_memberships.c.issuer,
                                                  lti_identities.c.subject == lti_memberships.c.subject))
                       .where(lti_links.c.assignment_id == assignment_id,
                              lti_identities.c.student_id.in_(list(student_ids))))
        with self.engine.connect() as connection:
            pairs = connection.execute(pairs_query).all()
        if not pairs:
            return 0
        queued = 0
        with self._write(flush=False) as connection:
            for link_id, student_id, subject in pairs:
                pending = and_(lti_outbox.c.link_id == link_id, lti_outbox.c.student_id == student_id,
                               lti_outbox.c.subject == subject, lti_outbox.c.state == "pending")
                if connection.scalar(select(func.count()).select_from(lti_outbox).where(pending)):
                    if repost:  # `grade lti sync`: now, not after a backoff
                        connection.execute(update(lti_outbox).where(pending).values(repost=True, next_try_at=now))
                    continue
                connection.execute(lti_outbox.insert().values(
                    link_id=link_id, student_id=student_id, subject=subject, state="pending", repost=repost,
                    queued_at=now, tries=0, next_try_at=now))
                queued += 1
        return queued

    def lti_claim(self, now: dt.datetime, lease: dt.timedelta) -> list[OutboxRow]:
        """The due rows of one resource link, claimed for `lease` (another sender, in this process or another,
        skips them meanwhile; one link at a time, so two senders never both create its line item). Each row
        gets the timestamp its post will carry: after every earlier one of the same user."""
        due = and_(lti_outbox.c.state == "pending", lti_outbox.c.next_try_at <= now,
                   or_(lti_outbox.c.claimed_until.is_(None), lti_outbox.c.claimed_until < now))
        with self._write("lti-outbox") as connection:
            first = connection.execute(select(lti_outbox.c.link_id).where(due)
                                       .order_by(lti_outbox.c.next_try_at, lti_outbox.c.id).limit(1)).first()
            if first is None:
                return []
            ids = list(connection.execute(select(lti_outbox.c.id).where(due, lti_outbox.c.link_id == first.link_id)
                                          .order_by(lti_outbox.c.id)).scalars())
            issuer = connection.scalar(select(lti_links.c.issuer).where(lti_links.c.id == first.link_id))
            for row_id in ids:
                subject = connection.scalar(select(lti_outbox.c.subject).where(lti_outbox.c.id == row_id))
                last = connection.scalar(select(func.max(lti_outbox.c.timestamp)).select_from(lti_outbox).join(
                    lti_links, lti_links.c.id == lti_outbox.c.link_id).where(
                    lti_links.c.issuer == issuer, lti_outbox.c.subject == subject))
                stamp = max(now, last + TIMESTAMP_STEP) if last is not None else now
                connection.execute(update(lti_outbox).where(lti_outbox.c.id == row_id).values(
                    claimed_until=now + lease, timestamp=stamp))
        return self.lti_outbox(ids=ids)

    def lti_last_sent(self, link_id: int, student_id: str, subject: str) -> OutboxRow | None:
        """The latest score that reached the platform for this link and user."""
        rows = self.lti_outbox(link_id=link_id, student_id=student_id, subject=subject, states=("sent",))
        return rows[-1] if rows else None

    def lti_finish(self, row_id: int, now: dt.datetime, *, state: str, status: int | None, message: str | None,
                   score: tuple[float, float, str] | None = None, retry_at: dt.datetime | None = None) -> None:
        """Record a try: done (`sent`, `unchanged`, `nothing`, `failed`) or, with `retry_at`, pending again."""
        values: dict[str, object] = {"state": state, "status": status, "message": (message or "")[:2000] or None,
                                     "claimed_until": None, "tries": lti_outbox.c.tries + 1}
        if score is not None:
            values.update(score_given=score[0], score_maximum=score[1], grading_progress=score[2])
        if retry_at is not None:
            values["next_try_at"] = retry_at
        else:
            values["done_at"] = now
        with self._write() as connection:
            connection.execute(update(lti_outbox).where(lti_outbox.c.id == row_id).values(**values))

    def lti_outbox(self, *, states: Sequence[str] | None = None, ids: Sequence[int] | None = None,
                   link_id: int | None = None, student_id: str | None = None,
                   subject: str | None = None) -> list[OutboxRow]:
        """Outbox rows with their links, oldest first."""
        query = select(lti_outbox, *(column.label(f"link_row_{column.name}") for column in lti_links.c)).join(
            lti_links, lti_links.c.id == lti_outbox.c.link_id)
        for column, wanted in ((lti_outbox.c.link_id, link_id), (lti_outbox.c.student_id, student_id),
                               (lti_outbox.c.subject, subject)):
            if wanted is not None:
                query = query.where(column == wanted)
        if states is not None:
            query = query.where(lti_outbox.c.state.in_(list(states)))
        if ids is not None:
            query = query.where(lti_outbox.c.id.in_(list(ids)))
        with self.engine.connect() as connection:
            rows = connection.execute(query.order_by(lti_outbox.c.id)).all()
        found = []
        for row in rows:
            link = _link(row._mapping, "link_row_")
            found.append(OutboxRow(row.id, link, row.student_id, row.subject, row.state, bool(row.repost),
                                   row.queued_at, row.tries, row.next_try_at, row.score_given, row.score_maximum,
                                   row.grading_progress, row.timestamp, row.status, row.message, row.done_at))
        return found
