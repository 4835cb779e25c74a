"""`grade new ASSIGNMENT_ID [--dir DIR]`: a small but real assignment to start from, in a course folder.

It writes the rubric, its problem sheet, a numpy solver (carry-forward, known mistakes, variants),
three example submissions (correct, typical mistakes, invalid) and a pytest file for the solver,
plus a README for the course folder when it has none. The layout is the one the search rules of
`grade` expect (README, "Where the grader looks"), so the assignment validates, grades, batch-grades
and builds a Gradescope zip at once, from a checkout or a plain `pip install`.

Nothing that exists is overwritten: when any file of the new assignment is already there, nothing
is written at all. The example submissions are made from the solver's own answers for two students'
drawn numbers, so they grade as their comments say with the numpy installed here.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from grader.errors import UsageError
from grader.rubric import ASSIGNMENT_ID_PATTERN, load_rubric

TEMPLATES = Path(__file__).resolve().parent / "templates"
COURSE_README = "README.md"  # one per course folder: written when missing, else left as it is
SIGNIFICANT_DIGITS = 4  # what the example students write; well inside the rubric's 1% tolerance
CORRECT_STUDENT = ("s001", "Ada Example")
MISTAKES_STUDENT = ("s002", "Bo Example")


@dataclass
class Scaffold:
    """What `grade new` did: the files it wrote (relative to the course folder) and those it kept."""

    folder: Path
    assignment: str
    written: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return _environment().get_template("summary.txt.j2").render(scaffold=self)


def module_name(assignment_id: str) -> str:
    """The solver's module name: `hw-logreg` -> `hw_logreg` (a Python identifier)."""
    name = re.sub(r"\W", "_", assignment_id)
    return name if name[0].isalpha() or name[0] == "_" else f"hw_{name}"


def assignment_files(assignment_id: str) -> dict[str, str]:
    """Each file of a new assignment (relative to the course folder) and its template."""
    module = module_name(assignment_id)
    return {
        f"rubrics/{assignment_id}.yaml": "rubric.yaml.j2",
        f"rubrics/{assignment_id}.sheet.md.j2": "sheet.md.j2",
        f"solvers/{module}.py": "solver.py.j2",
        f"submissions/{assignment_id}/correct.yaml": "submission.yaml.j2",
        f"submissions/{assignment_id}/typical-mistakes.yaml": "submission.yaml.j2",
        f"submissions/{assignment_id}/invalid.yaml": "invalid.yaml.j2",
        f"tests/test_{module}.py": "test_solver.py.j2",
    }


def new_assignment(assignment_id: str, folder: str | Path = ".", title: str | None = None) -> Scaffold:
    """Write a new assignment into the course `folder` (made if missing); refuse if any of its files exists."""
    if not re.match(ASSIGNMENT_ID_PATTERN, assignment_id):
        raise UsageError(f"`{assignment_id}` is not an assignment id",
                         hint="use letters, digits, '.', '_' and '-' (start with a letter or digit), e.g. hw-regression")
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise UsageError("this is a file, not a course folder", path=str(folder), hint="pass --dir FOLDER")
    files = assignment_files(assignment_id)
    existing = [name for name in files if os.path.lexists(folder / name)]
    if existing:
        raise UsageError(f"{', '.join(existing)} already exist{'s' if len(existing) == 1 else ''}; nothing was written",
                         path=str(folder), hint="`grade new` never overwrites a file: choose another assignment id "
                                                "or another --dir, or move those files away")
    texts = render_assignment(assignment_id, title or f"Least squares by hand ({assignment_id})")
    scaffold = Scaffold(folder, assignment_id)
    if os.path.lexists(folder / COURSE_README):
        scaffold.kept.append(COURSE_README)
        del texts[COURSE_README]
    _write_all(folder, texts, scaffold)
    return scaffold


def render_assignment(assignment_id: str, title: str) -> dict[str, str]:
    """Every file's text. The rubric, sheet and solver are rendered first and loaded from a staging
    folder, so that the example submissions hold the solver's own answers for their students."""
    environment = _environment()
    context = {"assignment": assignment_id, "title": title.replace('"', "'"), "module": module_name(assignment_id)}
    files = assignment_files(assignment_id)
    texts = {name: environment.get_template(template).render(**context)
             for name, template in files.items() if not name.startswith("submissions/")}
    with tempfile.TemporaryDirectory(prefix="grade-new-") as staging:
        for name, text in texts.items():
            path = Path(staging) / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        rubric = load_rubric(Path(staging) / f"rubrics/{assignment_id}.yaml")
        examples = _example_answers(rubric)
    submission = environment.get_template("submission.yaml.j2")
    folder = f"submissions/{assignment_id}"
    for kind, (student_id, student_name), note in (
            ("correct", CORRECT_STUDENT, f"Every answer right for student {CORRECT_STUDENT[0]}'s own numbers: "
                                         f"{examples['max_score']:g}/{examples['max_score']:g} points."),
            ("typical-mistakes", MISTAKES_STUDENT, "Typical mistakes: b = ȳ − w (half credit), an MSE right for "
                                                   "that b (carried forward), ∂/∂w without the factor x, q4 false.")):
        texts[f"{folder}/{kind}.yaml"] = submission.render(**context, note=note, student_id=student_id,
                                                           student_name=student_name, answers=examples[kind])
    texts[f"{folder}/invalid.yaml"] = environment.get_template("invalid.yaml.j2").render(**context)
    texts[COURSE_README] = environment.get_template("README.md.j2").render(**context)
    return texts


def _example_answers(rubric: Any) -> dict[str, Any]:
    solver = rubric.solver
    key = solver.solve(CORRECT_STUDENT[0])
    correct = {"w": _written(key["w"]), "b": _written(key["b"]), "mse": _written(key["mse"]),
               "derivative": "2x(wx + b − y)", "statement": "true"}
    own = solver.solve(MISTAKES_STUDENT[0])
    w, b = _written(own["w"]), _written(own["mistake.b_without_mean_x"])
    carried = solver.solve(MISTAKES_STUDENT[0], {"w": float(w), "b": float(b)})
    mistakes = {"w": w, "b": b, "mse": _written(carried["mse"]), "derivative": "2(w*x + b - y)", "statement": "false"}
    return {"correct": correct, "typical-mistakes": mistakes, "max_score": rubric.rubric.max_score}


def _written(value: float) -> str:
    """A number as a student writes it: a few significant digits."""
    return f"{value:.{SIGNIFICANT_DIGITS}g}"


def _write_all(folder: Path, texts: dict[str, str], scaffold: Scaffold) -> None:
    """Create each file exclusively (never over an existing one); on any failure remove what was made."""
    made_folders: list[Path] = []
    try:
        for name, text in texts.items():
            path = folder / name
            for parent in reversed([path.parent, *path.parent.parents]):
                if not parent.exists():
                    parent.mkdir()
                    made_folders.append(parent)
            with path.open("x", encoding="utf-8", newline="\n") as file:
                scaffold.written.append(name)
                file.write(text)
    except OSError as exc:
        for name in reversed(scaffold.written):
            (folder / name).unlink(missing_ok=True)
        for made in reversed(made_folders):
            try:
                made.rmdir()
            except OSError:  # something else appeared in it meanwhile: leave it
                pass
        raise UsageError(f"could not write {exc.filename or folder}: {exc.strerror or exc}; nothing was kept",
                         path=str(folder)) from None


def _environment() -> jinja2.Environment:
    # Square-bracket delimiters: the templates write Jinja (the sheet) and Python braces of their own.
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=False, keep_trailing_newline=True,
                              undefined=jinja2.StrictUndefined, variable_start_string="[[", variable_end_string="]]",
                              block_start_string="[%", block_end_string="%]", comment_start_string="[#",
                              comment_end_string="#]")
