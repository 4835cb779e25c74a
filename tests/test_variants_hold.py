"""Variants that hold: default numbers are labelled, every student's sheet, frozen tables that survive
generator edits, Gradescope's submitter decides the variant, and the summary groups by mistake."""

from __future__ import annotations

import json
import shutil
from array import array
from pathlib import Path

import pytest
import yaml

from grader.batch.records import STATUS_CODE, StudentRow, WrongAnswer
from grader.batch.summary import summarise
from grader.cli import main
from grader.errors import RubricError, UsageError
from grader.files.roster import read_students
from grader.rubric import load_rubric
from grader.authoring.sheet_roster import file_stems

# A tiny assignment of our own: each student draws `a`; the answer is a + b, a known mistake 2(a + b).
SOLVER_V1 = '''
def solve(parameters, given=None):
    total = parameters["a"] + parameters["b"]
    return {"sum": float(total), "mistake.double": float(2 * total)}

def draw_parameters(parameters, rng, **options):
    return {**parameters, "a": int(rng.integers(1, 1000))}

def sheet_values(parameters):
    return {"a": str(parameters["a"]), "b": str(parameters["b"])}
'''
SOLVER_V2 = SOLVER_V1.replace("rng.integers(1, 1000)", "rng.integers(5000, 9000)")  # the generator, edited
RUBRIC = {
    "id": "hw-var", "title": "Variant test homework", "solver": "solver_v1", "sheet": "sheet.md.j2",
    "parameters": {"a": 1, "b": 2},
    "variants": {"generator": "draw_parameters"},
    "questions": [{"id": "q1", "type": "numeric", "title": "a + b", "points": 2, "answer": {"ref": "sum"},
                   "tolerance": {"abs": 0.1},
                   "mistakes": [{"ref": "mistake.double", "credit": 0, "feedback": "That is twice the sum."}]}],
}
SHEET = "# Sheet for {{ student_id or 'nobody' }}\n\nCompute a + b with a = {{ values.a }} and b = {{ values.b }}.\n"
ROSTER = "student_id,name,email\nada,Ada Lovelace,ada@example.edu\nbob,Bob,\ncarol,,carol@example.edu\n"
CANVAS_ROSTER = """\
Student,ID,SIS User ID,SIS Login ID,Section,Homework 3 (12345)
    Points Possible,,,,,6
"Lovelace, Ada",101,ada,ada.l,Section A,
"Babbage, Charles",102,,charles.b,Section B,
"Student, Test",999,,,Section A,
"""


def course(folder: Path, solver: str = SOLVER_V1, module: str = "solver_v1", **variants) -> Path:
    """A course folder: rubric, solver module, sheet template and roster; returns the rubric's path."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{module}.py").write_text(solver, encoding="utf-8")
    (folder / "sheet.md.j2").write_text(SHEET, encoding="utf-8")
    (folder / "roster.csv").write_text(ROSTER, encoding="utf-8")
    document = {**RUBRIC, "solver": module, "variants": {**RUBRIC["variants"], **variants}}
    path = folder / "hw-var.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def key_sum(rubric_path: Path, student: str) -> float:
    return load_rubric(rubric_path).key(student)["sum"]


# --- default numbers are labelled --------------------------------------------------------------------

@pytest.mark.parametrize("command", [["key"], ["key", "--format", "json"], ["sheet"], ["sheet", "--format", "html"]])
def test_default_numbers_are_labelled_on_stderr_and_in_the_document(capsys, tmp_path, command):
    rubric = course(tmp_path)
    status, out, err = run(capsys, command[0], str(rubric), *command[1:])
    assert status == 0
    assert "default numbers" in err and "no student has" in err
    if "json" in command:
        document = json.loads(out)
        assert document["numbers"] == "default" and "no student has" in document["notice"]
    else:
        assert "no student has these" in out.lower()


@pytest.mark.parametrize("command", [["key"], ["key", "--format", "json"], ["sheet"]])
def test_a_students_numbers_carry_no_default_label(capsys, tmp_path, command):
    rubric = course(tmp_path)
    status, out, err = run(capsys, command[0], str(rubric), *command[1:], "--student", "ada")
    assert status == 0 and "default" not in err and "no student has" not in out.lower()


def test_a_rubric_without_variants_carries_no_default_label(capsys):
    from tests_support import RUBRIC_PATH

    status, out, err = run(capsys, "key", str(RUBRIC_PATH))
    assert status == 0 and "default numbers" not in err and "DEFAULT NUMBERS" not in out


# --- every student's sheet ---------------------------------------------------------------------------

def test_roster_sheets_are_each_students_own(capsys, tmp_path):
    rubric = course(tmp_path / "course")
    out = tmp_path / "sheets"
    status, _, err = run(capsys, "sheet", str(rubric), "--roster", str(tmp_path / "course" / "roster.csv"),
                         "--out", str(out))
    assert status == 0 and "wrote 3 sheets" in err
    for student in ("ada", "bob", "carol"):
        status, expected, _ = run(capsys, "sheet", str(rubric), "--student", student)
        assert (out / f"{student}.md").read_text(encoding="utf-8") == expected
    assert len({(out / f"{s}.md").read_text(encoding="utf-8") for s in ("ada", "bob", "carol")}) == 3
    index = (out / "index.csv").read_text(encoding="utf-8").splitlines()
    assert index[0] == "student_id,name,email,file" and index[1] == "ada,Ada Lovelace,ada@example.edu,ada.md"


def test_roster_sheets_from_a_canvas_export(capsys, tmp_path):
    rubric = course(tmp_path / "course")
    roster = tmp_path / "canvas.csv"
    roster.write_text(CANVAS_ROSTER, encoding="utf-8")
    assert run(capsys, "sheet", str(rubric), "--roster", str(roster), "--out", str(tmp_path / "out"))[0] == 0
    assert sorted(p.name for p in (tmp_path / "out").glob("*.md")) == ["ada.md", "charles.b.md"]


@pytest.mark.parametrize("student_id", ["../escape", "a/b", "..", ".hidden", "CON", "con.txt", "x" * 300,
                                        "nul", "spaced name", "é"])
def test_any_student_id_gets_a_safe_file_name(student_id):
    stem = file_stems([student_id])[student_id]
    assert "/" not in stem and "\\" not in stem and not stem.startswith(".") and len(stem) <= 60
    assert stem.split(".")[0].casefold() not in ("con", "nul") and stem.isascii()


def test_roster_ids_that_cannot_submit_are_written_and_warned_about(capsys, tmp_path):
    rubric = course(tmp_path / "course")
    roster = tmp_path / "odd.csv"
    roster.write_text("student_id,name,email\nada,,\n../../etc/passwd,,\njo smith,,\n", encoding="utf-8")
    status, _, err = run(capsys, "sheet", str(rubric), "--roster", str(roster), "--out", str(tmp_path / "out"))
    assert status == 0 and "2 roster id(s) cannot be a submit.yaml's student.id" in err and "`jo smith`" in err
    names = sorted(path.name for path in (tmp_path / "out").iterdir())
    assert len(names) == 5 and all("/" not in name for name in names)  # 3 sheets, index.csv, the manifest
    assert not (tmp_path / "etc").exists() and not (tmp_path / "passwd.md").exists()


def test_ids_that_differ_only_in_case_get_different_files():
    stems = file_stems(["Ada", "ada", "bob"])
    assert stems["bob"] == "bob" and stems["Ada"].casefold() != stems["ada"].casefold()


def test_roster_sheets_never_overwrite_a_file_they_did_not_write(capsys, tmp_path):
    rubric = course(tmp_path / "course")
    roster, out = str(tmp_path / "course" / "roster.csv"), tmp_path / "sheets"
    out.mkdir()
    (out / "bob.md").write_text("the TA's own notes", encoding="utf-8")
    status, _, err = run(capsys, "sheet", str(rubric), "--roster", roster, "--out", str(out))
    assert status == 2 and "bob.md" in err and "nothing was written" in err
    assert (out / "bob.md").read_text(encoding="utf-8") == "the TA's own notes"
    assert not (out / "ada.md").exists()


def test_roster_sheets_replace_their_own_files_but_not_edited_ones(capsys, tmp_path):
    rubric = course(tmp_path / "course")
    roster, out = str(tmp_path / "course" / "roster.csv"), tmp_path / "sheets"
    assert run(capsys, "sheet", str(rubric), "--roster", roster, "--out", str(out))[0] == 0
    assert run(capsys, "sheet", str(rubric), "--roster", roster, "--out", str(out))[0] == 0  # ours: replaced
    with open(out / "ada.md", "a", encoding="utf-8") as stream:
        stream.write("edited by hand\n")
    status, _, err = run(capsys, "sheet", str(rubric), "--roster", roster, "--out", str(out))
    assert status == 2 and "ada.md" in err
    assert (out / "ada.md").read_text(encoding="utf-8").endswith("edited by hand\n")


@pytest.mark.parametrize("text, message", [
    ("student_id,name\nada,A\nada,B\n", "on the roster twice"),
    ("student_id,name\n,Nobody\n", "line 2: this row has no student_id"),
    ("who,what\nx,y\n", "neither a `student_id` column nor Canvas"),
    ("", "the roster is empty"),
])
def test_bad_rosters_are_named(tmp_path, text, message):
    roster = tmp_path / "roster.csv"
    roster.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError, match=message):
        read_students(roster)


# --- frozen tables -----------------------------------------------------------------------------------

def freeze(capsys, rubric: Path, roster: Path, output: Path) -> str:
    status, _, err = run(capsys, "variants", "freeze", str(rubric), "--roster", str(roster), "-o", str(output))
    assert status == 0, err
    return err


@pytest.mark.parametrize("name", ["variants.yaml", "variants.json"])
def test_freeze_records_each_students_parameters_deterministically(capsys, tmp_path, name):
    rubric = course(tmp_path)
    output = tmp_path / name
    assert "3 students" in freeze(capsys, rubric, tmp_path / "roster.csv", output)
    first = output.read_bytes()
    table = yaml.safe_load(first)
    assert table["assignment"] == "hw-var" and sorted(table["students"]) == ["ada", "bob", "carol"]
    assert table["students"]["ada"]["a"] + 2 == key_sum(rubric, "ada")
    output.unlink()
    shuffled = tmp_path / "shuffled.csv"
    shuffled.write_text("student_id,name,email\ncarol,,\nbob,,\nada,,\n", encoding="utf-8")
    freeze(capsys, rubric, shuffled, output)
    assert output.read_bytes() == first  # the same students give the same bytes, whatever the roster's order


def test_a_frozen_table_survives_an_edit_of_the_generator(capsys, tmp_path):
    before = course(tmp_path / "v1")
    freeze(capsys, before, tmp_path / "v1" / "roster.csv", tmp_path / "v1" / "variants.yaml")
    handed_out = {student: key_sum(before, student) for student in ("ada", "bob", "dave")}
    # The course edits its generator and points the rubric at the table.
    after = course(tmp_path / "v2", SOLVER_V2, "solver_v2", frozen="variants.yaml")
    shutil.copy(tmp_path / "v1" / "variants.yaml", tmp_path / "v2" / "variants.yaml")
    assert key_sum(after, "ada") == handed_out["ada"] and key_sum(after, "bob") == handed_out["bob"]
    assert key_sum(after, "dave") != handed_out["dave"]  # not in the table: the edited generator's numbers
    assert key_sum(after, "dave") >= 5002
    status, out, _ = run(capsys, "validate", str(after))
    assert "3 students' numbers are frozen in variants.yaml" in out
    assert "a student not in it gets the generator's" in out
    assert "draws other numbers than the table for 3 of 3 frozen students" in out


def test_freezing_again_keeps_every_recorded_student(capsys, tmp_path):
    before = course(tmp_path / "v1")
    table = tmp_path / "variants.yaml"
    freeze(capsys, before, tmp_path / "v1" / "roster.csv", table)
    recorded = yaml.safe_load(table.read_text(encoding="utf-8"))["students"]
    after = course(tmp_path / "v2", SOLVER_V2, "solver_v2")
    bigger = tmp_path / "bigger.csv"
    bigger.write_text(ROSTER + "dave,Dave,\n", encoding="utf-8")
    err = freeze(capsys, after, bigger, table)
    assert "3 already recorded and kept as they were, 1 added" in err
    students = yaml.safe_load(table.read_text(encoding="utf-8"))["students"]
    assert {k: students[k] for k in recorded} == recorded and students["dave"]["a"] >= 5000


def test_freeze_refuses_to_overwrite_a_file_that_is_not_a_table(capsys, tmp_path):
    rubric = course(tmp_path)
    before = rubric.read_bytes()
    status, _, err = run(capsys, "variants", "freeze", str(rubric), "--roster", str(tmp_path / "roster.csv"),
                         "-o", str(rubric))
    assert status == 2 and "not a frozen variants table" in err and rubric.read_bytes() == before


def test_freeze_needs_a_rubric_with_variants(capsys, tmp_path):
    from tests_support import RUBRIC_PATH

    status, _, err = run(capsys, "variants", "freeze", str(RUBRIC_PATH), "--roster", str(course(tmp_path).parent
                         / "roster.csv"), "-o", str(tmp_path / "t.yaml"))
    assert status == 2 and "has no `variants:`" in err and not (tmp_path / "t.yaml").exists()


@pytest.mark.parametrize("table, message", [
    ("assignment: hw-other\ngenerator: g\nstudents: {}\n", "is for assignment `hw-other`"),
    ("assignment: hw-var\ngenerator: g\nstudents: {ada: 3}\n", r"not a frozen variants table \(students.ada"),
    ("- a list\n", "not a frozen variants table"),
    (None, "the frozen variants table .*variants.yaml is not there"),
])
def test_a_bad_frozen_table_is_a_rubric_error(tmp_path, table, message):
    rubric = course(tmp_path, frozen="variants.yaml")
    if table is not None:
        (tmp_path / "variants.yaml").write_text(table, encoding="utf-8")
    with pytest.raises(RubricError, match=message):
        load_rubric(rubric)


# --- Gradescope: the submitter decides the variant ---------------------------------------------------

def gradescope(capsys, tmp_path: Path, rubric: Path, file_student: str, answer: float, *users: dict) -> dict:
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    document = {"assignment": "hw-var", "student": {"id": file_student}, "answers": {"q1": answer}}
    (root / "submission" / "submit.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    (root / "submission_metadata.json").write_text(json.dumps({"users": list(users)}), encoding="utf-8")
    assert main(["gradescope", "--root", str(root), "--rubric", str(rubric)]) == 0
    capsys.readouterr()
    return json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))


def test_gradescope_grades_a_copied_file_with_the_submitters_numbers(capsys, tmp_path):
    rubric = course(tmp_path / "course")
    assert key_sum(rubric, "ada") != key_sum(rubric, "bob")
    # Ada uploads Bob's file, right for Bob's numbers: graded as Ada's, with Ada's numbers.
    results = gradescope(capsys, tmp_path, rubric, "bob", key_sum(rubric, "bob"),
                         {"sid": "ada", "email": "ada@example.edu", "id": 4242, "name": "Ada Lovelace"})
    assert results["score"] == 0
    assert "Student id mismatch" in results["output"] and "student.id: bob" in results["output"]
    assert "Gradescope account of ada" in results["output"]


@pytest.mark.parametrize("user", [{"sid": "ada", "name": "Ada"}, {"email": "ADA@example.edu", "id": 7},
                                  {"sid": "ada", "email": "someone@else.edu"}])
def test_gradescope_grades_an_own_file_without_a_flag(capsys, tmp_path, user):
    rubric = course(tmp_path / "course")
    student = "ada" if user.get("sid") == "ada" else "ada@example.edu"
    results = gradescope(capsys, tmp_path, rubric, student, key_sum(rubric, student), user)
    assert results["score"] == 2 and "mismatch" not in results["output"]


# --- the class summary groups wrong answers by mistake -----------------------------------------------

def row(student: str, value: float, note: str | None) -> StudentRow:
    return StudentRow(student, None, None, 0.0, array("d", [0.0]), bytes([STATUS_CODE["incorrect"]]),
                      (WrongAnswer(0, value, note),))


def test_summary_groups_wrong_answers_of_variants_by_mistake(tmp_path):
    rubric = load_rubric(course(tmp_path))
    rows = [row("a", 10.0, "double"), row("b", 500.0, "double"), row("c", 500.0, None),
            row("d", 77.0, None), row("e", 12.0, "double")]
    groups = summarise(rows, rubric).questions[0].wrong_values
    assert [(g.value, g.count, g.variants, g.note) for g in groups] == [
        ("double", 3, 3, "double"), ("unexplained", 2, 2, None)]  # 500.0 of b and c are not merged


def test_summary_without_variants_still_clusters_by_value(tmp_path):
    document = {**RUBRIC, "solver": "solver_v1"}
    del document["variants"]
    course(tmp_path)
    path = tmp_path / "plain.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    rows = [row("a", 500.0, "double"), row("b", 500.0, None), row("c", 77.0, None)]
    groups = summarise(rows, load_rubric(path)).questions[0].wrong_values
    assert [(g.value, g.count) for g in groups] == [("500", 2), ("77", 1)]


def test_batch_summary_of_a_variants_rubric_shows_mistake_groups(capsys, tmp_path):
    rubric = course(tmp_path / "course")
    folder = tmp_path / "class"
    folder.mkdir()
    for student, answer in (("ada", 2 * key_sum(rubric, "ada")), ("bob", 2 * key_sum(rubric, "bob")),
                            ("carol", -1.0)):
        document = {"assignment": "hw-var", "student": {"id": student}, "answers": {"q1": answer}}
        (folder / f"{student}.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    assert main(["batch", str(folder), "--rubric", str(rubric), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    html = (tmp_path / "out" / "summary.html").read_text(encoding="utf-8")
    assert "grouped by the known mistake they match" in html
    assert "<code>double</code></th><td class=\"n\">2</td>" in html and "unexplained" in html


def test_gradescope_accepts_a_file_naming_any_member_of_the_group(capsys, tmp_path):
    rubric = course(tmp_path / "course")
    results = gradescope(capsys, tmp_path, rubric, "bob", key_sum(rubric, "bob"), {"sid": "ada"}, {"sid": "bob"})
    assert results["score"] == 2 and "mismatch" not in results["output"]


def test_gradescope_without_readable_metadata_grades_the_file_as_it_says(capsys, tmp_path):
    rubric = course(tmp_path / "course")
    results = gradescope(capsys, tmp_path, rubric, "bob", key_sum(rubric, "bob"), "not a user")
    assert results["score"] == 2 and "mismatch" not in results["output"]
