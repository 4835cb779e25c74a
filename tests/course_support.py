"""Write a tiny course (a solver module and its rubric) into a temporary folder, for tests of the
engine's contract with solvers it has never seen."""

from __future__ import annotations

import textwrap
import uuid
from pathlib import Path

from grader.rubric import load_rubric


def write_course(folder: Path, solver: str, rubric: str):
    """`solver` is the module's source; `rubric` the YAML with `{solver}` where the module name goes.
    Each call gets its own module name, so tests never share a cached import."""
    name = f"course_solver_{uuid.uuid4().hex[:12]}"
    (folder / f"{name}.py").write_text(textwrap.dedent(solver), encoding="utf-8")
    path = folder / "rubric.yaml"
    path.write_text(textwrap.dedent(rubric).replace("{solver}", name), encoding="utf-8")
    return load_rubric(path)


def submission(rubric, answers: dict, student: str = "s1"):
    from grader.results import StudentInfo
    from grader.submission import Submission

    return Submission(assignment=rubric.id, student=StudentInfo(id=student), answers=answers)
