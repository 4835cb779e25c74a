"""A course with a variants rubric: each student gets their own sheet and is graded on their own numbers."""

from __future__ import annotations

import pytest
import yaml
from serve_support import RUBRIC, SUBMISSIONS, VARIANTS_RUBRIC, VARIANTS_STUDENT, write_roster

pytestmark = pytest.mark.skipif(not VARIANTS_RUBRIC.is_file(), reason="the second assignment (hw-logreg) is not here")


@pytest.fixture
def two_assignments(tmp_path):
    course = tmp_path / "course"
    course.mkdir()
    (course / "course.yaml").write_text(yaml.safe_dump({"title": "Two", "assignments": [
        {"id": "hw-lstm-vae-gan", "rubric": str(RUBRIC)},
        {"id": "hw-logreg", "rubric": str(VARIANTS_RUBRIC), "attempts": 2}]}), encoding="utf-8")
    return course


def test_each_student_gets_their_own_sheet_and_numbers(two_assignments, tmp_path, make_app, capsys):
    from fastapi.testclient import TestClient

    from grader.cli import main

    roster = write_roster(tmp_path / "roster.csv", [(VARIANTS_STUDENT, "Dorothy Vaughan", ""), ("s1001", "Ada", "")])
    assert main(["tokens", str(two_assignments), "--roster", str(roster)]) == 0
    tokens = {line.split(",")[0]: line.split(",")[3] for line in capsys.readouterr().out.splitlines()[1:]}
    with TestClient(make_app(two_assignments)) as client:
        sheets = {sid: client.get("/api/v1/assignments/hw-logreg/sheet",
                                  headers={"Authorization": f"Bearer {token}"}).text for sid, token in tokens.items()}
        assert sheets[VARIANTS_STUDENT] != sheets["s1001"]
        assert all(sid in sheet for sid, sheet in sheets.items())
        answer = client.post("/api/v1/assignments/hw-logreg/attempts",
                             headers={"Authorization": f"Bearer {tokens[VARIANTS_STUDENT]}"},
                             content=(SUBMISSIONS / "hw-logreg-typical-mistakes.yaml").read_bytes())
        assert answer.status_code == 201
        assert (answer.json()["result"]["score"], answer.json()["attempts_left"]) == (7.0, 1)
        listed = client.get("/api/v1/assignments", headers={"Authorization": f"Bearer {tokens['s1001']}"}).json()
        assert [(a["id"], a["attempts_left"]) for a in listed["assignments"]] == [("hw-lstm-vae-gan", None),
                                                                                 ("hw-logreg", 2)]
