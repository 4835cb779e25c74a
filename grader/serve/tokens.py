"""`grade tokens`: one random secret per student; the database keeps only its SHA-256.

A token is shown once — in the CSV this run writes (mode 0600, never over an existing file) or
on standard output — and cannot be recovered later: a lost token is replaced with `--reissue ID`.
Re-running with a longer roster issues tokens only to the students who have none yet.
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
from grader.errors import UsageError
from grader.files.roster import RosterEntry, read_students
from grader.serve.service import token_hash
from grader.serve.storage import Storage
from grader.submission import STUDENT_ID_PATTERN

TOKEN_BYTES = 20  # 160 random bits as 40 hex digits: safe in a URL, a CSV cell and a shell, easy to read out
TOKEN_COLUMNS = ("student_id", "name", "email", "token")
SIGN_IN_PATH = "/login"  # the web page's sign-in link: `/login?token=T` signs in and drops the token from the address


@dataclass(frozen=True)
class IssuedToken:
    student_id: str
    name: str
    email: str
    token: str


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


def tokens_csv(issued: Sequence[IssuedToken], server: str | None = None) -> str:
    """The CSV of this run's tokens: text cells made safe for spreadsheets, like every export, and plain
    newlines, so that `cut -d, -f4` in a mail-merge script gives a token without a carriage return."""
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(TOKEN_COLUMNS + (("link",) if server else ()))
    for token in issued:
        link = (f"{server.rstrip('/')}{SIGN_IN_PATH}?token={token.token}",) if server else ()
        writer.writerow([cell(token.student_id), cell(token.name), cell(token.email), token.token, *link])
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
               now: dt.datetime, server: str | None = None) -> tuple[list[IssuedToken], str]:
    """Issue this run's tokens and write them to `output` (created first: a token is never stored
    in the database without having been written out), or return the CSV for printing."""
    roster = read_students(roster_path)
    if output is None:
        issued = issue_tokens(storage, roster, reissue, now)
        return issued, tokens_csv(issued, server)
    check_new_file(output)
    descriptor = open_new_private(output)
    try:
        with open(descriptor, "w", encoding="utf-8", newline="") as stream:
            issued = issue_tokens(storage, roster, reissue, now)
            text = tokens_csv(issued, server)
            stream.write(text)
    except BaseException:
        output.unlink(missing_ok=True)  # ours, made above; nothing it held was issued
        raise
    if not issued:
        output.unlink()  # nothing new: leave no empty file behind
    return issued, text
