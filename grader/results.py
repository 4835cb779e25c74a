"""The Result models: the JSON contract of `grade FILE --format json` and of results.jsonl."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

Status = Literal["correct", "partial", "incorrect", "missing", "invalid", "needs_review"]
STATUSES: tuple[str, ...] = get_args(Status)
SCORE_SLACK = 1e-9  # scores are sums of halves and quarters; this only absorbs float noise


class StudentInfo(BaseModel):
    """Who a submission belongs to."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="The student's id, as the course knows it (letters, digits, . _ - @).")
    name: str | None = Field(default=None, description="The student's name, for reports.")
    email: str | None = Field(default=None, description="The student's email, used to match LMS rosters.")


class Override(BaseModel):
    """A TA's final decision on one answer (from a review or override file)."""

    model_config = ConfigDict(extra="forbid")

    score: float
    comment: str | None = None


class QuestionResult(BaseModel):
    """How one question was graded."""

    model_config = ConfigDict(extra="forbid")

    id: str
    score: float
    max_score: float
    status: Status
    feedback: str
    carried_forward: bool = False
    note: str | None = Field(default=None, description="Code of the known mistake that matched, or a free-text "
                             "flag for the TA: `negated` (an idea stated only under a \"not\"), `keyword_list`.")
    answer: str | None = Field(default=None, description="The student's answer as they wrote it (text).")
    concepts: list[str] | None = Field(default=None, description="Free text: the concepts the patterns found.")
    override: Override | None = Field(default=None, description="A TA's decision, which is final.")
    expected: str | None = Field(default=None, description="The reference answer; only with --reveal.")

    @property
    def full_marks(self) -> bool:
        return self.score >= self.max_score - SCORE_SLACK

    @property
    def provisional(self) -> bool:
        """Scored from concept patterns and not yet decided by a TA (a decision changes the status)."""
        return self.status == "needs_review"


class Result(BaseModel):
    """One student's graded submission."""

    model_config = ConfigDict(extra="forbid")

    assignment: str
    student: StudentInfo
    score: float
    max_score: float
    questions: list[QuestionResult]
    warnings: list[str] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list)

    def to_json(self) -> str:
        """One line of JSON, fields in a fixed order, empty optional fields left out."""
        return self.model_dump_json(exclude_none=True)


def round_score(value: float) -> float:
    """Scores are sums of halves and quarters; rounding keeps 35.99999999 from reaching a gradebook."""
    return round(value + 0.0, 4)


def format_points(value: float) -> str:
    """Points as people write them: 1.0 -> '1', 0.5 -> '0.5', 31.25 -> '31.25'."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text
