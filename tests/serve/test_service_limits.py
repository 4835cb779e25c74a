"""Limits that stop an abuser and never a classmate: failed sign-ins, storage, extensions that count,
every request answered on purpose (out-of-range numbers, escaped logs, damaged schemas, headers)."""

from __future__ import annotations

import logging
import sqlite3

import pytest
from serve_support import ASSIGNMENT, CORRECT, TYPICAL

from grader.cli import main

ATTEMPTS = f"/api/v1/assignments/{ASSIGNMENT}/attempts"
MIB = 1024 * 1024


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def open_db(course_dir):
    from grader.serve.storage import open_storage

    return open_storage(None, course_dir)


def kept_bytes(course_dir, student: str | None = None) -> int:
    connection = sqlite3.connect(course_dir / "grade.db")
    try:
        query = "SELECT COALESCE(SUM(LENGTH(body)), 0) FROM files" + (" WHERE student_id = ?" if student else "")
        return connection.execute(query, (student,) if student else ()).fetchone()[0]
    finally:
        connection.close()


# --- failed sign-ins: an address is slowed down, a valid token never is --------------------------------
def test_a_valid_token_passes_after_100_bad_ones_from_the_same_address(client, tokens):
    statuses = [client.get("/api/v1/assignments", headers=bearer(f"guess-{n}")).status_code for n in range(100)]
    assert statuses[:30] == [401] * 30 and set(statuses[30:]) == {429}  # the guesser is slowed down
    answer = client.post(ATTEMPTS, content=TYPICAL, headers=bearer(tokens["s1002"]))
    assert answer.status_code == 201, answer.text  # a classmate behind the same NAT is not
    assert client.get("/api/v1/assignments", headers=bearer(tokens["s1001"])).status_code == 200
    assert client.get("/api/v1/assignments", headers=bearer("guess-again")).status_code == 429


def test_the_sign_in_page_lets_a_valid_token_in_after_many_bad_ones(client, tokens):
    from pages_support import csrf_of

    for n in range(40):
        form = client.get("/")
        client.post("/login", data={"token": f"guess-{n}", "csrf": csrf_of(form.text)})
    form = client.get("/")
    page = client.post("/login", data={"token": tokens["s1001"], "csrf": csrf_of(form.text)})
    assert "Signed in as Ada Lovelace" in page.text


# --- storage a student cannot run up ---------------------------------------------------------------
def test_bodies_for_unknown_assignments_are_never_stored(client, tokens, course_dir):
    body = b"x: " + b"a" * (MIB - 100)
    for n in range(20):
        answer = client.post(f"/api/v1/assignments/no-such-{n}/attempts", content=body,
                             headers=bearer(tokens["s1002"]))
        assert answer.status_code == 404
    assert kept_bytes(course_dir) == 0
    storage = open_db(course_dir)
    try:
        assert storage.count_files() == 0
    finally:
        storage.close()


def test_unreadable_files_are_kept_only_within_the_daily_allowance(course_dir, tokens, make_app, clock):
    from fastapi.testclient import TestClient

    unreadable = b"\t" + b"a" * (MIB - 100)  # a tab cannot start YAML: refused with 422
    with TestClient(make_app(course_dir, files_per_minute=1000)) as client:
        for _ in range(30):
            answer = client.post(ATTEMPTS, content=unreadable, headers=bearer(tokens["s1002"]))
            assert answer.status_code == 422 and "YAML" in answer.json()["error"]["message"]  # always answered
        assert kept_bytes(course_dir, "s1002") <= 2 * MIB
        # a classmate's refused file is still kept, and their graded attempt recorded
        assert client.post(ATTEMPTS, content=unreadable[:5000], headers=bearer(tokens["s1001"])).status_code == 422
        assert kept_bytes(course_dir, "s1001") == 5000
        assert client.post(ATTEMPTS, content=CORRECT, headers=bearer(tokens["s1001"])).status_code == 201
        # the student's own graded attempt still goes through: the allowance is for refused files only
        assert client.post(ATTEMPTS, content=TYPICAL, headers=bearer(tokens["s1002"])).status_code == 201
        listed = client.get(ATTEMPTS, headers=bearer(tokens["s1002"])).json()["attempts"]
        assert [attempt["number"] for attempt in listed] == [1]  # no refused file used an attempt
        clock.advance(24 * 3600 + 1)  # a new day, a new allowance
        assert client.post(ATTEMPTS, content=unreadable, headers=bearer(tokens["s1002"])).status_code == 422
        assert kept_bytes(course_dir, "s1002") > 2 * MIB
    storage = open_db(course_dir)
    try:
        dropped = storage.dropped_files(ASSIGNMENT)
    finally:
        storage.close()
    assert dropped == {"s1002": 28}  # the TA sees how many were not kept, and whose


def test_the_allowance_is_set_in_course_yaml(make_course, issue_tokens, make_app):
    from fastapi.testclient import TestClient

    course_dir = make_course()
    text = (course_dir / "course.yaml").read_text()
    (course_dir / "course.yaml").write_text(text + "limits: {refused_per_day: 10 KiB, per_student: 40 KiB}\n")
    tokens = issue_tokens(course_dir)
    with TestClient(make_app(course_dir)) as client:
        for _ in range(5):
            assert client.post(ATTEMPTS, content=b"\t" + b"a" * 4000, headers=bearer(tokens["s1002"])).status_code == 422
        assert kept_bytes(course_dir, "s1002") <= 10 * 1024
        graded = [client.post(ATTEMPTS, content=TYPICAL + b"#" * 9000, headers=bearer(tokens["s1002"]))
                  for _ in range(5)]
        assert [answer.status_code for answer in graded[:3]] == [201, 201, 201]
        refusal = graded[-1]
        assert refusal.status_code == 413 and "40 KiB" in refusal.json()["error"]["message"]
        assert kept_bytes(course_dir, "s1002") <= 40 * 1024
        assert client.post(ATTEMPTS, content=CORRECT, headers=bearer(tokens["s1001"])).status_code == 201


@pytest.mark.parametrize("limits, message", [
    ("{refused_per_day: lots}", "refused_per_day"),
    ("{per_student: -1}", "per_student"),
    ("{per_day: 1 MiB}", "per_day"),
])
def test_bad_limits_are_messages(make_course, limits, message, capsys):
    course_dir = make_course()
    text = (course_dir / "course.yaml").read_text()
    (course_dir / "course.yaml").write_text(text + f"limits: {limits}\n")
    assert main(["tokens", str(course_dir), "--roster", str(course_dir / "none.csv")]) == 2
    assert message in capsys.readouterr().err


# --- extensions that count --------------------------------------------------------------------------
def test_an_extension_after_the_fact_turns_late_attempts_into_counted_ones(make_course, issue_tokens, make_app,
                                                                           clock, tmp_path, capsys):
    from fastapi.testclient import TestClient

    course_dir = make_course(due="2026-11-25T11:00:00Z", attempts=3)  # the clock starts at 12:00: already late
    tokens = issue_tokens(course_dir)
    with TestClient(make_app(course_dir)) as client:
        answer = client.post(ATTEMPTS, content=TYPICAL, headers=bearer(tokens["s1002"]))
        assert answer.json()["attempt"] | {"at": None} == {"number": 1, "at": None, "counted": False, "late": True}
        assert main(["extend", str(course_dir), "--student", "s1002", "--assignment", ASSIGNMENT,
                     "--due", "2026-11-30T23:59:00Z"]) == 0
        listed = client.get(ATTEMPTS, headers=bearer(tokens["s1002"])).json()["attempts"]
        assert [(attempt["late"], attempt["counted"]) for attempt in listed] == [(False, True)]
        mine = client.get("/api/v1/assignments", headers=bearer(tokens["s1002"])).json()["assignments"][0]
        assert mine["score"] == 14.5 and mine["attempts_used"] == 1 and mine["attempts_left"] == 2
    capsys.readouterr()
    assert main(["collect", str(course_dir), "--assignment", ASSIGNMENT, "--out", str(tmp_path / "out"),
                 "--quiet"]) == 0
    said = capsys.readouterr().out
    assert "s1002" in said and "extension" in said
    assert '"s1002"' in (tmp_path / "out" / "results.jsonl").read_text()


def test_an_extension_counts_only_as_many_attempts_as_allowed(make_course, issue_tokens, make_app, clock):
    from fastapi.testclient import TestClient

    course_dir = make_course(due="2026-11-25T11:00:00Z", attempts=2)
    tokens = issue_tokens(course_dir)
    with TestClient(make_app(course_dir)) as client:
        for _ in range(3):
            assert client.post(ATTEMPTS, content=TYPICAL, headers=bearer(tokens["s1002"])).status_code == 201
        assert main(["extend", str(course_dir), "--student", "s1002", "--assignment", ASSIGNMENT,
                     "--due", "2026-11-30T23:59:00Z"]) == 0
        listed = client.get(ATTEMPTS, headers=bearer(tokens["s1002"])).json()["attempts"]
        assert [attempt["counted"] for attempt in listed] == [True, True, False]  # the third is over the limit
        refused = client.post(ATTEMPTS, content=TYPICAL, headers=bearer(tokens["s1002"]))
        assert refused.status_code == 429


# --- every request answered on purpose ----------------------------------------------------------------
@pytest.mark.parametrize("number", ["9223372036854775808", "99999999999999999999999", "-1", "0", "first", "1e3"])
def test_attempt_numbers_out_of_range_are_404(client, tokens, number):
    client.post(ATTEMPTS, content=TYPICAL, headers=bearer(tokens["s1002"]))
    answer = client.get(f"{ATTEMPTS}/{number}", headers=bearer(tokens["s1002"]))
    assert answer.status_code == 404, answer.text
    assert answer.json()["error"]["status"] == 404


def test_attempt_numbers_out_of_range_are_404_on_the_page_too(client, tokens):
    from pages_support import sign_in

    sign_in(client, tokens["s1002"])
    answer = client.get(f"/assignments/{ASSIGNMENT}/attempts/9223372036854775808")
    assert answer.status_code == 404 and "Traceback" not in answer.text


def test_log_lines_escape_control_and_bidi_characters(client, caplog):
    with caplog.at_level(logging.INFO, logger="grader.serve"):
        client.get("/api/v1/%1b]0;owned%07%e2%80%ae%0d%0afake-line")
    lines = [record.getMessage() for record in caplog.records if record.name == "grader.serve"]
    assert lines and all(not any(ch in line for ch in "\x1b\x07\u202e\r\n") for line in lines), lines
    assert any("\\x1b" in line for line in lines)


@pytest.mark.parametrize("value", ["two", "", "1.5", "99"])
def test_a_damaged_schema_version_is_a_message_and_exit_2(course_dir, tokens, value, capsys, busy_port):
    connection = sqlite3.connect(course_dir / "grade.db")
    connection.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (value,))
    connection.commit()
    connection.close()
    for command in (["serve", str(course_dir), "--port", str(busy_port)], ["extend", str(course_dir), "--student", "s1001",
                                                                 "--assignment", ASSIGNMENT, "--attempts", "4"]):
        assert main(command) == 2
        err = capsys.readouterr().err
        assert "schema version" in err and "Traceback" not in err, err


API_HEADERS = {"cache-control": "no-store", "x-content-type-options": "nosniff", "x-frame-options": "DENY",
               "referrer-policy": "no-referrer"}


@pytest.mark.parametrize("path, token", [("/healthz", None), ("/api/v1/assignments", "s1002"),
                                         ("/api/v1/assignments", None), ("/api/v1/nowhere", "s1002"),
                                         (f"{ATTEMPTS}/1", "s1002"), ("/api/v1/openapi.json", None)])
def test_every_api_answer_carries_the_security_headers(client, tokens, path, token):
    answer = client.get(path, headers=bearer(tokens[token]) if token else {})
    for name, value in API_HEADERS.items():
        assert answer.headers.get(name) == value, (path, name, answer.headers)
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]


def test_the_html_sheet_from_the_api_carries_the_pages_csp(client, tokens):
    import re

    answer = client.get(f"/api/v1/assignments/{ASSIGNMENT}/sheet",
                        headers={**bearer(tokens["s1002"]), "Accept": "text/html"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    policy = answer.headers["content-security-policy"]
    nonce = re.search(r'<style nonce="([^"]+)"', answer.text).group(1)
    assert f"style-src 'nonce-{nonce}'" in policy and "default-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy and answer.headers["x-frame-options"] == "DENY"
    for name, value in API_HEADERS.items():
        assert answer.headers.get(name) == value
