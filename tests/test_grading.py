"""Grading whole submissions: the examples, invalid answers among valid ones, scores never from the student."""

import json

import pytest

from grader.cli import main
from grader.grading import grade_file
from tests_support import RUBRIC_PATH, SUBMISSIONS, answers_from_key


def test_correct_example_gets_full_marks():
    result, rubric = grade_file(str(SUBMISSIONS / "correct.yaml"))
    assert result.score == result.max_score == rubric.rubric.max_score
    assert {q.status for q in result.questions} <= {"correct", "needs_review"}
    assert result.warnings == []


def test_typical_mistakes_example():
    result, _ = grade_file(str(SUBMISSIONS / "typical-mistakes.yaml"))
    by_id = {q.id: q for q in result.questions}
    assert by_id["p3.c"].status == "partial" and by_id["p3.c"].score == 1 and by_id["p3.c"].note == "mse_sum"
    assert by_id["p3.b.h1"].note == "h1_no_tanh"
    assert by_id["p3.b.c2"].status == "invalid"
    assert by_id["p3.b.h2"].status == "missing"
    assert any("`score` is ignored" in w for w in result.warnings)
    assert 0 < result.score < result.max_score


def test_score_fields_never_raise_the_score(write_submission):
    path = write_submission({"p3": {"c": {"answer": 0.1, "score": 2, "points": 2}}},
                            text=None)
    text = path.read_text() + "score: 36\nmax_score: 36\n"
    path.write_text(text)
    result, _ = grade_file(str(path))
    assert result.score == 0
    assert sum("ignored" in w for w in result.warnings) == 4


@pytest.mark.parametrize("raw, message", [
    (float("nan"), "not a finite number"),
    (float("inf"), "not a finite number"),
    ([0.2, 0.3], "got a list"),
    ("zero point two", "is not a number"),
    ({"value": 0.2}, "got a mapping"),
])
def test_one_bad_answer_makes_only_that_question_invalid(write_submission, raw, message):
    path = write_submission({"p3": {"b": {"f1": 0.7685, "h1": raw}}})
    result, _ = grade_file(str(path))
    by_id = {q.id: q for q in result.questions}
    assert by_id["p3.b.h1"].status == "invalid" and message in by_id["p3.b.h1"].feedback
    assert by_id["p3.b.f1"].status == "correct"


def test_all_answers_from_the_solver_key_score_full(write_submission, rubric):
    answers = answers_from_key(rubric)
    result, _ = grade_file(str(write_submission(answers)))
    graded = [q for q in result.questions if q.id in answers]
    assert graded and all(q.status == "correct" for q in graded)


def test_reveal_is_staff_only(capsys):
    main([str(SUBMISSIONS / "typical-mistakes.yaml"), "--format", "json"])
    plain = json.loads(capsys.readouterr().out)
    assert all("expected" not in q for q in plain["questions"])
    main([str(SUBMISSIONS / "typical-mistakes.yaml"), "--format", "json", "--reveal"])
    revealed = json.loads(capsys.readouterr().out)
    h1 = next(q for q in revealed["questions"] if q["id"] == "p3.b.h1")
    assert h1["expected"] == "0.217415"


def test_reference_value_never_in_student_feedback():
    result, _ = grade_file(str(SUBMISSIONS / "typical-mistakes.yaml"))
    text = " ".join(q.feedback for q in result.questions if q.id.startswith("p3"))
    for value in ("0.2174", "0.5298", "0.2168", "-0.1898"):
        assert value not in text


def test_rubric_from_explicit_path(write_submission):
    result, _ = grade_file(str(write_submission({"p5": {"c": "non saturating"}})), str(RUBRIC_PATH))
    assert next(q for q in result.questions if q.id == "p5.c").status == "correct"


def test_same_inputs_same_bytes(capsys):
    outputs = []
    for _ in range(2):
        main([str(SUBMISSIONS / "typical-mistakes.yaml"), "--format", "json"])
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]
