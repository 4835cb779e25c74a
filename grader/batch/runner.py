"""Find the submissions and grade them in worker processes, one chunk of files at a time.

Each worker loads the rubric once (its initializer; with "fork" it is inherited already loaded),
then for every file of a chunk: reads it, takes the Result before decisions from the result cache
when the file, the rubric and the solver are unchanged (grader.batch.result_cache) or grades it,
applies the TA's decisions, writes the student's reports into the staging folder, and hands back
a small record (`records`). Everything that can go wrong with one file — a SubmissionError or any
unexpected exception — is caught for that file alone and becomes a `Problem`; writing output is
not caught: a full disk must stop the run (and leave the previous output untouched).
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import signal
import stat
from collections.abc import Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from grader.batch.collect import Spill
from grader.batch.overrides import Overrides, StaleNote, apply_decisions
from grader.batch.records import Graded, Problem, compact_row, pack_texts
from grader.batch.result_cache import ResultCache, line_digest, submission_key
from grader.batch.review import review_entries
from grader.errors import GraderError, RunStopped, SubmissionError
from grader.files.safe_files import Found, find_yaml_files, read_open_file, shown
from grader.grading import check_assignment, grade_submission
from grader.reports import render_result
from grader.results import Result, StudentInfo
from grader.rubric import LoadedRubric, load_rubric
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
    cache: ResultCache | None = None  # the previous run's gradings; None: no cache at all (grade collect)
    previous_reports: str | None = None  # the previous OUT's reports folder, when it has one of its own
    report_digests: Mapping[str, str] = field(default_factory=dict)  # its reports: name -> sha256 (manifest)
    scratch: str = ""  # the folder of the spill files (the staging folder)
    known_students: Mapping[str, StudentInfo] | None = None  # the course's name and email win over the file's


def discover(folder: Path, skip: Path | None = None) -> Found:
    """Every submission file under `folder` (grader.files.safe_files: one rule for batch and Gradescope).

    `skip` is the output folder: when it lies inside `folder`, it and its staging siblings
    (`.OUT.tmp-*`, `.OUT.old-*`) are not submissions. What cannot be searched or read (an
    unreadable folder, a FIFO, a folder link that loops) comes back as a problem.
    """
    return find_yaml_files(folder, skip=skip)


# --- the worker side -----------------------------------------------------------------------------
_rubric: LoadedRubric | None = None
_setup: WorkerSetup | None = None
_titles: dict[str, str] = {}
_spill: Spill | None = None


def init_worker(setup: WorkerSetup, *, subprocess: bool = True) -> None:
    """Load the rubric once per process and open its spill file; Ctrl-C is the parent's to handle."""
    global _rubric, _setup, _titles, _spill
    if subprocess:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the parent's handler (pipeline) is for the parent alone
    _setup = setup
    _spill = Spill(Path(setup.scratch))
    _rubric = load_rubric(setup.rubric_path)
    _titles = {qid: question.title for qid, question in _rubric.questions.items() if question.title}


def grade_chunk(chunk: list[tuple[str, str]]) -> list[Graded | Problem]:
    """Grade (path, name) pairs; write each graded student's reports; return the records."""
    assert _setup is not None and _spill is not None, "init_worker runs first"
    records: list[Graded | Problem] = []
    for path, name in chunk:
        record, result, unchanged = grade_one(path, name)
        if result is not None and _setup.reports_folder is not None:
            record = record._replace(reports=_write_reports(result, unchanged))
        records.append(record)
    _spill.flush()
    return records


def grade_one(path: str, name: str) -> tuple[Graded | Problem, Result | None, bool]:
    """One file -> its record, the final Result to write reports of (None for a problem), and whether it is the
    one the previous OUT's reports were rendered from; never raises for a problem with the file."""
    assert _rubric is not None and _setup is not None, "init_worker runs first"
    key = None
    try:
        cache = _setup.cache
        data = _submission_bytes(path) if cache is not None else None
        key = submission_key(name, data) if data is not None else None
        cached = cache.get(name, key) if cache is not None and key is not None else None
        if cached is not None and cached.problem is not None:
            return Problem(name, cached.problem, key), None, False
        provisional_json = cache.provisional_json(cached) if cache is not None and cached is not None else None
        if provisional_json is not None:
            provisional = Result.model_validate_json(provisional_json)
        else:
            submission, warnings = (parse_submission(load_yaml_bytes(data, shown(path), SubmissionError), str(path))
                                    if data is not None else load_submission(path))
            check_assignment(submission, _rubric, name)
            provisional = (Result.model_validate_json(_setup.recorded[name]) if _setup.recorded is not None
                           else grade_submission(submission, _rubric, warnings=warnings))
        record, result = _graded(name, provisional, provisional_json, key)
        return record, result, cached is not None and cached.final == record.final_digest
    except GraderError as exc:
        if exc.path in (path, shown(path)):
            exc.path = name  # the name relative to the batch folder, so output does not depend on where it is
            exc.hint = exc.hint.replace(shown(path), name) if exc.hint else exc.hint
        return Problem(name, shown(str(exc)), key), None, False
    except Exception as exc:  # noqa: BLE001 - one broken file must never stop the batch
        return Problem(name, shown(f"{name}: the grader failed on this file ({type(exc).__name__}: {exc}); "
                                   "please report this as a bug, with the file")), None, False


def _graded(name: str, provisional: Result, provisional_json: str | None, key: str | None) -> tuple[Graded, Result]:
    """The record of a graded file (the TA's decisions applied, the review entries), and the final Result."""
    assert _rubric is not None and _setup is not None and _spill is not None
    known = _setup.known_students.get(provisional.student.id) if _setup.known_students else None
    if known is not None:
        student = as_known(provisional.student, known)
        if student != provisional.student:
            provisional, provisional_json = provisional.model_copy(update={"student": student}), None
    overrides = _setup.overrides
    student_id = provisional.student.id
    decisions = overrides.by_student.get(student_id) if overrides is not None else None
    stale = dict(overrides.stale_notes.get(student_id, {})) if overrides is not None else {}
    result, stale_decisions = apply_decisions(provisional, decisions, _rubric)
    stale.update({qid: StaleNote(decision.score, decision.comment) for qid, decision in stale_decisions.items()})
    if result is provisional and provisional_json is not None:
        json_line = provisional_json  # the very line it was read from (a Result's JSON reads back exactly)
    else:
        json_line = result.to_json()
    final_digest = line_digest(json_line) if key is not None else None
    changed = result is not provisional and key is not None  # the cache keeps the Result before the decisions
    texts, sizes, questions = pack_texts(json_line, review_entries(provisional, result, _rubric, stale),
                                         (provisional_json or provisional.to_json()) if changed else None)
    record = Graded(file=name, row=compact_row(result, _rubric), at=_spill.add(texts), sizes=sizes, questions=questions,
                    decided=len(decisions or {}) - len(stale_decisions), stale=tuple(sorted(stale)),
                    cache_key=key, final_digest=final_digest)
    return record, result


def as_known(student: StudentInfo, known: StudentInfo) -> StudentInfo:
    """The student as the course knows them: the roster's name and email where it has them (a service student is
    signed in as that id, so the roster's record is theirs; LMS exports match by that email), else the file's."""
    return student.model_copy(update={"name": known.name or student.name, "email": known.email or student.email})


def _write_reports(result: Result, unchanged: bool) -> tuple[tuple[str, str], ...]:
    """Write the student's reports; (file name, sha256) of each. When the final Result is the one the previous
    OUT's reports were rendered from (`unchanged`), those are linked instead of rendered and written again."""
    assert _rubric is not None and _setup is not None
    if _setup.reports_folder is None:
        return ()
    folder = Path(_setup.reports_folder)
    names = [f"{result.student.id}{suffix}" for suffix in REPORT_SUFFIXES.values()]
    if unchanged and _link_previous(names, folder):
        return tuple((name, _setup.report_digests[name]) for name in names)
    written = []
    for report_format, name in zip(REPORT_SUFFIXES, names):
        text = render_result(result, report_format, title=_rubric.rubric.title, titles=_titles)
        digest = write_report(folder / name, text)
        if digest is not None:
            written.append((name, digest))
    return tuple(written)


def _link_previous(names: list[str], folder: Path) -> bool:
    """Link the previous OUT's reports of these names into `folder`; False (nothing linked) when it cannot.

    For a class of 10,000 on a shared 2-core machine, writing its 19,000 reports again took 5 to 15 s
    (and rendering them 3 s more), linking them 0.4 s; they were checked unchanged before the run
    (grader.files.out_folder). Moving the previous reports folder over by renames (and renameat2
    exchanges) saves most of the rest but makes the swap a transaction with its own undo: weighed and
    left out.
    """
    assert _setup is not None
    if _setup.previous_reports is None or not all(name in _setup.report_digests for name in names):
        return False
    done = []
    try:
        for name in names:
            os.link(os.path.join(_setup.previous_reports, name), folder / name, follow_symlinks=False)
            done.append(name)
    except FileExistsError:
        return True  # a second file with the same student id: both become problems and their reports go
    except OSError:  # gone since, or a file system without links: rendered instead
        for name in done:
            os.unlink(folder / name)
        return False
    return True


def write_report(path: Path, text: str) -> str | None:
    """Write one report, never over another (a second file with the same student id is dropped later anyway);
    its sha256, for the manifest (None: not written)."""
    data = text.encode("utf-8")
    try:
        with open(path, "xb") as stream:
            stream.write(data)
    except FileExistsError:
        return None  # both files that share the id end up in problems.jsonl, and their reports are removed
    return hashlib.sha256(data).hexdigest()


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


# --- the parent side -----------------------------------------------------------------------------
def grade_files(files: list[tuple[Path, str]], setup: WorkerSetup, jobs: int) -> Iterator[list[Graded | Problem]]:
    """Yield the records chunk by chunk, in whatever order they are ready (the caller sorts)."""
    chunks = [[(str(path), name) for path, name in files[start:start + CHUNK_FILES]]
              for start in range(0, len(files), CHUNK_FILES)]
    if jobs <= 1 or len(chunks) <= 1:
        init_worker(setup, subprocess=False)
        try:
            for chunk in chunks:
                yield grade_chunk(chunk)
        finally:
            assert _spill is not None
            _spill.close()
            if setup.cache is not None:
                setup.cache.close()
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    # Not multiprocessing.Pool: its terminate() kills workers mid-write of a result, and a worker killed while
    # holding the result pipe's lock left the parent waiting forever (a crash or Ctrl-C during a run hung).
    # This pool, when the run stops early, cancels the chunks not started and waits for the running ones.
    pool = ProcessPoolExecutor(min(jobs, len(chunks)), mp_context=context, initializer=init_worker,
                               initargs=(setup,))
    try:
        for done in as_completed([pool.submit(grade_chunk, chunk) for chunk in chunks]):
            yield done.result()
    except BrokenProcessPool:
        raise RunStopped("a process grading the class ended before it finished (killed from outside, or out of "
                         "memory); nothing was written, the output folder is as it was",
                         hint="run the same command again") from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
