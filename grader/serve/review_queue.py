"""The review queue by answer groups: which answers need a person, how they group, what is decided.

A question needs a person when any counted answer to it is `needs_review` (free text); then its
queue holds those answers and every answer that carries a decision. Any other question can be
reviewed on demand, and then its queue holds every counted answer. Each answer is bound to its
sha256 (`grader.batch.overrides.answer_hash`, review.yaml's `answer_sha256`): it is decided when
a decision for that very answer holds; a decision made for an answer the student has changed
since is stale, and the answer is back in the queue. Deciding records one decision per member
of a group, each bound to the answer the TA saw, with an audit entry per student.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from grader.batch.overrides import Decision, answer_hash
from grader.results import format_points
from grader.serve.class_view import ClassView
from grader.serve.errors import ServiceError
from grader.serve.grouping import DEFAULT_THRESHOLD, AnswerGroup, Member, group_answers
from grader.serve.people import StaffRecord
from grader.serve.service import counted_score_may_have_changed
from grader.serve.storage import Storage
from grader.serve.storage_desk import AuditEntry, DecisionEntry, StoredDecision

MAX_COMMENT = 2000  # characters of a comment (a sentence or two for the student)
SHA256_HEX = 64


@dataclass(frozen=True)
class QueuedAnswer:
    member: Member
    answer_sha256: str
    decision: StoredDecision | None  # the decision that holds for the student's question, if any
    stale: Decision | None  # ... when it was made for an answer the student has changed since

    @property
    def decided(self) -> bool:
        return self.decision is not None and self.stale is None


@dataclass(frozen=True)
class QuestionProgress:
    question_id: str
    title: str | None
    type: str
    points: float
    needs_person: bool  # some counted answer is needs_review
    answers: int
    decided: int
    groups_left: int | None  # None: not grouped yet (the list of questions does not group)


@dataclass(frozen=True)
class QuestionQueue:
    progress: QuestionProgress
    threshold: int
    groups: list[AnswerGroup]
    answers: dict[str, QueuedAnswer]  # by student id

    def undecided(self, group: AnswerGroup) -> int:
        return sum(1 for member in group.members if not self.answers[member.student_id].decided)

    def stale(self, group: AnswerGroup) -> int:
        return sum(1 for member in group.members if self.answers[member.student_id].stale is not None)

    def group(self, key: str | None) -> AnswerGroup | None:
        return next((group for group in self.groups if group.key == key), None)

    def next_open(self, after: str | None = None) -> AnswerGroup | None:
        """The first group with an undecided answer after `after` (wrapping round), or the first overall."""
        keys = [group.key for group in self.groups]
        start = keys.index(after) + 1 if after in keys else 0
        for group in self.groups[start:] + self.groups[:start]:
            if self.undecided(group):
                return group
        return None


def _queued(view: ClassView, question_id: str) -> tuple[bool, dict[str, QueuedAnswer]]:
    """Whether the question needs a person, and its queue's answers by student id."""
    index = list(view.rubric.questions).index(question_id)
    counted = [standing for standing in view.counted if standing.provisional is not None]
    needs_person = any(standing.provisional.questions[index].status == "needs_review" for standing in counted)
    answers = {}
    for standing in counted:
        graded = standing.provisional.questions[index]
        decision = standing.decisions.get(question_id)
        wanted = (graded.status == "needs_review" or decision is not None) if needs_person else (
            graded.answer is not None or decision is not None)
        if wanted:
            member = Member(standing.student.id, graded.answer, graded.status, graded.note, graded.score)
            answers[member.student_id] = QueuedAnswer(member, answer_hash(graded.answer), decision,
                                                      standing.stale.get(question_id))
    return needs_person, answers


def progress(view: ClassView) -> list[QuestionProgress]:
    """Every question of the rubric with its queue's size and how much of it is decided (rubric order)."""
    listed = []
    for question_id, question in view.rubric.questions.items():
        needs_person, answers = _queued(view, question_id)
        listed.append(QuestionProgress(question_id, question.title, question.type, question.points,  # type: ignore[attr-defined]
                                       needs_person, len(answers),
                                       sum(1 for answer in answers.values() if answer.decided), None))
    return listed


def question_queue(view: ClassView, question_id: str, threshold: int = DEFAULT_THRESHOLD) -> QuestionQueue:
    question = view.rubric.questions.get(question_id)
    if question is None:
        raise ServiceError(404, f"`{view.assignment_id}` has no question `{question_id[:64]}`",
                           "choose a question from the review queue's list")
    needs_person, answers = _queued(view, question_id)
    groups = group_answers([answer.member for answer in answers.values()], question, threshold=threshold,
                           seed=f"{view.assignment_id}\0{question_id}")
    queue = QuestionQueue(QuestionProgress(question_id, question.title, question.type, question.points,  # type: ignore[attr-defined]
                                           needs_person, len(answers),
                                           sum(1 for answer in answers.values() if answer.decided), None),
                          threshold, groups, answers)
    left = sum(1 for group in groups if queue.undecided(group))
    return dataclasses.replace(queue, progress=dataclasses.replace(queue.progress, groups_left=left))


def parse_score(text: object, points: float) -> float:
    """A score typed by a TA: a number from 0 to the question's points (422 otherwise)."""
    try:
        score = float(str(text).strip().replace(",", "."))
    except ValueError:
        score = math.nan
    if not math.isfinite(score) or not 0 <= score <= points:
        raise ServiceError(422, f"the score must be a number from 0 to {format_points(points)}, not "
                                f"`{str(text)[:20]}`", "type the points for this answer, e.g. 0.5")
    return score


def parse_targets(values: Sequence[str], view: ClassView) -> list[tuple[str, str]]:
    """The answers a decision is for, as the form sent them: `STUDENT:SHA256` each (the answer the TA saw)."""
    known = {standing.student.id for standing in view.students}
    targets = []
    for value in values:
        student_id, _, digest = value.rpartition(":")
        if student_id not in known or len(digest) != SHA256_HEX or any(c not in "0123456789abcdef" for c in digest):
            raise ServiceError(422, f"`{value[:80]}` is not an answer of this assignment",
                               "reload the review page and decide again")
        targets.append((student_id, digest))
    if not targets:
        raise ServiceError(422, "no answer was chosen", "decide a group, a part of it or one answer")
    return targets


def decide(storage: Storage, view: ClassView, question_id: str, targets: Sequence[tuple[str, str]],
           score: float | None, comment: str | None, member: StaffRecord, source: str, now: dt.datetime) -> int:
    """Record the decision (a score, or None to withdraw it) for each target answer; how many were recorded."""
    if question_id not in view.rubric.questions:
        raise ServiceError(404, f"`{view.assignment_id}` has no question `{question_id[:64]}`",
                           "choose a question from the review queue's list")
    comment = (comment or "").strip()[:MAX_COMMENT] or None
    made = [DecisionEntry(student_id, question_id, digest, score, comment) for student_id, digest in targets]
    what = "withdrew the decision" if score is None else f"scored {format_points(score)}" + (
        f" with the comment “{comment}”" if comment else "")
    size = f" (one of {len(targets)} answers decided together)" if len(targets) > 1 else ""
    entries = [AuditEntry(member.id, "decide", view.assignment_id, student_id,
                          f"{question_id}: {what}{size}; answer sha256 {digest[:12]}…")
               for student_id, digest in targets]
    storage.record_decisions(view.assignment_id, made, member.id, source, now, entries)
    counted_score_may_have_changed(storage, view.assignment_id, [student_id for student_id, _ in targets], now)
    return len(made)
