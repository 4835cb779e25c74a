"""Submission × rubric × reference answers -> Result. Pure: same inputs, same Result."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Hashable

from grader.answer_memo import ABSENT, answer_key, memo_for
from grader.answers import MISSING, Misplaced, Twice, resolve_answers
from grader.errors import AnswerError, RubricError, SubmissionError
from grader.questions import AnswerKey, QuestionBase, Ref, Verdict
from grader.cutting import cut
from grader.results import QuestionResult, Result, round_score
from grader.rubric import LoadedRubric, find_rubric, load_rubric
from grader.submission import Submission, load_submission

MISSING_FEEDBACK = "No answer was found for this question."
UNCHECKED_FEEDBACK = ("The grader could not check this answer against your numbers; a TA will read it and "
                      "decide its score.")
_BLANK_RESULT = QuestionResult(id="", score=0.0, max_score=0.0, status="missing", feedback=MISSING_FEEDBACK,
                               carried_forward=False, note=None, answer=None, concepts=None, expected=None)
STORED_ANSWER_CHARS = 20_000  # an answer kept in a Result (results.jsonl, JSON); reports cut further


def check_assignment(submission: Submission, rubric: LoadedRubric, path: str, *, upload: bool = False) -> None:
    """A submission graded against another assignment's rubric is a file error, not a zero. `upload`: the
    student uploaded it (Gradescope), so the advice is theirs, not the command line's."""
    if submission.assignment != rubric.id:
        raise SubmissionError(f"this file is for assignment `{submission.assignment}`, but the rubric is for "
                              f"`{rubric.id}`", path=path, where="assignment",
                              hint=f"write `assignment: {rubric.id}` in the file and upload it again" if upload
                              else f"write `assignment: {rubric.id}`, or grade it with the right --rubric")


def grade_submission(submission: Submission, rubric: LoadedRubric, *, warnings: list[str] | None = None,
                     reveal: bool = False) -> Result:
    """Grade every question; a bad answer makes only that question `invalid`."""
    student_id = submission.student.id
    resolved = resolve_answers(submission.answers, rubric.question_ids, rubric.parent_ids)
    keys = rubric.answer_keys(student_id)
    memo = memo_for(rubric)  # a class's repeated answers are read and graded once (grader/answer_memo.py)
    written: dict[str, Hashable | None] = {}  # qid -> the answer as a memo key
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
        if isinstance(raw, Misplaced):
            problems[qid] = raw.message
            continue
        written[qid] = answer_key(raw) if memo is not None else None
        reading = memo.readings.get((qid, written[qid])) if memo is not None and written[qid] is not None else None
        if reading is None:
            try:
                reading = (True, question.conform(question.parse(raw), keys[qid]))
            except AnswerError as exc:
                reading = (False, str(exc))
            if memo is not None and written[qid] is not None:
                memo.remember_reading((qid, written[qid]), reading)
        if reading[0]:
            parsed[qid] = reading[1]
        else:
            problems[qid] = reading[1]

    results = []
    notes: list[str] = []
    for qid, question in rubric.questions.items():
        raw = resolved.values[qid]
        if qid in parsed:
            graded_key = _graded_key(question, reveal, written) if memo is not None else None
            remembered = memo.graded.get(graded_key) if memo is not None and graded_key is not None else None
            if remembered is None:
                own_notes: list[str] = []
                fields = _graded_fields(question, raw, keys, rubric, student_id, parsed, own_notes, reveal)
                # Unvalidated: every field comes from the engine's own typed values, and this runs 35 times
                # per student in a batch of thousands (a copy of a blank result costs half of model_construct).
                remembered = (_BLANK_RESULT.model_copy(update=fields), tuple(own_notes))
                if memo is not None and graded_key is not None:
                    memo.remember_graded(graded_key, *remembered)
            graded, own = remembered
            notes.extend(own)
            # The same QuestionResult serves every student who wrote this answer: nothing changes a result
            # in place (decisions make a copy), so a repeated answer costs no object at all.
            results.append(graded)
            continue
        expected = question.describe(keys[qid].answer) if reveal else None
        if qid in problems:
            shown = (None if isinstance(raw, (Twice, Misplaced))
                     else cut(question.show_answer(raw), STORED_ANSWER_CHARS))
            results.append(QuestionResult(id=qid, score=0.0, max_score=question.points, status="invalid",
                                          feedback=_sentence(cut(f"We could not read this answer: {problems[qid]}",
                                                                 STORED_ANSWER_CHARS, "the message")),
                                          answer=shown, expected=expected))
            continue
        results.append(_BLANK_RESULT.model_copy(update={"id": qid, "max_score": question.points,
                                                        "expected": expected}))
    return Result(assignment=rubric.id, student=submission.student,
                  score=round_score(sum(r.score for r in results)), max_score=round_score(rubric.rubric.max_score),
                  questions=results, warnings=list(warnings or []) + resolved.warnings + notes)


def _graded_key(question: QuestionBase, reveal: bool, written: dict[str, Hashable | None]) -> Hashable | None:
    """The memo key of a readable answer's grading: its own written value and, for error carried forward,
    those of its inputs (None: some answer cannot be a key, so it is graded without the memo)."""
    own = written.get(question.id)
    if own is None:
        return None
    inputs = tuple(written.get(source, ABSENT) for source in question.carry_forward.values()) \
        if question.carry_forward else ()
    if any(value is None for value in inputs):
        return None
    return (question.id, reveal, own, inputs)


def _graded_fields(question: QuestionBase, raw: Any, keys: dict[str, AnswerKey], rubric: LoadedRubric,
                   student_id: str, parsed: dict[str, Any], notes: list[str], reveal: bool) -> dict[str, Any]:
    """The QuestionResult fields of one readable answer (notes for a TA go into `notes`)."""
    qid = question.id
    try:
        verdict = grade_answer(question, keys[qid], rubric, student_id, parsed, notes)
    except RubricError as exc:  # e.g. this student's variant makes the reference undefined
        notes.append(f"`{qid}` could not be checked automatically ({exc.message}); a TA should grade it by hand.")
        verdict = Verdict("needs_review", 0.0, UNCHECKED_FEEDBACK)
    return {"id": qid, "score": round_score(question.points * verdict.credit), "max_score": question.points,
            "status": verdict.status, "feedback": verdict.feedback, "carried_forward": verdict.carried_forward,
            "note": verdict.note, "answer": cut(question.show_answer(raw), STORED_ANSWER_CHARS),
            "concepts": list(verdict.concepts) if verdict.concepts is not None else None,
            "expected": question.describe(keys[qid].answer) if reveal else None}


def grade_answer(question: QuestionBase, key: AnswerKey, rubric: LoadedRubric, student_id: str,
                 parsed: dict[str, Any], notes: list[str] | None = None) -> Verdict:
    """Grade one readable answer. The value carried forward from the student's own earlier answers is
    computed only when the answer misses the key (most answers do not need the solver at all); a solver
    that fails on the student's values grades the question without carry-forward and leaves a note."""
    answer = parsed[question.id]
    if question.carry_forward and not question.matches(answer, key.answer):
        try:
            key = answer_key_for(question, rubric, student_id, parsed)
        except RubricError as exc:
            if notes is not None:
                notes.append(solver_fault_note(question.id, exc))
    return question.grade(answer, key)


def solver_fault_note(qid: str, exc: RubricError) -> str:
    """The note for a TA when the solver cannot recompute a question from a student's own values."""
    cause = exc.__cause__
    reason = f"{type(cause).__name__}: {cause}" if cause is not None else exc.message
    return (f"`{qid}` was graded without error carried forward: the reference solver failed on the values of "
            f"your earlier answers ({reason}). A TA should check this question by hand.")


def answer_key_for(question: QuestionBase, rubric: LoadedRubric, student_id: str,
                   parsed: dict[str, Any]) -> AnswerKey:
    """The question's key for this student, with the value carried forward from their own answers.

    Raises RubricError when the solver fails on the student's values."""
    answer_key = rubric.answer_keys(student_id)[question.id]
    carried = _carried(question, rubric, student_id, parsed)
    if carried is None:
        return answer_key
    values, differing = carried
    answer = question.answer  # type: ignore[attr-defined]  # checked at load: carry_forward needs a ref
    return replace(answer_key, carried=values[answer.ref], carried_from=differing,
                   carried_mistakes=tuple(values.get(mistake.ref) for mistake in question.mistakes))


def _carried(question: QuestionBase, rubric: LoadedRubric, student_id: str,
             parsed: dict[str, Any]) -> tuple[dict[str, Any], tuple[str, ...]] | None:
    """The solver's values with every carry-forward input the student answered pinned to their own
    value, right or wrong (a missing or unreadable input falls back to the solver), and the inputs
    whose values differ from the key; None when the student answered none of the inputs."""
    if not question.carry_forward or rubric.solver is None:
        return None
    keys = rubric.answer_keys(student_id)
    given: dict[str, Any] = {}
    differing: list[str] = []
    for name, source in question.carry_forward.items():
        if source not in parsed:
            continue
        source_question = rubric.questions[source]
        given[name] = source_question.given_value(parsed[source])
        if not source_question.matches(parsed[source], keys[source].answer):
            differing.append(source)
    if not given:
        return None
    answer = question.answer  # type: ignore[attr-defined]  # checked at load: carry_forward needs a ref
    assert isinstance(answer, Ref)
    values = rubric.solver.solve(student_id, given)
    if not isinstance(values, dict) or answer.ref not in values:
        raise RubricError(f"the solver's output for the student's own values has no `{answer.ref}`",
                          path=str(rubric.path), where=f"question {question.id}")
    return values, tuple(differing)


def _sentence(text: str) -> str:
    """End with a full stop, unless the text ends in a caret diagram or its own punctuation."""
    return text if "\n" in text or text.endswith((".", "!", "?")) else text + "."


def grade_file(path: str, rubric_path: str | None = None, *, reveal: bool = False) -> tuple[Result, LoadedRubric]:
    """Load a submit.yaml, find its rubric (--rubric, ./rubrics/, the installed ones) and grade it."""
    submission, warnings = load_submission(path)
    rubric = load_rubric(rubric_path or find_rubric(submission.assignment, path))
    check_assignment(submission, rubric, path)
    return grade_submission(submission, rubric, warnings=warnings, reveal=reveal), rubric
