"""Grading shared between the students of a class who wrote the same answer.

In a class most answers recur: `1x1`, `true`, the key typed to four digits, the same slip. When
every student is graded against the same key (a rubric without per-student variants), how one
answer is read and graded depends only on what was written for that question and, for error
carried forward, on what was written for the questions it takes its inputs from. `grade_submission`
keeps both (the reading, and the graded QuestionResult with any note for the TA) here, keyed by exactly
those written values, type included (`1`, `1.0`, `true` and `"1"` are four keys), so a repeated
answer costs a dictionary lookup and the Result is the same, field for field, as without the memo.

One memo per loaded rubric and process, bounded by MEMO_ENTRIES (it starts over when full).
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any, Hashable

if TYPE_CHECKING:
    from grader.results import QuestionResult
    from grader.rubric import LoadedRubric

MEMO_ENTRIES = 50_000  # each kind; ~700 bytes a graded answer, so ~35 MB at most (2,000 students: ~6,000)
ABSENT = ("absent",)  # the key of a carry-forward input the student did not answer readably
_SCALARS = (str, int, float, bool)


class AnswerMemo:
    """Readings ((qid, answer) -> parsed value or problem) and graded fields (see the module doc)."""

    def __init__(self) -> None:
        self.readings: dict[Hashable, tuple[bool, Any]] = {}
        self.graded: dict[Hashable, tuple[QuestionResult, tuple[str, ...]]] = {}

    def remember_reading(self, key: Hashable, reading: tuple[bool, Any]) -> None:
        if len(self.readings) >= MEMO_ENTRIES:
            self.readings.clear()
        self.readings[key] = reading

    def remember_graded(self, key: Hashable, graded: QuestionResult, notes: tuple[str, ...]) -> None:
        if len(self.graded) >= MEMO_ENTRIES:
            self.graded.clear()
        self.graded[key] = (graded, notes)


_MEMOS: weakref.WeakKeyDictionary[LoadedRubric, AnswerMemo] = weakref.WeakKeyDictionary()


def memo_for(rubric: LoadedRubric) -> AnswerMemo | None:
    """The rubric's memo; None when students have their own numbers (their answers grade differently)."""
    if rubric.solver is not None and rubric.solver.has_variants:
        return None
    memo = _MEMOS.get(rubric)
    if memo is None:
        memo = _MEMOS[rubric] = AnswerMemo()
    return memo


def answer_key(raw: Any) -> Hashable | None:
    """A written answer as a memo key that tells apart what reads differently: the type with the value
    (a float by its repr, so -0.0 is not 0.0), lists item by item; None when it cannot be a key."""
    kind = type(raw)
    if kind is float:
        return (kind, repr(raw))
    if kind in _SCALARS or raw is None:
        return (kind, raw)
    if kind is list or kind is tuple:
        items = tuple(answer_key(item) for item in raw)
        return None if any(item is None for item in items) else (kind, items)
    return None  # a mapping, a date: graded without the memo
