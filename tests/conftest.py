"""Shared fixtures: the shipped rubric and example submissions, and a helper to write submit.yaml files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sys

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).parent))  # tests_support, with --import-mode=importlib

from tests_support import RUBRIC_PATH  # noqa: E402


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


def pytest_addoption(parser):
    parser.addoption("--update-goldens", action="store_true",
                     help="rewrite the golden files under tests/golden/ from the current output (review the diff!)")


@pytest.fixture
def golden(request):
    """Compare text with tests/golden/NAME; with --update-goldens, write it instead."""
    update = request.config.getoption("--update-goldens")

    def check(name: str, text: str) -> None:
        path = Path(__file__).parent / "golden" / name
        if update:
            path.parent.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return
        assert path.exists(), f"no golden file {path.name}; run pytest --update-goldens and review it"
        assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden file"

    return check
