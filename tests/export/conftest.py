"""Fixtures of the export tests: our own small rubric, graded results, `grade batch`-like output folders."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # export_support, with --import-mode=importlib

from export_support import grade_text, submission_text, write_out, write_rubric  # noqa: E402


@pytest.fixture(scope="session")
def export_rubric(tmp_path_factory) -> Path:
    return write_rubric(tmp_path_factory.mktemp("rubric"))


@pytest.fixture
def graded(export_rubric: Path, tmp_path: Path):
    """Grade answers for a student with the engine: graded("s1", {...}, name=..., email=...) -> Result."""
    folder = tmp_path / "submissions"
    folder.mkdir(exist_ok=True)

    def grade(student_id: str, answers: dict, *, name: str | None = None, email: str | None = None):
        return grade_text(submission_text(student_id, answers, name=name, email=email), export_rubric, folder)

    return grade


@pytest.fixture
def out_dir(tmp_path: Path):
    """Write results into a fresh OUT folder (as `grade batch` leaves it) and return the folder."""
    counter = iter(range(1000))

    def make(results) -> Path:
        return write_out(tmp_path / f"out{next(counter)}", list(results))

    return make
