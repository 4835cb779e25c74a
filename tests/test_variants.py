"""Per-student variants: stable, different numbers per student; sheets and grading follow them."""

import shutil

import pytest
import yaml

from grader.cli import main
from grader.grading import grade_file
from grader.rubric import load_rubric
from tests_support import RUBRIC_PATH, answers_from_key


@pytest.fixture
def variant_rubric_path(tmp_path):
    """The shipped rubric with `variants:` switched on, and its sheet template beside it."""
    document = yaml.safe_load(RUBRIC_PATH.read_text(encoding="utf-8"))
    document["variants"] = {"generator": "draw_parameters", "options": {"weight_range": [-2, 2], "step": 0.5}}
    path = tmp_path / "hw-lstm-vae-gan.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    shutil.copy(RUBRIC_PATH.parent / document["sheet"], tmp_path / document["sheet"])
    return path


def sheet(capsys, rubric_path, student, fmt="markdown"):
    assert main(["sheet", str(rubric_path), "--student", student, "--format", fmt]) == 0
    return capsys.readouterr().out


def test_two_students_get_different_sheets(capsys, variant_rubric_path):
    ada, bob = sheet(capsys, variant_rubric_path, "ada"), sheet(capsys, variant_rubric_path, "bob")
    assert ada != bob
    assert "| f |" in ada and "| f |" in bob


def test_same_student_same_sheet_byte_for_byte(capsys, variant_rubric_path):
    for fmt in ("markdown", "html"):
        assert sheet(capsys, variant_rubric_path, "ada", fmt) == sheet(capsys, variant_rubric_path, "ada", fmt)


def test_without_variants_everyone_gets_the_rubric_numbers(capsys):
    ada, bob = sheet(capsys, RUBRIC_PATH, "ada"), sheet(capsys, RUBRIC_PATH, "bob")
    assert ada.replace("ada", "bob") == bob
    assert "| f | [1, 2] | 0.5 | 0.2 |" in ada


def test_each_student_is_right_on_their_own_numbers_only(variant_rubric_path, write_submission):
    rubric = load_rubric(variant_rubric_path)
    numbers = {student: answers_from_key(rubric, student) for student in ("ada", "bob")}
    problem3 = [qid for qid in rubric.questions if qid.startswith("p3.b") or qid == "p3.c"]
    for student, other in (("ada", "bob"), ("bob", "ada")):
        own, _ = grade_file(str(write_submission(numbers[student], student=student, filename=f"{student}.yaml")),
                            str(variant_rubric_path))
        assert all(q.status == "correct" for q in own.questions if q.id in problem3)
        copied, _ = grade_file(str(write_submission(numbers[other], student=student, filename=f"{student}-copy.yaml")),
                               str(variant_rubric_path))
        wrong = [q for q in copied.questions if q.id in problem3 and q.status != "correct"]
        assert len(wrong) >= len(problem3) // 2


def test_variant_key_follows_the_student(capsys, variant_rubric_path):
    import json

    keys = []
    for student in ("ada", "bob"):
        assert main(["key", str(variant_rubric_path), "--format", "json", "--student", student]) == 0
        keys.append(json.loads(capsys.readouterr().out)["answers"]["p3.b.h1"]["answer"])
    assert keys[0] != keys[1]


def test_validate_with_variants_covers_carry_forward_and_mistakes(capsys, variant_rubric_path):
    assert main(["validate", str(variant_rubric_path)]) == 0
    out = capsys.readouterr().out
    assert "self-test passed" in out and "carried forward from" in out and "mistake mse_sum" in out


def test_sheet_rejects_a_path_as_student_id(capsys):
    assert main(["sheet", str(RUBRIC_PATH), "--student", "../x"]) == 2
    assert "is not a student id" in capsys.readouterr().err
