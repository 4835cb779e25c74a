"""The plain CSV: the gradebook plus one column per question."""

from __future__ import annotations

from export_support import CORRECT, WRONG, read_csv
from grader.cli import main
from grader.results import Override


def test_gradebook_and_question_columns(graded, out_dir):
    wrong = graded("s2", WRONG, name="Charles Babbage")
    decided = [q.model_copy(update={"override": Override(score=0.5, comment="half"), "score": 0.5, "status": "partial"}) if q.id == "q3" else q
               for q in wrong.questions]
    total = sum(q.score for q in decided)  # as `grade batch --overrides` writes it: the total follows the decision
    folder = out_dir([wrong.model_copy(update={"questions": decided, "score": total}),
                      graded("s1", CORRECT, name="Ada Lovelace", email="ada@example.edu")])
    assert main(["export", "csv", str(folder)]) == 0
    assert (folder / "grades.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # for Excel
    assert read_csv(folder / "grades.csv") == [
        ["student_id", "name", "email", "score", "max_score", "q1", "q2", "q3", "q4", "to_review"],
        ["s1", "Ada Lovelace", "ada@example.edu", "6", "6", "2", "1", "2", "1", "q3"],
        ["s2", "Charles Babbage", "", "1.5", "6", "0", "0", "0.5", "1", ""],  # the TA's decision is final
    ]


def test_a_question_a_result_lacks_is_empty(graded, out_dir, tmp_path):
    full = graded("s1", CORRECT)
    # results.jsonl must still add up (the export checks it): s2 has q1, q2 and a q5 worth what q3 and q4 were
    q5 = full.questions[2].model_copy(update={"id": "q5", "score": 0.0, "max_score": 3.0, "status": "incorrect"})
    short = graded("s2", CORRECT).model_copy(update={"questions": [*full.questions[:2], q5], "score": 3.0})
    folder = out_dir([full, short])
    assert main(["export", "csv", str(folder), "-o", str(tmp_path / "sheet.csv")]) == 0
    rows = read_csv(tmp_path / "sheet.csv")
    assert rows[0][5:] == ["q1", "q2", "q3", "q4", "q5", "to_review"]
    assert rows[1][5:] == ["2", "1", "2", "1", "", "q3"] and rows[2][5:] == ["2", "1", "", "", "0", ""]
