"""Find the submissions and grade them in worker processes, one chunk of files at a time.

Each worker loads the rubric once (its initializer; with "fork" it is inherited already loaded),
then for every file of a chunk: loads, grades, applies the TA's decisions, renders the student's
reports and writes them into the staging folder, and hands back a small record (`records`).
Everything that can go wrong with one file — a SubmissionError or any unexpected exception — is
caught for that file alone and becomes a `Problem`; writing output is not caught: a full disk
must stop the run (and leave the previous output untouched).

On a rerun, the parent goes through the files while the workers grade: a file the result cache
settles (grader.batch.result_cache) never reaches a worker, and only the others are sent (`_to_grade`).
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import signal
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path
from queue import SimpleQueue

from grader.batch.collect import PREVIOUS_CACHE, PREVIOUS_RESULTS, PREVIOUS_REVIEW, Spill, Student, spill_record
from grader.files.out_folder import FileDigest, file_digest
from grader.batch.overrides import Overrides, StaleNote, apply_decisions, decisions_digest
from grader.batch.records import Graded, Problem, compact_row, row_from_json, row_to_json
from grader.batch.review import review_entries
from grader.batch.result_cache import Cached, ResultCache, line_digest, submission_key
from grader.errors import GraderError, SubmissionError
from grader.grading import check_assignment, grade_submission
from grader.reports import render_result
from grader.results import Result
from grader.rubric import LoadedRubric, load_rubric
from grader.files.safe_files import Found, find_yaml_files, read_open_file, shown
from grader.safe_yaml import MAX_BYTES, load_yaml_bytes
from grader.submission import load_submission, parse_submission

_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
CHUNK_FILES = 32  # files per task: big enough to amortise the pipe, small enough to balance and show progress
REPORT_SUFFIXES = {"html": ".html", "markdown": ".md"}


@dataclass(frozen=True)
class WorkerSetup:
    """What every worker needs; inherited with fork, pickled with spawn."""

    rubric_path: str
    reports_folder: str | None  # None: --no-reports
    overrides: Overrides | None
    recorded: dict[str, str] | None = None  # file name -> Result JSON to use instead of grading (grade collect)
    cache: ResultCache | None = None  # the previous run's gradings (grader.batch.result_cache)
    keyed: bool = False  # compute each file's cache key, so the parent can write this run's cache
    scratch: str | None = None  # the folder of the workers' spill files (grader.batch.collect); None: the parent's


def discover(folder: Path, skip: Path | None = None) -> Found:
    """Every submission file under `folder` (grader.safe_files: one rule for batch and Gradescope).

    `skip` is the output folder: when it lies inside `folder`, it and its staging siblings
    (`.OUT.tmp-*`, `.OUT.old-*`) are not submissions. What cannot be searched or read (an
    unreadable folder, a FIFO, a folder link that loops) comes back as a problem.
    """
    return find_yaml_files(folder, skip=skip)


# --- the worker side -----------------------------------------------------------------------------
_rubric: LoadedRubric | None = None
_setup: WorkerSetup | None = None
_titles: dict[str, str] = {}
_overrides: Overrides | None = None  # the TA's decisions and stale notes; None when there are neither
_spill: Spill | None = None  # this process's spill file, when the setup has a scratch folder


def init_worker(setup: WorkerSetup, *, subprocess: bool = True) -> None:
    """Load the rubric once per process; Ctrl-C is the parent's to handle."""
    global _rubric, _setup, _titles, _overrides, _spill
    if subprocess:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the parent's handler is for the parent (pool.terminate)
    _setup = setup
    _overrides = _in_force(setup.overrides)
    _close_spill()  # (an earlier batch in this process)
    _spill = Spill(Path(setup.scratch), os.getpid()) if setup.scratch is not None else None
    _rubric = load_rubric(setup.rubric_path)
    _titles = {qid: question.title for qid, question in _rubric.questions.items() if question.title}


def _in_force(overrides: Overrides | None) -> Overrides | None:
    """The decisions to apply; None when there are none (stale notes count as much: a file may hold only those)."""
    return overrides if overrides is not None and (overrides.by_student or overrides.stale_notes) else None


def grade_chunk(chunk: list[tuple[str, str]]) -> list[Graded | Problem]:
    """Grade (path, name) pairs; write each graded student's reports; return the records."""
    assert _rubric is not None and _setup is not None, "init_worker runs first"
    records: list[Graded | Problem] = []
    for path, name in chunk:
        record, reports = grade_one(path, name)
        if reports and _setup.reports_folder is not None:
            assert isinstance(record, Graded)
            written = [write_report(Path(_setup.reports_folder) / f"{record.row.id}{REPORT_SUFFIXES[report_format]}",
                                    text) for report_format, text in reports.items()]
            record = record._replace(report_digests=tuple(digest for digest in written if digest is not None))
        if _spill is not None and isinstance(record, Graded):
            record = spill_record(record, _spill)
        records.append(record)
    if _spill is not None:
        _spill.flush()  # before the parent reads what these records point to
    return records


def grade_one(path: str, name: str) -> tuple[Graded | Problem, dict[str, str] | None]:
    """One file -> its record and rendered reports ({} when the previous run's are reused); never raises
    for a problem with the file. A file the result cache knows is not graded again."""
    assert _rubric is not None and _setup is not None
    key = None
    try:
        data = _submission_bytes(path) if _setup.keyed else None
        key = submission_key(name, data) if data is not None else None
        cache = _setup.cache
        cached = cache.get(name, key) if key is not None and cache is not None else None  # (not a problem: see _to_grade)
        provisional_json = cache.provisional_json(cached) if cached is not None and cache is not None else None
        if provisional_json is not None:
            provisional = Result.model_validate_json(provisional_json)
        else:
            submission, warnings = (parse_submission(load_yaml_bytes(data, shown(path), SubmissionError), str(path))
                                    if data is not None else load_submission(path))
            check_assignment(submission, _rubric, name)
            provisional = (Result.model_validate_json(_setup.recorded[name]) if _setup.recorded is not None
                           else grade_submission(submission, _rubric, warnings=warnings))
        student_id = provisional.student.id
        decisions = _overrides.by_student.get(student_id) if _overrides is not None else None
        notes = _overrides.stale_notes.get(student_id) if _overrides is not None else None
        result, stale_decisions = apply_decisions(provisional, decisions, _rubric)
        stale = dict(notes or {})
        stale.update({qid: StaleNote(decision.score, decision.comment) for qid, decision in stale_decisions.items()})
        if result is provisional and provisional_json is not None:
            json_line = provisional_json  # the very line it was read from (a Result's JSON reads back exactly)
            final_digest = cached.final if cached is not None and cached.provisional is None else line_digest(json_line)
        else:
            json_line = result.to_json()
            final_digest = line_digest(json_line) if key is not None else None
        reports = None
        reused = None
        if _setup.reports_folder is not None:
            reused = (cache.reuse_reports(cached, final_digest, _report_names(student_id))
                      if final_digest is not None and cache is not None else None)
            reports = {} if reused is not None else {
                report_format: render_result(result, report_format, title=_rubric.rubric.title, titles=_titles)
                for report_format in REPORT_SUFFIXES}
        provisional_line = None
        if key is not None and result is not provisional:  # the cache keeps the Result before the decisions
            provisional_line = provisional_json if provisional_json is not None else provisional.to_json()
        row = compact_row(result, _rubric)
        record = Graded(file=name, row=row, json_line=json_line,
                        reviews=review_entries(provisional, result, _rubric, stale),
                        decided=len(decisions or {}) - len(stale_decisions), stale=tuple(sorted(stale)),
                        cache_key=key, final_digest=final_digest, provisional=provisional_line,
                        carried=reused or (), row_json=row_to_json(row) if key is not None else None,
                        decisions=decisions_digest(decisions, notes))
        return record, reports
    except GraderError as exc:
        if exc.path in (path, shown(path)):
            exc.path = name  # the name relative to the batch folder, so output does not depend on where it is
            exc.hint = exc.hint.replace(shown(path), name) if exc.hint else exc.hint
        return Problem(name, shown(str(exc)), key), None
    except Exception as exc:  # noqa: BLE001 - one broken file must never stop the batch
        return Problem(name, shown(f"{name}: the grader failed on this file ({type(exc).__name__}: {exc}); "
                                   "please report this as a bug, with the file")), None


def _report_names(student_id: str) -> tuple[str, ...]:
    return tuple(f"{student_id}{suffix}" for suffix in REPORT_SUFFIXES.values())


def _submission_bytes(path: str) -> bytes | None:
    """The file's bytes for the cache key; None when it cannot be read as a submission (load_submission
    then reads it again and says why, exactly as without the cache)."""
    try:
        descriptor = os.open(path, _READ_FLAGS)  # (a FIFO does not block: it is not a regular file, below)
    except OSError:
        return None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_BYTES:
            return None
        data = read_open_file(descriptor, info.st_size, MAX_BYTES)
    except OSError:
        return None
    finally:
        os.close(descriptor)
    return data if len(data) <= MAX_BYTES else None


def write_report(path: Path, text: str) -> FileDigest | None:
    """Write one report, never over another: a second file with the same student id is dropped later anyway.
    Its sha256 with the identity of the file written (for the manifest: it need not read the file back)."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    except FileExistsError:
        return None  # both files that share the id end up in problems.jsonl, and their reports are removed
    data = text.encode("utf-8")
    with open(descriptor, "wb", closefd=False) as stream:
        stream.write(data)
    try:
        info = os.fstat(descriptor)
    finally:
        os.close(descriptor)
    return file_digest(info, hashlib.sha256(data).hexdigest())


def _close_spill() -> None:
    global _spill
    if _spill is not None:
        _spill.close()
        _spill = None


# --- the parent side -----------------------------------------------------------------------------
def grade_files(files: list[tuple[Path, str]], setup: WorkerSetup, jobs: int) -> Iterator[list[Graded | Problem | Student]]:
    """Yield the records chunk by chunk, in whatever order they are ready (the caller sorts). The files the
    result cache settles are taken in this process while the workers grade the others (`_to_grade`)."""
    settled: SimpleQueue[Graded | Problem | Student] = SimpleQueue()
    chunks = _to_grade(files, setup, settled.put)
    if jobs <= 1 or len(files) <= CHUNK_FILES:
        init_worker(setup, subprocess=False)
        try:
            for chunk in chunks:
                yield grade_chunk(chunk)
                yield from _drained(settled)
            yield from _drained(settled)
        finally:
            _close_spill()
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with context.Pool(min(jobs, -(-len(files) // CHUNK_FILES)), initializer=init_worker, initargs=(setup,)) as pool:
        for records in pool.imap_unordered(grade_chunk, chunks):  # (the pool's feeder thread runs `chunks`)
            yield records
            yield from _drained(settled)
        yield from _drained(settled)


def _drained(queue: SimpleQueue[Graded | Problem | Student]) -> Iterator[list[Graded | Problem | Student]]:
    records = []
    while not queue.empty():
        records.append(queue.get())
    if records:
        yield records


def _to_grade(files: list[tuple[Path, str]], setup: WorkerSetup,
              taken: Callable[[Graded | Problem | Student], None]) -> Iterator[list[tuple[str, str]]]:
    """The chunks of files the workers must grade; the records of the others go to `taken`: a problem the result
    cache knows, and a settled student, whose outputs are the previous run's, unchanged. That is the same file
    (key) under the same rubric, solver and grader (the cache's fingerprint), with the same decisions and stale
    notes, and reports that can be carried over: the record points to their texts where the previous OUT has
    them. Reading and hashing a file costs less than a worker's record of it. The settled students' records
    are built once every chunk is out, while the workers grade the last ones."""
    cache = setup.cache if setup.keyed else None
    overrides = _in_force(setup.overrides)
    settled: list[tuple[str, str, str, Cached, tuple[str, ...]]] = []
    chunk: list[tuple[str, str]] = []
    for path, name in files:
        data = _submission_bytes(str(path)) if cache is not None else None
        key = submission_key(name, data) if data is not None else None
        cached = cache.get(name, key) if cache is not None and key is not None else None
        if cached is not None and key is not None and cached.problem is not None:
            taken(Problem(name, cached.problem, key))
            continue
        carried = (_carried_if_settled(cached, cache, overrides, setup.reports_folder is not None)
                   if cached is not None and cache is not None and cache.settle else None)
        if carried is not None and key is not None and cached is not None:
            settled.append((str(path), name, key, cached, carried))
            continue
        chunk.append((str(path), name))
        if len(chunk) == CHUNK_FILES:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
    left: list[tuple[str, str]] = []
    for path_text, name, key, cached, carried in settled:
        student = _settled_student(name, key, cached, carried)
        if student is not None:
            taken(student)
        else:  # (a row that does not read back: the file is graded after all)
            left.append((path_text, name))
    yield from (left[start:start + CHUNK_FILES] for start in range(0, len(left), CHUNK_FILES))


def _carried_if_settled(cached: Cached, cache: ResultCache, overrides: Overrides | None,
                        reports: bool) -> tuple[str, ...] | None:
    """The report files to carry over when this cached student is settled (none without reports); None when not."""
    settled = cached.settled
    if settled is None:
        return None
    decisions = overrides.by_student.get(settled.student) if overrides is not None else None
    notes = overrides.stale_notes.get(settled.student) if overrides is not None else None
    if decisions_digest(decisions, notes) != settled.decisions:
        return None
    return cache.reuse_reports(cached, cached.final, _report_names(settled.student)) if reports else ()


def _settled_student(name: str, key: str, cached: Cached, carried: tuple[str, ...]) -> Student | None:
    """A settled student as the collector keeps them (see `_to_grade`); None when their row does not read back
    as theirs."""
    settled = cached.settled
    assert settled is not None and cached.at is not None
    try:
        row = row_from_json(settled.row)
    except (ValueError, TypeError):
        return None
    if row.id != settled.student:
        return None
    offset, length = cached.at
    reviews = settled.reviews
    return Student(name, row, (offset, length + 1, PREVIOUS_RESULTS),
                   tuple(zip(reviews[::3], zip(reviews[1::3], reviews[2::3], repeat(PREVIOUS_REVIEW)))),
                   settled.decided, settled.stale, key, cached.final,
                   (*cached.provisional, PREVIOUS_CACHE) if cached.provisional is not None else None,
                   settled.row, settled.decisions, carried)
