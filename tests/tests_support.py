"""Helpers shared by tests: build submissions from the solver's own key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
RUBRIC_PATH = REPO / "rubrics" / "hw-lstm-vae-gan.yaml"
SUBMISSIONS = REPO / "submissions"


def answers_from_key(rubric, student_id: str | None = None) -> dict[str, Any]:
    """Flat answers for every non-text question, taken from the solver key (as a student would write them)."""
    key = rubric.key(student_id)
    answers: dict[str, Any] = {}
    for qid, question in rubric.questions.items():
        answer = getattr(question, "answer", None)
        if answer is None:
            continue
        value = rubric.value(answer, key)
        if question.type == "numeric":
            value = round(float(value), 4)
        elif question.type == "shape":
            value = "x".join(str(size) for size in value)
        answers[qid] = value
    return answers
