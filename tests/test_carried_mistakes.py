"""Known mistakes after an earlier slip (issue 21, item 5): where carry-forward applies, each known
mistake is also computed from the student's own carried-forward inputs and matches either way; the
feedback says which.

The course: a Beta(2, 3) prior and 13 successes in 39 trials give the posterior Beta(15, 29). A
student who slips to α′ = 16 and then takes the mode of their own Beta(16, 29), 15/43 = 0.3488,
instead of its mean, makes the same mistake as one who takes the mode 14/42 of the true posterior."""

from __future__ import annotations

import pytest

from course_support import submission, write_course
from grader.grading import grade_submission
from grader.authoring.selftest import self_test

SOLVER = """
GIVEN_NAMES = ("alpha_post", "beta_post")


def solve(parameters, given=None):
    given = given or {}
    alpha = float(given.get("alpha_post", parameters["alpha"] + parameters["k"]))
    beta = float(given.get("beta_post", parameters["beta"] + parameters["n"] - parameters["k"]))
    total = alpha + beta
    mean = alpha / total if total else float("nan")
    mode = (alpha - 1) / (total - 2) if total != 2 else float("nan")
    return {"post.alpha": alpha, "post.beta": beta, "post.mean": mean, "mistake.mode": mode,
            "mistake.prior_mean": parameters["alpha"] / (parameters["alpha"] + parameters["beta"])}
"""

RUBRIC = """
id: beta-binomial
title: A posterior by hand
solver: {solver}
parameters: {alpha: 2, beta: 3, k: 13, n: 39}
questions:
  - {id: q1.alpha, type: numeric, points: 1, answer: {ref: post.alpha}}
  - {id: q1.beta, type: numeric, points: 1, answer: {ref: post.beta}}
  - id: q2.mean
    type: numeric
    points: 2
    answer: {ref: post.mean}
    carry_forward: {alpha_post: q1.alpha, beta_post: q1.beta}
    carry_forward_credit: CREDIT
    mistakes:
      - {ref: mistake.mode, credit: 0.5, feedback: "That is the posterior's mode; its mean is α′/(α′ + β′)."}
      - {ref: mistake.prior_mean, credit: 0, feedback: "That is the prior's mean."}
"""


@pytest.fixture
def course(tmp_path):
    return lambda credit=1: write_course(tmp_path, SOLVER, RUBRIC.replace("CREDIT", str(credit)))


def graded(rubric, answers: dict):
    result = grade_submission(submission(rubric, answers), rubric)
    return next(question for question in result.questions if question.id == "q2.mean")


CASES = [
    # (alpha′, beta′, mean answered, score of 2, status, note, fragment of the feedback)
    # the student: a slip in α′, then the mode of their own posterior: the mistake's 1/2
    (16, 29, 0.3488, 1.0, "partial", "mode", "your own value of q1.alpha"),
    (16, 29, "15/43", 1.0, "partial", "mode", "posterior's mode"),
    # the same slip, then the mode of the true posterior: the mistake's 1/2, computed from the key's inputs
    (16, 29, 0.3333, 1.0, "partial", "mode", "from the correct earlier values"),
    # no slip: the mistake as before, with no word about earlier values
    (15, 29, 0.3333, 1.0, "partial", "mode", "posterior's mode"),
    # the slip carried forward correctly: full carry-forward credit
    (16, 29, 0.3556, 2.0, "correct", None, "Correct for your value of q1.alpha"),
    # a slip in both inputs, then the mode of their own Beta(16, 30): 15/44
    (16, 30, 0.3409, 2.0, "correct", None, "Correct."),  # 15/44 is also the key's mean: the key wins
    (17, 30, 0.3556, 1.0, "partial", "mode", "your own value of q1.alpha, q1.beta"),
    # a mistake that does not depend on the inputs matches as it always did
    (16, 29, 0.4, 0.0, "incorrect", "prior_mean", "prior's mean"),
    # neither: wrong in this step
    (16, 29, 0.5, 0.0, "incorrect", None, "the slip is in this step"),
]


@pytest.mark.parametrize(("alpha", "beta", "mean", "score", "status", "note", "fragment"), CASES)
def test_a_known_mistake_is_recognised_from_the_students_own_values(course, alpha, beta, mean, score, status,
                                                                    note, fragment):
    result = graded(course(), {"q1.alpha": alpha, "q1.beta": beta, "q2.mean": mean})
    assert (result.score, result.status, result.note) == (score, status, note), result.feedback
    assert fragment in result.feedback


def test_the_own_value_of_the_step_is_scaled_by_the_carry_forward_credit(course):
    result = graded(course(0.5), {"q1.alpha": 16, "q1.beta": 29, "q2.mean": 0.3488})
    assert (result.score, result.note) == (0.5, "mode")  # 2 points × 0.5 (the mistake) × 0.5 (carried)
    assert "your own value of q1.alpha" in result.feedback


def test_validate_checks_each_mistake_from_a_wrong_input(course):
    check = next(check for check in self_test(course()) if check.id == "q2.mean")
    assert check.failures == []
    assert "mistake mode from your own q1.alpha" in check.passed
