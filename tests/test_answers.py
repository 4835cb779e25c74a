"""Finding each question's answer: nested, flat, mixed, {answer, why}; warnings for the rest."""

import pytest

from grader.answers import MISSING, Twice, resolve_answers

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
