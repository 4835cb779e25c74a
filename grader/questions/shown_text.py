"""Texts a student is shown beside a grade, and whether one gives away another question's key.

Evidence is shown with every answer to a true/false or choice question (right or wrong) and with a
correct answer to the other types; a known mistake's feedback to whoever matches the mistake; a
choice option's feedback to whoever picks that option. A true/false question whose evidence names
the posterior mean hands every student the answer of the question that asks for it. `grade
validate` warns about such a text: a number in it within another numeric question's tolerance of
that question's key, or another expression question's key written out.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from grader.errors import AnswerError
from grader.questions.base import AnswerKey, QuestionBase
from grader.questions.expression import ExpressionQuestion
from grader.questions.numeric import NumericQuestion
from grader.questions.vectors import is_array

__all__ = ["given_away"]

# A number as a text shows it: `0.341`, `15/44`, `-0.2`, `−0.2`, `52.99%`, `2.1e-3`. A sign counts only where
# it is not a minus between two terms (`t-1` shows 1, not -1).
_NUMBER = re.compile(r"(?:(?<![\w)}\]])[-−])?(?<![\w.])\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?:/\d+(?:\.\d+)?|%)?(?!\w|\.\d)")


def given_away(question: QuestionBase, keys: Mapping[str, AnswerKey],
               questions: Mapping[str, QuestionBase]) -> list[str]:
    """A sentence for each text `question` shows that holds another question's key."""
    found = []
    for what, text in question.shown_texts(keys[question.id]):
        for other_id, other in questions.items():
            if other_id == question.id:
                continue
            shown = _shown_key(other, keys[other_id].answer, text)
            if shown is not None:
                found.append(f"{what} gives away the key of {other_id}: it shows {shown}")
    return found


def _shown_key(other: QuestionBase, answer: Any, text: str) -> str | None:
    """How `text` shows `other`'s key `answer`, or None."""
    if isinstance(other, NumericQuestion):
        targets = _components(answer)
        for match in _NUMBER.finditer(text):
            token = match.group()
            for candidate in dict.fromkeys((token, *token.lstrip("-−").split("/"))):
                value = _number(other, candidate)
                if value is not None and any(other.matches(value, target) for target in targets):
                    return f"`{candidate}`, within its tolerance of {other.describe(answer)}"
    if isinstance(other, ExpressionQuestion):
        squeezed = _squeeze(text)
        for form in dict.fromkeys((str(answer), other.plain_form(answer))):
            if len(_squeeze(form)) > 2 and _squeeze(form) in squeezed:
                return f"its expression `{form}`"
    return None


def _components(answer: Any) -> list[float]:
    if is_array(answer):
        return [value for item in answer for value in _components(item)]
    return [float(answer)]


def _number(question: NumericQuestion, token: str) -> float | None:
    try:
        value = question.parse(token)
    except AnswerError:
        return None
    return value if isinstance(value, float) else None


def _squeeze(text: str) -> str:
    return "".join(text.split())
