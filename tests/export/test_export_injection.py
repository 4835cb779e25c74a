"""A student named =HYPERLINK(...) comes out inert in every CSV we write."""

from __future__ import annotations

import pytest

from export_support import CORRECT, HYPERLINK, WRONG, assert_inert, read_csv
from grader.cli import main

ROSTER = "Student,ID,SIS User ID,SIS Login ID,Section\n\"Lovelace, Ada\",101,s1,ada,-Section A\n"


@pytest.mark.parametrize("command, files", [
    # file -> whether the =HYPERLINK student's name or email is in it (neutralised)
    (["canvas", "--assignment", "Homework 3"], {"canvas.csv": True}),
    (["canvas", "--assignment", "=cmd|' /C calc'!A0", "--roster", "@ROSTER"],
     {"canvas.csv": False, "unmatched.csv": True}),
    (["moodle", "--item", "+Homework", "--id-field", "email"], {"moodle.csv": True, "unmatched.csv": True}),
    (["moodle", "--item", "@Homework"], {"moodle.csv": False}),
    (["csv"], {"grades.csv": True}),
])
def test_every_csv_is_inert(graded, out_dir, tmp_path, command, files):
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    folder = out_dir([
        graded("s1", CORRECT, name="Ada Lovelace", email="ada@example.edu"),
        graded("s2", WRONG, name=HYPERLINK, email=HYPERLINK),
        graded("s3", WRONG, name="-1", email="@mention"),
        graded("s4", CORRECT, name=HYPERLINK),
    ])
    argv = ["export", command[0], str(folder), *[str(roster) if a == "@ROSTER" else a for a in command[1:]]]
    assert main(argv) == 0
    for name, has_student in files.items():
        rows = read_csv(folder / name)
        assert_inert(rows)
        cells = [value for row in rows for value in row]
        assert HYPERLINK not in cells, f"{name}: the formula is live"
        assert ("'" + HYPERLINK in cells) is has_student, name
