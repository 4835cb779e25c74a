"""Finding each question's answer: nested, flat, mixed, {answer, why}; warnings for the rest."""

import pytest

from grader.answers import MISSING, Misplaced, Twice, resolve_answers

IDS = ["p2.a", "p2.a.why", "p3.b.h1", "p3.b.h2", "p3.c"]


@pytest.mark.parametrize("answers, qid, expected", [
    # nested
    ({"p3": {"b": {"h1": 0.2}}}, "p3.b.h1", 0.2),
    # flat
    ({"p3.b.h1": 0.2}, "p3.b.h1", 0.2),
    # mixed
    ({"p3.b": {"h1": 0.2}}, "p3.b.h1", 0.2),
    ({"p3": {"b.h1": 0.2}}, "p3.b.h1", 0.2),
    # {answer, why}
    ({"p2": {"a": {"answer": False, "why": "because"}}}, "p2.a", False),
    ({"p2": {"a": {"answer": False, "why": "because"}}}, "p2.a.why", "because"),
    ({"p2.a": {"answer": True}, "p2.a.why": "flat why"}, "p2.a.why", "flat why"),
    ({"p3": {"c": {"answer": "52.99%"}}}, "p3.c", "52.99%"),
    # missing: absent, null, blank, or only a why
    ({}, "p3.c", MISSING),
    ({"p3": {"c": None}}, "p3.c", MISSING),
    ({"p3": {"c": "   "}}, "p3.c", MISSING),
    ({"p2": {"a": {"why": "only a reason"}}}, "p2.a", MISSING),
    # a mapping without `answer` is passed on (the question type says it is invalid)
    ({"p3": {"c": {"value": 1}}}, "p3.c", {"value": 1}),
])
def test_resolution(answers, qid, expected):
    assert resolve_answers(answers, IDS).values[qid] == expected


def test_answered_twice_is_never_guessed():
    resolved = resolve_answers({"p3.b.h1": 0.2, "p3": {"b": {"h1": 0.3}}}, IDS)
    assert isinstance(resolved.values["p3.b.h1"], Twice)


@pytest.mark.parametrize("answers, warning", [
    ({"p3": {"b": {"h3": 1}}}, "`answers.p3.b.h3` is not a question of this assignment (did you mean `p3.b.h2`?)"),
    ({"p3": {"c": {"answer": 0.5, "score": 2}}}, "`answers.p3.c.score` is ignored: scores are computed by the grader"),
    ({"points": 36}, "`answers.points` is ignored"),
])
def test_warnings(answers, warning):
    assert warning in " | ".join(resolve_answers(answers, IDS).warnings)


# --- A list where a mapping of sub-answers belongs: one clear message (issue 10, "smaller") ---

@pytest.mark.parametrize("answers, place", [
    ({"p3": {"b": [0.2, 0.3]}}, "answers.p3.b"),
    ({"p3.b": [0.2, 0.3]}, "answers.p3.b"),
    ({"p3": [0.2, 0.3, 0.5]}, "answers.p3"),
])
def test_a_list_where_sub_answers_belong(answers, place):
    resolved = resolve_answers(answers, IDS)
    for qid in ("p3.b.h1", "p3.b.h2"):
        value = resolved.values[qid]
        assert isinstance(value, Misplaced)
        assert value.message.startswith(f"`{place}` is a list, but it holds the answers to ")
        assert "write them as a mapping with one key each" in value.message
    assert resolved.warnings == []  # not also "is not a question"


def test_a_list_under_a_question_id_is_that_questions_answer():
    resolved = resolve_answers({"p3": {"c": [0.2, 0.3]}}, IDS)
    assert resolved.values["p3.c"] == [0.2, 0.3]


def test_the_list_message_in_a_graded_file(write_submission):
    from grader.grading import grade_file

    result, _ = grade_file(str(write_submission({"p3": {"a": ["1x1", "1x1", "1x1", "1x1"], "c": 0.53}})))
    by_id = {q.id: q for q in result.questions}
    for qid in ("p3.a.f", "p3.a.i", "p3.a.c", "p3.a.h"):
        assert by_id[qid].status == "invalid"
        assert ("`answers.p3.a` is a list, but it holds the answers to 4 sub-questions; write them as a mapping "
                "with one key each (`f: …`, `i: …`, `c: …`, `h: …`)") in by_id[qid].feedback
    assert by_id["p3.c"].status == "correct"
    assert not any("p3.a" in warning for warning in result.warnings)
