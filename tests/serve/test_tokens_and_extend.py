"""`grade tokens` and `grade extend`: secrets shown once, stored as hashes; extensions recorded with who and when."""

from __future__ import annotations

import getpass
import hashlib
import sqlite3
import stat

import pytest
from serve_support import ASSIGNMENT, TYPICAL, read_tokens, write_roster

from grader.cli import main


def tokens_command(course, roster, output=None, *extra):
    arguments = ["tokens", str(course), "--roster", str(roster)] + (["-o", str(output)] if output else [])
    return main(arguments + list(extra))


def stored_hashes(course) -> dict[str, str]:
    with sqlite3.connect(course / "grade.db") as connection:
        return dict(connection.execute("SELECT id, token_hash FROM students"))


def test_tokens_are_random_private_and_stored_only_as_hashes(course_dir, tmp_path, capsys):
    output = tmp_path / "tokens.csv"
    assert tokens_command(course_dir, write_roster(tmp_path / "roster.csv"), output) == 0
    assert stat.S_IMODE(output.stat().st_mode) == 0o600
    tokens = read_tokens(output)
    assert list(tokens) == ["s1001", "s1002", "s1003"]
    assert all(len(token) == 40 and int(token, 16) >= 0 for token in tokens.values())  # 160 bits
    assert len(set(tokens.values())) == 3
    assert stored_hashes(course_dir) == {sid: hashlib.sha256(t.encode()).hexdigest() for sid, t in tokens.items()}
    database = (course_dir / "grade.db").read_bytes() + (course_dir / "grade.db-wal").read_bytes()
    assert not any(token.encode() in database for token in tokens.values())
    assert "shown only this once" in capsys.readouterr().err
    assert b"\r" not in output.read_bytes()  # `cut -d, -f4 tokens.csv` must give the bare token


def test_a_second_run_issues_tokens_only_to_new_students(course_dir, tmp_path, capsys):
    tokens_command(course_dir, write_roster(tmp_path / "roster.csv"), tmp_path / "first.csv")
    before = stored_hashes(course_dir)
    longer = write_roster(tmp_path / "roster2.csv", [("s1001", "Ada Lovelace", ""), ("s2000", "Alan Turing", "")])
    assert tokens_command(course_dir, longer, tmp_path / "second.csv") == 0
    assert list(read_tokens(tmp_path / "second.csv")) == ["s2000"]
    after = stored_hashes(course_dir)
    assert {sid: after[sid] for sid in before} == before
    assert tokens_command(course_dir, longer, tmp_path / "third.csv") == 0
    assert not (tmp_path / "third.csv").exists()
    assert "nothing was issued" in capsys.readouterr().err


def test_an_existing_tokens_file_is_never_overwritten(course_dir, tmp_path, capsys):
    output = tmp_path / "tokens.csv"
    output.write_text("tokens from last term\n")
    assert tokens_command(course_dir, write_roster(tmp_path / "roster.csv"), output) == 2
    assert output.read_text() == "tokens from last term\n"
    assert "already exists" in capsys.readouterr().err
    assert not (course_dir / "grade.db").exists() or stored_hashes(course_dir) == {}  # nothing was issued


def test_reissue_replaces_one_token_and_the_old_one_stops_working(course_dir, tmp_path, make_app):
    from fastapi.testclient import TestClient

    roster = write_roster(tmp_path / "roster.csv")
    tokens_command(course_dir, roster, tmp_path / "first.csv")
    old = read_tokens(tmp_path / "first.csv")
    assert tokens_command(course_dir, roster, tmp_path / "new.csv", "--reissue", "s1002") == 0
    new = read_tokens(tmp_path / "new.csv")
    assert list(new) == ["s1002"] and new["s1002"] != old["s1002"]
    with TestClient(make_app(course_dir)) as client:
        assert client.get("/api/v1/assignments", headers={"Authorization": f"Bearer {old['s1002']}"}).status_code == 401
        assert client.get("/api/v1/assignments", headers={"Authorization": f"Bearer {new['s1002']}"}).status_code == 200
        assert client.get("/api/v1/assignments", headers={"Authorization": f"Bearer {old['s1001']}"}).status_code == 200


def test_tokens_print_to_standard_output_without_o(course_dir, tmp_path, capsys):
    assert tokens_command(course_dir, write_roster(tmp_path / "roster.csv")) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "student_id,name,email,token" and len(lines) == 4


def test_a_canvas_gradebook_export_is_a_roster(course_dir, tmp_path):
    canvas = tmp_path / "canvas.csv"
    canvas.write_text("Student,ID,SIS User ID,SIS Login ID,Section\n"
                      "    Points Possible,,,,\n"
                      '"Lovelace, Ada",101,s1001,ada,Sec 1\n'
                      '"Student, Test",999,,,Sec 1\n', encoding="utf-8")
    assert tokens_command(course_dir, canvas, tmp_path / "tokens.csv") == 0
    assert list(read_tokens(tmp_path / "tokens.csv")) == ["s1001"]


@pytest.mark.parametrize("rows, message", [
    ([("s 1", "Space Id", "")], "not a student id"),
    ([("s1", "A", ""), ("s1", "B", "")], "on the roster twice"),
])
def test_bad_rosters_are_messages(course_dir, tmp_path, capsys, rows, message):
    assert tokens_command(course_dir, write_roster(tmp_path / "roster.csv", rows), tmp_path / "t.csv") == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "t.csv").exists()


def test_reissue_for_an_unknown_student_is_a_message(course_dir, tmp_path, capsys):
    roster = write_roster(tmp_path / "roster.csv")
    assert tokens_command(course_dir, roster, tmp_path / "t.csv", "--reissue", "s9999") == 2
    assert "neither on the roster" in capsys.readouterr().err


# --- grade extend ------------------------------------------------------------------------------------
def test_extend_gives_one_student_a_later_due_date_and_more_attempts(make_course, issue_tokens, make_app, capsys):
    from fastapi.testclient import TestClient

    course = make_course(due="2026-11-25T00:00:00Z", after_due="closed", attempts=1)
    tokens = issue_tokens(course)
    attempts_url = f"/api/v1/assignments/{ASSIGNMENT}/attempts"
    charles, ada = ({"Authorization": f"Bearer {tokens[sid]}"} for sid in ("s1002", "s1001"))
    with TestClient(make_app(course)) as client:  # the fake clock says 2026-11-25T12:00Z: past the due date
        assert client.post(attempts_url, headers=charles, content=TYPICAL).status_code == 409
    assert main(["extend", str(course), "--student", "s1002", "--assignment", ASSIGNMENT,
                 "--due", "2026-11-26T23:59:00-05:00", "--attempts", "2"]) == 0
    printed = capsys.readouterr().out
    assert "due 2026-11-27T04:59:00Z, attempts 2" in printed and f"granted by {getpass.getuser()}" in printed
    with TestClient(make_app(course)) as client:
        statuses = [client.post(attempts_url, headers=charles, content=TYPICAL).status_code for _ in range(3)]
        assert statuses == [201, 201, 429]
        assert client.get("/api/v1/assignments", headers=charles).json()["assignments"][0]["due"] == \
            "2026-11-27T04:59:00Z"
        other = TYPICAL.replace(b"s1002", b"s1001")
        assert client.post(attempts_url, headers=ada, content=other).status_code == 409  # only Charles's
    with sqlite3.connect(course / "grade.db") as connection:
        (granted_by, granted_at), = connection.execute("SELECT granted_by, granted_at FROM extensions")
    assert granted_by == getpass.getuser() and granted_at.startswith("20")


@pytest.mark.parametrize("arguments, message", [
    (["--student", "s1002", "--assignment", ASSIGNMENT], "give --due, --attempts or both"),
    (["--student", "s1002", "--assignment", ASSIGNMENT, "--due", "2026-12-01"], "time zone"),
    (["--student", "s1002", "--assignment", ASSIGNMENT, "--due", "tomorrow"], "not a date"),
    (["--student", "s1002", "--assignment", "hw-lstm", "--attempts", "2"], "did you mean"),
    (["--student", "nobody", "--assignment", ASSIGNMENT, "--attempts", "2"], "no student `nobody`"),
    (["--student", "s1002", "--assignment", ASSIGNMENT, "--attempts", "0"], "at least 1"),
])
def test_extend_mistakes_are_messages(course_dir, tokens, capsys, arguments, message):
    assert main(["extend", str(course_dir)] + arguments) == 2
    assert message in capsys.readouterr().err


def test_server_adds_a_sign_in_link_per_student(course_dir, tmp_path, make_app):
    from fastapi.testclient import TestClient

    output = tmp_path / "tokens.csv"
    assert tokens_command(course_dir, write_roster(tmp_path / "roster.csv"), output,
                          "--server", "https://grade.example.edu/") == 0
    header, first, *_ = output.read_text(encoding="utf-8").splitlines()
    assert header == "student_id,name,email,token,link"
    token, link = first.split(",")[3:5]
    assert link == f"https://grade.example.edu/login?token={token}"
    with TestClient(make_app(course_dir), base_url="https://testserver") as client:  # the link really signs in
        response = client.get(link.replace("https://grade.example.edu", ""), follow_redirects=False)
        assert response.status_code in (302, 303) and "token" not in response.headers["location"]
        home = client.get(response.headers["location"])
        assert "Ada Lovelace" in home.text  # signed in as the link's student
