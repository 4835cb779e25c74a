"""Submission × rubric × reference answers -> Result. Pure: same inputs, same Result."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from grader.answers import MISSING, Twice, resolve_answers
from grader.errors import AnswerError, SubmissionError
from grader.questions import AnswerKey, QuestionBase, Ref, Verdict
from grader.results import QuestionResult, Result, round_score
from grader.rubric import LoadedRubric, find_rubric, load_rubric
from grader.submission import Submission, load_submission

MISSING_FEEDBACK = "No answer was found for this question."


def check_assignment(submission: Submission, rubric: LoadedRubric, path: str) -> None:
    """A submission graded against another assignment's rubric is a file error, not a zero."""
    if submission.assignment != rubric.id:
        raise SubmissionError(f"this file is for assignment `{submission.assignment}`, but the rubric is for "
                              f"`{rubric.id}`", path=path, where="assignment",
                              hint=f"write `assignment: {rubric.id}`, or grade it with the right --rubric")


def grade_submission(submission: Submission, rubric: LoadedRubric, *, warnings: list[str] | None = None,
                     reveal: bool = False) -> Result:
    """Grade every question; a bad answer makes only that question `invalid`."""
    student_id = submission.student.id
    resolved = resolve_answers(submission.answers, rubric.question_ids, rubric.parent_ids)
    parsed: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for qid, question in rubric.questions.items():
        raw = resolved.values[qid]
        if raw is MISSING:
            continue
        if isinstance(raw, Twice):
            problems[qid] = (f"answered twice ({' and '.join(raw.places)}); keep one answer so the grader "
                             "does not have to guess")
            continue
        try:
            parsed[qid] = question.parse(raw)
        except AnswerError as exc:
            problems[qid] = str(exc)

    results = []
    for qid, question in rubric.questions.items():
        raw = resolved.values[qid]
        shown = None if raw is MISSING or isinstance(raw, Twice) else question.show_answer(raw)
        expected = question.describe(rubric.answer_keys(student_id)[qid].answer) if reveal else None
        if qid in problems:
            results.append(QuestionResult(id=qid, score=0.0, max_score=question.points, status="invalid",
                                          feedback=_sentence(f"We could not read this answer: {problems[qid]}"),
                                          answer=shown, expected=expected))
            continue
        if qid not in parsed:
            results.append(QuestionResult(id=qid, score=0.0, max_score=question.points, status="missing",
                                          feedback=MISSING_FEEDBACK, expected=expected))
            continue
        answer_key = answer_key_for(question, rubric, student_id, parsed)
        verdict: Verdict = question.grade(parsed[qid], answer_key)
        # model_construct: every field comes from the engine's own typed values, and this runs
        # 35 times per student in a batch of thousands; Result below is still validated.
        results.append(QuestionResult.model_construct(
            id=qid, score=round_score(question.points * verdict.credit), max_score=question.points,
            status=verdict.status, feedback=verdict.feedback, carried_forward=verdict.carried_forward,
            note=verdict.note, answer=shown,
            concepts=list(verdict.concepts) if verdict.concepts is not None else None, expected=expected))
    return Result(assignment=rubric.id, student=submission.student,
                  score=round_score(sum(r.score for r in results)), max_score=round_score(rubric.rubric.max_score),
                  questions=results, warnings=list(warnings or []) + resolved.warnings)


def answer_key_for(question: QuestionBase, rubric: LoadedRubric, student_id: str,
                   parsed: dict[str, Any]) -> AnswerKey:
    """The question's key for this student, with the value carried forward from their own answers."""
    answer_key = rubric.answer_keys(student_id)[question.id]
    carried, carried_from = _carried(question, rubric, student_id, parsed)
    return replace(answer_key, carried=carried, carried_from=carried_from) if carried_from else answer_key


def _carried(question: QuestionBase, rubric: LoadedRubric, student_id: str,
             parsed: dict[str, Any]) -> tuple[Any, tuple[str, ...]]:
    """The answer recomputed from the student's own earlier values, when any of them differ from the key."""
    if not question.carry_forward or rubric.solver is None:
        return None, ()
    given: dict[str, float] = {}
    differing: list[str] = []
    for name, source in question.carry_forward.items():
        if source not in parsed:
            continue  # a missing or unreadable input falls back to the true value
        source_question = rubric.questions[source]
        if not source_question.matches(parsed[source], rubric.answer_keys(student_id)[source].answer):
            given[name] = float(parsed[source])
            differing.append(source)
    if not given:
        return None, ()
    answer = question.answer  # type: ignore[attr-defined]  # checked at load: carry_forward needs a ref
    assert isinstance(answer, Ref)
    return rubric.solver.solve(student_id, given)[answer.ref], tuple(differing)


def _sentence(text: str) -> str:
    """End with a full stop, unless the text ends in a caret diagram or its own punctuation."""
    return text if "\n" in text or text.endswith((".", "!", "?")) else text + "."


def grade_file(path: str, rubric_path: str | None = None, *, reveal: bool = False) -> tuple[Result, LoadedRubric]:
    """Load a submit.yaml, find its rubric (--rubric, ./rubrics/, the installed ones) and grade it."""
    submission, warnings = load_submission(path)
    rubric = load_rubric(rubric_path or find_rubric(submission.assignment, path))
    check_assignment(submission, rubric, path)
    return grade_submission(submission, rubric, warnings=warnings, reveal=reveal), rubric
