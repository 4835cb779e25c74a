"""`grade export gradescope-zip`: the upload Gradescope builds its image from, unpacked and run here."""

from __future__ import annotations

import io
import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from export_support import CORRECT, MALFORMED, WRONG, check_gradescope_results, submission_text
from grader.cli import main
from grader.errors import GraderError
from grader.export.gradescope_zip import build_autograder_zip, find_checkout, installed_files

VISIBILITY = {"q1": "visible", "q2": "hidden", "q3": "after_due_date", "q4": "visible"}
BIN = Path(sys.executable).parent  # the installed `grade` (tests never pip install)


@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory) -> Path:
    from export_support import write_rubric

    folder = tmp_path_factory.mktemp("zip")
    rubric = write_rubric(folder)
    output = folder / "autograder.zip"
    assert main(["export", "gradescope-zip", str(rubric), "-o", str(output)]) == 0
    return output


def run_autograder(root: Path) -> dict:
    """Run the unpacked run_autograder as Gradescope would (with this environment's `grade`)."""
    environment = {**os.environ, "AUTOGRADER_ROOT": str(root), "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    process = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=environment, cwd=root,
                             capture_output=True, text=True, timeout=120)
    assert process.returncode == 0, process.stderr
    return json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))


def unpack(zip_path: Path, root: Path, upload: dict[str, str]) -> Path:
    """A fake /autograder: the zip in source/, the upload in submission/."""
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(root / "source")
    (root / "submission").mkdir()
    for name, text in upload.items():
        (root / "submission" / name).write_text(text, encoding="utf-8")
    (root / "submission_metadata.json").write_text(json.dumps({"users": [{"name": "Ada", "email": "a@x.edu"}]}))
    return root


def test_zip_layout(autograder_zip):
    with zipfile.ZipFile(autograder_zip) as archive:
        names = archive.namelist()
        infos = {info.filename: info for info in archive.infolist()}
        setup = archive.read("setup.sh").decode()
        run_script = archive.read("run_autograder").decode()
        rubric = archive.read("course/hw-export.yaml").decode()
    assert names == sorted(names)
    assert {"setup.sh", "run_autograder", "course/hw-export.yaml", "package/pyproject.toml", "package/README.md",
            "package/grader/cli.py", "package/grader/export/gradescope.py",
            "package/grader/reports/templates/gradescope_test.md.j2", "package/reference/__init__.py",
            } <= set(names)
    assert any(name.startswith("package/rubrics/") for name in names)
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc") or "/." in name]
    assert all(info.date_time == (1980, 1, 1, 0, 0, 0) for info in infos.values())
    for name in ("setup.sh", "run_autograder"):
        assert stat.S_IMODE(infos[name].external_attr >> 16) == 0o755, name
    assert stat.S_IMODE(infos["course/hw-export.yaml"].external_attr >> 16) == 0o644
    assert "pip3 install" in setup and "./package" in setup and "git" not in setup and "http" not in setup
    assert "grade gradescope --root" in run_script and 'RUBRIC="$ROOT/source/"course/hw-export.yaml' in run_script
    assert 'ROOT="${AUTOGRADER_ROOT:-/autograder}"' in run_script
    assert rubric.startswith("id: hw-export")


def test_zip_is_deterministic(autograder_zip, tmp_path):
    """The same rubric in another folder gives the same bytes: no absolute path or time gets in."""
    rubric = tmp_path / "elsewhere" / "hw-export.yaml"
    rubric.parent.mkdir()
    with zipfile.ZipFile(autograder_zip) as archive:
        rubric.write_bytes(archive.read("course/hw-export.yaml"))
    assert build_autograder_zip(rubric) == autograder_zip.read_bytes()


@pytest.mark.parametrize("upload, score, graded", [
    (submission_text("s1", CORRECT), 6.0, True),
    (submission_text("s1", WRONG), 1.0, True),
    (MALFORMED, 0.0, False),
], ids=["correct", "wrong", "malformed"])
def test_run_autograder_in_a_fake_container(autograder_zip, tmp_path, upload, score, graded):
    root = unpack(autograder_zip, tmp_path / "autograder", {"submit.yaml": upload})
    data = run_autograder(root)
    check_gradescope_results(data, VISIBILITY)
    assert data["score"] == score and bool(data["tests"]) is graded


def test_the_bundled_copy_grades_on_its_own(autograder_zip, tmp_path):
    """The package/ folder is what setup.sh installs: run the grader from it, not from this checkout."""
    root = unpack(autograder_zip, tmp_path / "autograder", {"submit.yaml": submission_text("s1", WRONG)})
    bundle = root / "source" / "package"
    environment = {**os.environ, "PYTHONPATH": str(bundle)}
    probe = "import grader, grader.solver; print(grader.__file__, grader.solver.bundled_solvers())"
    where = subprocess.run([sys.executable, "-c", probe], env=environment, cwd=tmp_path, capture_output=True,
                           text=True, timeout=60)
    assert where.stdout.split() == [str(bundle / "grader" / "__init__.py"), str(bundle / "reference")]
    process = subprocess.run([sys.executable, "-m", "grader", "gradescope", "--root", str(root),
                              "--rubric", str(root / "source" / "course" / "hw-export.yaml")],
                             env=environment, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert process.returncode == 0, process.stderr
    assert json.loads((root / "results" / "results.json").read_text())["score"] == 1.0


def test_the_checkout_is_found():
    checkout = find_checkout()
    assert checkout is not None and (checkout / "pyproject.toml").is_file() and (checkout / "grader").is_dir()


def test_without_a_checkout_the_installed_package_is_bundled():
    tomllib = pytest.importorskip("tomllib")
    files = installed_files()
    assert "grader/cli.py" in files and not [name for name in files if name.startswith("reference/")]
    assert not [name for name in files if "__pycache__" in name or name.endswith(".pyc")]
    project = tomllib.loads(files["pyproject.toml"].decode())
    assert project["project"]["name"] == "homework-grader"
    assert project["project"]["scripts"]["grade"] == "grader.cli:main"
    assert any(requirement.startswith("pydantic") for requirement in project["project"]["dependencies"])
    assert not any("extra ==" in requirement for requirement in project["project"]["dependencies"])
    assert project["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"] == ["grader"]


def test_a_zip_from_the_installed_package(export_rubric, monkeypatch):
    monkeypatch.setattr("grader.export.gradescope_zip.find_checkout", lambda: None)
    names = zipfile.ZipFile(io.BytesIO(build_autograder_zip(export_rubric))).namelist()
    assert {"package/pyproject.toml", "package/grader/cli.py", "course/hw-export.yaml",
            "setup.sh", "run_autograder"} <= set(names)
    assert "package/README.md" not in names  # the generated pyproject.toml names no readme


SOLVER_RUBRIC = """\
id: hw-x
title: X
solver: {solver}
questions:
  - {{id: q1, type: numeric, points: 1, answer: {{ref: x}}}}
"""


# A course kept outside the grader: its solver is a package named like the grader's own solvers
# (`reference`), with a relative import, found beside the rubric's folder; the sheet is beside the rubric.
COURSE_RUBRIC = """\
id: hw-course
title: A course's own homework
solver: {solver}
parameters: {{a: 3.0}}
sheet: hw-course.sheet.md
questions:
  - {{id: q1, type: numeric, points: 2, answer: {{ref: double}}}}
  - {{id: q2, type: numeric, points: 1, answer: {{ref: square}}}}
"""
COURSE_SOLVER = """\
from .helpers import double

def solve(parameters, given=None):
    a = float(parameters["a"])
    return {"double": double(a), "square": a * a}
"""
HELPERS = "def double(a):\n    return 2 * a\n"
COURSE_SUBMISSION = "assignment: hw-course\nstudent: {id: s1}\nanswers: {q1: 6, q2: 10}\n"  # 2 of 3 points


def write_course(root: Path, solver: str) -> Path:
    """course/rubrics/hw-course.yaml, course/rubrics/hw-course.sheet.md, course/reference/ and course/solvers/."""
    for package in (root / "reference", root / "solvers" / "hw_course"):
        package.mkdir(parents=True)
        (package / "__init__.py").write_text(COURSE_SOLVER if package.name == "hw_course" else "")
        (package / "helpers.py").write_text(HELPERS)
    (root / "reference" / "hw_course.py").write_text(COURSE_SOLVER)
    (root / "rubrics").mkdir()
    (root / "rubrics" / "hw-course.sheet.md").write_text("# {{ title }}\n\na = {{ parameters.a }}\n")
    rubric = root / "rubrics" / "hw-course.yaml"
    rubric.write_text(COURSE_RUBRIC.format(solver=solver), encoding="utf-8")
    return rubric


@pytest.mark.parametrize("solver, bundled", [
    ("reference.hw_course", {"course/reference/__init__.py", "course/reference/hw_course.py",
                             "course/reference/helpers.py"}),
    ("../solvers/hw_course", {"course/solvers/hw_course/__init__.py", "course/solvers/hw_course/helpers.py"}),
], ids=["course-reference-package", "relative-path"])
def test_a_course_solver_is_bundled_and_grades_in_the_container(tmp_path, solver, bundled):
    rubric = write_course(tmp_path / "course", solver)
    archive = zipfile.ZipFile(io.BytesIO(build_autograder_zip(rubric)))
    names = set(archive.namelist())
    # the solver the rubric names, its sheet and itself; nothing else of the course folder
    assert {name for name in names if name.startswith("course/")} == bundled | {
        "course/rubrics/hw-course.yaml", "course/rubrics/hw-course.sheet.md"}
    assert 'RUBRIC="$ROOT/source/"course/rubrics/hw-course.yaml' in archive.read("run_autograder").decode()
    zip_path = tmp_path / "autograder.zip"
    zip_path.write_bytes(build_autograder_zip(rubric))
    shutil.rmtree(tmp_path / "course")  # the container has only the zip
    data = run_autograder(unpack(zip_path, tmp_path / "autograder", {"submit.yaml": COURSE_SUBMISSION}))
    assert data["score"] == 2.0 and [test["score"] for test in data["tests"]] == [2.0, 0.0]


def test_an_installed_solver_goes_beside_the_rubric(tmp_path, monkeypatch):
    """A solver imported from the installed packages (here: a folder on sys.path outside the course)."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "mycourse_solver.py").write_text("def solve(parameters, given=None):\n    return {'x': 1.0}\n")
    monkeypatch.syspath_prepend(str(site))
    (tmp_path / "course" / "rubrics").mkdir(parents=True)
    rubric = tmp_path / "course" / "rubrics" / "hw-x.yaml"
    rubric.write_text(SOLVER_RUBRIC.format(solver="mycourse_solver"), encoding="utf-8")
    zip_path = tmp_path / "autograder.zip"
    zip_path.write_bytes(build_autograder_zip(rubric))
    assert {"course/hw-x.yaml", "course/mycourse_solver.py"} <= set(zipfile.ZipFile(zip_path).namelist())
    upload = "assignment: hw-x\nstudent: {id: s1}\nanswers: {q1: 1.0}\n"
    assert run_autograder(unpack(zip_path, tmp_path / "autograder", {"submit.yaml": upload}))["score"] == 1.0


@pytest.mark.parametrize("rubric_text, match", [
    (SOLVER_RUBRIC.format(solver="no_such_module_anywhere"),
     r"cannot import the solver module `no_such_module_anywhere`: no no_such_module_anywhere.py in"),
    (SOLVER_RUBRIC.format(solver="../solvers/missing.py"), r"cannot import the solver `../solvers/missing.py`"),
    (SOLVER_RUBRIC.format(solver="mycourse_solver") + "sheet: missing.sheet.md\n",
     r"hw-x.yaml: sheet: `sheet: missing.sheet.md` names no file"),
    ("id: hw-x\ntitle: X\nquestions: []\n", "questions"),
])
def test_a_rubric_the_autograder_could_not_use_is_refused(tmp_path, capsys, rubric_text, match):
    (tmp_path / "mycourse_solver.py").write_text("def solve(parameters, given=None):\n    return {'x': 1.0}\n")
    rubric = tmp_path / "hw-x.yaml"
    rubric.write_text(rubric_text, encoding="utf-8")
    with pytest.raises(GraderError, match=match):
        build_autograder_zip(rubric)
    assert main(["export", "gradescope-zip", str(rubric), "-o", str(tmp_path / "a.zip")]) == 2
    assert capsys.readouterr().err.startswith("error: ")
    assert not (tmp_path / "a.zip").exists()


def test_a_frozen_variants_table_is_bundled_where_the_rubric_points(tmp_path, capsys):
    """`variants.frozen` names a file outside the rubric's folder: it rides along, and the container uses it."""
    course = tmp_path / "course"
    assert main(["new", "hw-fit", "--dir", str(course)]) == 0
    rubric = course / "rubrics" / "hw-fit.yaml"
    (tmp_path / "roster.csv").write_text("student_id,name,email\ns001,Ada Example,ada@example.edu\n")
    (course / "frozen").mkdir()
    assert main(["variants", "freeze", str(rubric), "--roster", str(tmp_path / "roster.csv"),
                 "-o", str(course / "frozen" / "hw-fit.yaml")]) == 0
    text = rubric.read_text(encoding="utf-8")
    rubric = rubric.with_name("hw-fit-frozen.yaml")  # a new path: load_rubric caches the unfrozen one per path
    rubric.write_text(text.replace("  generator: draw_parameters\n",
                                   "  generator: draw_parameters\n  frozen: ../frozen/hw-fit.yaml\n"), encoding="utf-8")
    zip_path = tmp_path / "autograder.zip"
    zip_path.write_bytes(build_autograder_zip(rubric))
    assert {"course/frozen/hw-fit.yaml", "course/rubrics/hw-fit-frozen.yaml", "course/solvers/hw_fit.py"} <= set(
        zipfile.ZipFile(zip_path).namelist())
    correct = (course / "submissions" / "hw-fit" / "correct.yaml").read_text(encoding="utf-8")
    shutil.rmtree(course)
    root = unpack(zip_path, tmp_path / "autograder", {"submit.yaml": correct})
    (root / "submission_metadata.json").write_text(json.dumps({"users": [{"name": "Ada", "sid": "s001"}]}))
    assert run_autograder(root)["score"] == 9.0
