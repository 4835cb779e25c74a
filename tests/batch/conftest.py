"""Fixtures of the batch tests: a class folder, and `grade batch` run through the CLI."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # batch_support, also with --import-mode=importlib

from batch_support import RUBRIC_PATH, SUBMISSIONS, write_class  # noqa: E402


@pytest.fixture
def class_folder(tmp_path: Path) -> Path:
    return write_class(tmp_path / "class")


@pytest.fixture
def small_class(tmp_path: Path) -> Path:
    """A class of two: the shipped correct and typical-mistakes submissions."""
    folder = tmp_path / "class"
    folder.mkdir()
    for name in ("correct.yaml", "typical-mistakes.yaml"):
        shutil.copyfile(SUBMISSIONS / name, folder / name)
    return folder


@pytest.fixture
def grade_batch(capsys: pytest.CaptureFixture[str]):
    """Run `grade batch FOLDER --rubric RUBRIC --out OUT --quiet ...` via grader.cli.main: (status, stdout, stderr)."""
    from grader.cli import main

    def run(folder: Path, out: Path, *options: str) -> tuple[int, str, str]:
        status = main(["batch", str(folder), "--rubric", str(RUBRIC_PATH), "--out", str(out), "--quiet", *options])
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return run
