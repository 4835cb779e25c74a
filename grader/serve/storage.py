"""The course service's database: the only module that writes SQL (SQLAlchemy 2 Core).

SQLite by default (`COURSE/grade.db`: WAL, a busy timeout, `synchronous=FULL` so that a recorded
attempt survives a crash), PostgreSQL (`postgresql://...`, through psycopg 3) for several server
processes. The schema carries a version in `meta`; an older database is upgraded in one
transaction, a newer or a foreign one is refused with a message — never silently misread.

Every file a student sends is written (`record_received`) before it is graded. An attempt is
numbered in `record_attempt`, inside a transaction that holds a per-(student, assignment) lock
(SQLite: BEGIN IMMEDIATE; PostgreSQL: an advisory transaction lock) while the policy decides, so
parallel requests cannot exceed the attempt limit or the cooldown.

Durability: a recorded attempt is flushed to disk before its 201 is sent (survives a crash of the
server, the database or the machine). A received file's own commit is not waited for on disk (that
halves the disk flushes per attempt): it survives any crash of the server process at once, and a
power cut once the next flushed commit, normally its own attempt's, is through.

Privacy: a new SQLite database is created 0600 (its -wal and -shm take its mode), and sessions are
rows here, found by the hash of the random cookie: a copy of the database signs nobody in.
Storage a student can run up is bounded here too, inside the write that stores the file: an
overall per-student limit, and a daily allowance for refused files past which a refused file's
bytes are dropped (the row, its size and its error stay, so the TA sees the count).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, func, inspect, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from grader.errors import UsageError
from grader.serve.db_schema import (MIGRATIONS, SCHEMA_VERSION, extensions, files, meta, metadata, regrades,
                                    sessions, staff, students)
from grader.serve.errors import ServiceError
from grader.serve.people import Person, StaffRecord, StudentRecord  # noqa: F401 - the records storage returns
from grader.serve.permissions import create_private
from grader.serve.storage_desk import AuditEntry, DeskTables
from grader.serve.storage_lti import LtiTables
from grader.serve.storage_sessions import SessionRecord, SessionTables
from grader.serve.policy import Extension, RecordedAttempt

DEFAULT_DB_NAME = "grade.db"
BUSY_TIMEOUT_SECONDS = 30  # SQLite: how long a writer waits for the lock before giving up
POOL_SIZE = 40  # kept open: one per request thread of FastAPI's pool (connections past it are opened and closed)
POOL_OVERFLOW = 5  # 2 processes x 45 stay under PostgreSQL's default 100 connections
POOL_RECYCLE_SECONDS = 1800  # PostgreSQL: reconnect now and then instead of pinging before every use
REFUSED_WINDOW = dt.timedelta(hours=24)  # the refused-files allowance counts the last 24 hours


@dataclass(frozen=True)
class StoredAttempt:
    """A graded attempt with its file and recorded Result, for `grade collect` and the feedback page."""

    student_id: str
    attempt: RecordedAttempt
    sha256: str
    body: bytes
    result: str
    late_when_recorded: bool


# The policy's verdict inside the transaction: (a refusal or None, the attempt's time, whether it is late).
Decide = Callable[[list[RecordedAttempt]], tuple[ServiceError | None, dt.datetime, bool]]


def database_url(db: str | None, course_folder: Path) -> str:
    """`--db` as SQLAlchemy wants it: default SQLite file, psycopg 3 for `postgresql://`."""
    if not db:
        return f"sqlite:///{(course_folder / DEFAULT_DB_NAME).resolve()}"
    for prefix in ("postgresql://", "postgres://"):
        if db.startswith(prefix):
            return "postgresql+psycopg://" + db[len(prefix):]
    if db.startswith(("sqlite:///", "postgresql+psycopg://")):
        return db
    if "://" not in db:
        return f"sqlite:///{Path(db).resolve()}"
    raise UsageError(f"--db `{db.split('://')[0]}://...` is not a database this service uses",
                     hint="give a SQLite file path, sqlite:///PATH, or postgresql://USER:PASSWORD@HOST/DB")


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for an in-memory database)."""
    database = make_url(url).database
    return Path(database) if database and database != ":memory:" else None


def _sqlite_engine(url: str) -> Engine:
    path = sqlite_path(url)
    if path is not None and path.parent.is_dir():
        create_private(path)  # before SQLite makes it with the umask's mode; -wal and -shm follow its mode
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
                           pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW)

    @event.listens_for(engine, "connect")
    def _on_connect(connection: Any, _record: Any) -> None:
        connection.isolation_level = None  # transactions are begun below, as SQLAlchemy's docs advise
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON",
                       f"busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}"):
            connection.execute(f"PRAGMA {pragma}")

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get("write_lock")
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class Storage(SessionTables, DeskTables, LtiTables):
    """The course's database. Thread-safe: each call takes a pooled connection."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self._sqlite_writers = threading.Lock() if self.is_sqlite else contextlib.nullcontext()
        try:
            self.engine = (_sqlite_engine(url) if self.is_sqlite
                           else create_engine(url, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW,
                                             pool_recycle=POOL_RECYCLE_SECONDS))
            self._prepare()
        except SQLAlchemyError as exc:
            raise UsageError(f"cannot open the database: {type(exc.orig or exc).__name__}: "
                             f"{str(exc.orig or exc).strip().splitlines()[0]}", path=self.display_url,
                             hint="check --db (for PostgreSQL: that the server runs and the role may log in)") from None

    @property
    def display_url(self) -> str:
        """The URL without its password, for messages."""
        return self.engine.url.render_as_string(hide_password=True) if hasattr(self, "engine") else self.url

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _write(self, lock_key: str | None = None, *, flush: bool = True) -> Iterator[Connection]:
        """A write transaction: SQLite takes the database's write lock at BEGIN; PostgreSQL locks `lock_key`.

        SQLite writers of this process also queue on a thread lock first: waiting in SQLite's busy
        handler means sleeping and polling, which made the slowest answers seconds slow under load.
        `flush=False` commits without waiting for the disk (still safe if this process dies; the next
        flushed commit, such as the attempt's own, makes it durable against a power cut too).
        """
        with self._sqlite_writers, self.engine.connect() as connection:
            if self.is_sqlite:  # outside any transaction, on the driver's own connection
                connection.connection.driver_connection.execute(f"PRAGMA synchronous={'FULL' if flush else 'NORMAL'}")
            connection.execution_options(write_lock=True)
            with connection.begin():
                if not self.is_sqlite and not flush:
                    connection.exec_driver_sql("SET LOCAL synchronous_commit TO off")
                if lock_key is not None and not self.is_sqlite:
                    digest = hashlib.sha256(lock_key.encode()).digest()
                    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                       {"key": int.from_bytes(digest[:8], "big", signed=True)})
                yield connection

    # --- schema ----------------------------------------------------------------------------------
    def _prepare(self) -> None:
        with self._write("schema") as connection:
            tables = set(inspect(connection).get_table_names())
            if not tables:
                metadata.create_all(connection)
                connection.execute(meta.insert(), [{"key": "schema_version", "value": str(SCHEMA_VERSION)},
                                                   {"key": "secret", "value": secrets.token_hex(32)}])
                return
            if "meta" not in tables:
                raise UsageError("this database was not made by `grade serve` (it has no `meta` table)",
                                 path=self.display_url, hint="give --db a new or a course's own database")
            recorded = connection.scalar(select(meta.c.value).where(meta.c.key == "schema_version"))
            try:
                version = int(str(recorded).strip())
            except ValueError:
                raise UsageError(f"this database's schema version is damaged (`{str(recorded)[:40]}` is not a "
                                 "number)", path=self.display_url,
                                 hint="restore the database from a backup; if you edited the `meta` table, put "
                                      f"back schema_version {SCHEMA_VERSION} (or the version it had)") from None
            if version > SCHEMA_VERSION:
                raise UsageError(f"this database has schema version {version}, newer than this grade's "
                                 f"{SCHEMA_VERSION}", path=self.display_url,
                                 hint="upgrade homework-grader on this machine (pip install -U '.[serve]')")
            while version < SCHEMA_VERSION:
                step = MIGRATIONS.get(version)
                if step is None:
                    raise UsageError(f"this database has schema version {version}, which this grade cannot "
                                     "upgrade", path=self.display_url,
                                     hint="restore it with the grade version that wrote it, then upgrade step by step")
                step(connection)
                version += 1
                connection.execute(update(meta).where(meta.c.key == "schema_version").values(value=str(version)))

    def schema_version(self) -> int:
        with self.engine.connect() as connection:
            return int(connection.scalar(select(meta.c.value).where(meta.c.key == "schema_version")))

    def secret(self) -> bytes:
        """A random key made with the database, shared by every server process (for signing cookies)."""
        with self.engine.connect() as connection:
            return bytes.fromhex(connection.scalar(select(meta.c.value).where(meta.c.key == "secret")))

    # --- students and tokens -----------------------------------------------------------------------
    def students(self) -> list[StudentRecord]:
        with self.engine.connect() as connection:
            rows = connection.execute(select(students).order_by(students.c.id)).all()
        return [StudentRecord(row.id, row.name, row.email, row.token_hash is not None) for row in rows]

    def student_by_token_hash(self, token_hash: str) -> StudentRecord | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(students).where(students.c.token_hash == token_hash)).first()
        return StudentRecord(row.id, row.name, row.email, True) if row else None

    def student(self, student_id: str) -> StudentRecord | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(students).where(students.c.id == student_id)).first()
        return StudentRecord(row.id, row.name, row.email, row.token_hash is not None) if row else None

    def save_tokens(self, issued: list[tuple[str, str | None, str | None, str]], now: dt.datetime) -> None:
        """(id, name, email, token hash) for new students and reissued tokens, in one transaction. A reissued
        token ends the student's sessions: whoever signed in with the old one is signed out."""
        with self._write() as connection:
            for student_id, name, email, token_hash in issued:
                exists = connection.scalar(select(func.count()).where(students.c.id == student_id))
                values = {"token_hash": token_hash, "token_issued_at": now}
                if exists:
                    connection.execute(update(students).where(students.c.id == student_id).values(**values))
                    self._end_sessions(connection, student_id, now, "token reissued")
                else:
                    connection.execute(students.insert().values(id=student_id, name=name, email=email, **values))

    # --- files and attempts --------------------------------------------------------------------------
    def record_received(self, student_id: str, assignment_id: str, body: bytes, at: dt.datetime, *,
                        limit: int | None) -> int | None:
        """Store a file verbatim, before anything else is done with it; its id, or None when the student's
        files would pass `limit` bytes in all (then nothing is stored). Not flushed to disk by itself: the
        attempt it becomes is, and so is every later flushed commit."""
        with self._write(f"{student_id}\0files", flush=False) as connection:
            if limit is not None:
                kept = connection.scalar(select(func.coalesce(func.sum(files.c.size), 0))
                                         .where(files.c.student_id == student_id, files.c.kept.is_(True)))
                if int(kept) + len(body) > limit:
                    return None
            return connection.execute(files.insert().values(
                student_id=student_id, assignment_id=assignment_id, received_at=at,
                sha256=hashlib.sha256(body).hexdigest(), body=body, outcome="received", size=len(body),
                kept=True)).inserted_primary_key[0]

    def mark_refused(self, file_id: int, refusal: ServiceError, *, allowance: int) -> None:
        """Record a refusal; the file's bytes stay only while the student's refused files of the last 24
        hours, this one included, are within `allowance` bytes."""
        with self._write() as connection:
            self._refuse(connection, file_id, refusal, allowance)

    @staticmethod
    def _refuse(connection: Connection, file_id: int, refusal: ServiceError, allowance: int) -> None:
        row = connection.execute(select(files.c.student_id, files.c.received_at, files.c.size)
                                 .where(files.c.id == file_id)).one()
        earlier = connection.scalar(select(func.coalesce(func.sum(files.c.size), 0)).where(
            files.c.student_id == row.student_id, files.c.outcome == "refused", files.c.kept.is_(True),
            files.c.received_at > row.received_at - REFUSED_WINDOW, files.c.id != file_id))
        values: dict[str, Any] = {"outcome": "refused", "status": refusal.status, "message": refusal.message[:2000]}
        if int(earlier) + (row.size or 0) > allowance:
            values.update(body=b"", kept=False)
        connection.execute(update(files).where(files.c.id == file_id).values(**values))

    def record_attempt(self, file_id: int, student_id: str, assignment_id: str, result_json: str,
                       score: float, max_score: float, decide: Decide, *,
                       allowance: int) -> list[RecordedAttempt] | ServiceError:
        """Under the student's lock: decide with the attempts so far; number and record it (returning all the
        student's attempts, the new one last), or refuse it (its bytes kept within `allowance`, as above)."""
        with self._write(f"{student_id}\0{assignment_id}") as connection:
            recorded = self._attempts(connection, student_id, assignment_id)
            refusal, now, late = decide(recorded)
            if refusal is not None:
                self._refuse(connection, file_id, refusal, allowance)
                return refusal
            number = max((attempt.number for attempt in recorded), default=0) + 1
            connection.execute(update(files).where(files.c.id == file_id).values(
                outcome="graded", status=201, attempt=number, late=late, score=score, max_score=max_score,
                result=result_json, graded_at=now))
            return [*recorded, RecordedAttempt(number=number, at=now, score=score, max_score=max_score)]

    def attempts(self, student_id: str, assignment_id: str) -> list[RecordedAttempt]:
        with self.engine.connect() as connection:
            return self._attempts(connection, student_id, assignment_id)

    def standing(self, student_id: str, assignment_id: str) -> tuple[Extension, list[RecordedAttempt]]:
        """The student's extension and attempts of one assignment, read together (one connection)."""
        with self.engine.connect() as connection:
            return (self._extension(connection, student_id, assignment_id),
                    self._attempts(connection, student_id, assignment_id))

    @staticmethod
    def _attempts(connection: Connection, student_id: str, assignment_id: str) -> list[RecordedAttempt]:
        """The student's graded attempts, each with its score as it stands: the latest regrade's, else the first."""
        rows = connection.execute(
            select(files.c.attempt, files.c.graded_at, func.coalesce(_latest_regrade(regrades.c.score), files.c.score),
                   func.coalesce(_latest_regrade(regrades.c.max_score), files.c.max_score))
            .where(files.c.student_id == student_id, files.c.assignment_id == assignment_id,
                   files.c.attempt.is_not(None)).order_by(files.c.attempt)).all()
        return [RecordedAttempt(*row) for row in rows]

    def attempt_result(self, student_id: str, assignment_id: str, number: int) -> str | None:
        """The Result JSON of one of the student's attempts as it stands (the latest regrade's, else as graded)."""
        with self.engine.connect() as connection:
            return connection.scalar(select(func.coalesce(_latest_regrade(regrades.c.result), files.c.result)).where(
                files.c.student_id == student_id, files.c.assignment_id == assignment_id, files.c.attempt == number))

    def graded_attempts(self, assignment_id: str) -> list[StoredAttempt]:
        """Every graded attempt of an assignment with its file, by student and number."""
        with self.engine.connect() as connection:
            rows = connection.execute(select(files).where(files.c.assignment_id == assignment_id,
                                                          files.c.attempt.is_not(None))
                                      .order_by(files.c.student_id, files.c.attempt)).all()
        return [StoredAttempt(row.student_id, RecordedAttempt(row.attempt, row.graded_at, row.score, row.max_score),
                              row.sha256, row.body, row.result, bool(row.late)) for row in rows]

    def count_files(self, assignment_id: str | None = None, outcome: str | None = None) -> int:
        query = select(func.count()).select_from(files)
        if assignment_id is not None:
            query = query.where(files.c.assignment_id == assignment_id)
        if outcome is not None:
            query = query.where(files.c.outcome == outcome)
        with self.engine.connect() as connection:
            return int(connection.scalar(query))

    def dropped_files(self, assignment_id: str) -> dict[str, int]:
        """Per student, the refused files whose bytes were not kept (past the daily allowance)."""
        with self.engine.connect() as connection:
            rows = connection.execute(select(files.c.student_id, func.count()).where(
                files.c.assignment_id == assignment_id, files.c.kept.is_(False))
                .group_by(files.c.student_id).order_by(files.c.student_id)).all()
        return {student_id: count for student_id, count in rows}

    def extensions_of(self, assignment_id: str) -> dict[str, Extension]:
        """Every student's extension of one assignment (students without one are left out)."""
        with self.engine.connect() as connection:
            granted = connection.execute(select(extensions.c.student_id).where(
                extensions.c.assignment_id == assignment_id).distinct()).scalars().all()
            return {student_id: self._extension(connection, student_id, assignment_id) for student_id in granted}

    # --- extensions ----------------------------------------------------------------------------------
    def add_extension(self, student_id: str, assignment_id: str, due: dt.datetime | None, attempts: int | None,
                      granted_by: str, now: dt.datetime, *, reason: str | None = None,
                      audit: AuditEntry | None = None) -> None:
        """Record a grant (and, from the staff pages, its audit entry in the same transaction)."""
        with self._write() as connection:
            connection.execute(extensions.insert().values(student_id=student_id, assignment_id=assignment_id,
                                                          due=due, attempts=attempts, granted_by=granted_by,
                                                          granted_at=now, reason=reason))
            if audit is not None:
                self._audit(connection, [audit], now)

    def extension(self, student_id: str, assignment_id: str) -> Extension:
        """The latest due date and the latest attempt limit granted (each may come from a different grant)."""
        with self.engine.connect() as connection:
            return self._extension(connection, student_id, assignment_id)

    @staticmethod
    def _extension(connection: Connection, student_id: str, assignment_id: str) -> Extension:
        rows = connection.execute(select(extensions).where(
            extensions.c.student_id == student_id, extensions.c.assignment_id == assignment_id)
            .order_by(extensions.c.id)).all()
        due = next((row.due for row in reversed(rows) if row.due is not None), None)
        attempts = next((row.attempts for row in reversed(rows) if row.attempts is not None), None)
        return Extension(due=due, attempts=attempts)


def _latest_regrade(column: Any) -> Any:
    """`column` of a file's latest regrade (a scalar subquery; NULL when it was never regraded)."""
    return (select(column).where(regrades.c.file_id == files.c.id).order_by(regrades.c.id.desc()).limit(1)
            .scalar_subquery())


def open_storage(db: str | None, course_folder: Path) -> Storage:
    return Storage(database_url(db, course_folder))

