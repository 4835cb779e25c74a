"""`grade validate`: for every question, grade a correct, an incorrect and an invalid answer
(PrairieLearn's test phase), and check error carried forward and every known mistake.

Carry-forward is checked three ways: each input, made wrong, must change the answer (an input the
solver ignores is a typo such as `{dw: q3.dw1}` where the solver takes `dw1`); an answer computed
from the wrong input must earn carry-forward credit; and the solver must not raise for awkward
values a student may give (0, negative, very large, the known mistakes' values).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from grader.errors import AnswerError, RubricError, did_you_mean
from grader.grading import answer_key_for, grade_submission
from grader.questions import QuestionBase, Ref, TextQuestion
from grader.questions.shown_text import given_away
from grader.questions.vectors import is_array
from grader.results import QuestionResult, StudentInfo
from grader.rubric import LoadedRubric
from grader.submission import Submission

SELF_TEST_STUDENT = "selftest"
DRAWN_VARIANTS = 200  # students drawn to see how often a known mistake falls within the tolerance
PROBE_VALUES = (0.0, -1.0, 1e9, -1e9)
# Wrong inputs tried in turn, as (scale, shift): far off both ways, then nearby (a probability stays in (0, 1)).
WRONG_INPUTS = ((1.0, 1.0), (1.0, -1.0), (0.8, 0.0), (1.2, 0.0), (0.5, 0.0))  # awkward numbers a student may carry forward: zero, negative, huge


@dataclass
class QuestionCheck:
    """What the self-test did for one question and what went wrong."""

    id: str
    passed: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # worth knowing, not wrong
    warnings: list[str] = field(default_factory=list)  # likely wrong, but grading works: the author decides


def self_test(rubric: LoadedRubric) -> list[QuestionCheck]:
    """Run every check; a question passes when its `failures` list is empty."""
    return [_check_question(rubric, question) for question in rubric.questions.values()]


def _has_variants(rubric: LoadedRubric) -> bool:
    return rubric.solver is not None and rubric.solver.has_variants


def _numbers_of(rubric: LoadedRubric) -> str:
    """Whose numbers the checks used, for notes."""
    if _has_variants(rubric):
        return f"with the numbers of student `{SELF_TEST_STUDENT}`"
    return "with the rubric's parameters"


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
    if isinstance(question, TextQuestion) and any(concept.must_not_match for concept in question.concepts):
        tried, earned = question.counter_examples_earned()
        check.failures += earned
        if not earned:
            check.passed.append(f"{tried} counter-example{'s' if tried != 1 else ''}")
    check.warnings += question.reference_warnings(
        rubric.value(getattr(question, "answer", None), key), [(m.code, key[m.ref]) for m in question.mistakes])
    check.warnings += given_away(question, rubric.answer_keys(SELF_TEST_STUDENT), rubric.questions)
    return check


def _changed(value: Any, how: tuple[float, float]) -> Any:
    """A wrong input: every component scaled by `how[0]` and moved by `how[1]` times (0.25 + its size)."""
    if is_array(value):
        return [_changed(item, how) for item in value]
    number = float(value)
    return how[0] * number + how[1] * (0.25 + 0.5 * abs(number))


def _readable(question: QuestionBase, value: Any) -> bool:
    try:
        question.parse(value)
    except AnswerError:
        return False
    return True


def _filled(value: Any, number: float) -> Any:
    """`number` in the shape of `value` (a probe for a vector input)."""
    return [_filled(item, number) for item in value] if is_array(value) else number


def _solve(rubric: LoadedRubric, name: str, value: Any) -> dict[str, Any]:
    assert rubric.solver is not None
    return rubric.solver.solve(SELF_TEST_STUDENT, {name: value})


def _check_carry_forward(rubric: LoadedRubric, question: QuestionBase, key: dict[str, Any],
                         check: QuestionCheck) -> None:
    """Make each input wrong in turn: the answer must change, and an answer computed from the wrong
    input must earn carry-forward credit. Then probe the solver with awkward values."""
    if not question.carry_forward or rubric.solver is None:
        return
    answer = getattr(question, "answer")
    assert isinstance(answer, Ref)
    for name, source in question.carry_forward.items():
        true_input = rubric.value(getattr(rubric.questions[source], "answer"), key)
        wrong_inputs = [_changed(true_input, how) for how in WRONG_INPUTS]
        try:
            carried = [_solve(rubric, name, wrong)[answer.ref] for wrong in wrong_inputs]
        except RubricError as exc:
            check.failures.append(f"the solver fails when `{name}` (from {source}) is a wrong value: {exc.message}")
            continue
        if all(value == key[answer.ref] for value in carried):
            accepted = rubric.solver.given_names(rubric.solver.parameters_for(SELF_TEST_STUDENT))
            if accepted is not None and name in accepted:  # a real input that does not matter here
                check.notes.append(f"carry_forward `{name}: {source}`: changing `{name}` does not change "
                                   f"`{answer.ref}` {_numbers_of(rubric)}, so this entry has no effect")
                continue
            names = [ref.rsplit(".", 1)[-1] for ref in key if ref.rsplit(".", 1)[-1] != name]
            check.failures.append(
                f"carry_forward `{name}: {source}`: changing `{name}` does not change `{answer.ref}`, so the "
                f"solver ignores it{did_you_mean(name, names)}; name an input the solver takes in `given`, "
                "or drop this entry")
            continue
        # The first wrong input whose carried answer is a readable value apart from the key.
        usable = [(wrong, value) for wrong, value in zip(wrong_inputs, carried)
                  if _readable(question, value) and not _matches(question, value, key[answer.ref])]
        if not usable:
            check.notes.append(f"a wrong {source} barely changes this answer {_numbers_of(rubric)}, "
                               "so carry-forward from it cannot be told apart from the key")
        else:
            wrong_input, value = usable[0]
            outcome = _grade_one(rubric, {source: wrong_input, question.id: value}, question.id)
            if outcome.carried_forward and outcome.score == question.points * question.carry_forward_credit:
                check.passed.append(f"carried forward from {source}")
            else:
                check.failures.append(f"an answer computed from a wrong {source} graded {outcome.status} "
                                      f"without carry-forward credit")
        _check_carried_mistakes(rubric, question, name, source, wrong_inputs, check)
        _probe(rubric, question, name, source, true_input, key, check)


def _check_carried_mistakes(rubric: LoadedRubric, question: QuestionBase, name: str, source: str,
                            wrong_inputs: list[Any], check: QuestionCheck) -> None:
    """Each known mistake made with the student's own wrong input must be recognised as that mistake
    (with the first wrong input that sets it apart from the key, the carried answer and the other mistakes)."""
    key, answer = rubric.key(SELF_TEST_STUDENT), getattr(question, "answer")
    for mistake in question.mistakes:
        for wrong_input in wrong_inputs:
            values = _solve(rubric, name, wrong_input)
            own = values.get(mistake.ref)
            taken = [key[answer.ref], values[answer.ref], *(key[m.ref] for m in question.mistakes),
                     *(values[m.ref] for m in question.mistakes if m is not mistake and m.ref in values)]
            if own is not None and _readable(question, own) and not any(_matches(question, own, v) for v in taken):
                break
        else:
            continue  # the mistake does not depend on this input, or cannot be told from another value
        outcome = _grade_one(rubric, {source: wrong_input, question.id: own}, question.id)
        expected = round(question.points * mistake.credit * question.carry_forward_credit, 4)
        if outcome.note == mistake.code and outcome.score == expected:
            check.passed.append(f"mistake {mistake.code} from your own {source}")
        else:
            check.failures.append(f"the value of mistake `{mistake.code}` computed from a wrong {source} graded "
                                  f"{outcome.status} with note {outcome.note!r}")


def _probe(rubric: LoadedRubric, question: QuestionBase, name: str, source: str, true_input: Any,
           key: dict[str, Any], check: QuestionCheck) -> None:
    """The solver must not raise for any value a student may carry forward; grading survives it
    (the question loses carry-forward), but the student then gets no credit they may deserve."""
    probes = [(f"{number:g}", _filled(true_input, number)) for number in PROBE_VALUES]
    probes += [(f"the value of mistake `{mistake.code}`", key[mistake.ref])
               for mistake in rubric.questions[source].mistakes]
    raised = []
    for label, value in probes:
        try:
            _solve(rubric, name, value)
        except RubricError as exc:
            cause = exc.__cause__
            raised.append(f"{label} ({type(cause).__name__}: {cause})" if cause else f"{label} ({exc.message})")
    if raised:
        check.failures.append(f"the solver raises when `{name}` (from {source}) is " + "; ".join(raised)
                              + ": students who wrote that get no carry-forward here. A solver must not raise "
                              "for any number a student gives (return NaN instead, e.g. under numpy.errstate)")
    else:
        check.passed.append(f"solver robust for {name}")


def _check_mistakes(rubric: LoadedRubric, question: QuestionBase, check: QuestionCheck) -> None:
    key = rubric.key(SELF_TEST_STUDENT)
    for mistake in question.mistakes:
        value = key[mistake.ref]
        within = _within_tolerance(rubric, question, mistake.ref, SELF_TEST_STUDENT)
        note = _tolerance_note(rubric, question, mistake.ref, mistake.code, within)
        if note is not None:
            check.notes.append(note)
        if within:
            continue
        outcome = _grade_one(rubric, {question.id: value}, question.id)
        if outcome.note == mistake.code and outcome.score == round(question.points * mistake.credit, 4):
            check.passed.append(f"mistake {mistake.code}")
        else:
            check.failures.append(f"the value of mistake `{mistake.code}` graded {outcome.status} "
                                  f"with note {outcome.note!r}")


def _matches(question: QuestionBase, value: Any, reference: Any) -> bool:
    """Whether a solver value (perhaps NaN from an extreme input) reads as the reference."""
    try:
        return question.matches(question.parse(value), reference)
    except AnswerError:
        return False


def _within_tolerance(rubric: LoadedRubric, question: QuestionBase, ref: str, student_id: str) -> bool:
    key = rubric.key(student_id)
    return _matches(question, key[ref], rubric.value(getattr(question, "answer"), key))


def _tolerance_note(rubric: LoadedRubric, question: QuestionBase, ref: str, code: str, within: bool) -> str | None:
    """Whose numbers put the mistake within the tolerance of the key (those students get full credit
    for it): the self-test's numbers, and on a variants rubric how many of many drawn students."""
    found = (f"mistake `{code}` is within the tolerance of the key {_numbers_of(rubric)}, "
             "so students who make it get full credit") if within else None
    if not _has_variants(rubric):
        return found
    students = [f"variant-{number:03d}" for number in range(1, DRAWN_VARIANTS + 1)]
    hit = [student for student in students if _within_tolerance(rubric, question, ref, student)]
    if not hit:
        return found
    summary = (f"within tolerance for {len(hit)} of {DRAWN_VARIANTS} drawn students (e.g. `{hit[0]}`), "
               "who get full credit for it")
    return f"{found}; {summary}" if found else f"mistake `{code}` is {summary}"
