"""The contract every question type keeps (PrairieLearn's phases: parse, grade, test).

A question type is one pydantic model with `type: Literal[...]`. It reads a raw answer
(`parse`, raising `AnswerError` for an answer it cannot read), says whether a reading matches
a reference value (`matches`), explains a wrong answer without giving the key away
(`wrong_feedback`), shows a value (`describe`), and makes its own self-test answers
(`self_test`). The default `grade` is shared: true answer, then the value carried forward from
the student's own earlier answers, then the known mistakes in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr, field_validator

from grader.results import Status

QUESTION_ID_PATTERN = r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$"
Visibility = Literal["visible", "hidden", "after_due_date"]


class Ref(BaseModel):
    """A value computed by the assignment's solver, by name (`{ref: lstm.h1}`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ref: StrictStr = Field(description="Name of a value in the solver's output, e.g. `lstm.h1`.")


class Mistake(BaseModel):
    """A known mistake: the value the solver computes with the mistake switched on, its credit and feedback."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ref: StrictStr = Field(description="Solver value with the mistake switched on, e.g. `mistake.mse_sum`.")
    credit: float = Field(ge=0, lt=1, description="Fraction of the points this mistake still earns.")
    feedback: StrictStr = Field(description="What the student is told when their answer matches this mistake.")
    note: StrictStr | None = Field(default=None, description="Short code for the class summary; "
                                   "defaults to the last part of `ref`.")

    @property
    def code(self) -> str:
        return self.note or self.ref.rsplit(".", 1)[-1]


@dataclass(frozen=True)
class AnswerKey:
    """What one question is graded against, resolved from the solver output."""

    answer: Any
    evidence: str | None = None
    carried: Any = None  # the value recomputed from the student's own earlier answers
    carried_from: tuple[str, ...] = ()  # the inputs (question ids) whose values differ from the key
    mistakes: tuple[tuple[Mistake, Any], ...] = ()
    carried_mistakes: tuple[Any, ...] = ()  # each mistake's value from the student's own inputs, in order


@dataclass(frozen=True)
class Verdict:
    """A question type's judgement of one answer; the engine turns it into a QuestionResult."""

    status: Status
    credit: float
    feedback: str
    carried_forward: bool = False
    note: str | None = None
    concepts: tuple[str, ...] | None = None


@dataclass(frozen=True)
class SelfTest:
    """Raw answers that must grade as correct, incorrect and invalid (for `grade validate`)."""

    correct: Any
    incorrect: Any
    invalid: Any
    extra: dict[str, Any] = field(default_factory=dict)


class QuestionBase(BaseModel):
    """Fields every question has."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: ClassVar[str] = "answer"  # how the blank template describes the expected answer

    id: str = Field(pattern=QUESTION_ID_PATTERN, description="The question id, e.g. `p3.b.h1`.")
    points: float = Field(gt=0, allow_inf_nan=False, description="What the question is worth.")
    title: StrictStr | None = Field(default=None, description="A short prompt shown in reports and templates.")
    visibility: Visibility = Field(default="visible", description="For Gradescope: when students see this test.")
    evidence: Ref | StrictStr | None = Field(default=None, description="Why the key is what it is; "
                                             "shown to students with their feedback.")
    carry_forward: dict[str, StrictStr] = Field(default_factory=dict, description=(
        "Error carried forward: solver inputs (the solver's `given` names) taken from the student's "
        "own answers to the named questions, e.g. `{o1: p3.b.o1, c1: p3.b.c1}`."))
    carry_forward_credit: float = Field(default=1.0, ge=0, le=1, description=(
        "Fraction of the points for an answer that is right for the student's own earlier values."))
    mistakes: list[Mistake] = Field(default_factory=list, description="Known mistakes, checked in order.")

    @field_validator("id")
    @classmethod
    def _no_reserved_segment(cls, value: str) -> str:
        if value.split(".")[-1] == "answer":
            raise ValueError("a question id may not end in `.answer` (that key holds a question's value)")
        return value

    def refs(self) -> list[str]:
        """Every solver value this question reads."""
        found = [item.ref for item in (getattr(self, "answer", None), self.evidence) if isinstance(item, Ref)]
        return found + [mistake.ref for mistake in self.mistakes]

    # --- the phases a question type implements -------------------------------------------------
    def parse(self, raw: Any) -> Any:
        raise NotImplementedError

    def conform(self, parsed: Any, key: AnswerKey) -> Any:
        """The reading fitted to this student's key (a vector reshaped to the key's shape), or
        AnswerError when it cannot be compared with it at all; most types take any reading."""
        return parsed

    def matches(self, parsed: Any, value: Any) -> bool:
        raise NotImplementedError

    def given_value(self, parsed: Any) -> Any:
        """The reading as a solver `given` value, when a later step carries this answer forward."""
        return parsed

    def wrong_feedback(self, parsed: Any, key: AnswerKey) -> str:
        return "Not correct."

    def describe(self, value: Any) -> str:
        return str(value)

    def check_reference(self, value: Any) -> None:
        """Raise ValueError when a reference (or known-mistake) value is unusable for this type."""

    def check_references(self, answer: Any, mistakes: list[Any]) -> None:
        """Raise ValueError when the key or a known mistake is unusable, alone or beside the key."""
        for value in (answer, *mistakes):
            self.check_reference(value)

    def shown_texts(self, key: AnswerKey) -> list[tuple[str, str]]:
        """(what, text) for each text of this question a student may be shown beside a grade (the
        rubric's own words, not the student's): its evidence and each known mistake's feedback."""
        texts = [("its evidence", str(key.evidence))] if key.evidence else []
        return texts + [(f"the feedback of mistake `{mistake.code}`", mistake.feedback) for mistake in self.mistakes]

    def reference_warnings(self, answer: Any, mistakes: list[tuple[str, Any]]) -> list[str]:
        """What `grade validate` should warn the author about in the key or the known mistakes
        (code, value): readable, but perhaps not read as meant. None for most types."""
        return []

    def hint(self) -> str:
        """What kind of answer is expected, for the blank template and messages."""
        return self.kind

    def hint_for(self, answer: Any) -> str:
        """`hint()` for this key (a numeric question's key says whether a vector is expected)."""
        return self.hint()

    def self_test(self, key: AnswerKey) -> SelfTest:
        raise NotImplementedError

    def show_answer(self, raw: Any) -> str:
        """The student's answer as text for reports (never evaluated)."""
        return raw if isinstance(raw, str) else _yaml_scalar(raw)

    # --- shared grading ---------------------------------------------------------------------------
    def grade(self, parsed: Any, key: AnswerKey) -> Verdict:
        """True answer first, then the carried-forward value, then the known mistakes in order, each
        from the key's inputs and, after an earlier slip, from the student's own (scaled by the
        carry-forward credit)."""
        if self.matches(parsed, key.answer):
            return Verdict("correct", 1.0, self.correct_feedback(key))
        if key.carried is not None and self.matches(parsed, key.carried):
            if not key.carried_from:
                # Every input the student gave is right: the answer follows from their own (rounded)
                # values, so it is simply correct.
                return Verdict("correct", 1.0, self.correct_feedback(key))
            credit = self.carry_forward_credit
            names = ", ".join(key.carried_from)
            return Verdict("correct" if credit == 1 else "partial", credit,
                           f"Correct for your value of {names}: this step is right, and the earlier slip "
                           f"is only counted once.", carried_forward=True)
        names = ", ".join(key.carried_from)
        for index, (mistake, value) in enumerate(key.mistakes):
            own = key.carried_mistakes[index] if key.carried_from and index < len(key.carried_mistakes) else None
            if self.matches(parsed, value):
                said = "" if own is None or self.matches(parsed, own) else (
                    f" (This is the mistake computed from the correct earlier values, not from your own value of "
                    f"{names}.)")
                return Verdict("partial" if mistake.credit > 0 else "incorrect", mistake.credit,
                               mistake.feedback + said, note=mistake.code)
            if own is not None and self.matches(parsed, own):
                credit = mistake.credit * self.carry_forward_credit
                return Verdict("partial" if credit > 0 else "incorrect", credit,
                               f"{mistake.feedback} (You made it with your own value of {names}, so the earlier "
                               "slip is not counted again.)", carried_forward=True, note=mistake.code)
        feedback = self.wrong_feedback(parsed, key)
        if key.carried_from:
            feedback += (" It does not match the value that follows from your own earlier answers either, "
                         "so the slip is in this step.")
        return Verdict("incorrect", 0.0, feedback)

    def correct_feedback(self, key: AnswerKey) -> str:
        return "Correct." + (f" {key.evidence}" if key.evidence else "")


def _yaml_scalar(raw: Any) -> str:
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if raw is None:
        return ""
    return str(raw)
