"""`grade gradescope --root FAKE`: a valid results.json for every upload, good or bad."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from export_support import CORRECT, MALFORMED, RUBRIC_TEXT, WRONG, check_gradescope_results, submission_text
from grader.cli import main
from grader.reports.escaping import md_message  # the output is Markdown: messages come escaped, `code` as code

VISIBILITY = {"q1": "visible", "q2": "hidden", "q3": "after_due_date", "q4": "visible"}
METADATA = {"users": [{"name": "Meta Person", "email": "meta@example.edu", "sid": "s1"}],
            "assignment": {"title": "Homework 3"}}


def fake_root(folder: Path, upload: dict[str, str | bytes], metadata: dict | str | None = None) -> Path:
    """A copy of Gradescope's /autograder tree: submission/, submission_metadata.json, results/."""
    (folder / "submission").mkdir(parents=True)
    for name, content in upload.items():
        path = folder / "submission" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    meta = METADATA if metadata is None else metadata
    (folder / "submission_metadata.json").write_text(meta if isinstance(meta, str) else json.dumps(meta))
    return folder


def run(root: Path, rubric: Path | str) -> dict:
    assert main(["gradescope", "--root", str(root), "--rubric", str(rubric)]) == 0
    return json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))


# name -> (upload, score, the statuses of q1..q4 or a message the output must give)
UPLOADS = {
    # graded
    "correct": ({"submit.yaml": submission_text("s1", CORRECT)}, 6.0, ["passed"] * 4),
    "wrong": ({"submit.yaml": submission_text("s1", WRONG)}, 1.0, ["failed", "failed", "failed", "passed"]),
    "half an explanation": ({"submit.yaml": submission_text("s1", {**CORRECT, "q3": "The gradient vanishes here."})},
                            5.0, ["passed", "passed", "failed", "passed"]),
    "any yaml name": ({"homework3.yml": submission_text("s1", CORRECT)}, 6.0, ["passed"] * 4),
    "submit.yaml wins": ({"submit.yaml": submission_text("s1", CORRECT), "old.yaml": "junk: ["}, 6.0,
                         ["passed"] * 4),
    "in a folder": ({"hw/submit.yml": submission_text("s1", WRONG)}, 1.0, ["failed", "failed", "failed", "passed"]),
    # malformed: score 0 and the reason
    "key given twice": ({"submit.yaml": MALFORMED}, 0.0, "the key `q1` is given twice"),
    "not yaml": ({"submit.yaml": "answers: [unclosed"}, 0.0, "submit.yaml: line"),
    "no student id": ({"submit.yaml": "assignment: hw-export\nstudent: {name: Ada}\nanswers: {q1: 1}\n"}, 0.0,
                      "`student.id` is missing"),
    "bad student id": ({"submit.yaml": "assignment: hw-export\nstudent: {id: ../../etc}\n"}, 0.0,
                       "is not a student id"),
    "other assignment": ({"submit.yaml": submission_text("s1", CORRECT).replace("hw-export", "hw-other")}, 0.0,
                         "this file is for assignment `hw-other`"),
    "binary": ({"submit.yaml": b"\x00\xff\xfe garbage"}, 0.0, "submit.yaml"),
    "no yaml": ({"notes.pdf": b"%PDF-1.4"}, 0.0, "there is no .yaml file in the upload; the upload holds: notes.pdf"),
    "empty": ({}, 0.0, "there is no .yaml file in the upload"),
    "hidden files only": ({".submit.yaml": "x: 1", "__MACOSX/submit.yaml": "x: 1"}, 0.0, "no .yaml file"),
    "several yaml": ({"a.yaml": "x: 1", "b.yml": "x: 1"}, 0.0, "several YAML files (a.yaml, b.yml)"),
    "two submit.yaml": ({"a/submit.yaml": "x: 1", "b/submit.yaml": "x: 1"}, 0.0,
                        "several YAML files (a/submit.yaml, b/submit.yaml), so the grader cannot tell"),
}


@pytest.mark.parametrize("case", list(UPLOADS))
def test_every_upload_gets_a_valid_results_json(tmp_path, export_rubric, case):
    upload, score, expected = UPLOADS[case]
    data = run(fake_root(tmp_path, upload), export_rubric)
    check_gradescope_results(data, VISIBILITY)
    assert data["score"] == score
    if isinstance(expected, list):
        assert [test["status"] for test in data["tests"]] == expected
        assert [test["number"] for test in data["tests"]] == ["q1", "q2", "q3", "q4"]
        assert sum(test["max_score"] for test in data["tests"]) == 6.0
    else:
        assert data["tests"] == []
        assert "could not grade your upload" in data["output"] and md_message(expected) in data["output"]
        assert str(tmp_path) not in data["output"], "the container's paths are noise to a student"


def test_tests_carry_title_feedback_and_visibility(tmp_path, export_rubric):
    data = run(fake_root(tmp_path, {"submit.yaml": submission_text("s1", WRONG)}), export_rubric)
    q1, q2, q3, q4 = data["tests"]
    assert (q1["name"], q1["score"], q1["max_score"]) == ("What is 1/4?", 0.0, 2.0)
    assert q1["output"].startswith("Not correct")
    assert (q2["visibility"], q3["visibility"]) == ("hidden", "after_due_date")
    assert "provisional" in q3["output"].lower() and q3["status"] == "failed"


def test_a_provisional_answer_with_full_marks_passes(tmp_path, export_rubric):
    q3 = run(fake_root(tmp_path, {"submit.yaml": submission_text("s1", CORRECT)}), export_rubric)["tests"][2]
    assert (q3["status"], q3["score"]) == ("passed", 2.0) and "provisional" in q3["output"].lower()


def test_the_summary_gives_nothing_hidden_away(tmp_path, export_rubric):
    output = run(fake_root(tmp_path, {"submit.yaml": submission_text("s1", WRONG)}), export_rubric)["output"]
    assert "graded for Meta Person (s1)" in output  # the name from Gradescope's metadata
    for hidden in ("Score:", "q2", "Is the loss convex", "q3", "free-text"):
        assert hidden not in output


def test_the_summary_gives_the_total_when_everything_is_visible(tmp_path):
    rubric = tmp_path / "visible.yaml"
    rubric.write_text(RUBRIC_TEXT.replace(", visibility: hidden", "").replace("    visibility: after_due_date\n", ""))
    upload = {"submit.yaml": submission_text("s1", CORRECT, name="Ada Lovelace")}
    data = run(fake_root(tmp_path / "root", upload, metadata="not json"), rubric)
    check_gradescope_results(data, {qid: "visible" for qid in VISIBILITY})
    assert "graded for Ada Lovelace (s1)" in data["output"] and "Score: 6 / 6" in data["output"]
    assert "1 free-text answer has a provisional score" in data["output"]


def test_an_upload_for_another_assignment_gets_advice_for_an_upload(tmp_path, export_rubric):
    text = submission_text("s1", CORRECT).replace("hw-export", "hw-other")
    output = run(fake_root(tmp_path, {"submit.yaml": text}), export_rubric)["output"]
    assert "upload it again" in output and "--rubric" not in output


def test_warnings_reach_the_student(tmp_path, export_rubric):
    text = submission_text("s1", {**CORRECT, "q9": 1}) + "score: 100\n"
    data = run(fake_root(tmp_path, {"submit.yaml": text}), export_rubric)
    assert data["score"] == 6.0
    assert "`score` is ignored" in data["output"] and "`answers.q9`" in data["output"]  # code spans, not escapes


def test_html_in_names_is_shown_not_run(tmp_path, export_rubric):
    metadata = {"users": [{"name": "<img src=x onerror=alert(1)>", "email": "x@example.edu"}]}
    data = run(fake_root(tmp_path, {"submit.yaml": submission_text("s1", CORRECT)}, metadata), export_rubric)
    assert "<img" not in data["output"] and "&lt;img src=x" in data["output"]


def test_a_bug_still_leaves_a_results_json(tmp_path, export_rubric, monkeypatch, capsys):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("grader.export.gradescope.grade_submission", broken)
    data = run(fake_root(tmp_path, {"submit.yaml": submission_text("s1", CORRECT)}), export_rubric)
    check_gradescope_results(data)
    assert data["score"] == 0 and "internal error: RuntimeError" in data["output"]
    assert "boom" in capsys.readouterr().err  # the traceback, for staff


def test_a_missing_rubric_still_leaves_a_results_json(tmp_path):
    data = run(fake_root(tmp_path, {"submit.yaml": submission_text("s1", CORRECT)}), tmp_path / "nope.yaml")
    check_gradescope_results(data)
    assert data["score"] == 0 and "file not found" in data["output"]


def test_without_a_root_folder(tmp_path, capsys):
    assert main(["gradescope", "--root", str(tmp_path / "nowhere")]) == 2
    assert "error:" in capsys.readouterr().err


@pytest.mark.parametrize("yaml_name, metadata, shown", [
    (None, METADATA, "graded for Meta Person (s1)"),              # the metadata fills in a missing name
    ("Ada Lovelace", METADATA, "graded for Ada Lovelace (s1)"),   # the student's own file wins
    (None, {"users": [{"name": "x" * 500}]}, "graded for s1."),   # not a name
    (None, {"users": []}, "graded for s1."),
    (None, {"users": "nobody"}, "graded for s1."),
    (None, "[1, 2", "graded for s1."),
])
def test_who_the_summary_names(tmp_path, export_rubric, yaml_name, metadata, shown):
    upload = {"submit.yaml": submission_text("s1", CORRECT, name=yaml_name)}
    assert shown in run(fake_root(tmp_path, upload, metadata), export_rubric)["output"]
