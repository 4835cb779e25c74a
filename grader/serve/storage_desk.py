"""The staff's tables (part of the storage layer, STYLE.md lesson 13): staff, decisions, regrades, audit.

`Storage` has these methods as a mixin, so they share its engine and its write transactions; no
other module writes SQL. Nothing here is ever updated in place or deleted: a TA decision, a
regrade and an audit entry are each a new row, and the latest decision of an answer (or the latest
regrade of an attempt) is the one that holds. Every staff action writes its audit entry in the
same transaction as the change it records, so neither exists without the other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, func, select, update

from grader.serve.db_schema import audit, decisions, extensions, files, regrades, staff, students
from grader.serve.people import StaffRecord
from grader.serve.policy import RecordedAttempt

AUDIT_SHOWN = 500  # entries a page lists (newest first); the table keeps every one


@dataclass(frozen=True)
class AuditEntry:
    """One staff action: who (a staff id, or `os:USER` for a command), what, about which assignment and student."""

    actor: str
    action: str
    assignment_id: str | None
    student_id: str | None
    detail: str


@dataclass(frozen=True)
class AuditRecord:
    at: dt.datetime
    entry: AuditEntry


@dataclass(frozen=True)
class DecisionEntry:
    """A decision to record: a score (None withdraws the decision) bound to the answer's sha256 (None: any answer)."""

    student_id: str
    question_id: str
    answer_sha256: str | None
    score: float | None
    comment: str | None


@dataclass(frozen=True)
class StoredDecision:
    entry: DecisionEntry
    decided_by: str
    decided_at: dt.datetime
    source: str  # page | api | import


@dataclass(frozen=True)
class AttemptRow:
    """A graded attempt as the staff see it: its Result as it stands (the latest regrade's, else as graded)."""

    file_id: int
    student_id: str
    attempt: RecordedAttempt  # with the score as it stands
    result: str
    first_score: float  # as graded, before any regrade
    regraded_at: dt.datetime | None
    sha256: str
    late_when_recorded: bool
    body: bytes = b""  # only when asked for (`bodies=True`)


@dataclass(frozen=True)
class Regrade:
    """A new Result for a graded attempt, to record beside its earlier ones."""

    file_id: int
    result: str
    score: float
    max_score: float


@dataclass(frozen=True)
class ExtensionGrant:
    due: dt.datetime | None
    attempts: int | None
    granted_by: str
    granted_at: dt.datetime
    reason: str | None


class DeskTables:
    """Storage's methods for the staff's tables (mixed into `Storage`, whose `engine` and `_write` they use)."""

    engine: Engine
    _write: Callable[..., AbstractContextManager[Connection]]

    # --- staff ---------------------------------------------------------------------------------------
    def save_staff_tokens(self, issued: Sequence[tuple[str, str | None, str | None, str, str]],
                          now: dt.datetime) -> None:
        """(id, name, email, role, token hash) of new staff and reissued tokens, in one transaction. A reissued
        token ends the member's sessions; the roster's role and name replace the recorded ones."""
        with self._write() as connection:
            for staff_id, name, email, role, token_hash in issued:
                values = {"name": name, "email": email, "role": role, "token_hash": token_hash,
                          "token_issued_at": now}
                if connection.scalar(select(func.count()).where(staff.c.id == staff_id)):
                    connection.execute(update(staff).where(staff.c.id == staff_id).values(**values))
                    self._end_sessions(connection, staff_id, now, "token reissued", staff_member=True)  # type: ignore[attr-defined]
                else:
                    connection.execute(staff.insert().values(id=staff_id, **values))

    def staff_members(self) -> list[tuple[StaffRecord, bool]]:
        """Every staff member, with whether they have a token."""
        with self.engine.connect() as connection:
            rows = connection.execute(select(staff).order_by(staff.c.id)).all()
        return [(StaffRecord(row.id, row.name, row.email, row.role), row.token_hash is not None) for row in rows]

    def staff_by_token_hash(self, token_hash: str) -> StaffRecord | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(staff).where(staff.c.token_hash == token_hash)).first()
        return StaffRecord(row.id, row.name, row.email, row.role) if row else None

    # --- attempts as the staff see them ------------------------------------------------------------------
    def attempt_rows(self, assignment_id: str, student_id: str | None = None, *,
                     bodies: bool = False) -> list[AttemptRow]:
        """Every graded attempt of an assignment (or of one student), by student and number, as it stands."""
        latest = regrades.alias("latest")
        newest = select(func.max(regrades.c.id)).where(regrades.c.file_id == files.c.id).scalar_subquery()
        columns = [files.c.id, files.c.student_id, files.c.attempt, files.c.graded_at, files.c.score,
                   files.c.max_score, files.c.result, files.c.sha256, files.c.late, latest.c.result.label("new_result"),
                   latest.c.score.label("new_score"), latest.c.max_score.label("new_max"),
                   latest.c.regraded_at]
        query = (select(*columns, *([files.c.body] if bodies else [])).select_from(files)
                 .outerjoin(latest, latest.c.id == newest)
                 .where(files.c.assignment_id == assignment_id, files.c.attempt.is_not(None)))
        if student_id is not None:
            query = query.where(files.c.student_id == student_id)
        with self.engine.connect() as connection:
            rows = connection.execute(query.order_by(files.c.student_id, files.c.attempt)).all()
        found = []
        for row in rows:
            regraded = row.regraded_at is not None
            attempt = RecordedAttempt(row.attempt, row.graded_at, row.new_score if regraded else row.score,
                                      row.new_max if regraded else row.max_score)
            found.append(AttemptRow(row.id, row.student_id, attempt, row.new_result if regraded else row.result,
                                    row.score, row.regraded_at, row.sha256, bool(row.late),
                                    row.body if bodies else b""))
        return found

    def stored_file(self, student_id: str, assignment_id: str, number: int) -> tuple[str, bytes] | None:
        """The file of one graded attempt, verbatim, with its sha256."""
        with self.engine.connect() as connection:
            row = connection.execute(select(files.c.sha256, files.c.body).where(
                files.c.student_id == student_id, files.c.assignment_id == assignment_id,
                files.c.attempt == number)).first()
        return (row.sha256, row.body) if row else None

    def record_regrades(self, made: Sequence[Regrade], by: str, now: dt.datetime,
                        entries: Sequence[AuditEntry]) -> None:
        """New Results beside the earlier ones (nothing is overwritten), with the audit entries, in one transaction."""
        with self._write() as connection:
            if made:
                connection.execute(regrades.insert(), [
                    {"file_id": regrade.file_id, "result": regrade.result, "score": regrade.score,
                     "max_score": regrade.max_score, "regraded_by": by, "regraded_at": now} for regrade in made])
            self._audit(connection, entries, now)

    # --- decisions -----------------------------------------------------------------------------------
    def record_decisions(self, assignment_id: str, made: Sequence[DecisionEntry], by: str, source: str,
                         now: dt.datetime, entries: Sequence[AuditEntry]) -> None:
        """TA decisions (each a new row; the latest of an answer holds) and their audit entries, in one transaction."""
        with self._write() as connection:
            if made:
                connection.execute(decisions.insert(), [
                    {"assignment_id": assignment_id, "student_id": decision.student_id,
                     "question_id": decision.question_id, "answer_sha256": decision.answer_sha256,
                     "score": decision.score, "comment": decision.comment, "decided_by": by, "decided_at": now,
                     "source": source} for decision in made])
            self._audit(connection, entries, now)

    def decisions(self, assignment_id: str, student_id: str | None = None) -> dict[str, dict[str, StoredDecision]]:
        """The decisions that hold, by student and question (a withdrawn one is left out)."""
        query = select(decisions).where(decisions.c.assignment_id == assignment_id)
        if student_id is not None:
            query = query.where(decisions.c.student_id == student_id)
        with self.engine.connect() as connection:
            rows = connection.execute(query.order_by(decisions.c.id)).all()
        latest: dict[str, dict[str, StoredDecision]] = {}
        for row in rows:  # in the order they were made: a later one replaces an earlier one
            latest.setdefault(row.student_id, {})[row.question_id] = StoredDecision(
                DecisionEntry(row.student_id, row.question_id, row.answer_sha256, row.score, row.comment),
                row.decided_by, row.decided_at, row.source)
        return {student: {question: stored for question, stored in held.items() if stored.entry.score is not None}
                for student, held in latest.items()}

    def has_decisions(self, assignment_id: str, student_id: str) -> bool:
        with self.engine.connect() as connection:
            return bool(connection.scalar(select(func.count()).select_from(decisions).where(
                decisions.c.assignment_id == assignment_id, decisions.c.student_id == student_id)))

    # --- extensions, as granted --------------------------------------------------------------------------
    def extension_grants(self, student_id: str, assignment_id: str) -> list[ExtensionGrant]:
        """Every grant of one student's extension, oldest first (the latest of each kind applies)."""
        with self.engine.connect() as connection:
            rows = connection.execute(select(extensions).where(
                extensions.c.student_id == student_id, extensions.c.assignment_id == assignment_id)
                .order_by(extensions.c.id)).all()
        return [ExtensionGrant(row.due, row.attempts, row.granted_by, row.granted_at, row.reason) for row in rows]

    # --- the audit table -----------------------------------------------------------------------------
    def record_audit(self, entry: AuditEntry, now: dt.datetime) -> None:
        with self._write(flush=False) as connection:
            self._audit(connection, [entry], now)

    @staticmethod
    def _audit(connection: Connection, entries: Sequence[AuditEntry], now: dt.datetime) -> None:
        if entries:
            connection.execute(audit.insert(), [
                {"at": now, "actor": entry.actor, "action": entry.action, "assignment_id": entry.assignment_id,
                 "student_id": entry.student_id, "detail": entry.detail[:4000]} for entry in entries])

    def audit_entries(self, *, student_id: str | None = None, limit: int = AUDIT_SHOWN) -> list[AuditRecord]:
        """The latest audit entries (of one student, or all), newest first."""
        query = select(audit)
        if student_id is not None:
            query = query.where(audit.c.student_id == student_id)
        with self.engine.connect() as connection:
            rows = connection.execute(query.order_by(audit.c.id.desc()).limit(limit)).all()
        return [AuditRecord(row.at, AuditEntry(row.actor, row.action, row.assignment_id, row.student_id, row.detail))
                for row in rows]

    def student_ids(self) -> list[str]:
        with self.engine.connect() as connection:
            return list(connection.execute(select(students.c.id).order_by(students.c.id)).scalars())
