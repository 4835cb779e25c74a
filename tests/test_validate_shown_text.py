"""Evidence that gives nothing away (issue 21, item 6): `grade validate` warns when a text a student is
shown (a question's `evidence`, a choice option's feedback, a known mistake's feedback) holds another
question's key, a number within that question's tolerance or its expression."""

from __future__ import annotations

import pytest

from course_support import write_course
from grader.authoring.selftest import self_test

SOLVER = """
def solve(parameters, given=None):
    alpha, beta = 15.0, 29.0
    mean = alpha / (alpha + beta)
    return {"post.alpha": alpha, "post.mean": mean, "post.below_half": mean < 0.5,
            "post.mean.expression": "alpha/(alpha + beta)",
            "post.evidence": EVIDENCE.format(mean=mean),
            "mistake.mode": (alpha - 1) / (alpha + beta - 2)}
"""

RUBRIC = """
id: shown-text
title: What students are shown
solver: {solver}
questions:
  - {id: q1.alpha, type: numeric, points: 1, answer: {ref: post.alpha}}
  - id: q2.mean
    type: numeric
    points: 2
    answer: {ref: post.mean}
    mistakes: [{ref: mistake.mode, credit: 0.5, feedback: MISTAKE_FEEDBACK}]
  - id: q3
    type: true_false
    points: 1
    answer: {ref: post.below_half}
    evidence: {ref: post.evidence}
  - id: q4
    type: expression
    points: 1
    answer: {ref: post.mean.expression}
    variables: {alpha: {min: 1, max: 20}, beta: {min: 1, max: 40}}
  - id: q5
    type: choice
    points: 1
    answer: "beta"
    options:
      - {value: "beta"}
      - {value: "normal", feedback: OPTION_FEEDBACK}
"""

CLEAN = {"EVIDENCE": "The posterior mean is below one half: alpha' is less than beta'.",
         "MISTAKE_FEEDBACK": "That is the posterior's mode, not its mean.",
         "OPTION_FEEDBACK": "A Beta prior with binomial data gives a Beta posterior."}


def course(tmp_path, **texts):
    chosen = {**CLEAN, **texts}
    solver = SOLVER.replace("EVIDENCE", repr(chosen["EVIDENCE"]))
    rubric = RUBRIC.replace("MISTAKE_FEEDBACK", f'"{chosen["MISTAKE_FEEDBACK"]}"').replace(
        "OPTION_FEEDBACK", f'"{chosen["OPTION_FEEDBACK"]}"')
    return {check.id: check for check in self_test(write_course(tmp_path, solver, rubric))}


@pytest.mark.parametrize(("texts", "where", "fragments"), [
    # the case: a true/false question's evidence names the posterior mean
    ({"EVIDENCE": "The posterior mean is {mean:.3f}, below one half."}, "q3", ["evidence", "q2.mean", "0.341"]),
    ({"EVIDENCE": "The posterior mean 15/44 is below one half."}, "q3", ["q2.mean", "15/44", "q1.alpha"]),
    ({"EVIDENCE": "The posterior mean is about 0.34, below one half."}, "q3", ["q2.mean", "0.34"]),
    ({"EVIDENCE": "Its mean alpha/(alpha + beta) is below one half."}, "q3", ["q4", "alpha/(alpha + beta)"]),
    # a known mistake's feedback and a choice option's feedback are shown too
    ({"MISTAKE_FEEDBACK": "The mean is α′/(α′ + β′) with α′ = 15."}, "q2.mean", ["mistake `mode`", "q1.alpha", "15"]),
    ({"OPTION_FEEDBACK": "With 15 successes the posterior is a Beta."}, "q5", ["option `normal`", "q1.alpha"]),
])
def test_a_shown_text_holding_another_questions_key_is_a_warning(tmp_path, texts, where, fragments):
    checks = course(tmp_path, **texts)
    assert all(not check.failures for check in checks.values())  # a warning, not a failure
    warnings = " ".join(checks[where].warnings)
    for fragment in fragments:
        assert fragment in warnings, warnings
    assert all(not check.warnings for qid, check in checks.items() if qid != where)


@pytest.mark.parametrize("texts", [
    {},
    {"EVIDENCE": "The posterior mean is 0.3 or so, below one half."},  # outside q2.mean's tolerance
    {"EVIDENCE": "The posterior mean is below 1/2 when alpha' < beta'."},
])
def test_no_warning_when_nothing_is_given_away(tmp_path, texts):
    assert all(not check.warnings for check in course(tmp_path, **texts).values())


def test_the_shipped_rubrics_give_nothing_away():
    from tests_support import REPO
    from grader.rubric import load_rubric

    for name in ("hw-lstm-vae-gan", "hw-logreg"):
        checks = self_test(load_rubric(REPO / "rubrics" / f"{name}.yaml"))
        assert [warning for check in checks for warning in check.warnings] == []
