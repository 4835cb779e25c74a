"""Where the grader looks: the solver a rubric names (grader.solver.find_solver) and the rubric a
submission names (grader.rubric.find_rubric). README, "Where the grader looks"."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader.cli import main
from grader.errors import RubricError, SubmissionError
from grader.rubric import find_rubric, installed_rubrics, load_rubric
from grader.solver import bundled_solvers, course_folders, find_solver, grader_home, import_solver

CHECKOUT = Path(__file__).resolve().parent.parent
RUBRIC = """\
id: {id}
title: Lookup test
solver: {solver}
parameters: {{a: 2.0}}
questions:
  - {{id: q1, type: numeric, points: 1, answer: {{ref: value}}}}
"""


def solver_text(value: str, relative_import: bool = False) -> str:
    """A solver whose answer tells which file it came from."""
    head = "from .helpers import scale\n" if relative_import else "def scale(a):\n    return a\n"
    return head + f"\ndef solve(parameters, given=None):\n    return {{'value': scale(parameters['a']) * {value}}}\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def write_rubric(folder: Path, solver: str, assignment: str = "hw-look") -> Path:
    return write(folder / f"{assignment}.yaml", RUBRIC.format(id=assignment, solver=solver))


def course_reference(root: Path, value: str) -> None:
    """A course's own `reference` package (the grader ships one by that name too), with a relative import."""
    write(root / "reference" / "__init__.py", "")
    write(root / "reference" / "helpers.py", "def scale(a):\n    return a\n")
    write(root / "reference" / "hw_look.py", solver_text(value, relative_import=True))


# --- the solver's search rule --------------------------------------------------------------------

def test_a_module_beside_the_rubric(tmp_path):
    write(tmp_path / "rubrics" / "hw_look.py", solver_text("3"))
    rubric = write_rubric(tmp_path / "rubrics", "hw_look")
    assert load_rubric(rubric).key()["value"] == 6.0
    assert find_solver("hw_look", rubric).found_by == "course"


def test_a_course_reference_package_in_a_parent_folder_beats_the_bundled_one(tmp_path):
    course_reference(tmp_path / "course", "5")
    rubric = write_rubric(tmp_path / "course" / "term1" / "rubrics", "reference.hw_look")
    location = find_solver("reference.hw_look", rubric)
    assert (location.found_by, location.file) == ("course", tmp_path / "course" / "reference" / "hw_look.py")
    module = import_solver("reference.hw_look", rubric)
    assert module.__file__ == str(tmp_path / "course" / "reference" / "hw_look.py")
    assert module.solve({"a": 1.0}) == {"value": 5.0}
    assert not module.__name__.startswith("reference")  # never shadows the grader's own `reference`
    shipped = load_rubric(installed_rubrics() / "hw-lstm-vae-gan.yaml")  # the bundled one still works
    assert Path(shipped.solver.module.__file__).parent == bundled_solvers()


def test_two_courses_with_the_same_package_name_do_not_collide(tmp_path):
    course_reference(tmp_path / "a", "7")
    course_reference(tmp_path / "b", "11")
    first = import_solver("reference.hw_look", write_rubric(tmp_path / "a" / "rubrics", "reference.hw_look"))
    second = import_solver("reference.hw_look", write_rubric(tmp_path / "b" / "rubrics", "reference.hw_look"))
    assert (first.solve({"a": 1.0}), second.solve({"a": 1.0})) == ({"value": 7.0}, {"value": 11.0})


def test_a_course_package_without_the_module_falls_through_to_the_bundled_solvers(tmp_path):
    course_reference(tmp_path, "5")  # holds reference/hw_look.py, not reference/hw_lstm_vae_gan.py
    rubric = write_rubric(tmp_path / "rubrics", "reference.hw_lstm_vae_gan")
    location = find_solver("reference.hw_lstm_vae_gan", rubric)
    assert location.found_by == "bundled" and location.file == bundled_solvers() / "hw_lstm_vae_gan.py"


@pytest.mark.parametrize("solver, file", [
    ("../solvers/hw_look.py", "solvers/hw_look.py"),
    ("../solvers/pkg", "solvers/pkg/__init__.py"),
], ids=["file", "package-folder"])
def test_a_path_relative_to_the_rubric(tmp_path, solver, file):
    write(tmp_path / "solvers" / "hw_look.py", solver_text("13"))
    write(tmp_path / "solvers" / "pkg" / "helpers.py", "def scale(a):\n    return a\n")
    write(tmp_path / "solvers" / "pkg" / "__init__.py", solver_text("13", relative_import=True))
    rubric = write_rubric(tmp_path / "rubrics", solver)
    location = find_solver(solver, rubric)
    assert (location.found_by, location.file) == ("path", tmp_path / file)
    assert load_rubric(rubric).key()["value"] == 26.0


def test_an_installed_module(tmp_path, monkeypatch):
    write(tmp_path / "site" / "lookup_installed_solver.py", solver_text("17"))
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    rubric = write_rubric(tmp_path / "course" / "rubrics", "lookup_installed_solver")
    assert find_solver("lookup_installed_solver", rubric).found_by == "installed"
    assert load_rubric(rubric).key()["value"] == 34.0


def test_the_walk_stops_at_the_graders_own_installation(tmp_path):
    assert course_folders(tmp_path / "rubrics") == [tmp_path / "rubrics", *(tmp_path / "rubrics").parents]
    assert course_folders(grader_home() / "grader" / "_rubrics") == [grader_home() / "grader" / "_rubrics",
                                                                     grader_home() / "grader"]


def test_cannot_import_lists_where_it_looked(tmp_path):
    rubric = write_rubric(tmp_path / "course" / "rubrics", "reference.hw_nowhere")
    with pytest.raises(RubricError) as info:
        load_rubric(rubric)
    message = str(info.value)
    assert message.startswith(f"{rubric}: solver: cannot import the solver module `reference.hw_nowhere`: "
                              "no reference/hw_nowhere.py in the rubric's folder and those above it (")
    for folder in (tmp_path / "course" / "rubrics", tmp_path / "course", Path("/")):
        assert str(folder) in message
    assert f"the solvers shipped with the grader ({bundled_solvers()})" in message
    assert "the installed Python packages" in message
    assert "\n  fix: put reference/hw_nowhere.py into one of those folders" in message
    assert "`solver: ../solvers/hw_x.py`, relative to the rubric" in message


@pytest.mark.parametrize("solver, files, message", [
    ("../solvers/missing.py", {}, "cannot import the solver `../solvers/missing.py`: {root}/solvers/missing.py is not "
                                  "a .py file\n  fix: the path is relative to the rubric's folder, {root}/rubrics"),
    ("../solvers", {"solvers/x.py": ""}, "{root}/solvers is not a .py file or a package folder (with __init__.py)"),
    ("hw-look!", {}, "`hw-look!` is neither a module name"),
    ("broken_solver", {"rubrics/broken_solver.py": "import numpy\n1 / 0\n"},
     "importing the solver module `broken_solver` ({root}/rubrics/broken_solver.py) failed: ZeroDivisionError"),
    ("reference.hw_abs", {"reference/__init__.py": "", "reference/hw_abs.py": "from reference import nothing_here\n"},
     "\n  fix: a course's package imports its own modules relatively (`from . import x`)"),
], ids=["missing-file", "folder-without-init", "not-a-name", "raises", "absolute-import-of-its-own-package"])
def test_solver_errors(tmp_path, solver, files, message):
    for name, text in files.items():
        write(tmp_path / name, text)
    rubric = write_rubric(tmp_path / "rubrics", solver)
    with pytest.raises(RubricError) as info:
        load_rubric(rubric)
    assert message.format(root=tmp_path) in str(info.value)


def test_the_bundled_solvers_never_import_a_top_level_reference(tmp_path):
    """In a wheel they live in grader/_reference; `import reference` must not be needed (nor found)."""
    probe = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name == "reference" or name.startswith("reference."):
            raise ImportError("a top-level `reference` import: " + name)
sys.meta_path.insert(0, Block())
from grader.rubric import installed_rubrics, load_rubric
for rubric in sorted(installed_rubrics().glob("*.yaml")):
    load_rubric(rubric).key()
    print(rubric.name)
"""
    environment = {**os.environ, "PYTHONPATH": str(CHECKOUT)}
    process = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=environment, capture_output=True,
                             text=True, timeout=120)
    assert process.returncode == 0, process.stderr
    assert "hw-lstm-vae-gan.yaml" in process.stdout.split()


COURSE_SUBMISSION = "assignment: hw-look\nstudent: {id: s1}\nanswers: {q1: 10}\n"


def test_every_command_uses_the_same_rule(tmp_path, monkeypatch, capsys):
    """A course's `reference` package, from a folder outside the course: key, validate, sheet, grade,
    batch and gradescope-zip all find it (its value, 5 x 2 = 10, is the answer)."""
    course = tmp_path / "course"
    course_reference(course, "5")
    rubric = write_rubric(course / "rubrics", "reference.hw_look")
    with rubric.open("a") as file:
        file.write("sheet: hw-look.sheet.md\n")
    write(course / "rubrics" / "hw-look.sheet.md", "a = {{ parameters.a }}\n")
    write(course / "submissions" / "s1.yaml", COURSE_SUBMISSION)
    monkeypatch.chdir(tmp_path)
    out, archive = tmp_path / "out", tmp_path / "autograder.zip"
    commands = [(["key", str(rubric), "--format", "json"], '"answer": 10.0'),  # 5 x a (= 2)
                (["validate", str(rubric)], "self-test passed"),
                (["sheet", str(rubric)], "a = 2.0"),
                ([str(course / "submissions" / "s1.yaml"), "--format", "json"], '"score":1.0'),
                (["batch", str(course / "submissions"), "--rubric", str(rubric), "--out", str(out)], "Graded 1 of 1"),
                (["export", "gradescope-zip", str(rubric), "-o", str(archive)], "")]
    for command, expected in commands:
        assert main(command) == 0, command
        printed = capsys.readouterr()
        assert expected in printed.out + printed.err, (command, printed)
    assert '"score":1.0' in (out / "results.jsonl").read_text()
    assert "course/reference/hw_look.py" in zipfile.ZipFile(archive).namelist()


# --- the rubric's search order -------------------------------------------------------------------

def test_a_rubric_beside_or_above_the_submission(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    submission = write(tmp_path / "course" / "submissions" / "week1" / "s1.yaml", "")
    far = write(tmp_path / "course" / "rubrics" / "hw-a.yaml", "")
    assert find_rubric("hw-a", str(submission)) == far
    near = write(tmp_path / "course" / "submissions" / "rubrics" / "hw-a.yaml", "")
    assert find_rubric("hw-a", str(submission)) == near  # the nearest folder wins, as git finds .git


def test_then_the_current_folder_then_grade_rubrics_then_the_installed_ones(tmp_path, monkeypatch):
    submission = write(tmp_path / "downloads" / "submit.yaml", "")
    monkeypatch.chdir(tmp_path)
    assert find_rubric("hw-lstm-vae-gan", str(submission)) == installed_rubrics().resolve() / "hw-lstm-vae-gan.yaml"
    listed = [write(tmp_path / "shared" / name / "hw-lstm-vae-gan.yaml", "") for name in ("first", "second")]
    monkeypatch.setenv("GRADE_RUBRICS", os.pathsep.join(["", str(tmp_path / "nowhere"), str(listed[1].parent),
                                                         str(listed[0].parent)]))
    assert find_rubric("hw-lstm-vae-gan", str(submission)) == listed[1]  # in $GRADE_RUBRICS' order
    cwd = write(tmp_path / "rubrics" / "hw-lstm-vae-gan.yaml", "")
    assert find_rubric("hw-lstm-vae-gan", str(submission)) == cwd
    monkeypatch.chdir(tmp_path / "shared")
    assert find_rubric("hw-lstm-vae-gan", str(submission)) == cwd  # tmp_path/rubrics is above the submission


def test_no_rubric_lists_where_it_looked(tmp_path, monkeypatch):
    submission = write(tmp_path / "course" / "submit.yaml", "")
    write(tmp_path / "course" / "rubrics" / "hw-logreg.yaml", "")
    monkeypatch.chdir(tmp_path / "course")
    monkeypatch.setenv("GRADE_RUBRICS", str(tmp_path / "shared"))
    with pytest.raises(SubmissionError) as info:
        find_rubric("hw-logreg2", str(submission))
    message = str(info.value)
    assert message.startswith(f"{submission}: assignment: there is no rubric for assignment `hw-logreg2` "
                              "(did you mean `hw-logreg`?); looked for hw-logreg2.yaml in "
                              f"{tmp_path / 'course' / 'rubrics'}, {tmp_path / 'rubrics'}, ")
    assert f", {tmp_path / 'shared'}, {installed_rubrics().resolve()}\n" in message
    assert message.count(str(tmp_path / "course" / "rubrics")) == 1  # the current folder is not listed twice
    assert "fix: the assignments known there are: hw-logreg, hw-lstm-vae-gan" in message
    assert "pass --rubric FILE, put the rubric in a rubrics/ folder beside the submission or above it, " \
           "or add its folder to $GRADE_RUBRICS" in message


def test_a_course_folder_of_modules_without_init(tmp_path):
    """`reference/hw_look.py` with no `reference/__init__.py`: a namespace package, still the course's."""
    write(tmp_path / "reference" / "hw_look.py", solver_text("19"))
    rubric = write_rubric(tmp_path / "rubrics", "reference.hw_look")
    assert find_solver("reference.hw_look", rubric).found_by == "course"
    assert load_rubric(rubric).key()["value"] == 38.0
