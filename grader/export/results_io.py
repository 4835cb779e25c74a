"""Read a `grade batch` output folder: results.jsonl (one Result per line) and problems.jsonl."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from grader.errors import UsageError
from grader.results import Result

RESULTS_FILE = "results.jsonl"
PROBLEMS_FILE = "problems.jsonl"
BATCH_HINT = "run `grade batch DIR --rubric FILE --out OUT` first, then export from OUT"


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
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise UsageError(f"the file is not UTF-8 text ({exc.reason} at byte {exc.start})", path=str(path),
                         hint=BATCH_HINT) from None
    results: list[Result] = []
    first_line: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        result = _parse_line(line, path, number)
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


def count_problems(out_dir: str | Path) -> int:
    """How many files `grade batch` could not grade (lines of problems.jsonl; 0 when there is none)."""
    path = Path(out_dir) / PROBLEMS_FILE
    if not path.is_file():
        return 0
    count = 0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            count += isinstance(json.loads(line), dict)
        except ValueError:
            continue
    return count


