"""The attempt policy as pure functions over recorded attempts: no server, no database, no clock."""

from __future__ import annotations

import datetime as dt

import pytest

from grader.results import QuestionResult, Result, StudentInfo
from grader.serve.course import AssignmentConfig
from grader.serve.policy import (HIDDEN_FEEDBACK, Extension, RecordedAttempt, attempt_refusal, attempts_left,
                                 counted_attempt, iso, next_attempt_at, reveals, shown_result, standings, terms_for,
                                 used, window_refusal)

NOON = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.timezone.utc)
DUE = dt.datetime(2026, 12, 1, 0, 0, tzinfo=dt.timezone.utc)


def assignment(**policy) -> AssignmentConfig:
    return AssignmentConfig(id="hw", rubric="hw.yaml", **policy)


def attempt(number: int, minutes_ago: float, score: float = 10.0) -> RecordedAttempt:
    return RecordedAttempt(number=number, at=NOON - dt.timedelta(minutes=minutes_ago), score=score, max_score=36.0)


# --- the window ------------------------------------------------------------------------------------
@pytest.mark.parametrize("policy, now, status", [
    ({"opens": NOON + dt.timedelta(hours=1)}, NOON, 409),
    ({"opens": NOON - dt.timedelta(hours=1)}, NOON, None),
    ({"due": NOON - dt.timedelta(seconds=1), "after_due": "closed"}, NOON, 409),
    ({"due": NOON - dt.timedelta(seconds=1), "after_due": "feedback"}, NOON, None),
    ({"due": NOON, "after_due": "closed"}, NOON, None),  # at the due time itself: still on time
])
def test_the_window(policy, now, status):
    refusal = window_refusal(terms_for(assignment(**policy)), now)
    assert (refusal.status if refusal else None) == status


def test_an_extension_moves_the_due_date_for_one_student():
    terms = terms_for(assignment(due=NOON - dt.timedelta(days=1), after_due="closed"),
                      Extension(due=NOON + dt.timedelta(days=1)))
    assert window_refusal(terms, NOON) is None and terms.due == NOON + dt.timedelta(days=1)


# --- the limit and the cooldown --------------------------------------------------------------------
@pytest.mark.parametrize("limit, used, refused", [(3, 2, False), (3, 3, True), (None, 50, False), (1, 0, False)])
def test_the_attempt_limit(limit, used, refused):
    terms = terms_for(assignment(attempts=limit, due=DUE))
    recorded = [attempt(n, 60 - n) for n in range(1, used + 1)]
    refusal = attempt_refusal(terms, recorded, NOON)
    assert (refusal is not None) == refused
    if refused:
        assert refusal.status == 429 and refusal.retry_after == int((DUE - NOON).total_seconds())
        assert attempts_left(terms, recorded, NOON) == 0 and next_attempt_at(terms, recorded, NOON) == DUE


def test_late_attempts_do_not_use_the_limit():
    terms = terms_for(assignment(attempts=1, due=NOON - dt.timedelta(hours=1)))
    recorded = [attempt(1, 120), attempt(2, 10)]  # the second is after the due date
    assert attempt_refusal(terms, recorded, NOON) is None
    assert attempts_left(terms, recorded, NOON) is None  # after the due date: unlimited late checks
    assert [(s.late, s.counted) for s in standings(terms, recorded)] == [(False, True), (True, False)]


def test_lateness_follows_the_current_due_date_not_the_one_when_it_was_made():
    late_then = assignment(attempts=2, due=NOON - dt.timedelta(hours=3))
    recorded = [attempt(1, 120), attempt(2, 60), attempt(3, 30)]  # all three after the first due date
    assert [s.counted for s in standings(terms_for(late_then), recorded)] == [False, False, False]
    extended = terms_for(late_then, Extension(due=NOON))
    assert [(s.late, s.counted) for s in standings(extended, recorded)] == [(False, True), (False, True),
                                                                            (False, False)]  # over the limit
    assert used(extended, recorded) == 3 and attempts_left(extended, recorded, NOON) == 0
    assert counted_attempt(extended, recorded).number == 1
    more = terms_for(late_then, Extension(due=NOON, attempts=3))
    assert [s.counted for s in standings(more, recorded)] == [True, True, True]


def test_an_extension_raises_the_limit():
    terms = terms_for(assignment(attempts=2), Extension(attempts=4))
    assert attempts_left(terms, [attempt(1, 9), attempt(2, 8)], NOON) == 2


@pytest.mark.parametrize("minutes_ago, wait", [(0, 60), (0.5, 30), (1, 0), (5, 0)])
def test_the_cooldown_counts_from_the_latest_attempt(minutes_ago, wait):
    terms = terms_for(assignment(cooldown=60))
    recorded = [attempt(1, 30), attempt(2, minutes_ago)]
    refusal = attempt_refusal(terms, recorded, NOON)
    assert (refusal.retry_after if refusal else 0) == wait
    expected_next = NOON + dt.timedelta(seconds=wait) if wait else None
    assert next_attempt_at(terms, recorded, NOON) == expected_next


def test_without_a_due_date_used_up_means_ask_for_more():
    refusal = attempt_refusal(terms_for(assignment(attempts=1)), [attempt(1, 5)], NOON)
    assert refusal.retry_after == 24 * 3600 and "instructor" in refusal.fix


# --- which attempt counts --------------------------------------------------------------------------
@pytest.mark.parametrize("score, expected", [("best", 2), ("last", 4)])
def test_best_or_last_of_the_counted_attempts(score, expected):
    recorded = [attempt(1, 40, 10), attempt(2, 30, 30), attempt(3, 20, 30), attempt(4, 10, 5),
                attempt(5, 1, 36)]  # the last one is late
    terms = terms_for(assignment(score=score, due=NOON - dt.timedelta(minutes=5)))
    assert counted_attempt(terms, recorded).number == expected


def test_no_counted_attempt():
    late = terms_for(assignment(due=NOON - dt.timedelta(minutes=5)))
    assert counted_attempt(late, [attempt(1, 1, 36)]) is None


# --- what the student sees -------------------------------------------------------------------------
def result() -> Result:
    question = QuestionResult(id="p1", score=1, max_score=2, status="partial", feedback="Half right: check the sign.",
                              answer="-0.5", expected="0.5")
    return Result(assignment="hw", student=StudentInfo(id="s1"), score=1, max_score=2, questions=[question])


@pytest.mark.parametrize("policy, now, feedback, expected, questions", [
    ({"feedback": "full", "due": DUE}, NOON, "Half right: check the sign.", None, 1),
    ({"feedback": "statuses", "due": DUE}, NOON, HIDDEN_FEEDBACK, None, 1),
    ({"feedback": "total", "due": DUE}, NOON, None, None, 0),
    ({"feedback": "total", "due": NOON, "after_due": "feedback"}, DUE, "Half right: check the sign.", None, 1),
    ({"feedback": "statuses", "due": NOON, "after_due": "reveal"}, DUE, "Half right: check the sign.", "0.5", 1),
    ({"due": DUE, "after_due": "reveal"}, NOON, "Half right: check the sign.", None, 1),  # not yet due
])
def test_shown_result(policy, now, feedback, expected, questions):
    terms = terms_for(assignment(**policy))
    shown = shown_result(result(), terms, now)
    assert len(shown.questions) == questions and shown.score == 1
    if questions:
        assert shown.questions[0].feedback == feedback and shown.questions[0].expected == expected
        assert shown.questions[0].status == "partial"
    assert reveals(terms, now) == (expected is not None)


def test_times_are_written_in_utc_with_a_z():
    assert iso(dt.datetime(2026, 12, 1, 23, 59, 30, 999, tzinfo=dt.timezone(dt.timedelta(hours=-5)))) == \
        "2026-12-02T04:59:30Z"
    assert iso(None) is None


def test_with_no_attempts_left_no_cooldown_is_offered():
    """`0 left ... next attempt not before 21:33`: the last attempt's cooldown is no next attempt."""
    terms = terms_for(assignment(attempts=1, cooldown=600))
    recorded = [attempt(1, 1)]
    assert next_attempt_at(terms, recorded, NOON) is None
    refusal = attempt_refusal(terms, recorded, NOON)
    assert "are used" in refusal.message and refusal.retry_after == 24 * 3600  # not "wait 540 s"
    with_due = terms_for(assignment(attempts=1, cooldown=600, due=DUE))
    assert next_attempt_at(with_due, recorded, NOON) == DUE  # late checks open at the due date
    assert "are used" in attempt_refusal(with_due, recorded, NOON).message
