"""The plain CSV: the gradebook plus one column per question."""

from __future__ import annotations

from export_support import CORRECT, WRONG, read_csv
from grader.cli import main
from grader.results import Override


def test_gradebook_and_question_columns(graded, out_dir):
    wrong = graded("s2", WRONG, name="Charles Babbage")
    decided = [q.model_copy(update={"override": Override(score=0.5, comment="half"), "score": 0.5, "status": "partial"}) if q.id == "q3" else q
               for q in wrong.questions]
    folder = out_dir([wrong.model_copy(update={"questions": decided}),
                      graded("s1", CORRECT, name="Ada Lovelace", email="ada@example.edu")])
    assert main(["export", "csv", str(folder)]) == 0
    assert (folder / "grades.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # for Excel
    assert read_csv(folder / "grades.csv") == [
        ["student_id", "name", "email", "score", "max_score", "q1", "q2", "q3", "q4", "to_review"],
        ["s1", "Ada Lovelace", "ada@example.edu", "6", "6", "2", "1", "2", "1", "q3"],
        ["s2", "Charles Babbage", "", "1", "6", "0", "0", "0.5", "1", ""],  # the TA's decision is final
    ]


def test_a_question_a_result_lacks_is_empty(graded, out_dir, tmp_path):
    full = graded("s1", CORRECT)
    short = graded("s2", CORRECT).model_copy(update={"questions": full.questions[:2]})
    folder = out_dir([full, short])
    assert main(["export", "csv", str(folder), "-o", str(tmp_path / "sheet.csv")]) == 0
    assert read_csv(tmp_path / "sheet.csv")[2][5:] == ["2", "1", "", "", ""]
