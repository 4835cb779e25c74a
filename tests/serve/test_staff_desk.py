"""Staff tokens and the desk's other pages: the staff roster, extensions with a reason, the downloads, search
and sort, and the database upgraded from schema version 2 with every row kept."""

from __future__ import annotations

import datetime as dt
import io
import sqlite3
import zipfile

import pytest
from pages_support import csrf_of, sign_in
from schema_support import downgrade_to_version_2
from staff_support import ASSIGNMENT, CORRECT, STAFF_API, TYPICAL, bearer, submit, write_staff_roster

from grader.errors import UsageError

pytestmark = pytest.mark.reveals_key  # staff pages show the key by design


@pytest.mark.parametrize("rows, message", [
    ("staff_id,name,email\nt01,T,t@x\n", "needs the columns `staff_id` and `role`"),
    ("staff_id,name,email,role\nt01,T,t@x,professor\n", "neither `ta` nor `instructor`"),
    ("staff_id,name,email,role\nt01,T,t@x,ta\nt01,U,u@x,ta\n", "on the staff roster twice"),
    ("staff_id,name,email,role\n../x,T,t@x,ta\n", "not an id the service can use"),
    ("staff_id,name,email,role\ns1001,Ada,a@x,ta\n", "is a student of this course"),
])
def test_a_bad_staff_roster_is_a_message(course_dir, tokens, tmp_path, rows, message):
    from grader.serve.storage import open_storage
    from grader.serve.tokens import run_tokens

    (tmp_path / "bad.csv").write_text(rows, encoding="utf-8")
    storage = open_storage(None, course_dir)
    try:
        with pytest.raises(UsageError, match=message):
            run_tokens(storage, str(tmp_path / "bad.csv"), None, None, dt.datetime.now(dt.timezone.utc), staff=True)
    finally:
        storage.close()


def test_staff_tokens_go_to_their_own_table_and_a_reissue_signs_the_old_one_out(desk, tmp_path):
    from grader.cli import main

    assert [member.id for member, _ in desk.app.state.service.storage.staff_members()] == ["i01", "t01"]
    assert "t01" not in [student.id for student in desk.app.state.service.storage.students()]
    browser = desk.browser()
    sign_in(browser, desk.staff["t01"])
    assert browser.get("/staff/").status_code == 200
    write_staff_roster(tmp_path / "staff.csv")
    assert main(["tokens", str(desk.course), "--staff", "--roster", str(tmp_path / "staff.csv"),
                 "--reissue", "t01", "-o", str(tmp_path / "again.csv")]) == 0
    assert browser.get("/staff/", follow_redirects=False).status_code == 401  # the old session ended
    assert main(["tokens", str(desk.course), "--staff", "--roster", str(tmp_path / "staff.csv"),
                 "-o", str(tmp_path / "none.csv")]) == 0
    assert not (tmp_path / "none.csv").exists()  # everyone has a token: nothing issued, no empty file left


def test_an_extension_from_the_page_is_recorded_with_who_why_and_when(desk):
    submit(desk.api, desk.tokens["s2000"], TYPICAL.replace(b"s1002", b"s2000"))
    browser = desk.browser()
    sign_in(browser, desk.staff["t01"])
    page = browser.get(f"/staff/assignments/{ASSIGNMENT}/students/s2000")
    refused = browser.post(f"/staff/assignments/{ASSIGNMENT}/students/s2000/extension",
                           data={"csrf": csrf_of(page.text), "attempts": "5", "reason": ""})
    assert refused.status_code == 422 and "say why" in refused.text.lower()
    granted = browser.post(f"/staff/assignments/{ASSIGNMENT}/students/s2000/extension",
                           data={"csrf": csrf_of(page.text), "due": "2026-12-24T23:59:00-05:00", "attempts": "5",
                                 "reason": "medical note"})
    assert granted.status_code == 200
    assert "granted by t01 (ta)" in granted.text and "medical note" in granted.text
    assert "extension: due 2026-12-25T04:59:00Z, attempts 5; reason: medical note" in granted.text  # the audit
    listed = desk.api.get("/api/v1/assignments", headers=bearer(desk.tokens["s2000"])).json()["assignments"][0]
    assert listed["due"] == "2026-12-25T04:59:00Z" and listed["attempts_left"] == 4


def test_the_downloads_hold_the_counted_scores_with_the_decisions(desk):
    submit(desk.api, desk.tokens["s2000"], TYPICAL.replace(b"s1002", b"s2000"))
    submit(desk.api, desk.tokens["s2001"], CORRECT.replace(b"s1001", b"s2001"))
    question = desk.api.get(f"{STAFF_API}/assignments/{ASSIGNMENT}/review/p2.a.why",
                            headers=bearer(desk.staff["t01"])).json()
    answers = [{"student": a["student"], "answer_sha256": a["answer_sha256"]}
               for group in question["groups"] for a in group["answers"] if a["student"] == "s2000"]
    assert desk.api.post(f"{STAFF_API}/assignments/{ASSIGNMENT}/review/p2.a.why/decisions",
                         json={"answers": answers, "score": 1, "comment": "ok"},
                         headers=bearer(desk.staff["t01"])).json() == {"recorded": 1}
    table = desk.api.get(f"{STAFF_API}/assignments/{ASSIGNMENT}", headers=bearer(desk.staff["t01"])).json()
    scores = {row["id"]: row["score"] for row in table["students"] if row["score"] is not None}

    def download(name: str) -> bytes:
        response = desk.api.get(f"{STAFF_API}/assignments/{ASSIGNMENT}/downloads/{name}",
                                headers=bearer(desk.staff["t01"]))
        assert response.status_code == 200, response.text
        return response.content

    assert f",s2000,,,{scores['s2000']:g}\r\n" in download("canvas.csv").decode()
    assert f"s2000,{scores['s2000']:g}," in download("moodle.csv").decode()
    assert download("grades.csv").startswith("\ufeff".encode())
    with zipfile.ZipFile(io.BytesIO(download("graded.zip"))) as archive:
        names = set(archive.namelist())
        assert {"graded/results.jsonl", "graded/summary.html", "graded/review.yaml"} <= names
        results = archive.read("graded/results.jsonl").decode()
    assert '"override":{"score":1.0,"comment":"ok"}' in results
    assert all(f'"id":"{student}"' in results for student in scores)
    audit = desk.api.get(f"{STAFF_API}/audit", headers=bearer(desk.staff["t01"])).json()["audit"]
    assert {entry["detail"].split(" ")[1] for entry in audit if entry["action"] == "download"} == {
        "canvas.csv", "moodle.csv", "grades.csv", "graded.zip"}


def test_the_students_table_searches_and_sorts(desk):
    submit(desk.api, desk.tokens["s2003"], TYPICAL.replace(b"s1002", b"s2003"))
    submit(desk.api, desk.tokens["s2001"], CORRECT.replace(b"s1001", b"s2001"))
    listed = desk.api.get(f"{STAFF_API}/assignments/{ASSIGNMENT}?sort=best&desc=true",
                          headers=bearer(desk.staff["t01"])).json()["students"]
    assert [row["id"] for row in listed[:2]] == ["s2001", "s2003"] and len(listed) == 8
    found = desk.api.get(f"{STAFF_API}/assignments/{ASSIGNMENT}?q=student%203",
                         headers=bearer(desk.staff["t01"])).json()["students"]
    assert [row["id"] for row in found] == ["s2003"]
    browser = desk.browser()
    sign_in(browser, desk.staff["t01"])
    page = browser.get(f"/staff/assignments/{ASSIGNMENT}?q=s2001&sort=last&order=desc").text
    assert "1 of 8 students matching “s2001”, sorted by last (descending)" in page
    assert "Histogram of total scores (2 students)" in page and "Number of students by total score" in page
    assert browser.get(f"/staff/assignments/{ASSIGNMENT}?sort=nothing").status_code == 422


def test_a_version_2_database_is_upgraded_with_every_row_kept(desk, tmp_path):
    from grader.serve.storage import SCHEMA_VERSION, open_storage

    submit(desk.api, desk.tokens["s2000"], TYPICAL.replace(b"s1002", b"s2000"))
    browser = desk.browser()
    sign_in(browser, desk.tokens["s2000"])  # a student's session: version 2 had these
    desk.app.state.service.storage.close()
    with sqlite3.connect(desk.course / "grade.db") as connection:
        downgrade_to_version_2(connection.execute, "sqlite")
        before = {table: connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                  for table in ("students", "files", "sessions", "extensions")}
    assert before["files"] == 1 and before["sessions"] == 1 and before["students"] == 8
    upgraded = open_storage(None, desk.course)
    try:
        assert upgraded.schema_version() == SCHEMA_VERSION == 4
        with sqlite3.connect(desk.course / "grade.db") as connection:
            after = {table: connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in before}
            columns = [row[1] for row in connection.execute("PRAGMA table_info(sessions)")]
        assert after == before and "staff_id" in columns
        now = dt.datetime.now(dt.timezone.utc)
        upgraded.save_staff_tokens([("t09", "New TA", None, "ta", "9" * 64)], now)
        upgraded.start_session("e" * 64, None, now, staff_id="t09")
        held = upgraded.session_person("e" * 64, now, idle=dt.timedelta(hours=1), lifetime=dt.timedelta(hours=2))
        assert held is not None and held.role == "ta"
    finally:
        upgraded.close()
