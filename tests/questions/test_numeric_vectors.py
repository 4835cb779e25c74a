"""Vector and matrix answers of `numeric` questions (issue 10, item 5): the forms students write,
shapes, tolerance and partial credit per component, carry-forward and known mistakes per vector,
feedback that names components but never values, and every place a vector is shown."""

from __future__ import annotations

import json
import math

import pytest
import yaml

from course_support import submission, write_course
from grader.cli import main
from grader.errors import AnswerError, RubricError
from grader.grading import grade_submission
from grader.authoring.key import render_key
from grader.questions import AnswerKey, NumericQuestion
from grader.rubric import load_rubric


def vector_question(answer, **fields) -> NumericQuestion:
    return NumericQuestion(id="q", type="numeric", points=2, answer=answer, **fields)


def read(question: NumericQuestion, raw):
    return question.conform(question.parse(raw), AnswerKey(answer=question.answer))


@pytest.mark.parametrize("raw", [
    # the forms of a 2-vector
    [0.86, -1.09],
    "[0.86, -1.09]",
    "(0.86, -1.09)",
    "  [ 0.86 ,-1.09 ] ",
    "(0.86, -1.09,)",
    # rows and columns hold the same two numbers
    [[0.86], [-1.09]],
    [[0.86, -1.09]],
    "[[0.86], [-1.09]]",
    "[0.86; -1.09]",
    # every entry goes through the number parser: unicode minus, fractions, percentages, ≈
    ["0.86", "−1.09"],
    "[86%, −109/100]",
    ["≈ 0.86", "-1.09e0"],
    "[8.6 × 10^-1, -1.09]",
])
def test_the_forms_of_a_vector(raw):
    question = vector_question([0.86, -1.09])
    assert question.matches(read(question, raw), question.answer)


@pytest.mark.parametrize("reference, raw", [
    ([[1, 2], [3, 4]], [[1, 2], [3, 4]]),
    ([[1, 2], [3, 4]], "[[1, 2], [3, 4]]"),
    ([[1, 2], [3, 4]], "[1, 2; 3, 4]"),
    ([[0.5], [-1]], [0.5, -1]),  # a column key takes a plain vector
    ([[0.5, -1]], "(0.5, -1)"),  # a row key too
])
def test_the_forms_of_a_matrix(reference, raw):
    question = vector_question(reference)
    assert question.matches(read(question, raw), question.answer)


@pytest.mark.parametrize("raw, message", [
    # shape mismatch: the expected shape, never the values
    ([1, 2, 3], "expected a vector of 2 numbers, got a vector of 3 numbers"),
    ("0.86", "expected a vector of 2 numbers, got a single number"),
    ([[1, 2], [3, 4]], "expected a vector of 2 numbers, got a 2×2 matrix"),
    # unreadable
    ("[0.86, -1.09", "a bracket is not closed"),
    ("[0.86,, -1.09]", "an entry is empty"),
    ("[0.86, [1]]", "the rows have different lengths"),
    ([0.86, "minus one"], "`minus one` is not a number"),
    ("[0.86] [1]", "unexpected `[` after the closing bracket"),
    ([0.86, float("nan")], "not a finite number"),
    ([], "the list is empty"),
])
def test_a_vector_that_cannot_be_compared_is_invalid(raw, message):
    question = vector_question([0.86, -1.09])
    with pytest.raises(AnswerError) as info:
        read(question, raw)
    assert message in str(info.value)
    assert "0.86, -1.09" not in str(info.value).replace(str(raw), "")


def test_a_list_for_a_single_number_is_still_invalid_unless_it_holds_one():
    question = vector_question(0.5)
    with pytest.raises(AnswerError, match="expected a single number, got a list of 2 numbers"):
        read(question, [0.5, 1])
    assert read(question, [0.5]) == 0.5


@pytest.mark.parametrize("raw, right", [
    # tolerance per component (1% + 0.001 of each component): the large one may be off by 1, the small one not
    ([100.9, 0.0105], True),
    ([100.0, 0.013], False),
    ([101.2, 0.01], False),
])
def test_tolerance_is_per_component(raw, right):
    question = vector_question([100.0, 0.01])
    assert question.matches(read(question, raw), question.answer) is right


@pytest.mark.parametrize("raw, status, credit, fragment", [
    ([0.86, -1.09, 2.0], "correct", 1.0, "Correct."),
    ([0.86, 1.09, 2.0], "partial", 2 / 3, "Partly correct: component 2 of 3 is off."),
    ([0.5, -1.09, 3.0], "partial", 1 / 3, "Partly correct: components 1 and 3 of 3 are off."),
    ([0.0, 0.0, 0.0], "incorrect", 0.0, "components 1, 2 and 3 of 3 are off"),
    ([-0.86, 1.09, -2.0], "incorrect", 0.0, "every sign is flipped"),
])
def test_partial_credit_per_component(raw, status, credit, fragment):
    question = vector_question([0.86, -1.09, 2.0], partial="per_component")
    verdict = question.grade(read(question, raw), AnswerKey(answer=question.answer))
    assert (verdict.status, round(verdict.credit, 6)) == (status, round(credit, 6))
    assert fragment in verdict.feedback
    for value in ("0.86", "1.09", "2.0"):
        assert value not in verdict.feedback


def test_without_partial_a_vector_is_all_or_nothing_and_names_the_components():
    question = vector_question([[1, 2], [3, 4]])
    verdict = question.grade(read(question, [[1, 2], [3, 5]]), AnswerKey(answer=question.answer))
    assert (verdict.status, verdict.credit) == ("incorrect", 0.0)
    assert "entry (2, 2) of 4 is off" in verdict.feedback


SOLVER = """
import math


def sigmoid(z):
    return 1 / (1 + math.exp(-z))


def solve(parameters, given=None):
    given = given or {}
    w, xs, ys = parameters["w"], parameters["x"], parameters["y"]
    p = given.get("p", [sigmoid(w * x) for x in xs])
    grad = [(pi - yi) * xi for pi, yi, xi in zip(p, ys, xs)]
    return {"p": list(p), "grad": grad, "mistake.grad_sign": [-g for g in grad], "w": w}
"""

RUBRIC = """
id: vectors
title: Vectors
solver: {solver}
parameters: {w: 1.0, x: [1.0, -2.0], y: [1.0, 0.0]}
questions:
  - {id: q1, type: numeric, points: 2, answer: {ref: p}}
  - id: q2
    type: numeric
    points: 2
    answer: {ref: grad}
    partial: per_component
    carry_forward: {p: q1}
    mistakes: [{ref: mistake.grad_sign, credit: 0, feedback: "The gradient is (p − y)·x, not (y − p)·x."}]
"""

P = [1 / (1 + math.exp(-1)), 1 / (1 + math.exp(2))]  # 0.7311, 0.1192
GRAD = [(P[0] - 1) * 1, P[1] * -2]  # -0.2689, -0.2384


@pytest.fixture
def course(tmp_path):
    return write_course(tmp_path, SOLVER, RUBRIC)


@pytest.mark.parametrize("p, grad, status, score, carried, fragment", [
    (P, GRAD, "correct", 2, False, "Correct."),
    # p wrong, the gradient right for the student's own p: full carry-forward credit
    ([0.6, 0.2], [-0.4, -0.4], "correct", 2, True, "Correct for your value of q1"),
    ("[0.6, 0.2]", "(−0.4, −0.4)", "correct", 2, True, "Correct for your value of q1"),
    # p wrong, one component of the gradient right for it: carry-forward per component
    ([0.6, 0.2], [-0.4, 0.9], "partial", 1, True, "component 2 of 2 is off"),
    # p right, one component of the gradient right
    (P, [GRAD[0], 0.9], "partial", 1, False, "component 2 of 2 is off"),
    # the known mistake, as a whole vector
    (P, [-GRAD[0], -GRAD[1]], "incorrect", 0, False, "(p − y)·x, not (y − p)·x"),
    # p missing: the gradient is compared with the key
    (None, [-0.4, -0.4], "incorrect", 0, False, "components 1 and 2 of 2 are off"),
])
def test_vectors_through_the_grader(course, p, grad, status, score, carried, fragment):
    answers = {"q2": grad} if p is None else {"q1": p, "q2": grad}
    result = grade_submission(submission(course, answers), course)
    q2 = next(q for q in result.questions if q.id == "q2")
    assert (q2.status, q2.score, q2.carried_forward) == (status, score, carried)
    assert fragment in q2.feedback
    assert "0.2689" not in q2.feedback and "0.2384" not in q2.feedback


def test_shape_mismatch_through_the_grader_names_the_shape(course):
    result = grade_submission(submission(course, {"q1": [0.7, 0.1, 0.5], "q2": GRAD}), course)
    q1 = next(q for q in result.questions if q.id == "q1")
    assert q1.status == "invalid" and q1.score == 0
    assert "expected a vector of 2 numbers, got a vector of 3 numbers" in q1.feedback
    assert q1.answer == "[0.7, 0.1, 0.5]"
    # an unreadable input falls back to the solver: the right gradient is still right
    assert next(q for q in result.questions if q.id == "q2").status == "correct"


def test_reveal_key_and_reports_show_vectors(course, tmp_path, capsys):
    path = tmp_path / "submit.yaml"
    path.write_text(yaml.safe_dump({"assignment": "vectors", "student": {"id": "s1"},
                                    "answers": {"q1": ["0.6", "−0.2"], "q2": "[-0.4, 0.4]"}}, allow_unicode=True),
                    encoding="utf-8")
    assert main([str(path), "--rubric", str(course.path), "--reveal", "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    q1, q2 = result["questions"]
    assert q1["answer"] == "[0.6, −0.2]" and q1["expected"] == "[0.731059, 0.119203]"
    assert q2["expected"] == "[-0.268941, -0.238406]"
    assert main([str(path), "--rubric", str(course.path)]) == 0
    assert "your answer: [0.6, −0.2]" in capsys.readouterr().out
    text = render_key(course, "text")
    assert "answer: [0.731059, 0.119203]" in text and "known mistake grad_sign: [0.268941" in text
    document = json.loads(render_key(course, "json"))
    assert document["answers"]["q2"]["answer"] == pytest.approx(GRAD)


def test_batch_summary_lists_wrong_vectors(course, tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    for number, grad in enumerate([[-0.4, -0.4], [0.1, 0.1], [0.1, 0.1], GRAD]):
        document = {"assignment": "vectors", "student": {"id": f"s{number}"}, "answers": {"q2": grad}}
        (folder / f"s{number}.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["batch", str(folder), "--rubric", str(course.path), "--out", str(out), "--quiet"]) == 0
    summary = (out / "summary.html").read_text(encoding="utf-8")
    assert "[0.1, 0.1]" in summary and "[-0.4, -0.4]" in summary
    lines = [json.loads(line) for line in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [line["questions"][1]["status"] for line in lines] == ["incorrect", "incorrect", "incorrect", "correct"]


HEAD = "id: demo\ntitle: Demo\n"


@pytest.mark.parametrize("question, message", [
    ("{id: q1, type: numeric, points: 1, answer: [[1, 2], [3]]}", "the rows have different lengths"),
    ("{id: q1, type: numeric, points: 1, answer: 0.5, partial: per_component}",
     "`partial: per_component` needs a vector or matrix answer"),
])
def test_literal_vector_answers_are_checked_at_load(tmp_path, question, message):
    path = tmp_path / "demo.yaml"
    path.write_text(HEAD + f"questions:\n  - {question}\n", encoding="utf-8")
    with pytest.raises(RubricError, match=message):
        load_rubric(path)


@pytest.mark.parametrize("values, message", [
    ('{"p": [0.5, 0.5], "m": [1.0, 2.0, 3.0]}', "a known mistake is a vector of 3 numbers, but the answer is a vector of 2"),
    ('{"p": [[0.5, 0.5], [1.0]], "m": [1.0, 2.0]}', "the rows have different lengths"),
    ('{"p": numpy.array([0.5, 0.5]), "m": [1.0, 2.0]}', "return plain lists (`array.tolist()`)"),
    ('{"p": 0.5, "m": 1.0}', "`partial: per_component` needs a vector or matrix answer"),
])
def test_solver_vectors_are_checked_at_load(tmp_path, values, message):
    solver = f"import numpy\n\ndef solve(parameters, given=None):\n    return {values}\n"
    rubric = ("id: demo\ntitle: Demo\nsolver: {solver}\nquestions:\n"
              "  - {id: q1, type: numeric, points: 1, answer: {ref: p}, partial: per_component,"
              " mistakes: [{ref: m, credit: 0, feedback: No.}]}\n")
    with pytest.raises(RubricError, match="line 5, column 5: question q1: .*" + message.replace("(", r"\(")
                       .replace(")", r"\)").replace("`", "`").replace("[", r"\[").replace(".", r"\.")):
        write_course(tmp_path, solver, rubric)


def test_validate_self_tests_a_vector_question(course):
    from grader.authoring.selftest import self_test

    checks = {check.id: check for check in self_test(course)}
    assert all(check.failures == [] for check in checks.values()), {k: c.failures for k, c in checks.items()}
    assert {"correct", "incorrect", "invalid", "carried forward from q1", "mistake grad_sign"} <= set(checks["q2"].passed)


def test_the_blank_template_asks_for_a_vector(course):
    from grader.authoring.blank import blank_submission

    text = blank_submission(course)
    assert "q1:  # a vector of 2 numbers, like [0.5, -1] (2 pts)" in text


@pytest.mark.parametrize("shape, example", [
    ((2,), "[0.5, -1]"),
    ((4,), "[0.5, -1, 0.25, 2]"),
    ((2, 2), "[[0.5, -1], [0.25, 2]]"),
])
def test_the_template_example_has_the_answer_s_shape(shape, example):
    from grader.questions.vectors import example_of_shape, read_vector

    assert example_of_shape(shape) == example
    assert read_vector(example).shape == shape
