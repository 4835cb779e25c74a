"""The course database's tables, its schema version and the steps that upgrade an older database.

Part of the storage layer: only `storage` uses these tables (STYLE.md lesson 13). A step in
MIGRATIONS turns version N into N + 1 inside the transaction that opens the database, keeping
every row; `storage` refuses a newer or a foreign database instead of misreading it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import (Boolean, Column, Connection, Float, ForeignKey, Index, Integer, LargeBinary, MetaData,
                        String, Table, Text, TypeDecorator, UniqueConstraint, func, update)

SCHEMA_VERSION = 4
LTI_ID = 255  # characters: LTI 1.3 caps `sub`, resource link and context ids at 255 ASCII characters


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes stored as fixed-width ISO text, so they sort and read the same on both databases."""

    impl = String(32)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> str | None:
        return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00") if value else None

    def process_result_value(self, value: str | None, dialect: Any) -> dt.datetime | None:
        return dt.datetime.fromisoformat(value) if value else None


metadata = MetaData()
meta = Table("meta", metadata, Column("key", String(64), primary_key=True), Column("value", Text, nullable=False))
students = Table(
    "students", metadata,
    Column("id", String(64), primary_key=True),
    Column("name", Text), Column("email", Text),
    Column("token_hash", String(64), unique=True), Column("token_issued_at", UTCDateTime))
files = Table(
    "files", metadata,  # every file received; the graded ones carry an attempt number
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("student_id", String(64), ForeignKey("students.id"), nullable=False, index=True),
    Column("assignment_id", String(64), nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("body", LargeBinary, nullable=False),  # verbatim; emptied when a refused file passes the allowance
    Column("outcome", String(16), nullable=False),  # received | graded | refused
    Column("status", Integer), Column("message", Text),
    Column("attempt", Integer), Column("graded_at", UTCDateTime),
    Column("late", Boolean),  # late when it was recorded (history: lateness is decided from the current terms)
    Column("score", Float), Column("max_score", Float),
    Column("result", Text),  # the Result JSON as graded (before the feedback policy trims it)
    Column("size", Integer),  # bytes received
    Column("kept", Boolean),  # whether `body` holds them (a refused file past the allowance is counted, not kept)
    UniqueConstraint("student_id", "assignment_id", "attempt", name="one_number_per_attempt"))
extensions = Table(
    "extensions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("student_id", String(64), ForeignKey("students.id"), nullable=False),
    Column("assignment_id", String(64), nullable=False),
    Column("due", UTCDateTime), Column("attempts", Integer),
    Column("granted_by", Text, nullable=False), Column("granted_at", UTCDateTime, nullable=False),
    Column("reason", Text))  # why (the staff page asks; `grade extend` leaves it empty)
staff = Table(
    "staff", metadata,  # TAs and instructors: never students, so no student list or statistic counts them
    Column("id", String(64), primary_key=True),
    Column("name", Text), Column("email", Text),
    Column("role", String(16), nullable=False),  # ta | instructor
    Column("token_hash", String(64), unique=True), Column("token_issued_at", UTCDateTime))
sessions = Table(
    "sessions", metadata,  # web sign-ins: the cookie is a random id, of which only the hash is kept
    Column("id_hash", String(64), primary_key=True),
    Column("student_id", String(64), ForeignKey("students.id"), index=True),  # whose: a student's ...
    Column("staff_id", String(64), ForeignKey("staff.id"), index=True),  # ... or a staff member's (one of the two)
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime),
    Column("ended_why", Text))
decisions = Table(
    "decisions", metadata,  # TA decisions, never updated: the latest per (assignment, student, question) holds
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("assignment_id", String(64), nullable=False),
    Column("student_id", String(64), ForeignKey("students.id"), nullable=False),
    Column("question_id", String(128), nullable=False),
    Column("answer_sha256", String(64)),  # the answer it judged (as review.yaml binds it); null: any answer
    Column("score", Float),  # null: the decision was withdrawn (the answer is provisional again)
    Column("comment", Text),
    Column("decided_by", Text, nullable=False), Column("decided_at", UTCDateTime, nullable=False),
    Column("source", String(16), nullable=False),  # page | api | import
    Index("decisions_by_answer", "assignment_id", "student_id", "question_id"))
regrades = Table(
    "regrades", metadata,  # a graded attempt graded again (a fixed rubric): beside its first result, never over it
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("file_id", Integer, ForeignKey("files.id"), nullable=False, index=True),
    Column("result", Text, nullable=False), Column("score", Float, nullable=False),
    Column("max_score", Float, nullable=False),
    Column("regraded_by", Text, nullable=False), Column("regraded_at", UTCDateTime, nullable=False))
audit = Table(
    "audit", metadata,  # every staff action: who, when, what
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", Text, nullable=False),  # a staff id, or `os:USER` for a command run on the server
    Column("action", String(32), nullable=False),
    Column("assignment_id", String(64)), Column("student_id", String(64), index=True),
    Column("detail", Text, nullable=False))

lti_logins = Table(
    "lti_logins", metadata,  # OIDC logins begun at /lti/login: each state (kept as its hash) and nonce used once
    Column("state_hash", String(64), primary_key=True),
    Column("nonce", String(64), nullable=False, unique=True),
    Column("issuer", Text, nullable=False), Column("client_id", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False, index=True), Column("used_at", UTCDateTime))
lti_handoffs = Table(
    "lti_handoffs", metadata,  # one-time tickets from a launch to the page (or the deep-linking picker)
    Column("ticket_hash", String(64), primary_key=True),
    Column("kind", String(16), nullable=False),  # sign-in | deep-link
    Column("student_id", String(64), ForeignKey("students.id")),
    Column("staff_id", String(64), ForeignKey("staff.id")),
    Column("destination", Text, nullable=False),  # the page the person lands on
    Column("payload", Text),  # deep linking: the request's settings (JSON)
    Column("created_at", UTCDateTime, nullable=False, index=True), Column("used_at", UTCDateTime))
lti_identities = Table(
    "lti_identities", metadata,  # a platform's user (issuer, sub) and the student and/or staff member they are
    Column("issuer", String(LTI_ID), primary_key=True), Column("subject", String(LTI_ID), primary_key=True),
    Column("student_id", String(64), ForeignKey("students.id"), index=True),
    Column("staff_id", String(64), ForeignKey("staff.id")),
    Column("name", Text), Column("email", Text), Column("sourcedid", Text),
    Column("first_seen_at", UTCDateTime, nullable=False), Column("last_seen_at", UTCDateTime, nullable=False))
lti_memberships = Table(
    "lti_memberships", metadata,  # who is in which of the platform's courses (from launches and NRPS rosters)
    Column("issuer", String(LTI_ID), primary_key=True), Column("context_id", String(LTI_ID), primary_key=True),
    Column("subject", String(LTI_ID), primary_key=True),
    Column("seen_at", UTCDateTime, nullable=False))
lti_links = Table(
    "lti_links", metadata,  # resource links (an assignment placed in a platform's course) and their line items
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("issuer", String(LTI_ID), nullable=False), Column("client_id", String(LTI_ID), nullable=False),
    Column("deployment_id", String(LTI_ID), nullable=False),
    Column("context_id", String(LTI_ID), nullable=False),
    Column("resource_link_id", String(LTI_ID), nullable=False),
    Column("assignment_id", String(64)),  # null: the link names no assignment (its launches land on the list)
    Column("title", Text),
    Column("lineitems_url", Text), Column("lineitem_url", Text),  # from the AGS claim; lineitem_url once found
    Column("ags_scopes", Text),  # space-separated, as the platform granted them
    Column("memberships_url", Text),  # NRPS
    Column("first_launch_at", UTCDateTime, nullable=False), Column("last_launch_at", UTCDateTime, nullable=False),
    UniqueConstraint("issuer", "deployment_id", "resource_link_id", name="one_row_per_link"))
lti_outbox = Table(
    "lti_outbox", metadata,  # scores to post: a row per (link, student) whose counted score may have changed
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("link_id", Integer, ForeignKey("lti_links.id"), nullable=False),
    Column("student_id", String(64), ForeignKey("students.id"), nullable=False),
    Column("subject", String(LTI_ID), nullable=False),  # the AGS userId
    Column("state", String(16), nullable=False),  # pending | sent | unchanged | failed | nothing
    Column("repost", Boolean, nullable=False),  # `grade lti sync`: post even an unchanged score
    Column("queued_at", UTCDateTime, nullable=False),
    Column("tries", Integer, nullable=False),
    Column("next_try_at", UTCDateTime, nullable=False), Column("claimed_until", UTCDateTime),
    Column("score_given", Float), Column("score_maximum", Float), Column("grading_progress", String(16)),
    Column("timestamp", UTCDateTime),  # the score's timestamp as last sent
    Column("status", Integer), Column("message", Text),  # the platform's last answer
    Column("done_at", UTCDateTime),
    Index("lti_outbox_due", "state", "next_try_at"), Index("lti_outbox_by_student", "link_id", "student_id"))
LTI_TABLES = (lti_logins, lti_handoffs, lti_identities, lti_memberships, lti_links, lti_outbox)


V2_SESSIONS = ("CREATE TABLE sessions (id_hash VARCHAR(64) NOT NULL PRIMARY KEY, student_id VARCHAR(64) NOT NULL "
               "REFERENCES students (id), created_at VARCHAR(32) NOT NULL, last_seen_at VARCHAR(32) NOT NULL, "
               "ended_at VARCHAR(32), ended_why TEXT)")
V2_SESSION_COLUMNS = "id_hash, student_id, created_at, last_seen_at, ended_at, ended_why"


def _sizes_and_sessions(connection: Connection) -> None:
    """Version 1 -> 2: each file's size and whether its bytes are kept; the sessions table."""
    connection.exec_driver_sql("ALTER TABLE files ADD COLUMN size INTEGER")
    connection.exec_driver_sql("ALTER TABLE files ADD COLUMN kept BOOLEAN")
    connection.execute(update(files).values(size=func.length(files.c.body), kept=True))
    connection.exec_driver_sql(V2_SESSIONS)  # as version 2 had it (the table is reshaped by the next step)
    connection.exec_driver_sql("CREATE INDEX ix_sessions_student_id ON sessions (student_id)")


def _staff_and_decisions(connection: Connection) -> None:
    """Version 2 -> 3: the staff and their sessions, TA decisions, regrades, the audit table, extension reasons."""
    for table in (staff, decisions, regrades, audit):
        table.create(connection)
    connection.exec_driver_sql("ALTER TABLE extensions ADD COLUMN reason TEXT")
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("ALTER TABLE sessions ALTER COLUMN student_id DROP NOT NULL")
        connection.exec_driver_sql("ALTER TABLE sessions ADD COLUMN staff_id VARCHAR(64) REFERENCES staff (id)")
        connection.exec_driver_sql("CREATE INDEX ix_sessions_staff_id ON sessions (staff_id)")
        return
    # SQLite cannot drop a NOT NULL: the table is made anew and its rows copied over (SQLite's own recipe)
    connection.exec_driver_sql("DROP INDEX ix_sessions_student_id")
    connection.exec_driver_sql("ALTER TABLE sessions RENAME TO sessions_v2")
    sessions.create(connection)
    connection.exec_driver_sql(f"INSERT INTO sessions ({V2_SESSION_COLUMNS}) SELECT {V2_SESSION_COLUMNS} "
                               "FROM sessions_v2")
    connection.exec_driver_sql("DROP TABLE sessions_v2")


def _lti(connection: Connection) -> None:
    """Version 3 -> 4: LTI 1.3's tables (logins, handoffs, identities, memberships, links, the score outbox)."""
    for table in LTI_TABLES:
        table.create(connection)


MIGRATIONS: dict[int, Callable[[Connection], None]] = {  # version N -> the step to N + 1
    1: _sizes_and_sessions, 2: _staff_and_decisions, 3: _lti}
