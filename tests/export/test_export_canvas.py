"""The Canvas CSV, checked against the gradebook importer's rules (export_support.check_canvas_import)."""

from __future__ import annotations

import pytest

from export_support import CORRECT, HYPERLINK, MAX_SCORE, WRONG, assert_inert, check_canvas_import, read_csv
from grader.cli import main
from grader.errors import UsageError
from grader.export.canvas import assignment_column, canvas_rows
from grader.files.canvas_roster import read_roster

ROSTER = """\
Student,ID,SIS User ID,SIS Login ID,Section,Homework 3 (12345),Current Score,Final Score
    Points Possible,,,,,6,(read only),(read only)
,,,,,Manual Posting,,
"Lovelace, Ada",101,s1,ada.l,Section A,,,
"Babbage, Charles",102,,s2,Section B,,,
"Hopper, Grace",103,u-777,grace@example.edu,Section A,,,
"Turing, Alan",104,s4,alan.t,Section B,3,,
"Student, Test",999,,,Section A,,,
"""


def run_canvas(folder, *options):
    assert main(["export", "canvas", str(folder), "--assignment", "Homework 3", *options]) == 0
    return read_csv(folder / "canvas.csv")


def test_without_roster(graded, out_dir):
    folder = out_dir([graded("s2", WRONG, name="Charles Babbage"), graded("s1", CORRECT, name="Ada Lovelace")])
    read = check_canvas_import(run_canvas(folder, "--assignment-id", "12345", "--points-possible"))
    assert read["assignments"] == ["Homework 3 (12345)"]
    assert read["points"] == ["    Points Possible", "", "", "", "", "6"]
    # our student id is the SIS User ID; Canvas's own ID is unknown without a roster
    assert [(s["Student"], s["ID"], s["SIS User ID"], s["Homework 3 (12345)"]) for s in read["students"]] == [
        ("Ada Lovelace", "", "s1", "6"), ("Charles Babbage", "", "s2", "1")]


def test_title_alone_and_no_points_row(graded, out_dir):
    rows = run_canvas(out_dir([graded("s1", CORRECT)]))
    read = check_canvas_import(rows)
    assert read["assignments"] == ["Homework 3"] and read["points"] is None
    assert rows[1] == ["", "", "s1", "", "", "6"]


@pytest.mark.parametrize("title, assignment_id, expected", [
    ("Homework 3", "12345", "Homework 3 (12345)"),
    ("  Homework 3 ", " 7 ", "Homework 3 (7)"),
    ("Homework 3", None, "Homework 3"),
    ("Quiz (2)", "55", "Quiz (2) (55)"),
])
def test_assignment_column(title, assignment_id, expected):
    assert assignment_column(title, assignment_id) == expected


@pytest.mark.parametrize("title, assignment_id, match", [
    ("", None, "--assignment needs the assignment's title"),
    ("Homework 3", "abc", "`abc` is not a Canvas assignment id"),
    ("Homework 3", "-5", "is not a Canvas assignment id"),
    ("Quiz (2)", None, r"Canvas would read the end of `Quiz \(2\)` as an assignment id"),
    ("Final Grade", None, "Canvas ignores a column named like `Final Grade`"),
])
def test_assignment_titles_the_importer_would_misread(title, assignment_id, match):
    with pytest.raises(UsageError, match=match):
        assignment_column(title, assignment_id)


def test_roster_round_trip(graded, out_dir, tmp_path, capsys):
    roster = tmp_path / "roster.csv"
    roster.write_text("\ufeff" + ROSTER, encoding="utf-8")  # Canvas may write a byte order mark
    folder = out_dir([
        graded("s1", CORRECT),                               # SIS User ID
        graded("s2", WRONG),                                 # SIS Login ID
        graded("s3", CORRECT, email="Grace@Example.edu"),    # email (the login), any case
        graded("s9", WRONG, name="Nobody Known", email="nobody@example.edu"),  # matches no one
    ])
    rows = run_canvas(folder, "--assignment-id", "12345", "--roster", str(roster), "--points-possible")
    read = check_canvas_import(rows)
    # roster order, the roster's names, ids and sections; the test student and the non-student rows are gone
    assert [[s[c] for c in ("Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Homework 3 (12345)")]
            for s in read["students"]] == [
        ["Lovelace, Ada", "101", "s1", "ada.l", "Section A", "6"],
        ["Babbage, Charles", "102", "", "s2", "Section B", "1"],
        ["Hopper, Grace", "103", "u-777", "grace@example.edu", "Section A", "6"],
        ["Turing, Alan", "104", "s4", "alan.t", "Section B", ""],  # no submission: empty, not 0
    ]
    err = capsys.readouterr().err
    assert "1 graded submission(s) are not in the export" in err and "s9 (Nobody Known)" in err
    assert "1 roster student(s) have no graded submission" in err
    unmatched = read_csv(folder / "unmatched.csv")
    assert unmatched[0] == ["student_id", "name", "email", "score", "max_score", "reason"]
    assert unmatched[1][:5] == ["s9", "Nobody Known", "nobody@example.edu", "1", "6"]
    assert "no roster student" in unmatched[1][5]


def test_missing_as_zero(graded, out_dir, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    rows = run_canvas(out_dir([graded("s1", CORRECT)]), "--roster", str(roster), "--missing-as-zero")
    scores = {s["Student"]: s["Homework 3"] for s in check_canvas_import(rows)["students"]}
    assert scores == {"Lovelace, Ada": "6", "Babbage, Charles": "0", "Hopper, Grace": "0", "Turing, Alan": "0"}


def test_a_stronger_match_wins_and_a_clash_is_reported(graded, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    by_email = graded("s0", WRONG, email="grace@example.edu")
    by_sis_id = graded("u-777", CORRECT)
    export = canvas_rows([by_email, by_sis_id], column="Homework 3", roster=read_roster(roster))
    assert export.rows[3][:3] == ["Hopper, Grace", "103", "u-777"] and export.rows[3][5] == MAX_SCORE
    assert [(item.result.student.id, item.reason) for item in export.unmatched] == [
        ("s0", "its email matches the roster student already given u-777's grade")]


def test_every_submission_matched_leaves_an_empty_unmatched_file(graded, out_dir, tmp_path, capsys):
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    folder = out_dir([graded("s1", CORRECT)])
    run_canvas(folder, "--roster", str(roster))
    assert read_csv(folder / "unmatched.csv") == [["student_id", "name", "email", "score", "max_score", "reason"]]
    assert "warning" not in capsys.readouterr().err


@pytest.mark.parametrize("text, match", [
    ("", "the roster is empty"),
    ("Name,Email\nAda,ada@x\n", r"not a Canvas gradebook export: no Student, ID, Section, SIS User ID or SIS Login ID"),
    ("Student,ID,SIS User ID,Homework\n", "no Section column"),
])
def test_rosters_that_are_not_canvas_exports(tmp_path, text, match):
    roster = tmp_path / "roster.csv"
    roster.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError, match=match):
        read_roster(roster)


def test_roster_not_found(tmp_path):
    with pytest.raises(UsageError, match=r"roster file not found\n  fix: export the gradebook from Canvas"):
        read_roster(tmp_path / "nope.csv")


def test_output_option_and_stable_bytes(graded, out_dir, tmp_path):
    results = [graded("s1", CORRECT, name=HYPERLINK), graded("s2", WRONG, name="Ада Лавлейс")]
    first, second = out_dir(results), out_dir(reversed(results))
    for folder in (first, second):
        assert main(["export", "canvas", str(folder), "--assignment", "Homework 3", "-o", str(folder / "c.csv")]) == 0
    assert (first / "c.csv").read_bytes() == (second / "c.csv").read_bytes()
    rows = read_csv(first / "c.csv")
    assert_inert(rows)
    assert rows[1][0] == "'" + HYPERLINK and rows[2][0] == "Ада Лавлейс"
    assert not list(first.glob(".*.tmp")), "a temporary file was left behind"


def test_files_batch_could_not_grade_are_mentioned(graded, out_dir, capsys):
    folder = out_dir([graded("s1", CORRECT)])
    (folder / "problems.jsonl").write_text('{"file": "bad.yaml", "message": "the key `q1` is given twice"}\n')
    run_canvas(folder)
    assert "note: 1 file(s) could not be graded" in capsys.readouterr().err


def test_the_plain_roster_gives_every_student_a_row_matched_by_id_or_email(graded, out_dir, tmp_path, capsys):
    roster = tmp_path / "students.csv"
    roster.write_text("student_id,name,email\ns1,Ada Lovelace,ada@example.edu\ns2,Charles Babbage,cb@example.edu\n"
                      "s3,Grace Hopper,\n", encoding="utf-8")
    folder = out_dir([graded("s1", CORRECT), graded("c-babbage", WRONG, email="CB@example.edu"),
                      graded("s8", WRONG)])
    read = check_canvas_import(run_canvas(folder, "--roster", str(roster), "--missing-as-zero"))
    assert [(s["Student"], s["ID"], s["SIS User ID"], s["Homework 3"]) for s in read["students"]] == [
        ("Ada Lovelace", "", "s1", "6"), ("Charles Babbage", "", "s2", "1"), ("Grace Hopper", "", "s3", "0")]
    unmatched = read_csv(folder / "unmatched.csv")
    assert [row[0] for row in unmatched[1:]] == ["s8"]


def test_a_roster_neither_plain_nor_canvas_is_refused_naming_both(graded, out_dir, tmp_path, capsys):
    roster = tmp_path / "students.csv"
    roster.write_text("Name,Email\nAda,ada@x\n", encoding="utf-8")
    assert main(["export", "canvas", str(out_dir([graded("s1", CORRECT)])), "--assignment", "Homework 3",
                 "--roster", str(roster)]) == 2
    err = capsys.readouterr().err
    assert "neither a `student_id` column nor Canvas's Student, ID and Section columns" in err
