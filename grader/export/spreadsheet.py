"""A plain CSV for spreadsheets: the gradebook (who, score, out of) plus one column per question."""

from __future__ import annotations

from grader.files.csv_cells import Cell
from grader.results import Result

GRADEBOOK_COLUMNS = ("student_id", "name", "email", "score", "max_score")
REVIEW_COLUMN = "to_review"  # free-text answers whose score is provisional until a TA decides


def question_ids(results: list[Result]) -> list[str]:
    """Every question id, in rubric order (the order the results list them), each once."""
    ids: dict[str, None] = {}
    for result in results:
        ids.update((question.id, None) for question in result.questions)
    return list(ids)


def spreadsheet_rows(results: list[Result]) -> list[list[Cell]]:
    """Header, then one row per student sorted by student id; a question a result lacks is an empty cell."""
    ids = question_ids(results)
    rows: list[list[Cell]] = [[*GRADEBOOK_COLUMNS, *ids, REVIEW_COLUMN]]
    for result in sorted(results, key=lambda result: result.student.id):
        scores = {question.id: question.score for question in result.questions}
        review = [q.id for q in result.questions if q.provisional]
        rows.append([result.student.id, result.student.name, result.student.email, result.score, result.max_score,
                     *(scores.get(qid) for qid in ids), " ".join(review)])
    return rows
