"""`grade export gradescope-zip`: the upload Gradescope builds its image from, unpacked and run here."""

from __future__ import annotations

import io
import json
import os
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
        rubric = archive.read("rubric.yaml").decode()
    assert names == sorted(names)
    assert {"setup.sh", "run_autograder", "rubric.yaml", "package/pyproject.toml", "package/README.md",
            "package/grader/cli.py", "package/grader/export/gradescope.py",
            "package/grader/reports/templates/gradescope_test.md.j2", "package/reference/__init__.py",
            } <= set(names)
    assert any(name.startswith("package/rubrics/") for name in names)
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc") or "/." in name]
    assert all(info.date_time == (1980, 1, 1, 0, 0, 0) for info in infos.values())
    for name in ("setup.sh", "run_autograder"):
        assert stat.S_IMODE(infos[name].external_attr >> 16) == 0o755, name
    assert stat.S_IMODE(infos["rubric.yaml"].external_attr >> 16) == 0o644
    assert "pip3 install" in setup and "./package" in setup and "git" not in setup and "http" not in setup
    assert "grade gradescope --root" in run_script and "/source/rubric.yaml" in run_script
    assert 'ROOT="${AUTOGRADER_ROOT:-/autograder}"' in run_script
    assert rubric.startswith("id: hw-export")


def test_zip_is_deterministic(autograder_zip, tmp_path):
    rubric = tmp_path / "hw-export.yaml"
    with zipfile.ZipFile(autograder_zip) as archive:
        rubric.write_bytes(archive.read("rubric.yaml"))
    assert build_autograder_zip(rubric) == autograder_zip.read_bytes()


@pytest.mark.parametrize("upload, score, graded", [
    (submission_text("s1", CORRECT), 6.0, True),
    (submission_text("s1", WRONG), 1.0, True),
    (MALFORMED, 0.0, False),
], ids=["correct", "wrong", "malformed"])
def test_run_autograder_in_a_fake_container(autograder_zip, tmp_path, upload, score, graded):
    root = unpack(autograder_zip, tmp_path / "autograder", {"submit.yaml": upload})
    environment = {**os.environ, "AUTOGRADER_ROOT": str(root), "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    process = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=environment,
                             capture_output=True, text=True, timeout=120)
    assert process.returncode == 0, process.stderr
    data = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    check_gradescope_results(data, VISIBILITY)
    assert data["score"] == score and bool(data["tests"]) is graded


def test_the_bundled_copy_grades_on_its_own(autograder_zip, tmp_path):
    """The package/ folder is what setup.sh installs: run the grader from it, not from this checkout."""
    root = unpack(autograder_zip, tmp_path / "autograder", {"submit.yaml": submission_text("s1", WRONG)})
    bundle = root / "source" / "package"
    environment = {**os.environ, "PYTHONPATH": str(bundle)}
    probe = "import grader, reference; print(grader.__file__, reference.__file__)"
    where = subprocess.run([sys.executable, "-c", probe], env=environment, cwd=tmp_path, capture_output=True,
                           text=True, timeout=60)
    assert where.stdout.split() == [str(bundle / "grader" / "__init__.py"), str(bundle / "reference" / "__init__.py")]
    process = subprocess.run([sys.executable, "-m", "grader", "gradescope", "--root", str(root),
                              "--rubric", str(root / "source" / "rubric.yaml")],
                             env=environment, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert process.returncode == 0, process.stderr
    assert json.loads((root / "results" / "results.json").read_text())["score"] == 1.0


def test_the_checkout_is_found():
    checkout = find_checkout()
    assert checkout is not None and (checkout / "pyproject.toml").is_file() and (checkout / "grader").is_dir()


def test_without_a_checkout_the_installed_packages_are_bundled():
    tomllib = pytest.importorskip("tomllib")
    files = installed_files()
    assert "grader/cli.py" in files and "reference/__init__.py" in files
    assert not [name for name in files if "__pycache__" in name or name.endswith(".pyc")]
    project = tomllib.loads(files["pyproject.toml"].decode())
    assert project["project"]["name"] == "homework-grader"
    assert project["project"]["scripts"]["grade"] == "grader.cli:main"
    assert any(requirement.startswith("pydantic") for requirement in project["project"]["dependencies"])
    assert not any("extra ==" in requirement for requirement in project["project"]["dependencies"])
    assert project["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"] == ["grader", "reference"]


def test_a_zip_from_the_installed_packages(export_rubric, monkeypatch):
    monkeypatch.setattr("grader.export.gradescope_zip.find_checkout", lambda: None)
    names = zipfile.ZipFile(io.BytesIO(build_autograder_zip(export_rubric))).namelist()
    assert {"package/pyproject.toml", "package/grader/cli.py", "package/reference/__init__.py", "rubric.yaml",
            "setup.sh", "run_autograder"} <= set(names)
    assert "package/README.md" not in names  # the generated pyproject.toml names no readme


SOLVER_RUBRIC = """\
id: hw-x
title: X
solver: {solver}
questions:
  - {{id: q1, type: numeric, points: 1, answer: {{ref: x}}}}
"""


@pytest.mark.parametrize("rubric_text, match", [
    (SOLVER_RUBRIC.format(solver="mycourse_solver"), r"the solver `mycourse_solver` is not part of the grader "
                                                     r"package.*\n  fix: put the solver module in reference/"),
    (SOLVER_RUBRIC.format(solver="no_such_module_anywhere"), "no_such_module_anywhere"),
    ("id: hw-x\ntitle: X\nquestions: []\n", "questions"),
])
def test_a_rubric_the_autograder_could_not_use_is_refused(tmp_path, monkeypatch, capsys, rubric_text, match):
    (tmp_path / "mycourse_solver.py").write_text("def solve(parameters, given=None):\n    return {'x': 1.0}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    rubric = tmp_path / "hw-x.yaml"
    rubric.write_text(rubric_text, encoding="utf-8")
    with pytest.raises(GraderError, match=match):
        build_autograder_zip(rubric)
    assert main(["export", "gradescope-zip", str(rubric), "-o", str(tmp_path / "a.zip")]) == 2
    assert capsys.readouterr().err.startswith("error: ")
    assert not (tmp_path / "a.zip").exists()
