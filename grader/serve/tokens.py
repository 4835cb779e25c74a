"""`grade tokens`: one random secret per student (or, with `--staff`, per TA and instructor); the database
keeps only its SHA-256.

A token is shown once — in the CSV this run writes (mode 0600, never over an existing file) or
on standard output — and cannot be recovered later: a lost token is replaced with `--reissue ID`.
Re-running with a longer roster issues tokens only to the people who have none yet. The staff's
roster is a CSV with `staff_id,name,email,role` (role `ta` or `instructor`); staff go into their
own table, never the students'.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.files.csv_cells import cell
from grader.errors import UsageError, did_you_mean
from grader.files.canvas_roster import read_csv_rows
from grader.files.roster import RosterEntry, read_students
from grader.serve.people import STAFF_ROLES
from grader.serve.service import token_hash
from grader.serve.storage import Storage
from grader.submission import STUDENT_ID_PATTERN

TOKEN_BYTES = 20  # 160 random bits as 40 hex digits: safe in a URL, a CSV cell and a shell, easy to read out
TOKEN_COLUMNS = ("student_id", "name", "email", "token")
STAFF_TOKEN_COLUMNS = ("staff_id", "name", "email", "role", "token")
STAFF_ROSTER_HINT = "give a CSV whose first line is `staff_id,name,email,role`, with role `ta` or `instructor`"
SIGN_IN_PATH = "/login"  # the web page's sign-in link: `/login?token=T` signs in and drops the token from the address


@dataclass(frozen=True)
class IssuedToken:
    student_id: str  # or the staff id
    name: str
    email: str
    token: str
    role: str | None = None  # staff only: ta | instructor


@dataclass(frozen=True)
class StaffEntry:
    id: str
    name: str
    email: str
    role: str


def new_token() -> str:
    return secrets.token_hex(TOKEN_BYTES)


def issue_tokens(storage: Storage, roster: Sequence[RosterEntry], reissue: str | None,
                 now: dt.datetime) -> list[IssuedToken]:
    """Tokens for roster students who have none, or only for `reissue` (who must be known)."""
    for entry in roster:
        if not STUDENT_ID_PATTERN.match(entry.id):
            raise UsageError(f"`{entry.id[:40]}` is not a student id a submit.yaml can name",
                             hint="ids are letters, digits and . _ - @ (at most 64); correct the roster")
    known = {student.id: student for student in storage.students()}
    if reissue is not None:
        on_roster = next((entry for entry in roster if entry.id == reissue), None)
        if reissue not in known and on_roster is None:
            raise UsageError(f"`{reissue}` is neither on the roster nor in the course's database",
                             hint="check the id (as in the tokens CSV), or add the student to the roster")
        student = known.get(reissue)
        entry = on_roster or RosterEntry(reissue, student.name or "", student.email or "")  # type: ignore[union-attr]
        chosen = [entry]
    else:
        chosen = [entry for entry in roster if entry.id not in known or not known[entry.id].has_token]
    issued = [IssuedToken(entry.id, entry.name, entry.email, new_token()) for entry in chosen]
    storage.save_tokens([(token.student_id, token.name or None, token.email or None, token_hash(token.token))
                         for token in issued], now)
    return issued


def read_staff(path: str | Path) -> list[StaffEntry]:
    """The staff roster: `staff_id,name,email,role` (name and email may be empty; role `ta` or `instructor`)."""
    name = str(path)
    rows = read_csv_rows(path, STAFF_ROSTER_HINT)
    header = [title.strip().casefold() for title in rows[0]]
    if "staff_id" not in header or "role" not in header:
        raise UsageError("the staff roster needs the columns `staff_id` and `role`", path=name, where="line 1",
                         hint=STAFF_ROSTER_HINT)
    column = {title: index for index, title in enumerate(header)}

    def value(row: list[str], title: str) -> str:
        index = column.get(title)
        return row[index].strip() if index is not None and index < len(row) else ""

    entries: dict[str, StaffEntry] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(item.strip() for item in row):
            continue
        staff_id, role = value(row, "staff_id"), value(row, "role").casefold()
        if not STUDENT_ID_PATTERN.match(staff_id):
            raise UsageError(f"`{staff_id[:40]}` is not an id the service can use", path=name, where=f"line {line}",
                             hint="ids are letters, digits and . _ - @ (at most 64)")
        if role not in STAFF_ROLES:
            raise UsageError(f"the role `{role[:40]}` is neither `ta` nor `instructor`{did_you_mean(role, STAFF_ROLES)}",
                             path=name, where=f"line {line}", hint=STAFF_ROSTER_HINT)
        if staff_id in entries:
            raise UsageError(f"`{staff_id}` is on the staff roster twice", path=name, where=f"line {line}",
                             hint="keep one row per person")
        entries[staff_id] = StaffEntry(staff_id, value(row, "name"), value(row, "email"), role)
    if not entries:
        raise UsageError("the staff roster lists nobody", path=name, hint=STAFF_ROSTER_HINT)
    return list(entries.values())


def issue_staff_tokens(storage: Storage, roster: Sequence[StaffEntry], reissue: str | None,
                       now: dt.datetime) -> list[IssuedToken]:
    """Tokens for the staff on the roster who have none (or only for `reissue`). A staff id that is a student
    id is refused: nobody is both, so no list of students can hold a TA."""
    students = {student.id for student in storage.students()}
    both = [entry.id for entry in roster if entry.id in students]
    if both:
        raise UsageError(f"`{both[0]}` is a student of this course; staff and students are kept apart",
                         hint=f"give the staff member another id on the staff roster (e.g. `ta-{both[0]}`)")
    known = {member.id: has_token for member, has_token in storage.staff_members()}
    if reissue is not None:
        chosen = [entry for entry in roster if entry.id == reissue]
        if not chosen:
            raise UsageError(f"`{reissue}` is not on the staff roster", hint="check the id, or add the row")
    else:
        chosen = [entry for entry in roster if not known.get(entry.id)]
    issued = [IssuedToken(entry.id, entry.name, entry.email, new_token(), entry.role) for entry in chosen]
    storage.save_staff_tokens([(token.student_id, token.name or None, token.email or None, token.role or "ta",
                                token_hash(token.token)) for token in issued], now)
    return issued


def tokens_csv(issued: Sequence[IssuedToken], server: str | None = None, *, staff: bool = False) -> str:
    """The CSV of this run's tokens: text cells made safe for spreadsheets, like every export, and plain
    newlines, so that `cut -d, -f4` in a mail-merge script gives a token without a carriage return."""
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow((STAFF_TOKEN_COLUMNS if staff else TOKEN_COLUMNS) + (("link",) if server else ()))
    for token in issued:
        link = (f"{server.rstrip('/')}{SIGN_IN_PATH}?token={token.token}",) if server else ()
        role = (token.role or "",) if staff else ()
        writer.writerow([cell(token.student_id), cell(token.name), cell(token.email), *role, token.token, *link])
    return stream.getvalue()


def check_new_file(path: Path) -> None:
    """The tokens file must not exist yet: it may hold tokens that exist nowhere else."""
    if path.exists() or path.is_symlink():
        raise UsageError("this file already exists; it may hold tokens issued earlier, which cannot be shown again",
                         path=str(path), hint="keep it, and write this run's tokens to a new file "
                                              "(e.g. -o tokens-2.csv)")
    if not path.parent.is_dir():
        raise UsageError("the folder for the tokens file does not exist", path=str(path))


def open_new_private(path: Path) -> int:
    """Create `path` for the owner only (0600), failing if anything appeared there meanwhile."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        return os.open(path, flags, 0o600)
    except FileExistsError:
        check_new_file(path)
        raise


def run_tokens(storage: Storage, roster_path: str, output: Path | None, reissue: str | None,
               now: dt.datetime, server: str | None = None, *, staff: bool = False) -> tuple[list[IssuedToken], str]:
    """Issue this run's tokens (the staff's with `staff`) and write them to `output` (created first: a token is
    never stored in the database without having been written out), or return the CSV for printing."""
    if staff:
        staff_roster = read_staff(roster_path)

        def issue() -> list[IssuedToken]:
            return issue_staff_tokens(storage, staff_roster, reissue, now)
    else:
        roster = read_students(roster_path)

        def issue() -> list[IssuedToken]:
            return issue_tokens(storage, roster, reissue, now)
    if output is None:
        issued = issue()
        return issued, tokens_csv(issued, server, staff=staff)
    check_new_file(output)
    descriptor = open_new_private(output)
    try:
        with open(descriptor, "w", encoding="utf-8", newline="") as stream:
            issued = issue()
            text = tokens_csv(issued, server, staff=staff)
            stream.write(text)
    except BaseException:
        output.unlink(missing_ok=True)  # ours, made above; nothing it held was issued
        raise
    if not issued:
        output.unlink()  # nothing new: leave no empty file behind
    return issued, text
