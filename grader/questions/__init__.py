"""Every question type, and the one union of them (the only place that lists them all)."""

from __future__ import annotations

from typing import Annotated, Union

from pydantic import Field

from grader.questions.base import AnswerKey, Mistake, QuestionBase, Ref, SelfTest, Verdict
from grader.questions.choice import ChoiceQuestion
from grader.questions.expression import ExpressionQuestion
from grader.questions.numeric import NumericQuestion, Tolerance
from grader.questions.shape import ShapeQuestion
from grader.questions.text import TextQuestion
from grader.questions.true_false import TrueFalseQuestion

Question = Annotated[
    Union[
        TrueFalseQuestion,
        ChoiceQuestion,
        NumericQuestion,
        ShapeQuestion,
        ExpressionQuestion,
        TextQuestion,
    ],
    Field(discriminator="type"),
]

__all__ = [
    "AnswerKey", "ChoiceQuestion", "ExpressionQuestion", "Mistake", "NumericQuestion", "Question", "QuestionBase", "Ref",
    "SelfTest", "ShapeQuestion", "TextQuestion", "Tolerance", "TrueFalseQuestion", "Verdict",
]
