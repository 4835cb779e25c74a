"""Helpers for the export tests: a small rubric of our own, graded results, and the importers' rules as checkers."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from pathlib import Path
from typing import Any

import yaml

from grader.grading import grade_submission
from grader.results import Result
from grader.rubric import load_rubric
from grader.submission import load_submission

# Literal answers, no solver: these tests do not move when the shipped assignment changes.
RUBRIC_ID = "hw-export"
RUBRIC_TEXT = """\
id: hw-export
title: "Export test homework"
questions:
  - {id: q1, type: numeric, title: "What is 1/4?", points: 2, answer: 0.25}
  - {id: q2, type: true_false, title: "Is the loss convex?", points: 1, answer: true, visibility: hidden}
  - id: q3
    type: text
    title: "Explain the result."
    points: 2
    visibility: after_due_date
    concepts:
      - {name: "the gradient", points: 1, patterns: ['gradient']}
      - {name: "the loss", points: 1, patterns: ['loss']}
  - {id: q4, type: numeric, title: "What is 7/2?", points: 1, answer: 3.5}
"""
MAX_SCORE = 6.0
CORRECT = {"q1": 0.25, "q2": True, "q3": "The gradient of the loss vanishes.", "q4": "3.5"}
WRONG = {"q1": 0.5, "q2": False, "q3": "It depends on the weather today.", "q4": 3.5}  # 1 point, q4
MALFORMED = "assignment: hw-export\nstudent: {id: s9}\nanswers:\n  q1: 0.25\n  q1: 0.5\n"
HYPERLINK = '=HYPERLINK("http://x","y")'
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def write_rubric(folder: Path) -> Path:
    path = folder / f"{RUBRIC_ID}.yaml"
    path.write_text(RUBRIC_TEXT, encoding="utf-8")
    return path


def submission_text(student_id: str, answers: dict[str, Any], *, name: str | None = None,
                    email: str | None = None) -> str:
    student = {"id": student_id, **({"name": name} if name else {}), **({"email": email} if email else {})}
    return yaml.safe_dump({"assignment": RUBRIC_ID, "student": student, "answers": answers},
                          allow_unicode=True, sort_keys=False)


def grade_text(text: str, rubric_path: Path, folder: Path) -> Result:
    """Grade a submit.yaml's text with the engine, as `grade batch` would."""
    path = folder / f"submit-{hashlib.sha1(text.encode()).hexdigest()[:12]}.yaml"
    path.write_text(text, encoding="utf-8")
    submission, warnings = load_submission(path)
    return grade_submission(submission, load_rubric(rubric_path), warnings=warnings)


def write_out(folder: Path, results: list[Result]) -> Path:
    """A `grade batch --out` folder holding just results.jsonl."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.jsonl").write_text("".join(result.to_json() + "\n" for result in results), encoding="utf-8")
    return folder


def read_csv(path: Path) -> list[list[str]]:
    """The rows of a CSV we wrote; asserts UTF-8 (a BOM allowed) and CRLF line ends."""
    data = path.read_bytes()
    text = data.decode("utf-8").removeprefix("\ufeff")
    assert "\n" not in text.replace("\r\n", ""), f"{path.name}: a line end that is not CRLF"
    return list(csv.reader(io.StringIO(text, newline="")))


def assert_inert(rows: list[list[str]]) -> None:
    """No cell a spreadsheet would run as a formula, except plain numbers (a negative score stays a number)."""
    for row in rows:
        for value in row:
            if re.fullmatch(r"-?\d+(\.\d+)?", value):
                continue
            assert not value.lstrip(" ").startswith(FORMULA_STARTS), f"formula-like cell {value!r}"


# --- Canvas's gradebook importer, as rules ------------------------------------------------------
CANVAS_IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
CANVAS_ASSIGNMENT = re.compile(r"^.+ \(\d+\)$")
CANVAS_TOTALS = re.compile(r"Current Score|Current Points|Current Grade|Final Score|Final Points|Final Grade")


def check_canvas_import(rows: list[list[str]]) -> dict[str, Any]:
    """What Canvas's importer would read from `rows`; an AssertionError where it would refuse or misread."""
    header = rows[0]
    assert len(header) > 3 and re.search("Student", header[0]) and re.search("ID", header[1]), "header not detected"
    assert header[:5] == CANVAS_IDENTITY, f"identity columns are {header[:5]}"
    assert re.search("Section", header[4]), "Section must be the last identity column"
    assignments = header[5:]
    assert assignments, "no assignment column"
    for title in assignments:
        assert title.strip() and not CANVAS_TOTALS.search(title), f"{title!r} is not an assignment column"
        assert CANVAS_ASSIGNMENT.match(title) or not re.search(r"\(\d+\)$", title), title
    points = None
    body = rows[1:]
    if body and "Points Possible" in body[0][0]:
        points = body[0]
        assert all(value == "" for value in points[1:5]), "Points Possible has identity cells"
        assert all(float(value) > 0 for value in points[5:]), "Points Possible needs points"
        body = body[1:]
    assert all("Points Possible" not in row[0] for row in body), "Points Possible must come right after the header"
    students = []
    for row in body:
        assert len(row) == len(header), f"row {row} has {len(row)} cells, the header {len(header)}"
        assert any(row[1:4]), f"row {row} identifies nobody (ID, SIS User ID, SIS Login ID all empty)"
        for value in row[5:]:
            assert value == "" or float(value) >= 0, f"grade {value!r} is not a number"
        students.append(dict(zip(header, row)))
    return {"assignments": assignments, "points": points, "students": students}


# --- Moodle's grade import, as rules ------------------------------------------------------------
MOODLE_ID_TITLES = {"email": "Email address", "idnumber": "ID number", "username": "Username"}


def check_moodle_import(rows: list[list[str]], id_field: str, item: str) -> list[dict[str, str]]:
    """One identity column Moodle can map to a user field, the item's grade column, its feedback column."""
    assert rows[0] == [MOODLE_ID_TITLES[id_field], item, "Feedback"], rows[0]
    records = []
    for row in rows[1:]:
        assert len(row) == 3, row
        identity, grade, feedback = row
        assert identity.strip(), "a row without identity cannot be mapped"
        if id_field == "email":
            assert "@" in identity, identity
        assert float(grade) >= 0, grade
        assert feedback.strip() and "\n" not in feedback, feedback
        records.append(dict(zip(rows[0], row)))
    identities = [record[rows[0][0]].casefold() for record in records]
    assert len(identities) == len(set(identities)), "an identity twice: Moodle would import one grade over another"
    return records


# --- Gradescope's results.json ----------------------------------------------------------------
VISIBILITIES = {"visible", "hidden", "after_due_date", "after_published"}


def check_gradescope_results(data: dict[str, Any], visibility: dict[str, str] | None = None) -> None:
    """The fields of Gradescope's autograder specification that we promise."""
    assert set(data) <= {"score", "output", "output_format", "tests", "visibility", "stdout_visibility",
                         "execution_time"}, set(data)
    assert isinstance(data["score"], (int, float)) and not isinstance(data["score"], bool)
    assert isinstance(data["output"], str) and data["output"].strip()
    assert data.get("output_format", "md") == "md"
    for test in data.get("tests", []):
        assert set(test) == {"name", "number", "score", "max_score", "status", "output", "output_format",
                             "visibility"}, set(test)
        assert isinstance(test["name"], str) and test["name"]
        assert isinstance(test["number"], str) and test["number"]
        assert 0 <= test["score"] <= test["max_score"]
        assert test["status"] == ("passed" if test["score"] == test["max_score"] else "failed"), test
        assert isinstance(test["output"], str) and test["output"].strip()
        assert test["output_format"] == "md"
        assert test["visibility"] in VISIBILITIES
        if visibility is not None:
            assert test["visibility"] == visibility[test["number"]], test["number"]
