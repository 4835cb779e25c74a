"""The web sessions' rows (part of the storage layer, STYLE.md lesson 13): whose each is, when it ends.

A session is a student's or a staff member's (one of `student_id`, `staff_id`); the cookie is a random
id of which only the hash is kept (grader.serve.web_session). `Storage` has these methods as a
mixin, so they share its engine and its write transactions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, select, update

from grader.serve.db_schema import sessions, staff, students
from grader.serve.people import Person, StaffRecord, StudentRecord

SESSION_TOUCH = dt.timedelta(seconds=60)  # a session's last-seen time is written at most this often


@dataclass(frozen=True)
class SessionRecord:
    student_id: str | None  # one of the two is set
    staff_id: str | None
    created_at: dt.datetime
    last_seen_at: dt.datetime

    @property
    def holder(self) -> str:
        return self.student_id if self.student_id is not None else f"staff {self.staff_id}"


class SessionTables:
    """Storage's methods for sessions (mixed into `Storage`, whose `engine` and `_write` they use)."""

    engine: Engine
    _write: Callable[..., AbstractContextManager[Connection]]

    def start_session(self, id_hash: str, student_id: str | None, now: dt.datetime, *,
                      staff_id: str | None = None) -> None:
        """A session of a student, or (student_id None) of a staff member."""
        if (student_id is None) == (staff_id is None):
            raise ValueError("a session is a student's or a staff member's")
        with self._write() as connection:
            connection.execute(sessions.insert().values(id_hash=id_hash, student_id=student_id, staff_id=staff_id,
                                                        created_at=now, last_seen_at=now))

    def session_person(self, id_hash: str, now: dt.datetime, *, idle: dt.timedelta,
                       lifetime: dt.timedelta) -> Person | None:
        """The student or staff member of an open session that has been neither idle for `idle` nor open for
        `lifetime`; a session past either is ended. Seeing it counts as activity."""
        with self.engine.connect() as connection:
            row = connection.execute(
                select(sessions, students.c.name, students.c.email, staff.c.name.label("staff_name"),
                       staff.c.email.label("staff_email"), staff.c.role)
                .outerjoin(students, students.c.id == sessions.c.student_id)
                .outerjoin(staff, staff.c.id == sessions.c.staff_id)
                .where(sessions.c.id_hash == id_hash, sessions.c.ended_at.is_(None))).first()
        if row is None:
            return None
        why = ("expired" if now - row.created_at > lifetime else "idle" if now - row.last_seen_at > idle else None)
        if why is not None:
            self.end_session(id_hash, now, why)
            return None
        if now - row.last_seen_at > SESSION_TOUCH:
            with self._write(flush=False) as connection:
                connection.execute(update(sessions).where(sessions.c.id_hash == id_hash).values(last_seen_at=now))
        if row.staff_id is not None:
            return StaffRecord(row.staff_id, row.staff_name, row.staff_email, row.role)
        return StudentRecord(row.student_id, row.name, row.email, True)

    def session_student(self, id_hash: str, now: dt.datetime, *, idle: dt.timedelta,
                        lifetime: dt.timedelta) -> StudentRecord | None:
        """The student of an open session (see `session_person`); None for a staff member's."""
        person = self.session_person(id_hash, now, idle=idle, lifetime=lifetime)
        return person if isinstance(person, StudentRecord) else None

    def end_session(self, id_hash: str, now: dt.datetime, why: str) -> None:
        with self._write() as connection:
            connection.execute(update(sessions).where(sessions.c.id_hash == id_hash, sessions.c.ended_at.is_(None))
                               .values(ended_at=now, ended_why=why))

    def end_sessions(self, student_id: str, now: dt.datetime, why: str, *, staff_member: bool = False) -> int:
        """End every open session of one student (or staff member); how many there were."""
        with self._write() as connection:
            return self._end_sessions(connection, student_id, now, why, staff_member=staff_member)

    @staticmethod
    def _end_sessions(connection: Connection, person_id: str, now: dt.datetime, why: str, *,
                      staff_member: bool = False) -> int:
        whose = sessions.c.staff_id if staff_member else sessions.c.student_id
        return connection.execute(update(sessions).where(whose == person_id, sessions.c.ended_at.is_(None))
                                  .values(ended_at=now, ended_why=why)).rowcount

    def open_sessions(self) -> list[SessionRecord]:
        """Sessions not ended (some may be past their idle time or lifetime, and end when next seen)."""
        with self.engine.connect() as connection:
            rows = connection.execute(select(sessions).where(sessions.c.ended_at.is_(None))
                                      .order_by(sessions.c.student_id, sessions.c.staff_id,
                                                sessions.c.created_at)).all()
        return [SessionRecord(row.student_id, row.staff_id, row.created_at, row.last_seen_at) for row in rows]
