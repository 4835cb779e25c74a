"""Files only their owner can read: the database (with its -wal and -shm), the tokens file, and any secret.

`grade tokens` and `grade serve` create them 0600 whatever the umask, and `grade serve` refuses a
database or secret file that others can read, with the `chmod` that fixes it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from serve_support import ASSIGNMENT, TYPICAL, live_server, write_roster

from grader.cli import main


@pytest.fixture
def umask_022():
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def created_files(folder: Path) -> dict[str, int]:
    return {path.name: mode(path) for path in sorted(folder.iterdir()) if path.is_file()}


def test_every_file_tokens_and_serve_create_is_0600(course_dir, tmp_path, umask_022, make_app):
    before = set(created_files(course_dir))
    tokens_file = tmp_path / "tokens.csv"
    assert main(["tokens", str(course_dir), "--roster", str(write_roster(tmp_path / "roster.csv")),
                 "-o", str(tokens_file)]) == 0
    assert mode(tokens_file) == 0o600
    token = tokens_file.read_text().splitlines()[1].split(",")[3]
    from serve_support import http

    with live_server(make_app(course_dir)) as base:  # the service writes: -wal and -shm exist now
        status, _, _ = http("POST", f"{base}/api/v1/assignments/{ASSIGNMENT}/attempts", token=token,
                            body=TYPICAL.replace(b"s1002", b"s1001"))
        assert status == 201
        made = {name: value for name, value in created_files(course_dir).items() if name not in before}
        assert {"grade.db", "grade.db-wal", "grade.db-shm"} <= set(made), made
        assert made == {name: 0o600 for name in made}, {name: oct(value) for name, value in made.items()}


@pytest.mark.parametrize("which", ["grade.db", "grade.db-wal"])
@pytest.mark.parametrize("loose", [0o644, 0o640, 0o604, 0o660])
def test_serve_refuses_a_database_others_can_read_and_says_the_chmod(course_dir, tokens, which, loose, capsys,
                                                                    busy_port):
    (course_dir / "grade.db-wal").touch(mode=0o600)
    os.chmod(course_dir / which, loose)
    assert main(["serve", str(course_dir), "--port", str(busy_port)]) == 2
    err = capsys.readouterr().err
    assert "others can read" in err and f"chmod 600 {course_dir / which}" in err, err


def test_serve_starts_on_a_private_database(course_dir, tokens):
    from grader.serve.permissions import check_private

    check_private(course_dir / "grade.db")  # no error


def test_a_new_database_is_private_even_under_umask_000(tmp_path, course_dir):
    from grader.serve.storage import open_storage

    before = os.umask(0)
    try:
        storage = open_storage(str(tmp_path / "fresh.db"), course_dir)
        storage.close()
    finally:
        os.umask(before)
    assert mode(tmp_path / "fresh.db") == 0o600
