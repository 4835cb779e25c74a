"""Shared fixtures: the shipped rubric and example submissions, and a helper to write submit.yaml files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
RUBRIC_PATH = REPO / "rubrics" / "hw-lstm-vae-gan.yaml"
SUBMISSIONS = REPO / "submissions"


@pytest.fixture(scope="session")
def rubric():
    from grader.rubric import load_rubric

    return load_rubric(RUBRIC_PATH)


@pytest.fixture
def write_submission(tmp_path: Path):
    """Write a submit.yaml for the shipped assignment; `answers` is a dict, or `text` the whole file."""

    def write(answers: dict[str, Any] | None = None, *, student: str = "s1", name: str = "Test Student",
              text: str | None = None, filename: str = "submit.yaml") -> Path:
        path = tmp_path / filename
        if text is None:
            document = {"assignment": "hw-lstm-vae-gan", "student": {"id": student, "name": name},
                        "answers": answers or {}}
            text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
        path.write_text(text, encoding="utf-8")
        return path

    return write
