"""Files only their owner may read: the course's database (with SQLite's -wal and -shm) and its secrets.

The database holds every submission, every token's hash and the form-signing secret, so it is
made 0600 whatever the umask (SQLite gives its -wal and -shm the database file's own mode), and
`grade serve` refuses to start on one that others can read or write, naming the `chmod` that
fixes it. Any later secret file (a signing key, say) goes through `create_private` and
`check_private` too.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from grader.errors import UsageError

PRIVATE_MODE = 0o600
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")  # files SQLite keeps beside a database, with its mode


def create_private(path: Path) -> None:
    """Make `path` an empty file only its owner can read and write, unless it exists (then it is left alone)."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), PRIVATE_MODE)
    except FileExistsError:
        return
    try:
        os.fchmod(descriptor, PRIVATE_MODE)  # the umask may have taken bits away, never added: this is exact
    finally:
        os.close(descriptor)


def loose_files(database: Path) -> list[Path]:
    """The database and its companions that exist and that anyone but the owner may read or write."""
    found = []
    for path in (database, *(database.with_name(database.name + suffix) for suffix in SQLITE_COMPANIONS)):
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)
        except FileNotFoundError:
            continue
        if mode & 0o077:
            found.append(path)
    return found


DATABASE_HOLDS = "every submission, token hash and secret of the course is in them"


def check_private(database: Path, holds: str = DATABASE_HOLDS) -> None:
    """Refuse a database (or secret file, saying what it `holds`) that others can read, with the command that
    fixes it."""
    loose = loose_files(database)
    if loose:
        names = " ".join(str(path) for path in loose)
        raise UsageError(f"others can read {'this file' if len(loose) == 1 else 'these files'}: {holds}", path=names,
                         hint=f"chmod 600 {names}   (then start again; a backup should be private too)")
