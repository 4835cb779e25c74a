"""`grade validate` writes a phrase for every concept of a text question: built from the patterns
themselves, checked against them, or taken from the concept's `example` (issue 10, "smaller")."""

from __future__ import annotations

import re

import pytest

from grader.questions import TextQuestion
from grader.questions.base import AnswerKey
from grader.questions.text_samples import sample_for


@pytest.mark.parametrize("pattern", [
    "plain words",
    r"weights? (are )?positive",
    r"p_?i? ?\(1 ?[-−] ?p",
    r"\bU_?[fioc]?\b",
    r"h_?\{?t ?- ?1\}?",
    r"discriminator.{0,40}(signal|feedback|gradient)",
    r"kl (term )?(goes|drops) to (0|zero)",
    r"\(0, ?1\)",
    r"e\.g\.",
    r"\d+ steps",
    r"(?:non ?-?linear|nonlinear)",
    r"σ",
])
def test_a_phrase_is_built_from_the_pattern(pattern):
    phrase = sample_for([pattern])
    assert phrase and re.search(pattern, phrase, re.IGNORECASE)


@pytest.mark.parametrize("patterns, expected", [
    ([r"(?<=a)b"], None),             # a look-behind: no phrase
    ([r"[^x]+"], None),               # only a negated class
    ([r"(?<=a)b", "then words"], "then words"),  # the next pattern is used
])
def test_patterns_that_cannot_be_built(patterns, expected):
    assert sample_for(patterns) == expected


def concept_question(**concept) -> TextQuestion:
    return TextQuestion(id="q", type="text", points=1, concepts=[{"name": "idea", "points": 1, **concept}])


def test_an_example_is_used_and_must_match():
    question = concept_question(patterns=[r"(?<=a)b"], example="ab")
    assert "ab" in question.self_test(AnswerKey(answer=None)).correct
    with pytest.raises(ValueError, match="the example `cd` of concept `idea` matches none of its patterns"):
        concept_question(patterns=["ab"], example="cd")


def test_a_concept_without_any_phrase_is_explained():
    question = concept_question(patterns=[r"(?<=a)b"])
    with pytest.raises(ValueError) as info:
        question.self_test(AnswerKey(answer=None))
    assert "none of its patterns can be turned into words" in str(info.value)
    assert "add a plain-words pattern, or `example:" in str(info.value)
