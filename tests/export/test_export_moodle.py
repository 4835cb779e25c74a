"""The Moodle CSV, checked against the grade import's rules (export_support.check_moodle_import)."""

from __future__ import annotations

import pytest

from export_support import CORRECT, WRONG, check_moodle_import, read_csv
from grader.cli import main
from grader.errors import UsageError
from grader.export.moodle import feedback_summary, moodle_rows


@pytest.fixture
def class_results(graded):
    return [graded("S2", WRONG, name="Charles Babbage", email="charles@example.edu"),
            graded("s1", CORRECT, name="Ada Lovelace", email="ada@example.edu")]


@pytest.mark.parametrize("id_field, identities", [
    ("email", ["charles@example.edu", "ada@example.edu"]),
    ("idnumber", ["S2", "s1"]),
    ("username", ["s2", "s1"]),  # Moodle keeps usernames in lower case
])
def test_identity_column(class_results, out_dir, id_field, identities):
    folder = out_dir(class_results)
    assert main(["export", "moodle", str(folder), "--item", "Homework 3", "--id-field", id_field]) == 0
    records = check_moodle_import(read_csv(folder / "moodle.csv"), id_field, "Homework 3")
    assert [list(record.values())[0] for record in records] == identities  # sorted by student id: S2 < s1
    assert [record["Homework 3"] for record in records] == ["1", "6"]


def test_default_identity_is_the_id_number(class_results, out_dir):
    folder = out_dir(class_results)
    assert main(["export", "moodle", str(folder), "--item", "Homework 3"]) == 0
    assert read_csv(folder / "moodle.csv")[0] == ["ID number", "Homework 3", "Feedback"]


def test_feedback_is_a_short_summary(class_results):
    wrong, correct = class_results
    assert feedback_summary(correct) == ("6/6 points: 3 correct, 1 to be reviewed. "
                                         "Provisional until a TA reviews 1 free-text answer.")
    assert feedback_summary(wrong) == ("1/6 points: 1 correct, 2 incorrect, 1 to be reviewed. "
                                       "Provisional until a TA reviews 1 free-text answer.")


def test_feedback_names_ta_decisions(class_results):
    from grader.results import Override

    result = class_results[1]
    questions = [q.model_copy(update={"override": Override(score=1.5), "score": 1.5, "status": "partial"}) if q.status == "needs_review" else q
                 for q in result.questions]
    summary = feedback_summary(result.model_copy(update={"questions": questions}))
    assert "TA decisions on q3 (1.5/2)" in summary and "Provisional" not in summary


def test_students_without_the_identity_are_listed(graded, out_dir, capsys):
    folder = out_dir([graded("s1", CORRECT, email="ada@example.edu"), graded("s2", WRONG, name="No Mail")])
    assert main(["export", "moodle", str(folder), "--item", "Homework 3", "--id-field", "email"]) == 0
    records = check_moodle_import(read_csv(folder / "moodle.csv"), "email", "Homework 3")
    assert [record["Email address"] for record in records] == ["ada@example.edu"]
    assert "s2 (No Mail): the submission gives no email address" in capsys.readouterr().err
    assert read_csv(folder / "unmatched.csv")[1][0] == "s2"


def test_the_same_email_twice(graded):
    export = moodle_rows([graded("s1", CORRECT, email="ada@example.edu"), graded("s2", WRONG, email="ADA@example.edu")],
                         item="Homework 3", id_field="email")
    assert len(export.rows) == 2
    assert [(item.result.student.id, item.reason) for item in export.unmatched] == [
        ("s2", "email address `ADA@example.edu` is also s1's")]


@pytest.mark.parametrize("item, match", [
    ("  ", "--item needs the name of the Moodle grade item"),
    ("Feedback", "cannot be called `Feedback`"),
    ("ID number", "cannot be called `ID number`"),
])
def test_bad_item_names(graded, item, match):
    with pytest.raises(UsageError, match=match):
        moodle_rows([graded("s1", CORRECT)], item=item)


def test_help_explains_the_mapping_step(capsys):
    with pytest.raises(SystemExit):
        main(["export", "moodle", "--help"])
    text = capsys.readouterr().out
    assert "Map from" in text and "Map to" in text and "Feedback" in text
