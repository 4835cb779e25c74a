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


# --- Carry-forward from the student's own values (issue 10, item 9) --------------------------------
# Every input the student answered is pinned to their value, right or wrong; only missing or
# unreadable inputs fall back to the solver. The feedback names only the inputs that differ from the key.

OWN_VALUES = [
    # h1 wrong, h2 right: MSE from their own h1 and h2, ½[(0.5−0.2914)² + (0.8+0.1899)²] = 0.5117
    ({"p3": {"b": {"h1": 0.2914, "h2": -0.1899}, "c": 0.5117}}, "p3.c", ["p3.b.h1"], ["p3.b.h2"]),
    ({"p3": {"b": {"h1": 0.2914, "h2": "−0.1899"}, "c": "51.17%"}}, "p3.c", ["p3.b.h1"], ["p3.b.h2"]),
    # c1 wrong, f2, i2, c̃2 right: c2 = f2·c1 + i2·c̃2 from their own numbers
    ({"p3": {"b": {"c1": 0.30, "f2": 0.2330, "i2": 0.4588, "ctilde2": -0.5875, "c2": round(0.2330 * 0.30 + 0.4588 * -0.5875, 4)}}},
     "p3.b.c2", ["p3.b.c1"], ["p3.b.f2", "p3.b.i2", "p3.b.ctilde2"]),
    # both inputs wrong: both named
    ({"p3": {"b": {"h1": 0.2914, "h2": -0.25}, "c": round(0.5 * ((0.5 - 0.2914) ** 2 + (0.8 + 0.25) ** 2), 4)}},
     "p3.c", ["p3.b.h1", "p3.b.h2"], []),
]


@pytest.mark.parametrize("answers, qid, named, not_named", OWN_VALUES)
def test_carry_forward_pins_every_answered_input(write_submission, answers, qid, named, not_named):
    result, _ = grade_file(str(write_submission(answers)))
    graded = next(q for q in result.questions if q.id == qid)
    assert (graded.status, graded.score, graded.carried_forward) == ("correct", graded.max_score, True)
    feedback = graded.feedback.lower()
    assert "correct for your value of " + ", ".join(named) in feedback
    for source in not_named:
        assert source not in feedback


def test_the_old_rule_would_have_failed_the_mse_case(rubric):
    """Pinning only the differing h1 lets the solver recompute h2 from it (through f2, i2, c̃2, o2), so
    the old rule gives another MSE than the student's own numbers: the table above can fail."""
    only_h1 = rubric.solver.solve(None, {"h1": 0.2914})["lstm.mse"]
    both = rubric.solver.solve(None, {"h1": 0.2914, "h2": -0.1899})["lstm.mse"]
    assert abs(both - 0.5117) < 1e-3
    assert abs(only_h1 - 0.5117) > 0.01
    own_c2 = 0.2330 * 0.30 + 0.4588 * -0.5875
    assert abs(rubric.solver.solve(None, {"c1": 0.30})["lstm.c2"] - own_c2) > 0.01


def test_inputs_right_within_tolerance_make_a_plain_correct():
    """Every input right (only rounded) and the answer follows from those rounded values: correct, full
    credit, no "your value of" and no carry-forward mark."""
    from grader.questions import AnswerKey, NumericQuestion

    question = NumericQuestion(id="q", type="numeric", points=1, answer=1.0, tolerance={"rel": 1e-4})
    key = AnswerKey(answer=1.0, carried=1.01, carried_from=())
    verdict = question.grade(1.01, key)
    assert (verdict.status, verdict.credit, verdict.carried_forward) == ("correct", 1.0, False)
    assert "your value" not in verdict.feedback and "slip" not in question.grade(1.5, key).feedback


def test_a_missing_input_falls_back_to_the_solver(rubric, write_submission):
    """h2 not answered: the MSE is recomputed from the student's h1 and the h2 that follows from it."""
    expected = rubric.solver.solve(None, {"h1": 0.2914})["lstm.mse"]
    result, _ = grade_file(str(write_submission({"p3": {"b": {"h1": 0.2914}, "c": round(expected, 4)}})))
    mse = next(q for q in result.questions if q.id == "p3.c")
    assert mse.carried_forward and mse.status == "correct"
    assert "p3.b.h2" not in mse.feedback


def test_an_unreadable_input_falls_back_to_the_solver(rubric, write_submission):
    expected = rubric.solver.solve(None, {"h1": 0.2914})["lstm.mse"]
    result, _ = grade_file(str(write_submission({"p3": {"b": {"h1": 0.2914, "h2": "about minus a fifth"},
                                                        "c": round(expected, 4)}})))
    by_id = {q.id: q for q in result.questions}
    assert by_id["p3.b.h2"].status == "invalid"
    assert by_id["p3.c"].carried_forward and by_id["p3.c"].status == "correct"


def test_right_inputs_and_a_wrong_step_name_the_step(write_submission):
    """Both inputs right, the MSE wrong: the slip is in this step, and no input is blamed."""
    result, _ = grade_file(str(write_submission({"p3": {"b": {"h1": 0.2174, "h2": -0.1899}, "c": 0.7}})))
    mse = next(q for q in result.questions if q.id == "p3.c")
    assert mse.status == "incorrect" and not mse.carried_forward
    assert "your value of" not in mse.feedback


def test_an_answer_right_for_the_key_never_calls_the_solver(rubric, write_submission, monkeypatch):
    """The carried value is computed only for an answer that misses the key: grading a class of
    right answers costs no extra solves, however each student rounded their inputs."""
    calls = []
    solve = rubric.solver.solve
    monkeypatch.setattr(rubric.solver, "solve", lambda student=None, given=None: calls.append(given) or solve(student, given))
    result, _ = grade_file(str(write_submission({"p3": {"b": {"h1": 0.21741, "h2": -0.18988}, "c": 0.52986}})))
    assert next(q for q in result.questions if q.id == "p3.c").status == "correct"
    assert [given for given in calls if given] == []
    grade_file(str(write_submission({"p3": {"b": {"h1": 0.21741, "h2": -0.18988}, "c": 0.6}})))
    assert [given for given in calls if given] == [{"h1": 0.21741, "h2": -0.18988}]
