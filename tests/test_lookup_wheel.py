"""The wheel: one top-level name in site-packages (`grader`), with the bundled solvers and rubrics
inside it, and the shipped rubric working from a plain (non-editable) install in any folder.

The wheel is built offline from this checkout with hatchling (in the test extra) and unpacked
into a folder that is the only place `grader` can come from; `python -S` keeps this environment's
.pth files (an editable install of the checkout) out of the way.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parent.parent
SHIPPED = "hw-lstm-vae-gan"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("wheel")
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", str(CHECKOUT), "--no-deps", "--no-index",
                            "--no-build-isolation", "--quiet", "-w", str(folder)],
                           capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr
    (built,) = folder.glob("homework_grader-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """The wheel unpacked as pip would install it into site-packages."""
    target = tmp_path_factory.mktemp("site-packages")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)
    return target


def run(installed: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """`python -S -m grader ARGS` with only the unpacked wheel and the dependencies importable."""
    dependencies = [path for path in site.getsitepackages() if Path(path).is_dir()]
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(installed), *dependencies])}
    return subprocess.run([sys.executable, "-S", *args], cwd=cwd, env=environment, capture_output=True, text=True,
                          timeout=120)


def test_the_wheel_adds_one_top_level_name(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert {name.split("/")[0] for name in names} == {"grader", wheel.name.split("-py")[0] + ".dist-info"}
    assert {"grader/_reference/__init__.py", f"grader/_reference/{SHIPPED.replace('-', '_')}.py",
            f"grader/_rubrics/{SHIPPED}.yaml", "grader/authoring/scaffold/__init__.py",
            "grader/authoring/scaffold/templates/solver.py.j2"} <= set(names)
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]


def test_the_shipped_rubric_works_from_the_installed_wheel_in_any_folder(installed, tmp_path):
    probe = run(installed, tmp_path, "-c", "import grader, grader.solver, importlib.util; "
                "print(grader.__file__); print(grader.solver.bundled_solvers()); "
                "print(importlib.util.find_spec('reference'))")
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.split("\n")[:3] == [str(installed / "grader" / "__init__.py"),
                                            str(installed / "grader" / "_reference"), "None"]
    shutil.copy(CHECKOUT / "submissions" / "correct.yaml", tmp_path / "submit.yaml")
    graded = run(installed, tmp_path, "-m", "grader", "submit.yaml", "--format", "json")
    assert graded.returncode == 0, graded.stderr
    result = json.loads(graded.stdout)
    assert result["assignment"] == SHIPPED and result["score"] == result["max_score"] > 0


def test_a_course_reference_package_beside_the_installed_wheel(installed, tmp_path):
    """The name the grader's own solvers had (`reference`) is free for a course's package."""
    (tmp_path / "reference").mkdir()
    (tmp_path / "reference" / "__init__.py").write_text("")
    (tmp_path / "reference" / "hw_x.py").write_text("def solve(parameters, given=None):\n    return {'x': 0.5}\n")
    (tmp_path / "rubrics").mkdir()
    (tmp_path / "rubrics" / "hw-x.yaml").write_text(
        "id: hw-x\ntitle: X\nsolver: reference.hw_x\nquestions:\n  - {id: q1, type: numeric, points: 1, "
        "answer: {ref: x}}\n")
    key = run(installed, tmp_path / "rubrics", "-m", "grader", "key", "hw-x.yaml", "--format", "json")
    assert key.returncode == 0, key.stderr
    assert json.loads(key.stdout)["answers"]["q1"]["answer"] == 0.5


def test_grade_new_from_the_installed_wheel(installed, tmp_path):
    """The scaffold's templates ship in the wheel, and what they make validates there."""
    made = run(installed, tmp_path, "-m", "grader", "new", "hw-wheel", "--dir", "course")
    assert made.returncode == 0, made.stderr
    checked = run(installed, tmp_path / "course", "-m", "grader", "validate", "rubrics/hw-wheel.yaml")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "self-test passed" in checked.stdout
