"""The README explains the imports, including Moodle's mapping step (the section the lead pastes in)."""

from __future__ import annotations

from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.mark.parametrize("topic, phrases", [
    ("the commands", ["grade export canvas", "grade export moodle", "grade export csv", "grade export gradescope-zip",
                      "grade gradescope"]),
    ("Canvas's import", ["Export Entire Gradebook", "--roster", "Grades → Import", "unmatched.csv"]),
    ("Moodle's mapping step", ["Grades → Import → CSV file", "Identify user by", "Map from", "Map to",
                               "Grade item mappings", "Feedback"]),
    ("Gradescope's setup", ["Configure Autograder", "autograder.zip", "setup.sh", "run_autograder", "visibility"]),
])
def test_readme_explains(topic, phrases):
    text = README.read_text(encoding="utf-8")
    missing = [phrase for phrase in phrases if phrase not in text]
    assert not missing, f"README.md does not explain {topic}: {missing} not found"
