"""`grade collect`: the counted attempts as a `grade batch` output folder, graded again or as recorded."""

from __future__ import annotations

import json

import pytest
from serve_support import ASSIGNMENT, CORRECT, RUBRIC, TYPICAL, write_course

from grader.cli import main

ATTEMPTS = f"/api/v1/assignments/{ASSIGNMENT}/attempts"


@pytest.fixture
def graded_course(course_dir, tokens, make_app):
    """Ada: correct (36), then the typical mistakes (14.5); Charles: the typical mistakes (14.5)."""
    from fastapi.testclient import TestClient

    ada, charles = ({"Authorization": f"Bearer {tokens[sid]}"} for sid in ("s1001", "s1002"))
    with TestClient(make_app(course_dir)) as client:
        assert client.post(ATTEMPTS, headers=ada, content=CORRECT).status_code == 201
        assert client.post(ATTEMPTS, headers=ada, content=TYPICAL.replace(b"s1002", b"s1001")).status_code == 201
        assert client.post(ATTEMPTS, headers=charles, content=TYPICAL).status_code == 201
    return course_dir


def results(out) -> dict[str, dict]:
    lines = (out / "results.jsonl").read_text(encoding="utf-8").splitlines()
    return {result["student"]["id"]: result for result in map(json.loads, lines)}


@pytest.mark.parametrize("which, ada_score", [("best", 36.0), ("last", 14.5)])
def test_collect_writes_the_batch_layout_and_every_export_works(graded_course, tmp_path, capsys, which, ada_score):
    out = tmp_path / "graded"
    assert main(["collect", str(graded_course), "--assignment", ASSIGNMENT, "--out", str(out), "--which", which,
                 "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "Graded 2 of 2" in printed and "No score changed from what the students were shown (2 students)" in printed
    scores = {sid: result["score"] for sid, result in results(out).items()}
    assert scores == {"s1001": ada_score, "s1002": 14.5}
    for name in ("gradebook.csv", "summary.html", "review.yaml", "problems.jsonl", "reports/s1001.html",
                 "reports/s1002.md"):
        assert (out / name).is_file(), name
    assert main(["export", "csv", str(out)]) == 0
    grades = (out / "grades.csv").read_text(encoding="utf-8-sig").splitlines()
    assert grades[0].startswith("student_id,name,email,score,max_score") and len(grades) == 3


def test_collect_grades_again_with_the_current_rubric_and_lists_changed_scores(graded_course, tmp_path, capsys):
    # The key is "fixed" after the due date: a copy of the rubric where p3.c is worth 3 points more.
    rubric = RUBRIC.read_text(encoding="utf-8")
    fixed_folder = tmp_path / "fixed"
    fixed_folder.mkdir()
    marker = "id: p3.c\n"
    assert marker in rubric
    start = rubric.index(marker)
    points_at = rubric.index("points:", start)
    end = rubric.index("\n", points_at)
    old_points = float(rubric[points_at + len("points:"):end])
    fixed = rubric[:points_at] + f"points: {old_points + 3:g}" + rubric[end:]
    fixed = fixed.replace("\ntotal:", "\n# total:", 1)
    (fixed_folder / "hw-lstm-vae-gan.yaml").write_text(fixed, encoding="utf-8")
    course = write_course(graded_course, attempts=3)  # same folder and database, new rubric path
    yaml_text = (course / "course.yaml").read_text().replace(str(RUBRIC), str(fixed_folder / "hw-lstm-vae-gan.yaml"))
    (course / "course.yaml").write_text(yaml_text)

    out = tmp_path / "regraded"
    assert main(["collect", str(course), "--assignment", ASSIGNMENT, "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "2 of 2 students' scores changed" in printed
    assert "s1001 (attempt 1): 36 -> 39 (the rubric or key changed)" in printed
    assert results(out)["s1001"]["max_score"] == 39.0

    recorded = tmp_path / "recorded"
    assert main(["collect", str(course), "--assignment", ASSIGNMENT, "--out", str(recorded), "--as-recorded",
                 "--quiet"]) == 0
    assert "as recorded" in capsys.readouterr().out
    assert {sid: r["score"] for sid, r in results(recorded).items()} == {"s1001": 36.0, "s1002": 14.5}
    assert results(recorded)["s1001"]["max_score"] == 36.0


def test_collect_after_a_ta_decision_names_the_decision_as_the_cause(graded_course, tmp_path, capsys):
    out = tmp_path / "graded"
    assert main(["collect", str(graded_course), "--assignment", ASSIGNMENT, "--out", str(out), "--quiet"]) == 0
    assert "No score changed" in capsys.readouterr().out
    review = (out / "review.yaml").read_text(encoding="utf-8")
    entry = review.index('- student: "s1002"\n  name: "Charles Babbage"\n  question: "p2.a.why"')
    score_at = review.index("  score:", entry)
    decided = review[:score_at] + "  score: 1\n  comment: \"Fair enough.\"" + review[review.index("\n", score_at):]
    (out / "review.yaml").write_text(decided, encoding="utf-8")
    assert main(["collect", str(graded_course), "--assignment", ASSIGNMENT, "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "s1002 (attempt 1): 14.5 -> 15.5 (a TA decision)" in printed, printed
    assert "rubric" not in printed.split("changed from what they were shown")[1]


def test_collect_without_attempts_is_a_message(course_dir, tokens, tmp_path, capsys):
    assert main(["collect", str(course_dir), "--assignment", ASSIGNMENT, "--out", str(tmp_path / "o")]) == 2
    assert "no student has a counted attempt" in capsys.readouterr().err


@pytest.mark.parametrize("student_id, name", [
    ("s1001", "s1001-00003.yaml"),
    ("../../etc/passwd", "_.._etc_passwd-00003.yaml"),
    ("a/b", "a_b-00003.yaml"),
    ("..", "student-00003.yaml"),
])
def test_a_stored_attempt_gets_a_file_name_no_student_id_can_steer(student_id, name):
    from grader.serve.collect import _file_name

    assert _file_name(3, student_id) == name


def test_collected_results_carry_the_roster_email_a_moodle_export_matches_by(course_dir, tokens, make_app, tmp_path,
                                                                            capsys):
    from fastapi.testclient import TestClient

    no_email = CORRECT.replace(b', email: "ada@example.edu"', b"")
    assert b"email" not in no_email.split(b"answers:")[0]
    with TestClient(make_app(course_dir)) as client:
        assert client.post(ATTEMPTS, headers={"Authorization": f"Bearer {tokens['s1001']}"},
                           content=no_email).status_code == 201
    out = tmp_path / "graded"
    assert main(["collect", str(course_dir), "--assignment", ASSIGNMENT, "--out", str(out), "--quiet"]) == 0
    assert results(out)["s1001"]["student"] == {"id": "s1001", "name": "Ada Lovelace", "email": "ada@example.edu"}
    assert main(["export", "moodle", str(out), "--item", "Homework 1", "--id-field", "email"]) == 0
    assert "ada@example.edu" in (out / "moodle.csv").read_text(encoding="utf-8-sig")
