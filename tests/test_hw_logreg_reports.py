"""The second assignment, hw-logreg, end to end: its examples grade as they say, its reports match
their golden files, it validates, and a class of it batch-grades."""

from __future__ import annotations

import json
import shutil

import pytest

from grader.cli import main
from grader.errors import SubmissionError
from grader.grading import grade_file
from grader.reports import render_result
from tests_support import REPO, SUBMISSIONS

RUBRIC = REPO / "rubrics" / "hw-logreg.yaml"


def graded(name: str):
    return grade_file(str(SUBMISSIONS / name), str(RUBRIC))


def rendered(name: str, fmt: str) -> str:
    result, rubric = graded(name)
    titles = {qid: q.title for qid, q in rubric.questions.items() if q.title}
    return render_result(result, fmt, title=rubric.rubric.title, titles=titles)


def test_text_report_golden(golden):
    golden("hw-logreg-typical-mistakes.txt", rendered("hw-logreg-typical-mistakes.yaml", "text"))


def test_markdown_report_golden(golden):
    golden("hw-logreg-typical-mistakes.md", rendered("hw-logreg-typical-mistakes.yaml", "markdown"))


def test_the_correct_example_earns_full_marks():
    result, _ = graded("hw-logreg-correct.yaml")
    assert result.score == result.max_score == 15
    assert all(q.status in ("correct", "needs_review") for q in result.questions)


def test_the_typical_mistakes_get_their_targeted_feedback():
    result, _ = graded("hw-logreg-typical-mistakes.yaml")
    by_id = {q.id: q for q in result.questions}
    assert {qid: by_id[qid].note for qid in ("q1.loss", "q2.dw", "q2.db", "q3.b", "q4")} == {
        "q1.loss": "loss_log10", "q2.dw": "dw_sign", "q2.db": "db_sum", "q3.b": "b_new_ascent",
        "q4": "dsigma_no_square"}
    assert by_id["q3.w"].carried_forward and by_id["q3.w"].score == 1.5  # from the student's own (wrong) dw
    assert by_id["q1.loss"].score == 1 and by_id["q2.db"].score == 0.5
    assert result.score == 7


def test_the_invalid_example_is_refused_with_a_message():
    with pytest.raises(SubmissionError, match="the key `q2` is given twice"):
        graded("hw-logreg-invalid.yaml")


def test_the_rubric_validates(capsys):
    assert main(["validate", str(RUBRIC)]) == 0
    out = capsys.readouterr().out
    assert "self-test passed" in out and "carried forward from q2.dw" in out and "mistake dw_sign" in out


def test_a_class_batch_grades(capsys, tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    for name in ("hw-logreg-correct.yaml", "hw-logreg-typical-mistakes.yaml", "hw-logreg-invalid.yaml"):
        shutil.copy(SUBMISSIONS / name, folder / name)
    assert main(["batch", str(folder), "--rubric", str(RUBRIC), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    lines = (tmp_path / "out" / "results.jsonl").read_text(encoding="utf-8").splitlines()
    assert [(r["student"]["id"], r["score"]) for r in map(json.loads, lines)] == [("s2048", 15.0), ("s2049", 7.0)]
    summary = (tmp_path / "out" / "summary.html").read_text(encoding="utf-8")
    assert "grouped by the known mistake they match" in summary and "<code>dw_sign</code>" in summary


def test_the_sheet_prints_the_students_own_data_as_a_table(capsys):
    assert main(["sheet", str(RUBRIC), "--student", "s2048", "--format", "html"]) == 0
    html = capsys.readouterr().out
    assert "<td>1</td>\n<td>[1, -1]</td>\n<td>0</td>" in html and "<td>4</td>\n<td>[-0.5, 0]</td>" in html
    assert "w = [1, -1], bias b = 0.5" in html
