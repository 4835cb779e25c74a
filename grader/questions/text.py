"""Free text, scored provisionally from concept patterns and always queued for a TA's review.

A concept counts when one of its patterns matches outside a negation (text_claims.py): "the
discriminator is not a sigmoid" does not earn "they are sigmoids", and the answer is flagged
(`note: negated`). An answer that is only a list of concept words earns nothing provisionally and
is flagged too (`note: keyword_list`). Each concept may list answers it must not match
(`must_not_match`), which `grade validate` checks.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr, field_validator, model_validator

from grader.errors import AnswerError
from grader.questions.base import AnswerKey, QuestionBase, SelfTest, Verdict
from grader.questions.text_claims import is_keyword_list, negated, pattern_negates
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
    must_not_match: list[StrictStr] = Field(default_factory=list, description=(
        "Answers that must NOT earn this idea (the opposite claim, a negation); `grade validate` grades each "
        "and fails when it earns the idea."))

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
    def _compiled(self) -> list[tuple[Concept, list[tuple[re.Pattern[str], bool]]]]:
        # Each pattern on its own: whether a match is negated depends on whether the pattern negates itself.
        return [(concept, [(re.compile(pattern, re.IGNORECASE), pattern_negates(pattern))
                           for pattern in concept.patterns]) for concept in self.concepts]

    def parse(self, raw: Any) -> str:
        if isinstance(raw, bool) or isinstance(raw, (int, float)):
            raw = str(raw).lower() if isinstance(raw, bool) else str(raw)
        if not isinstance(raw, str):
            raise AnswerError("expected a sentence of text here")
        text = " ".join(raw.split())
        if len(text.split()) < MIN_WORDS:
            raise AnswerError("write a sentence that explains your reasoning")
        return text[:MAX_TEXT_CHARS]

    def matched(self, text: str) -> tuple[list[Concept], list[Concept]]:
        """The concepts the answer states, and those it mentions only under a negation."""
        stated, denied = [], []
        for concept, patterns in self._compiled:
            mentioned = False
            for pattern, negates in patterns:
                for match in pattern.finditer(text):
                    mentioned = True
                    if not negated(text, match.start(), match.end(), inside=not negates):
                        stated.append(concept)
                        break
                else:
                    continue
                break
            else:
                if mentioned:
                    denied.append(concept)
        return stated, denied

    def grade(self, parsed: str, key: AnswerKey) -> Verdict:
        stated, denied = self.matched(parsed)
        ideas = f"{len(self.concepts)} idea{'s' if len(self.concepts) != 1 else ''}"
        if is_keyword_list(parsed):
            return Verdict("needs_review", 0.0, "Provisional score 0: your answer lists words but does not explain "
                           "them in a sentence; say why. A TA will read it and decide the final score.",
                           note="keyword_list",
                           concepts=tuple(f"not counted, no sentence: {c.name}" for c in stated + denied))
        credit = min(1.0, sum(concept.points for concept in stated) / self.points)
        if stated:
            feedback = f"Provisional score: your answer mentions {len(stated)} of the {ideas} we look for."
            closing = " A TA will read it and decide the final score."
        else:
            feedback = "Provisional score 0: we did not recognise the key ideas."
            closing = " A TA will read your answer and decide the final score."
        if denied:
            feedback += (f" {len(denied)} {'idea is' if len(denied) == 1 else 'ideas are'} mentioned only negated "
                         "(\"not …\"), which does not count until a TA reads it.")
        feedback += closing
        return Verdict("needs_review", credit, feedback, note="negated" if denied else None,
                       concepts=tuple(c.name for c in stated) + tuple(f"not counted, negated: {c.name}" for c in denied))

    def counter_examples_earned(self) -> tuple[int, list[str]]:
        """How many `must_not_match` answers were graded, and a failure for each that earns its concept."""
        failures, tried = [], 0
        for concept in self.concepts:
            for answer in concept.must_not_match:
                tried += 1
                try:
                    earned = self.grade(self.parse(answer), AnswerKey(answer=None)).concepts or ()
                except AnswerError:
                    continue  # too short to be read: it earns nothing
                if concept.name in earned:
                    failures.append(f"concept `{concept.name}` must not match `{answer}`, but its patterns give it "
                                    "credit: make them require the claim, not a word of it")
        return tried, failures

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
