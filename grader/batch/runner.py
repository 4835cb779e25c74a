"""Find the submissions and grade them in worker processes, one chunk of files at a time.

Each worker loads the rubric once (its initializer; with "fork" it is inherited already loaded),
then for every file of a chunk: loads, grades, applies the TA's decisions, renders the student's
reports and writes them into the staging folder, and hands back a small record (`records`).
Everything that can go wrong with one file — a SubmissionError or any unexpected exception — is
caught for that file alone and becomes a `Problem`; writing output is not caught: a full disk
must stop the run (and leave the previous output untouched).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from grader.batch.overrides import Overrides, apply_decisions
from grader.batch.records import Graded, Problem, compact_row
from grader.batch.review import review_entries
from grader.errors import GraderError
from grader.grading import check_assignment, grade_submission
from grader.reports import render_result
from grader.rubric import LoadedRubric, load_rubric
from grader.submission import load_submission

SUBMISSION_SUFFIXES = (".yaml", ".yml")
CHUNK_FILES = 32  # files per task: big enough to amortise the pipe, small enough to balance and show progress
REPORT_SUFFIXES = {"html": ".html", "markdown": ".md"}


@dataclass(frozen=True)
class WorkerSetup:
    """What every worker needs; inherited with fork, pickled with spawn."""

    rubric_path: str
    reports_folder: str | None  # None: --no-reports
    overrides: Overrides | None


def discover(folder: Path, skip: Path | None = None) -> list[tuple[Path, str]]:
    """Every *.yaml / *.yml under `folder`, as (path, relative name), sorted by name.

    `skip` is the output folder: when it lies inside `folder`, it and its staging siblings
    (`.OUT.tmp-*`, `.OUT.old-*`) are not submissions.
    """
    skip_resolved = skip.resolve() if skip is not None else None
    found: list[tuple[Path, str]] = []
    for root, folders, files in os.walk(folder):
        here = Path(root)
        if skip_resolved is not None:
            folders[:] = [name for name in folders if not _is_output(here / name, skip_resolved)]
        for name in files:
            if name.endswith(SUBMISSION_SUFFIXES):
                path = here / name
                found.append((path, path.relative_to(folder).as_posix()))
    found.sort(key=lambda item: item[1])
    return found


def _is_output(path: Path, out: Path) -> bool:
    resolved = path.resolve()
    return resolved == out or (resolved.parent == out.parent and resolved.name.startswith(f".{out.name}."))


# --- the worker side -----------------------------------------------------------------------------
_rubric: LoadedRubric | None = None
_setup: WorkerSetup | None = None
_titles: dict[str, str] = {}


def init_worker(setup: WorkerSetup, *, subprocess: bool = True) -> None:
    """Load the rubric once per process; Ctrl-C is the parent's to handle."""
    global _rubric, _setup, _titles
    if subprocess:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    _setup = setup
    _rubric = load_rubric(setup.rubric_path)
    _titles = {qid: question.title for qid, question in _rubric.questions.items() if question.title}


def grade_chunk(chunk: list[tuple[str, str]]) -> list[Graded | Problem]:
    """Grade (path, name) pairs; write each graded student's reports; return the records."""
    assert _rubric is not None and _setup is not None, "init_worker runs first"
    records: list[Graded | Problem] = []
    for path, name in chunk:
        record, reports = grade_one(path, name)
        if reports is not None and _setup.reports_folder is not None:
            assert isinstance(record, Graded)
            for report_format, text in reports.items():
                write_report(Path(_setup.reports_folder) / f"{record.row.id}{REPORT_SUFFIXES[report_format]}", text)
        records.append(record)
    return records


def grade_one(path: str, name: str) -> tuple[Graded | Problem, dict[str, str] | None]:
    """One file -> its record and rendered reports; never raises for a problem with the file."""
    assert _rubric is not None and _setup is not None
    try:
        submission, warnings = load_submission(path)
        check_assignment(submission, _rubric, name)
        provisional = grade_submission(submission, _rubric, warnings=warnings)
        decisions = _setup.overrides.by_student.get(provisional.student.id) if _setup.overrides else None
        result = apply_decisions(provisional, decisions, _rubric)
        reports = None
        if _setup.reports_folder is not None:
            reports = {report_format: render_result(result, report_format, title=_rubric.rubric.title,
                                                    titles=_titles)
                       for report_format in REPORT_SUFFIXES}
        record = Graded(file=name, row=compact_row(result, _rubric), json_line=result.to_json(),
                        reviews=review_entries(provisional, result, _rubric))
        return record, reports
    except GraderError as exc:
        if exc.path == path:
            exc.path = name  # the name relative to the batch folder, so output does not depend on where it is
        return Problem(name, str(exc)), None
    except Exception as exc:  # noqa: BLE001 - one broken file must never stop the batch
        return Problem(name, f"{name}: the grader failed on this file ({type(exc).__name__}: {exc}); "
                             "please report this as a bug, with the file"), None


def write_report(path: Path, text: str) -> None:
    """Write one report, never over another: a second file with the same student id is dropped later anyway."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    except FileExistsError:
        return  # both files that share the id end up in problems.jsonl, and their reports are removed
    with open(descriptor, "wb") as stream:
        stream.write(text.encode("utf-8"))


# --- the parent side -----------------------------------------------------------------------------
def grade_files(files: list[tuple[Path, str]], setup: WorkerSetup, jobs: int) -> Iterator[list[Graded | Problem]]:
    """Yield the records chunk by chunk, in whatever order the workers finish (the caller sorts)."""
    chunks = [[(str(path), name) for path, name in files[start:start + CHUNK_FILES]]
              for start in range(0, len(files), CHUNK_FILES)]
    if jobs <= 1 or len(chunks) <= 1:
        init_worker(setup, subprocess=False)
        for chunk in chunks:
            yield grade_chunk(chunk)
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with context.Pool(min(jobs, len(chunks)), initializer=init_worker, initargs=(setup,)) as pool:
        yield from pool.imap_unordered(grade_chunk, chunks)
