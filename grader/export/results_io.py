"""Read a `grade batch` output folder: results.jsonl (one Result per line) and problems.jsonl.

results.jsonl may have been edited by hand, so every line is checked before anything is exported:
scores that are finite numbers within 0..max_score (rubrics declare no bonus points), question scores
that add up to the total, question points that add up to max_score, one max_score for every line.
An impossible score is refused with the file, the line and the fix, never exported.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from pydantic import ValidationError

from grader.errors import UsageError
from grader.results import QuestionResult, Result, format_points

RESULTS_FILE = "results.jsonl"
PROBLEMS_FILE = "problems.jsonl"
BATCH_HINT = "run `grade batch DIR --rubric FILE --out OUT` first, then export from OUT"
EDITED_HINT = ("run `grade batch` again to rewrite results.jsonl (TA decisions belong in an --overrides file), "
               "or correct the number on that line")
SUM_SLACK = 1e-3  # each score is rounded to 4 decimals, so a sum may differ from the rounded total by ~1e-4


def results_file(out_dir: str | Path) -> Path:
    """OUT/results.jsonl, or a UsageError saying how to make it."""
    folder = Path(out_dir)
    if not folder.is_dir():
        raise UsageError("there is no such folder", path=str(folder), hint=BATCH_HINT)
    path = folder / RESULTS_FILE
    if not path.is_file():
        raise UsageError(f"the folder has no {RESULTS_FILE}", path=str(folder), hint=BATCH_HINT)
    return path


def read_results(out_dir: str | Path) -> list[Result]:
    """Every Result in OUT/results.jsonl, sorted by student id; a bad line is an error naming the line."""
    path = results_file(out_dir)
    try:
        # "\n" only: JSON leaves U+2028 and U+0085 raw inside strings, and str.splitlines() splits at them
        lines = path.read_text(encoding="utf-8").split("\n")
    except UnicodeDecodeError as exc:
        raise UsageError(f"the file is not UTF-8 text ({exc.reason} at byte {exc.start})", path=str(path),
                         hint=BATCH_HINT) from None
    results: list[Result] = []
    first_line: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        result = _parse_line(line, path, number)
        _check_scores(result, path, number)
        if results and not math.isclose(result.max_score, results[0].max_score, abs_tol=SUM_SLACK):
            raise UsageError(f"max_score is {format_points(result.max_score)} here, but "
                             f"{format_points(results[0].max_score)} on line {first_line[results[0].student.id]}",
                             path=str(path), where=f"line {number}", hint=EDITED_HINT)
        if results and result.assignment != results[0].assignment:
            raise UsageError(f"this result is for assignment `{result.assignment}`, the ones before it for "
                             f"`{results[0].assignment}`", path=str(path), where=f"line {number}",
                             hint="export one assignment at a time: one `grade batch --out` folder each")
        if result.student.id in first_line:
            raise UsageError(f"student `{result.student.id}` is graded twice (lines {first_line[result.student.id]} "
                             f"and {number})", path=str(path), where=f"line {number}",
                             hint="keep one submission per student and run `grade batch` again")
        first_line[result.student.id] = number
        results.append(result)
    if not results:
        raise UsageError("the file holds no results", path=str(path), hint=BATCH_HINT)
    return sorted(results, key=lambda result: result.student.id)


def _parse_line(line: str, path: Path, number: int) -> Result:
    try:
        return Result.model_validate_json(line)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        place = ".".join(str(part) for part in error["loc"]) or "the line"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise UsageError(f"not a graded result: {place}: {error['msg']}{more}", path=str(path),
                         where=f"line {number}", hint=BATCH_HINT) from None


def _check_scores(result: Result, path: Path, number: int) -> None:
    """Refuse a result whose scores no grading run could have produced."""
    who = f"student `{result.student.id[:64]}`"
    total = _score_in_range(result.score, result.max_score, f"{who}: the score", path, number)
    for question in result.questions:
        _question_in_range(question, who, path, number)
    if not result.questions:
        return
    added = sum(question.score for question in result.questions)
    if abs(added - total) > SUM_SLACK:
        raise UsageError(f"{who}: the question scores add up to {format_points(added)}, but the score is "
                         f"{format_points(total)}", path=str(path), where=f"line {number}", hint=EDITED_HINT)
    points = sum(question.max_score for question in result.questions)
    if abs(points - result.max_score) > SUM_SLACK:
        raise UsageError(f"{who}: the questions are worth {format_points(points)} points, but max_score is "
                         f"{format_points(result.max_score)}", path=str(path), where=f"line {number}",
                         hint=EDITED_HINT)


def _question_in_range(question: QuestionResult, who: str, path: Path, number: int) -> None:
    what = f"{who}, question `{question.id[:64]}`"
    _score_in_range(question.score, question.max_score, f"{what}: the score", path, number)
    if question.override is not None:
        _score_in_range(question.override.score, question.max_score, f"{what}: the TA decision", path, number)


def _score_in_range(score: float, max_score: float, what: str, path: Path, number: int) -> float:
    """`score` when it is finite and within 0..max_score, else a UsageError naming the line."""
    def refuse(message: str) -> UsageError:
        return UsageError(message, path=str(path), where=f"line {number}", hint=EDITED_HINT)

    if not math.isfinite(max_score) or max_score < 0:
        raise refuse(f"{what}: the maximum `{max_score}` is not a number of points")
    if not math.isfinite(score):
        raise refuse(f"{what} is `{score}`, not a finite number")
    if score < -SUM_SLACK or score > max_score + SUM_SLACK:
        raise refuse(f"{what} {format_points(score)} is outside 0..{format_points(max_score)} "
                     "(the rubric declares no bonus points)")
    return score


def count_problems(out_dir: str | Path) -> int:
    """How many files `grade batch` could not grade (lines of problems.jsonl; 0 when there is none)."""
    path = Path(out_dir) / PROBLEMS_FILE
    if not path.is_file():
        return 0
    count = 0
    for line in path.read_text(encoding="utf-8", errors="replace").split("\n"):
        try:
            count += isinstance(json.loads(line), dict)
        except ValueError:
            continue
    return count


