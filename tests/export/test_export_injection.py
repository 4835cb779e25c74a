"""A student named =HYPERLINK(...) comes out inert in every CSV we write."""

from __future__ import annotations

import pytest

from export_support import CORRECT, HYPERLINK, WRONG, assert_inert, read_csv
from grader.cli import main

ROSTER = "Student,ID,SIS User ID,SIS Login ID,Section\n\"Lovelace, Ada\",101,s1,ada,-Section A\n"


@pytest.mark.parametrize("command, files", [
    (["canvas", "--assignment", "Homework 3"], ["canvas.csv"]),
    (["canvas", "--assignment", "=cmd|' /C calc'!A0", "--roster", "@ROSTER"], ["canvas.csv", "unmatched.csv"]),
    (["moodle", "--item", "+Homework", "--id-field", "email"], ["moodle.csv", "unmatched.csv"]),
    (["csv"], ["grades.csv"]),
])
def test_every_csv_is_inert(graded, out_dir, tmp_path, command, files):
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    folder = out_dir([
        graded("s1", CORRECT, name="Ada Lovelace", email="ada@example.edu"),
        graded("s2", WRONG, name=HYPERLINK, email=HYPERLINK),
        graded("s3", WRONG, name="-1", email="@mention"),
    ])
    argv = ["export", command[0], str(folder), *[str(roster) if a == "@ROSTER" else a for a in command[1:]]]
    assert main(argv) == 0
    for name in files:
        rows = read_csv(folder / name)
        assert_inert(rows)
        cells = [value for row in rows for value in row]
        assert HYPERLINK not in cells, f"{name}: the formula is live"
        if name != "moodle.csv" or "email" in command:
            assert "'" + HYPERLINK in cells, f"{name}: the student is missing"
