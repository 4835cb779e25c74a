"""The course database's tables, its schema version and the steps that upgrade an older database.

Part of the storage layer: only `storage` uses these tables (STYLE.md lesson 13). A step in
MIGRATIONS turns version N into N + 1 inside the transaction that opens the database, keeping
every row; `storage` refuses a newer or a foreign database instead of misreading it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import (Boolean, Column, Connection, Float, ForeignKey, Integer, LargeBinary, MetaData, String,
                        Table, Text, TypeDecorator, UniqueConstraint, func, update)

SCHEMA_VERSION = 2


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
    Column("granted_by", Text, nullable=False), Column("granted_at", UTCDateTime, nullable=False))
sessions = Table(
    "sessions", metadata,  # web sign-ins: the cookie is a random id, of which only the hash is kept
    Column("id_hash", String(64), primary_key=True),
    Column("student_id", String(64), ForeignKey("students.id"), nullable=False, index=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime),
    Column("ended_why", Text))


def _sizes_and_sessions(connection: Connection) -> None:
    """Version 1 -> 2: each file's size and whether its bytes are kept; the sessions table."""
    connection.exec_driver_sql("ALTER TABLE files ADD COLUMN size INTEGER")
    connection.exec_driver_sql("ALTER TABLE files ADD COLUMN kept BOOLEAN")
    connection.execute(update(files).values(size=func.length(files.c.body), kept=True))
    sessions.create(connection)


MIGRATIONS: dict[int, Callable[[Connection], None]] = {1: _sizes_and_sessions}  # version N -> the step to N + 1
