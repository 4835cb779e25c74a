"""`grade validate`: for every question, grade a correct, an incorrect and an invalid answer
(PrairieLearn's test phase), and check error carried forward and every known mistake."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from grader.grading import answer_key_for, grade_submission
from grader.questions import QuestionBase, Ref
from grader.results import QuestionResult, StudentInfo
from grader.rubric import LoadedRubric
from grader.submission import Submission

SELF_TEST_STUDENT = "selftest"


@dataclass
class QuestionCheck:
    """What the self-test did for one question and what went wrong."""

    id: str
    passed: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # worth knowing, not wrong


def self_test(rubric: LoadedRubric) -> list[QuestionCheck]:
    """Run every check; a question passes when its `failures` list is empty."""
    return [_check_question(rubric, question) for question in rubric.questions.values()]


def _grade_one(rubric: LoadedRubric, answers: dict[str, Any], qid: str) -> QuestionResult:
    submission = Submission(assignment=rubric.id, student=StudentInfo(id=SELF_TEST_STUDENT), answers=answers)
    result = grade_submission(submission, rubric)
    return next(q for q in result.questions if q.id == qid)


def _check_question(rubric: LoadedRubric, question: QuestionBase) -> QuestionCheck:
    check = QuestionCheck(question.id)
    key = rubric.key(SELF_TEST_STUDENT)
    try:
        samples = question.self_test(answer_key_for(question, rubric, SELF_TEST_STUDENT, {}))
    except Exception as exc:  # a rubric the self-test cannot exercise is itself a finding
        check.failures.append(f"cannot make sample answers: {exc}")
        return check
    text_like = question.type == "text"  # type: ignore[attr-defined]
    outcome = _grade_one(rubric, {question.id: samples.correct}, question.id)
    if outcome.score == question.points and outcome.status == ("needs_review" if text_like else "correct"):
        check.passed.append("correct")
    else:
        check.failures.append(f"a correct answer `{samples.correct}` graded {outcome.status} "
                              f"({outcome.score:g}/{question.points:g}): {outcome.feedback}")
    outcome = _grade_one(rubric, {question.id: samples.incorrect}, question.id)
    if outcome.score < question.points and outcome.status in ("incorrect", "partial", "needs_review"):
        check.passed.append("incorrect")
    else:
        check.failures.append(f"an incorrect answer `{samples.incorrect}` graded {outcome.status}")
    outcome = _grade_one(rubric, {question.id: samples.invalid}, question.id)
    if outcome.status == "invalid" and outcome.score == 0:
        check.passed.append("invalid")
    else:
        check.failures.append(f"an invalid answer `{samples.invalid}` graded {outcome.status}")
    _check_carry_forward(rubric, question, key, check)
    _check_mistakes(rubric, question, check)
    return check


def _check_carry_forward(rubric: LoadedRubric, question: QuestionBase, key: dict[str, Any],
                         check: QuestionCheck) -> None:
    """Make each input wrong in turn, answer this step from it, expect carried-forward credit."""
    if not question.carry_forward or rubric.solver is None:
        return
    answer = getattr(question, "answer")
    assert isinstance(answer, Ref)
    for name, source in question.carry_forward.items():
        true_input = float(rubric.value(getattr(rubric.questions[source], "answer"), key))
        wrong_input = true_input + 0.25 + 0.5 * abs(true_input)
        carried = rubric.solver.solve(SELF_TEST_STUDENT, {name: wrong_input})[answer.ref]
        if question.matches(carried, key[answer.ref]):
            continue  # this step does not depend on that input strongly enough to tell them apart
        outcome = _grade_one(rubric, {source: wrong_input, question.id: carried}, question.id)
        if outcome.carried_forward and outcome.score == question.points * question.carry_forward_credit:
            check.passed.append(f"carried forward from {source}")
        else:
            check.failures.append(f"an answer computed from a wrong {source} graded {outcome.status} "
                                  f"without carry-forward credit")


def _check_mistakes(rubric: LoadedRubric, question: QuestionBase, check: QuestionCheck) -> None:
    key = rubric.key(SELF_TEST_STUDENT)
    for mistake in question.mistakes:
        value = key[mistake.ref]
        if question.matches(question.parse(value), rubric.value(getattr(question, "answer"), key)):
            check.notes.append(f"mistake `{mistake.code}` is within the tolerance of the key with these "
                               "parameters, so students who make it get full credit")
            continue
        outcome = _grade_one(rubric, {question.id: value}, question.id)
        if outcome.note == mistake.code and outcome.score == round(question.points * mistake.credit, 4):
            check.passed.append(f"mistake {mistake.code}")
        else:
            check.failures.append(f"the value of mistake `{mistake.code}` graded {outcome.status} "
                                  f"with note {outcome.note!r}")
