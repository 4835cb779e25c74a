"""A solver that raises on one student's carried value spoils only that question's carry-forward
(issue 9, item 6); `grade validate` probes every carry-forward input with awkward values."""

from __future__ import annotations

import pytest

from course_support import submission, write_course
from grader.cli import main
from grader.grading import grade_submission
from grader.authoring.selftest import self_test

LOG_SOLVER = """
import math

GIVEN_NAMES = {"a"}


def solve(parameters, given=None):
    a = (given or {}).get("a", parameters["a"])
    return {"a": a, "log_a": math.log(a), "double": 2 * parameters["a"], "mistake.a_half": a / 2}
"""

LOG_RUBRIC = """
id: logs
title: Logs
solver: {solver}
parameters: {a: 2.0}
questions:
  - {id: q1, type: numeric, points: 1, answer: {ref: a}}
  - {id: q2, type: numeric, points: 1, answer: {ref: log_a}, carry_forward: {a: q1}}
  - {id: q3, type: numeric, points: 1, answer: {ref: double}}
"""


@pytest.fixture
def logs(tmp_path):
    return write_course(tmp_path, LOG_SOLVER, LOG_RUBRIC)


@pytest.mark.parametrize("a, q2, reason", [
    (0, 0.5, "ValueError: math domain error"),       # log(0)
    (-1, 0.5, "ValueError: math domain error"),      # log(-1)
    ("−3", "1/2", "ValueError: math domain error"),  # the same through the number parser
])
def test_a_solver_fault_grades_that_question_without_carry_forward(logs, a, q2, reason):
    result = grade_submission(submission(logs, {"q1": a, "q2": q2, "q3": 4}), logs)
    by_id = {q.id: q for q in result.questions}
    assert by_id["q1"].status == "incorrect"
    assert by_id["q2"].status == "incorrect" and not by_id["q2"].carried_forward
    assert by_id["q3"].status == "correct"  # the rest of the file is graded
    note = next(w for w in result.warnings if "`q2`" in w)
    assert "without error carried forward" in note and reason in note and "TA" in note
    assert "parameters" not in note


def test_a_right_answer_needs_no_solver_and_gets_no_note(logs):
    import math

    result = grade_submission(submission(logs, {"q1": 0, "q2": round(math.log(2), 4), "q3": 4}), logs)
    assert next(q for q in result.questions if q.id == "q2").status == "correct"
    assert result.warnings == []


def test_carry_forward_still_works_where_the_solver_can(logs):
    import math

    result = grade_submission(submission(logs, {"q1": 3, "q2": round(math.log(3), 4)}), logs)
    q2 = next(q for q in result.questions if q.id == "q2")
    assert q2.carried_forward and q2.status == "correct" and result.warnings == []


def test_the_file_is_graded_through_the_command_line(logs, tmp_path, capsys):
    path = tmp_path / "submit.yaml"
    path.write_text("assignment: logs\nstudent: {id: s1}\nanswers: {q1: 0, q2: 0.5, q3: 4}\n", encoding="utf-8")
    assert main([str(path), "--rubric", str(logs.path)]) == 0
    out = capsys.readouterr().out
    assert "q2` was graded without error carried forward" in out and "Score:   1 / 3" in out


def test_validate_reports_a_solver_that_raises_for_awkward_values(logs):
    checks = {check.id: check for check in self_test(logs)}
    failures = " ".join(checks["q2"].failures)
    assert "the solver raises when `a` (from q1) is 0 (ValueError: math domain error)" in failures
    assert "-1 (ValueError: math domain error)" in failures and "-1e+09" in failures
    assert "1e+09 (" not in failures.replace("-1e+09 (", "")  # a large positive value is fine for log
    assert checks["q1"].failures == [] and checks["q3"].failures == []


def test_validate_probes_the_known_mistake_values_too(tmp_path):
    rubric = write_course(tmp_path, """
        GIVEN_NAMES = {"a"}

        def solve(parameters, given=None):
            a = (given or {}).get("a", parameters["a"])
            if a == 7:
                raise ZeroDivisionError("a = 7 is not handled")
            return {"a": a, "b": a + 1, "mistake.a_seven": 7.0}
        """, """
        id: probe
        title: Probe
        solver: {solver}
        parameters: {a: 2.0}
        questions:
          - {id: q1, type: numeric, points: 1, answer: {ref: a}, mistakes: [{ref: mistake.a_seven, credit: 0, feedback: "Seven."}]}
          - {id: q2, type: numeric, points: 1, answer: {ref: b}, carry_forward: {a: q1}}
        """)
    failures = " ".join(next(c for c in self_test(rubric) if c.id == "q2").failures)
    assert "the value of mistake `a_seven` (ZeroDivisionError: a = 7 is not handled)" in failures


def test_validate_exits_1_for_a_raising_solver(logs, capsys):
    assert main(["validate", str(logs.path)]) == 1
    assert "FAIL q2" in capsys.readouterr().out


def test_a_solver_that_drops_the_value_for_given_inputs_is_a_local_fault(tmp_path):
    rubric = write_course(tmp_path, """
        def solve(parameters, given=None):
            if given:
                return {"a": given["a"]}  # forgets `b`
            return {"a": parameters["a"], "b": parameters["a"] + 1}
        """, """
        id: forgetful
        title: Forgetful
        solver: {solver}
        parameters: {a: 2.0}
        questions:
          - {id: q1, type: numeric, points: 1, answer: {ref: a}}
          - {id: q2, type: numeric, points: 1, answer: {ref: b}, carry_forward: {a: q1}}
        """)
    result = grade_submission(submission(rubric, {"q1": 5, "q2": 6}), rubric)
    assert [q.status for q in result.questions] == ["incorrect", "incorrect"]
    assert any("`q2` was graded without error carried forward" in w and "has no `b`" in w for w in result.warnings)


def test_a_question_the_grader_cannot_check_goes_to_a_ta_and_the_rest_is_graded(logs, monkeypatch):
    from grader.errors import RubricError

    kind = type(logs.questions["q3"])
    original = kind.grade

    def undefined(self, *args, **kwargs):
        if self.id == "q3":
            raise RubricError("the reference is defined at only 0 of 40 sample points")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(kind, "grade", undefined)
    result = grade_submission(submission(logs, {"q1": 2, "q2": 0.6931, "q3": 4}), logs)
    by_id = {q.id: q for q in result.questions}
    assert by_id["q3"].status == "needs_review" and by_id["q3"].score == 0
    assert "a TA will read it" in by_id["q3"].feedback
    assert by_id["q1"].status == "correct"
    assert any("`q3` could not be checked automatically" in w for w in result.warnings)


def test_a_huge_answer_is_cut_in_the_result_json(logs):
    from grader.grading import STORED_ANSWER_CHARS

    huge = "x " * 450_000  # 900,000 characters
    result = grade_submission(submission(logs, {"q1": huge}), logs)
    shown = next(q for q in result.questions if q.id == "q1").answer
    assert len(shown) < STORED_ANSWER_CHARS + 200 and "(cut: the answer is 900,000 characters)" in shown
    assert len(result.model_dump_json()) < 100_000
