"""Multiple choice, with synonyms, case/space/hyphen-insensitive."""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr, model_validator

from grader.errors import AnswerError
from grader.questions.base import AnswerKey, QuestionBase, Ref, SelfTest

_IGNORED = re.compile(r"[\s\-_‐‑–—'\"`.,;:!]+")


def normalise(text: Any) -> str:
    """Case-, space-, hyphen- and punctuation-insensitive form of a choice."""
    return _IGNORED.sub("", str(text).casefold())


class ChoiceOption(BaseModel):
    """One option and the other ways students write it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: StrictStr = Field(description="The option as the key names it, e.g. `non-saturating`.")
    synonyms: list[StrictStr] = Field(default_factory=list, description="Other accepted spellings.")
    feedback: StrictStr | None = Field(default=None, description="Said when a student picks this wrong option.")


class ChoiceQuestion(QuestionBase):
    """Pick one of a fixed set of options."""

    type: Literal["choice"]
    kind = "one of the options"
    options: list[ChoiceOption] = Field(min_length=2, description="The options, each with synonyms.")
    answer: Ref | StrictStr = Field(description="The correct option's value, or a solver value by `ref`.")

    @model_validator(mode="after")
    def _options_distinct(self) -> "ChoiceQuestion":
        seen: dict[str, str] = {}
        for option in self.options:
            for spelling in (option.value, *option.synonyms):
                form = normalise(spelling)
                if form in seen and seen[form] != option.value:
                    raise ValueError(f"`{spelling}` would match both `{seen[form]}` and `{option.value}`")
                seen[form] = option.value
        if isinstance(self.answer, str) and normalise(self.answer) not in seen:
            raise ValueError(f"the answer `{self.answer}` is not one of the options")
        return self

    def hint(self) -> str:
        return "one of: " + " / ".join(option.value for option in self.options)

    @cached_property
    def _by_spelling(self) -> dict[str, ChoiceOption]:
        return {normalise(spelling): option for option in self.options
                for spelling in (option.value, *option.synonyms)}

    def option_of(self, text: Any) -> ChoiceOption | None:
        return self._by_spelling.get(normalise(text))

    def parse(self, raw: Any) -> str:
        if isinstance(raw, (dict, list)) or raw is None or isinstance(raw, bool):
            raise AnswerError(f"choose {self.hint()}")
        option = self.option_of(raw)
        if option is None:
            raise AnswerError(f"`{self.show_answer(raw)}` is not one of the options; choose {self.hint()}")
        return option.value

    def matches(self, parsed: str, value: Any) -> bool:
        option = self.option_of(value)
        return option is not None and option.value == parsed

    def wrong_feedback(self, parsed: str, key: AnswerKey) -> str:
        option = self.option_of(parsed)
        if option is not None and option.feedback:
            return f"Not correct. {option.feedback}"
        return "Not correct." + (f" {key.evidence}" if key.evidence else "")

    def shown_texts(self, key: AnswerKey) -> list[tuple[str, str]]:
        return super().shown_texts(key) + [(f"the feedback of option `{option.value}`", option.feedback)
                                           for option in self.options if option.feedback]

    def describe(self, value: Any) -> str:
        option = self.option_of(value)
        return option.value if option else str(value)

    def self_test(self, key: AnswerKey) -> SelfTest:
        right = self.option_of(key.answer)
        assert right is not None, "the rubric check ensures the key is an option"
        wrong = next(option for option in self.options if option.value != right.value)
        spelling = right.synonyms[0] if right.synonyms else right.value.upper()
        return SelfTest(correct=spelling, incorrect=wrong.value, invalid="none of these")
