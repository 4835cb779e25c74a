"""True/false statements."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, StrictBool

from grader.errors import AnswerError
from grader.questions.base import AnswerKey, QuestionBase, Ref, SelfTest

TRUE_WORDS = frozenset({"true", "t", "yes", "y", "1", "wahr", "vrai", "correct"})
FALSE_WORDS = frozenset({"false", "f", "no", "n", "0", "falsch", "faux", "incorrect", "wrong"})


class TrueFalseQuestion(QuestionBase):
    """A statement the student marks true or false."""

    type: Literal["true_false"]
    kind = "true or false"
    answer: Ref | StrictBool = Field(description="The key: a boolean, or a solver value by `ref`.")

    def parse(self, raw: Any) -> bool:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str):
            word = raw.strip().strip(".!").casefold()
            if word in TRUE_WORDS:
                return True
            if word in FALSE_WORDS:
                return False
            if word.startswith(("true", "false")):
                raise AnswerError("write only `true` or `false` here and put your reasoning in `why`")
        raise AnswerError(f"expected true or false, got `{self.show_answer(raw)}`")

    def matches(self, parsed: bool, value: Any) -> bool:
        return parsed is bool(value)

    def wrong_feedback(self, parsed: bool, key: AnswerKey) -> str:
        text = "Not correct."
        if key.evidence:
            text += f" {key.evidence}"
        else:
            text += " Test the statement on a small example before you decide."
        return text

    def describe(self, value: Any) -> str:
        return "true" if value else "false"

    def self_test(self, key: AnswerKey) -> SelfTest:
        truth = bool(key.answer)
        return SelfTest(correct=truth, incorrect=not truth, invalid="maybe")
