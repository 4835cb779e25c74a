"""Sessions live on the server: sign-out, a reissued token, idle time and `grade sessions --end` end them,
and nothing in a copy of the database is enough to make one."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the course service needs the `serve` extra")

sys.path.insert(0, str(Path(__file__).parent))

from pages_support import csrf_of, sign_in  # noqa: E402

from grader.cli import main  # noqa: E402
from grader.serve import web_session  # noqa: E402

SIGNED_IN = "Signed in as Ada Lovelace"
SIGN_IN_FORM = "<h1>Sign in</h1>"


def signed_in(client, cookie: str) -> bool:
    client.cookies.set(web_session.SESSION_COOKIE, cookie)
    return SIGNED_IN in client.get("/").text


def test_sign_out_ends_the_session_on_the_server(client, tokens):
    home = sign_in(client, tokens["s1001"])
    copied = client.cookies[web_session.SESSION_COOKIE]  # as an attacker who read the cookie would keep it
    assert client.post("/logout", data={"csrf": csrf_of(home.text)}, follow_redirects=False).status_code == 303
    assert not signed_in(client, copied)  # the copied cookie no longer works, though it has not expired


def test_the_cookie_is_random_and_only_its_hash_is_stored(client, tokens, course_dir):
    from grader.serve.storage import open_storage

    sign_in(client, tokens["s1001"])
    cookie = client.cookies[web_session.SESSION_COOKIE]
    assert len(cookie) >= 40 and "s1001" not in cookie
    database = (course_dir / "grade.db").read_bytes()
    assert cookie.encode() not in database and tokens["s1001"].encode() not in database
    storage = open_storage(None, course_dir)
    try:
        assert [session.student_id for session in storage.open_sessions()] == ["s1001"]
    finally:
        storage.close()


def test_a_copy_of_the_database_cannot_mint_a_session(client, tokens, course_dir, clock):
    """Whoever reads a backup gets the meta table's secret and every token hash; neither signs anyone in."""
    import sqlite3

    from grader.serve.service import token_hash

    connection = sqlite3.connect(course_dir / "grade.db")
    secret = bytes.fromhex(connection.execute("SELECT value FROM meta WHERE key = 'secret'").fetchone()[0])
    connection.close()
    now = int(clock().timestamp())
    for payload in (f"{token_hash(tokens['s1001'])}.{now}", f"s1001.{now}"):
        forged = f"{payload}.{web_session._signature(secret, 'session', payload)}"
        assert not signed_in(client, forged), forged


def test_an_idle_session_ends(client, tokens, clock):
    sign_in(client, tokens["s1001"])
    cookie = client.cookies[web_session.SESSION_COOKIE]
    clock.advance(web_session.IDLE_TIMEOUT - 60)
    assert signed_in(client, cookie)  # in use: each visit counts as activity
    clock.advance(web_session.IDLE_TIMEOUT - 60)
    assert signed_in(client, cookie)
    clock.advance(web_session.IDLE_TIMEOUT + 1)
    assert not signed_in(client, cookie)


def test_a_session_ends_after_its_lifetime_even_when_in_use(client, tokens, clock):
    sign_in(client, tokens["s1001"])
    cookie = client.cookies[web_session.SESSION_COOKIE]
    for _ in range(web_session.SESSION_LIFETIME // (web_session.IDLE_TIMEOUT // 2)):
        clock.advance(web_session.IDLE_TIMEOUT // 2)
        signed_in(client, cookie)
    clock.advance(web_session.IDLE_TIMEOUT // 2)
    assert not signed_in(client, cookie)


def test_grade_sessions_end_signs_one_student_out_everywhere(client, make_app, course_dir, tokens, capsys):
    from fastapi.testclient import TestClient

    sign_in(client, tokens["s1001"])
    ada = client.cookies[web_session.SESSION_COOKIE]
    with TestClient(make_app(course_dir)) as laptop, TestClient(make_app(course_dir)) as other:
        sign_in(laptop, tokens["s1001"])
        sign_in(other, tokens["s1002"])
        assert main(["sessions", str(course_dir)]) == 0
        listing = capsys.readouterr().out
        assert "s1001" in listing and "2 open" in listing and "s1002" in listing
        assert main(["sessions", str(course_dir), "--end", "s1001"]) == 0
        assert "ended 2 sessions of s1001" in capsys.readouterr().out
        assert "Signed in as Charles Babbage" in other.get("/").text  # another student stays signed in
        assert SIGN_IN_FORM in laptop.get("/").text
    assert not signed_in(client, ada)
    assert main(["sessions", str(course_dir), "--end", "s9999"]) == 2
    assert "no student `s9999`" in capsys.readouterr().err


def test_reissuing_a_token_ends_the_sessions_in_the_table(client, tokens, course_dir, tmp_path):
    from serve_support import write_roster

    from grader.serve.storage import open_storage

    sign_in(client, tokens["s1001"])
    assert main(["tokens", str(course_dir), "--roster", str(write_roster(tmp_path / "roster-again.csv")),
                 "--reissue", "s1001", "-o", str(tmp_path / "reissued.csv")]) == 0
    storage = open_storage(None, course_dir)
    try:
        assert storage.open_sessions() == []
    finally:
        storage.close()
