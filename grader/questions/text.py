"""Free text, scored provisionally from concept patterns and always queued for a TA's review."""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr, field_validator, model_validator

from grader.errors import AnswerError
from grader.questions.base import AnswerKey, QuestionBase, SelfTest, Verdict
from grader.questions.text_samples import sample_for

MAX_TEXT_CHARS = 5000  # a justification is a paragraph; longer text is matched on its first 5000 characters
MIN_WORDS = 2  # "yes" is not a justification; asking for a sentence is clearer than scoring it 0


class Concept(BaseModel):
    """One idea the answer should contain, worth `points`, recognised by any of its `patterns`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: StrictStr = Field(description="The idea in a few words, shown to TAs (and students with --reveal).")
    points: float = Field(gt=0, description="What mentioning the idea earns.")
    patterns: list[StrictStr] = Field(min_length=1, description="Regular expressions (case-insensitive); any one matching counts.")
    example: StrictStr | None = Field(default=None, description=(
        "A phrase that mentions the idea (one of the patterns must match it); `grade validate` writes it into "
        "its sample answer. Without it the sample is built from the patterns."))

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"pattern `{pattern}` is not a valid regular expression: {exc}") from None
        return patterns

    @model_validator(mode="after")
    def _example_matches(self) -> "Concept":
        if self.example is not None and not any(re.search(p, self.example, re.IGNORECASE) for p in self.patterns):
            raise ValueError(f"the example `{self.example}` of concept `{self.name}` matches none of its patterns")
        return self


class TextQuestion(QuestionBase):
    """A written explanation; the score is provisional until a TA reviews it."""

    type: Literal["text"]
    kind = "a sentence or two"
    concepts: list[Concept] = Field(min_length=1, description="The ideas a full answer mentions.")
    model_answer: StrictStr | None = Field(default=None, description="A model answer, for --reveal and the key.")

    @model_validator(mode="after")
    def _reachable(self) -> "TextQuestion":
        if sum(concept.points for concept in self.concepts) < self.points - 1e-9:
            raise ValueError("the concepts' points add up to less than the question's points")
        return self

    @cached_property
    def _compiled(self) -> list[tuple[Concept, re.Pattern[str]]]:
        # One alternation per concept: a single search finds whichever phrasing the student used.
        return [(c, re.compile("|".join(f"(?:{p})" for p in c.patterns), re.IGNORECASE)) for c in self.concepts]

    def parse(self, raw: Any) -> str:
        if isinstance(raw, bool) or isinstance(raw, (int, float)):
            raw = str(raw).lower() if isinstance(raw, bool) else str(raw)
        if not isinstance(raw, str):
            raise AnswerError("expected a sentence of text here")
        text = " ".join(raw.split())
        if len(text.split()) < MIN_WORDS:
            raise AnswerError("write a sentence that explains your reasoning")
        return text[:MAX_TEXT_CHARS]

    def matched(self, text: str) -> list[Concept]:
        return [concept for concept, pattern in self._compiled if pattern.search(text)]

    def grade(self, parsed: str, key: AnswerKey) -> Verdict:
        found = self.matched(parsed)
        credit = min(1.0, sum(concept.points for concept in found) / self.points)
        if found:
            feedback = (f"Provisional score: your answer mentions {len(found)} of the {len(self.concepts)} "
                        f"idea{'s' if len(self.concepts) != 1 else ''} we look for. A TA will read it and decide the final score.")
        else:
            feedback = ("Provisional score 0: we did not recognise the key ideas. A TA will read your answer "
                        "and decide the final score.")
        return Verdict("needs_review", credit, feedback, concepts=tuple(concept.name for concept in found))

    def matches(self, parsed: str, value: Any) -> bool:
        return False

    def describe(self, value: Any) -> str:
        ideas = "; ".join(f"{concept.name} ({concept.points:g})" for concept in self.concepts)
        return (self.model_answer + " — " if self.model_answer else "") + "ideas: " + ideas

    def self_test(self, key: AnswerKey) -> SelfTest:
        sentences = []
        for concept in self.concepts:
            sample = concept.example or sample_for(concept.patterns)
            if sample is None:
                raise ValueError(f"cannot write a phrase that mentions concept `{concept.name}`: none of its "
                                 "patterns can be turned into words (look-arounds, negated classes); add a "
                                 "plain-words pattern, or `example: \"a phrase a student would write\"` "
                                 "that one of the patterns matches")
            sentences.append(sample)
        return SelfTest(correct="It is because " + ", and ".join(sentences) + ".",
                        incorrect="I am not sure about this one.", invalid=["not", "a", "sentence"])
