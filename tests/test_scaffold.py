"""`grade new`: the scaffolded assignment validates, grades, batch-grades, passes its own tests and
builds a Gradescope zip whose autograder grades, at once; and it never overwrites a file.

Each command runs as a user runs it: a subprocess with this interpreter, from a folder outside the
course folder and outside this checkout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader.cli import main

ASSIGNMENT = "hw-fit"
FILES = {"rubrics/hw-fit.yaml", "rubrics/hw-fit.sheet.md.j2", "solvers/hw_fit.py", "tests/test_hw_fit.py",
         "submissions/hw-fit/correct.yaml", "submissions/hw-fit/typical-mistakes.yaml",
         "submissions/hw-fit/invalid.yaml", "README.md"}


def grade(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def tree(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("home")
    made = grade(home, "new", ASSIGNMENT, "--dir", "course")
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith(f"New assignment `{ASSIGNMENT}` in course:\n")
    assert "grade validate rubrics/hw-fit.yaml" in made.stdout
    # the solver's tests need pytest, which a plain `pip install homework-grader` does not bring
    assert made.stdout.index("pip install pytest") < made.stdout.index("python -m pytest tests")
    return home / "course"


def test_the_files_it_writes(course):
    assert set(tree(course)) == FILES
    rubric = (course / "rubrics" / "hw-fit.yaml").read_text(encoding="utf-8")
    assert "solver: ../solvers/hw_fit.py" in rubric and "variants:" in rubric and "carry_forward:" in rubric
    assert {"type: numeric", "type: expression", "type: true_false", "mistakes:"} <= {
        line.strip().lstrip("- ") for line in rubric.splitlines()}


def test_it_validates(course):
    checked = grade(course.parent, "validate", str(course / "rubrics" / "hw-fit.yaml"))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "5 questions, 9 points; self-test passed" in checked.stdout


@pytest.mark.parametrize("example, score, statuses", [
    ("correct", 9.0, ["correct"] * 5),
    ("typical-mistakes", 5.0, ["correct", "partial", "correct", "incorrect", "incorrect"]),
])
def test_the_examples_grade_as_they_say_from_any_folder(course, tmp_path, example, score, statuses):
    """Without --rubric: the rubric is found in rubrics/ above the submission."""
    graded = grade(tmp_path, str(course / "submissions" / ASSIGNMENT / f"{example}.yaml"), "--format", "json")
    assert graded.returncode == 0, graded.stderr
    result = json.loads(graded.stdout)
    assert (result["score"], result["max_score"]) == (score, 9.0)
    assert [question["status"] for question in result["questions"]] == statuses
    if example == "typical-mistakes":
        assert result["questions"][2]["carried_forward"] is True


def test_the_invalid_example_is_refused_with_a_message(course, tmp_path):
    refused = grade(tmp_path, str(course / "submissions" / ASSIGNMENT / "invalid.yaml"))
    assert refused.returncode == 2 and "the key `q2` is given twice" in refused.stderr


def test_it_batch_grades(course, tmp_path):
    out = tmp_path / "graded"
    batch = grade(tmp_path, "batch", str(course / "submissions" / ASSIGNMENT), "--rubric",
                  str(course / "rubrics" / "hw-fit.yaml"), "--out", str(out))
    assert batch.returncode == 0, batch.stderr
    results = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert [(result["student"]["id"], result["score"]) for result in results] == [("s001", 9.0), ("s002", 5.0)]
    assert [json.loads(line)["file"] for line in (out / "problems.jsonl").read_text().splitlines()] == ["invalid.yaml"]


def test_the_sheet_shows_each_students_own_numbers(course, tmp_path):
    sheets = [grade(tmp_path, "sheet", str(course / "rubrics" / "hw-fit.yaml"), "--student", student).stdout
              for student in ("s001", "s002")]
    assert all("problem sheet for student" in sheet and "least squares: (0, " in sheet for sheet in sheets)
    assert sheets[0].split("least squares:")[1] != sheets[1].split("least squares:")[1]


def test_its_solver_test_passes(course):
    tested = subprocess.run([sys.executable, "-m", "pytest", "tests", "-q", "-p", "no:cacheprovider"], cwd=course,
                            capture_output=True, text=True, timeout=300)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "10 passed" in tested.stdout


def test_its_gradescope_zip_grades(course, tmp_path):
    archive = tmp_path / "autograder.zip"
    built = grade(tmp_path, "export", "gradescope-zip", str(course / "rubrics" / "hw-fit.yaml"), "-o", str(archive))
    assert built.returncode == 0, built.stderr
    root = tmp_path / "autograder"
    with zipfile.ZipFile(archive) as unpacked:
        assert {"course/rubrics/hw-fit.yaml", "course/rubrics/hw-fit.sheet.md.j2",
                "course/solvers/hw_fit.py"} <= set(unpacked.namelist())
        unpacked.extractall(root / "source")
    (root / "submission").mkdir()
    (root / "submission" / "submit.yaml").write_bytes((course / "submissions" / ASSIGNMENT / "correct.yaml").read_bytes())
    (root / "submission_metadata.json").write_text(json.dumps({"users": [{"name": "Ada", "email": "a@x.edu", "sid": "s001"}]}))
    # Only the zip's own grader: no `grade` on PATH, so run_autograder runs `python3 -m grader`, and
    # python3 (this interpreter, for numpy and pydantic) imports grader from source/package alone.
    shim = tmp_path / "bin"
    shim.mkdir()
    (shim / "python3").write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    (shim / "python3").chmod(0o755)
    environment = {**os.environ, "AUTOGRADER_ROOT": str(root), "PATH": f"{shim}{os.pathsep}/usr/bin{os.pathsep}/bin",
                   "PYTHONPATH": str(root / "source" / "package")}
    ran = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=environment, cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0, ran.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 9.0 and len(results["tests"]) == 5
    probe = subprocess.run([str(shim / "python3"), "-c", "import grader; print(grader.__file__)"], env=environment,
                           cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert probe.stdout.strip() == str(root / "source" / "package" / "grader" / "__init__.py")


# --- never overwrites ------------------------------------------------------------------------------

def test_it_refuses_to_overwrite_and_writes_nothing(tmp_path, capsys):
    assert main(["new", ASSIGNMENT, "--dir", str(tmp_path)]) == 0
    before = tree(tmp_path)
    (tmp_path / "solvers" / "hw_fit.py").write_text("# my own solver\n")
    (tmp_path / "rubrics" / "hw-fit.yaml").unlink()
    capsys.readouterr()
    assert main(["new", ASSIGNMENT, "--dir", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"error: {tmp_path}: rubrics/hw-fit.sheet.md.j2, solvers/hw_fit.py, ")
    assert "already exist; nothing was written\n  fix: `grade new` never overwrites a file" in error
    after = tree(tmp_path)
    assert "rubrics/hw-fit.yaml" not in after and after["solvers/hw_fit.py"] == b"# my own solver\n"
    assert {name: data for name, data in after.items() if name != "solvers/hw_fit.py"} == {
        name: data for name, data in before.items() if name not in ("solvers/hw_fit.py", "rubrics/hw-fit.yaml")}


def test_a_second_assignment_keeps_the_course_readme(tmp_path, capsys):
    (tmp_path / "README.md").write_text("Our course.\n")
    assert main(["new", "hw-one", "--dir", str(tmp_path)]) == 0
    assert main(["new", "hw-two", "--dir", str(tmp_path), "--title", "Second"]) == 0
    assert "kept  README.md (it was there already)" in capsys.readouterr().out
    assert (tmp_path / "README.md").read_text() == "Our course.\n"
    for assignment in ("hw-one", "hw-two"):
        assert main(["validate", str(tmp_path / "rubrics" / f"{assignment}.yaml")]) == 0
    assert 'title: "Second"' in (tmp_path / "rubrics" / "hw-two.yaml").read_text()


@pytest.mark.parametrize("args, message", [
    (["new", "hw fit!"], "error: `hw fit!` is not an assignment id\n  fix: use letters, digits"),
    (["new", "hw-fit", "--dir", "{file}"], "error: {file}: this is a file, not a course folder"),
])
def test_bad_arguments(tmp_path, capsys, args, message):
    (tmp_path / "file.txt").write_text("")
    arguments = [arg.format(file=tmp_path / "file.txt") for arg in args]
    assert main(arguments) == 2
    assert capsys.readouterr().err.startswith(message.format(file=tmp_path / "file.txt"))
    assert sorted(path.name for path in tmp_path.iterdir()) == ["file.txt"]
