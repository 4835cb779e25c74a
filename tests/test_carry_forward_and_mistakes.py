"""Problem 3 graded like a TA: error carried forward, and known mistakes with targeted feedback."""

import pytest

from grader.grading import grade_file
from reference.hw_lstm_vae_gan import solve

STEPS = ["f1", "i1", "ctilde1", "c1", "o1", "h1", "f2", "i2", "ctilde2", "c2", "o2", "h2"]


def own_numbers(parameters, wrong: dict[str, float]) -> dict[str, float]:
    """What a student computes by hand when the values in `wrong` are their slips and the rest follows."""
    given: dict[str, float] = {}
    values: dict[str, float] = {}
    for step in STEPS:
        if step in wrong:
            given[step] = wrong[step]
        values[step] = solve(parameters, given)[f"lstm.{step}"]
        given[step] = values[step]
    values["mse"] = solve(parameters, given)["lstm.mse"]
    return values


def submission(values):
    answers = {"p3": {"b": {step: round(values[step], 5) for step in STEPS}, "c": round(values["mse"], 5)}}
    return answers


def test_wrong_i1_loses_points_only_once(rubric, write_submission):
    values = own_numbers(rubric.rubric.parameters, {"i1": 0.9})
    result, _ = grade_file(str(write_submission(submission(values))))
    by_id = {q.id: q for q in result.questions}
    assert by_id["p3.b.i1"].status == "incorrect" and by_id["p3.b.i1"].score == 0
    for qid in ["p3.b.c1", "p3.b.h1", "p3.b.f2", "p3.b.i2", "p3.b.ctilde2", "p3.b.o2", "p3.b.c2", "p3.b.h2", "p3.c"]:
        assert by_id[qid].status == "correct", qid
        assert by_id[qid].score == by_id[qid].max_score, qid
        assert by_id[qid].carried_forward, qid
    assert "correct for your value of p3.b.i1" in by_id["p3.b.c1"].feedback.lower()
    for qid in ["p3.b.f1", "p3.b.ctilde1", "p3.b.o1"]:
        assert by_id[qid].status == "correct" and not by_id[qid].carried_forward, qid


def test_a_slip_in_this_step_is_named(rubric, write_submission):
    values = own_numbers(rubric.rubric.parameters, {"i1": 0.35})
    values["c1"] += 0.2  # a second, independent slip in c1
    result, _ = grade_file(str(write_submission(submission(values))))
    c1 = next(q for q in result.questions if q.id == "p3.b.c1")
    assert c1.status == "incorrect" and "the slip is in this step" in c1.feedback


def test_missing_input_falls_back_to_the_true_value(rubric, write_submission):
    key = rubric.key()
    result, _ = grade_file(str(write_submission({"p3": {"b": {"c1": key["lstm.c1"], "h1": key["lstm.h1"]}}})))
    by_id = {q.id: q for q in result.questions}
    assert by_id["p3.b.h1"].status == "correct" and not by_id["p3.b.h1"].carried_forward


@pytest.mark.parametrize("qid, mistake, score, fragment", [
    ("p3.c", "mse_sum", 1.0, "mean over the two steps"),
    ("p3.b.h1", "h1_no_tanh", 0.0, "tanh of the cell state is missing"),
    ("p3.b.ctilde1", "ctilde1_swapped", 0.0, "uses tanh, not the sigmoid"),
    ("p3.b.ctilde2", "ctilde2_swapped", 0.0, "uses tanh, not the sigmoid"),
    ("p3.b.f2", "f2_no_recurrent", 0.0, "add U_f·h_1"),
    ("p3.b.i2", "i2_no_recurrent", 0.0, "add U_i·h_1"),
    ("p3.b.ctilde2", "ctilde2_no_recurrent", 0.0, "add U_c·h_1"),
    ("p3.b.o2", "o2_no_recurrent", 0.0, "add U_o·h_1"),
    ("p3.b.c2", "c2_no_recurrent", 0.0, "without the U·h_1 term"),
    ("p3.b.h2", "h2_no_recurrent", 0.0, "without the U·h_1 term"),
])
def test_each_known_mistake(rubric, write_submission, qid, mistake, score, fragment):
    value = rubric.key()[f"mistake.{mistake}"]
    result, _ = grade_file(str(write_submission({qid: round(value, 5)})))
    graded = next(q for q in result.questions if q.id == qid)
    assert graded.note == mistake
    assert graded.score == score
    assert fragment in graded.feedback


def test_mse_summed_gets_one_of_two_points(write_submission):
    result, _ = grade_file(str(write_submission({"p3": {"c": 1.059721}})))
    mse = next(q for q in result.questions if q.id == "p3.c")
    assert (mse.score, mse.max_score, mse.status) == (1.0, 2.0, "partial")
    assert "mean" in mse.feedback


def test_mse_as_a_percentage_is_right(write_submission):
    result, _ = grade_file(str(write_submission({"p3": {"c": "52.99%"}})))
    assert next(q for q in result.questions if q.id == "p3.c").status == "correct"
