"""Regrade from the page: a key fixed after students submitted, the preview of every counted score that would
change (old -> new, and why), applied by an instructor, and the students' views updated, the old results kept."""

from __future__ import annotations

import shutil

import pytest
import yaml

import grader.rubric as rubric_module
from fastapi.testclient import TestClient
from pages_support import csrf_of, sign_in
from serve_support import REPO, leaked_keys, read_tokens, write_roster
from staff_support import ASSIGNMENT, CORRECT, STAFF_API, TYPICAL, bearer, issue_staff_tokens, submit

pytestmark = pytest.mark.reveals_key  # the staff's pages show the key; the students' responses are checked below

WRONG_KEY = "answer: {ref: p2.c}"


@pytest.fixture
def regraded(tmp_path, make_app):
    """A course whose rubric had p2.c's key wrong (false) when two students submitted; then it is fixed."""
    from grader.cli import main

    course = tmp_path / "course"
    (course / "rubrics").mkdir(parents=True)
    text = (REPO / "rubrics" / f"{ASSIGNMENT}.yaml").read_text(encoding="utf-8")
    assert text.count(WRONG_KEY) == 1
    rubric = course / "rubrics" / f"{ASSIGNMENT}.yaml"
    rubric.write_text(text.replace(WRONG_KEY, "answer: false"), encoding="utf-8")
    shutil.copy(REPO / "rubrics" / f"{ASSIGNMENT}.sheet.md.j2", course / "rubrics")
    (course / "course.yaml").write_text(yaml.safe_dump({"title": "Regrade", "assignments": [
        {"id": ASSIGNMENT, "rubric": f"rubrics/{ASSIGNMENT}.yaml"}]}), encoding="utf-8")
    assert main(["tokens", str(course), "--roster", str(write_roster(tmp_path / "roster.csv")),
                 "-o", str(tmp_path / "tokens.csv")]) == 0
    tokens = read_tokens(tmp_path / "tokens.csv")
    staff = issue_staff_tokens(course, tmp_path)
    with TestClient(make_app(course)) as before:
        first = {"s1001": submit(before, tokens["s1001"], CORRECT)["result"]["score"],
                 "s1002": submit(before, tokens["s1002"], TYPICAL)["result"]["score"]}
    rubric.write_text(text, encoding="utf-8")  # the key fixed; the server restarted on it:
    rubric_module._LOADED.pop(rubric.resolve())  # a new process would read the rubric afresh
    app = make_app(course)
    with TestClient(app) as client:
        yield client, app, tokens, staff, first


def test_the_preview_lists_each_change_and_records_nothing(regraded):
    client, _, tokens, staff, first = regraded
    preview = client.get(f"{STAFF_API}/assignments/{ASSIGNMENT}/regrade", headers=bearer(staff["t01"])).json()
    assert preview["graded"] == 2 and preview["results_changed"] == 2
    changes = {change["student_id"]: change for change in preview["changes"]}
    assert set(changes) == {"s1001", "s1002"}
    for student_id, change in changes.items():
        assert change["old"] == first[student_id] and change["new"] == first[student_id] + 1
        assert change["reasons"] == ["p2.c: 0 -> 1 (incorrect -> correct)"]
    again = client.get(f"/api/v1/assignments/{ASSIGNMENT}/attempts", headers=bearer(tokens["s1001"])).json()
    assert again["attempts"][0]["score"] == first["s1001"]  # a preview changes nothing


def test_an_instructor_applies_it_and_the_students_see_the_new_results(regraded):
    client, app, tokens, staff, first = regraded
    ta = TestClient(app)
    sign_in(ta, staff["t01"])
    page = ta.get(f"/staff/assignments/{ASSIGNMENT}/regrade")
    assert "2 students' counted scores would change" in page.text and "Only an instructor" in page.text
    assert ta.post(f"/staff/assignments/{ASSIGNMENT}/regrade", data={"csrf": csrf_of(page.text)}).status_code == 403
    instructor = TestClient(app)
    sign_in(instructor, staff["i01"])
    page = instructor.get(f"/staff/assignments/{ASSIGNMENT}/regrade")
    applied = instructor.post(f"/staff/assignments/{ASSIGNMENT}/regrade", data={"csrf": csrf_of(page.text)})
    assert applied.status_code == 200 and "Applied: 2 results recorded beside the earlier ones" in applied.text
    for student_id in ("s1001", "s1002"):
        listed = client.get(f"/api/v1/assignments/{ASSIGNMENT}/attempts", headers=bearer(tokens[student_id]))
        assert listed.json()["attempts"][0]["score"] == first[student_id] + 1
        student = TestClient(app)
        sign_in(student, tokens[student_id])
        feedback = student.get(f"/assignments/{ASSIGNMENT}/attempts/1")
        home = student.get("/")
        assert "Regraded" in feedback.text and f"first scored {first[student_id]:g}" in feedback.text
        assert f"{first[student_id] + 1:g} / 36" in home.text
        assert not leaked_keys([feedback.content, home.content, listed.content])
    rows = app.state.service.storage.attempt_rows(ASSIGNMENT)
    assert {row.student_id: (row.first_score, row.attempt.score) for row in rows} == {
        student_id: (score, score + 1) for student_id, score in first.items()}  # the first results are kept
    audit = client.get(f"{STAFF_API}/audit", headers=bearer(staff["i01"])).json()["audit"]
    assert sum(entry["action"] == "regrade" for entry in audit) == 3  # one per student, one for the whole run
    assert client.get(f"{STAFF_API}/assignments/{ASSIGNMENT}/regrade",
                      headers=bearer(staff["i01"])).json()["changes"] == []  # applied: nothing more to do
