"""`grade FILE --server URL` and `grade sheet --server URL` against a live uvicorn on 127.0.0.1."""

from __future__ import annotations

import pytest
from serve_support import ASSIGNMENT, SUBMISSIONS, free_port, live_server

from grader.cli import main

TYPICAL_FILE = str(SUBMISSIONS / "typical-mistakes.yaml")


@pytest.fixture
def server(course_dir, tokens, make_app):
    with live_server(make_app(course_dir)) as base:
        yield base


@pytest.fixture(autouse=True)
def no_ambient_settings(monkeypatch, tmp_path):
    for name in ("GRADE_SERVER", "GRADE_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


@pytest.mark.parametrize("report_format", ["text", "markdown", "html", "json"])
def test_the_server_prints_what_a_local_check_prints(server, tokens, capsys, report_format):
    assert main([TYPICAL_FILE, "--format", report_format]) == 0  # local, with the rubric of this checkout
    local = capsys.readouterr().out
    assert main([TYPICAL_FILE, "--server", server, "--token", tokens["s1002"], "--format", report_format]) == 0
    captured = capsys.readouterr()
    assert captured.out == local
    assert "attempt 1 recorded" in captured.err and "attempts left: 2" in captured.err


def test_the_token_and_server_come_from_the_environment_or_the_token_file(server, tokens, capsys, monkeypatch,
                                                                          tmp_path):
    monkeypatch.setenv("GRADE_SERVER", server)
    monkeypatch.setenv("GRADE_TOKEN", tokens["s1002"])
    assert main([TYPICAL_FILE]) == 0
    assert "attempt 1 recorded" in capsys.readouterr().err
    monkeypatch.delenv("GRADE_TOKEN")
    token_file = tmp_path / "home" / ".config" / "grade" / "token"
    token_file.parent.mkdir(parents=True)
    token_file.write_text(tokens["s1002"] + "\n")
    assert main([TYPICAL_FILE, "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert '"score":14.5' in captured.out
    assert "attempt 2 recorded" in captured.err and "attempts left: 1" in captured.err


def test_a_refusal_exits_2_with_the_servers_message_and_fix(server, tokens, capsys):
    assert main([TYPICAL_FILE, "--server", server, "--token", "f" * 40]) == 2
    err = capsys.readouterr().err
    assert "refused (401): this token is not known" in err and "fix: use the token your course sent you" in err
    assert main([str(SUBMISSIONS / "correct.yaml"), "--server", server, "--token", tokens["s1002"]]) == 2
    assert "refused (403)" in capsys.readouterr().err


def test_without_a_token_the_message_says_where_to_put_it(server, capsys):
    assert main([TYPICAL_FILE, "--server", server]) == 2
    assert "~/.config/grade/token" in capsys.readouterr().err


def test_an_unreachable_server_exits_1_with_a_message(capsys, tokens):
    closed = f"http://127.0.0.1:{free_port()}"
    assert main([TYPICAL_FILE, "--server", closed, "--token", tokens["s1002"]]) == 1
    assert f"cannot reach the course server at {closed}" in capsys.readouterr().err


def test_the_students_sheet_from_the_server(server, tokens, capsys, tmp_path):
    assert main(["sheet", "--server", server, "--assignment", ASSIGNMENT, "--token", tokens["s1002"]]) == 0
    markdown = capsys.readouterr().out
    assert markdown.startswith("# ") and "s1002" in markdown
    output = tmp_path / "sheet.html"
    assert main(["sheet", "--server", server, "--assignment", ASSIGNMENT, "--token", tokens["s1002"],
                 "--format", "html", "-o", str(output)]) == 0
    assert "<html" in output.read_text(encoding="utf-8")
    assert main(["sheet", "--server", server, "--assignment", "hw-nope", "--token", tokens["s1002"]]) == 2
    assert "refused (404)" in capsys.readouterr().err


def test_a_missing_rubric_points_to_the_course_server(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    submission = tmp_path / "submit.yaml"
    submission.write_text("assignment: hw-only-on-the-server\nstudent: {id: s1}\nanswers: {}\n")
    assert main([str(submission)]) == 2
    assert "--server URL" in capsys.readouterr().err


def test_a_plain_http_address_off_this_machine_is_refused_unless_insecure_http(capsys):
    from grader.client import server_url
    from grader.errors import UsageError

    with pytest.raises(UsageError, match="not an https:// address"):
        server_url("http://grade.example.edu/")
    assert server_url("http://grade.example.edu/", insecure_http=True) == "http://grade.example.edu"
    assert "not an https:// address" in capsys.readouterr().err
    assert server_url("https://grade.example.edu") == "https://grade.example.edu"
    assert server_url("http://127.0.0.1:8000") == "http://127.0.0.1:8000"
    assert capsys.readouterr().err == ""


def test_a_blank_file_from_the_server_has_the_students_id(server, tokens, capsys, tmp_path):
    import yaml

    assert main(["template", "--server", server, "--assignment", ASSIGNMENT, "--token", tokens["s1002"]]) == 0
    blank = yaml.safe_load(capsys.readouterr().out)
    assert blank["student"]["id"] == "s1002" and blank["assignment"] == ASSIGNMENT
    mine = tmp_path / "submit.yaml"
    mine.write_text("my answers")
    assert main(["template", "--server", server, "--assignment", ASSIGNMENT, "--token", tokens["s1002"],
                 "-o", str(mine)]) == 2
    assert mine.read_text() == "my answers" and "may hold your answers" in capsys.readouterr().err
