"""`run_batch`: submissions folder + rubric (+ a TA's overrides) -> one output folder, atomically.

Steps: take OUT's lock, remove what killed runs left beside it, and check that OUT may be replaced
(its manifest); validate the inputs (rubric, the decisions in OUT/review.yaml and --overrides,
folders) before any work; grade every file in the worker pool, streaming records into the
collector (what discovery could not read is a problem too); settle duplicated ids; check that
every decision names a graded student; then write the outputs in a fixed order (student id, file
name), so OUT is byte-identical for any --jobs and any order of files on disk; the staging folder
then replaces what the grader wrote of OUT (grader.batch.staging). Nothing in OUT depends on
where the folders are, the time, or the machine.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.batch.collect import (PREVIOUS_CACHE, PREVIOUS_RESULTS, PREVIOUS_REVIEW, Assembler, Collected,
                                  Collector, SpillReader, SpillRef)
from grader.batch.gradebook import write_gradebook
from grader.files.out_folder import output_lock
from grader.files.out_folder import (Manifest, forget_digests, hash_soon, open_as_recorded, remember_digest,
                                   unchanged_since)
from grader.batch.overrides import Overrides, load_overrides, merge_overrides
from grader.batch.progress import Progress
from grader.batch.records import Problem
from grader.batch.result_cache import REPORTS_FOLDER, RESULTS_NAME, ResultCache, inputs_fingerprint, write_cache
from grader.batch.review import write_review
from grader.batch.runner import WorkerSetup, discover, grade_files
from grader.batch.staging import (carriable_reports, check_output, check_reports, check_unchanged, clean_leftovers,
                                  staged_folder)
from grader.batch.summary import ClassSummary, summarise
from grader.errors import OverridesError, UsageError
from grader.reports import environment, render_template
from grader.rubric import LoadedRubric, load_rubric
from grader.files.safe_files import Found, read_open_file, shown

REVIEW_FILE = "review.yaml"
LISTED = 10  # names listed in the end-of-run paragraph
GC_EVERY = 10_000  # allocations between two runs of the cycle collector during a batch (workers inherit it)


@dataclass(frozen=True)
class BatchOptions:
    """What `grade batch` was asked to do."""

    folder: Path
    rubric: Path
    out: Path
    jobs: int = 1
    overrides: tuple[Path, ...] = ()
    reports: bool = True
    quiet: bool = False
    recorded: dict[str, str] | None = None  # file name -> recorded Result JSON, kept instead of grading (grade collect)
    discard_decisions: bool = False  # drop the decisions in OUT/review.yaml instead of applying them


@dataclass(frozen=True)
class BatchOutcome:
    """What the run did, for the end-of-run paragraph and the exit status."""

    out: Path
    files: int
    graded: int
    problems: int
    needs_review: int
    decisions: int
    mean: float | None
    max_score: float
    decision_files: tuple[str, ...] = ()  # where the applied decisions came from
    stale: tuple[str, ...] = ()  # "student question" of each decision that no longer matches its answer
    kept: tuple[str, ...] = ()  # entries of the previous OUT that grade batch did not write, moved over
    stale_exports: tuple[str, ...] = ()  # exports made from the previous results
    cleaned: tuple[str, ...] = ()  # temporary folders of killed runs removed
    left_behind: str | None = None


def run_batch(options: BatchOptions) -> BatchOutcome:
    """Grade every submission under `options.folder` into `options.out` (see the module docstring)."""
    if options.jobs < 1:
        raise UsageError(f"--jobs must be at least 1, not {options.jobs}")
    if not options.folder.is_dir():
        raise UsageError("not a folder of submissions", path=shown(options.folder),
                         hint="give the folder that holds the students' .yaml files")
    _check_not_current_folder(options.out)
    with output_lock(options.out), _terminate_as_interrupt(), _fewer_collections():
        forget_digests()
        cleaned = clean_leftovers(options.out)
        previous = check_output(options.out, options.folder)
        rubric = load_rubric(options.rubric)
        sources = _decision_sources(options, previous, rubric)
        overrides, _ = merge_overrides(sources)
        found = discover(options.folder, skip=options.out)
        if not found.files and not found.problems:
            raise UsageError("no .yaml or .yml files here", path=shown(options.folder))
        if previous is not None:
            check_unchanged(options.out, previous)  # (its files were hashed meanwhile)
        for name in ("result.html.j2", "result.md.j2", "summary.html.j2"):
            environment().get_template(name)  # compiled once here, inherited by forked workers
        fingerprint = inputs_fingerprint(rubric) if options.recorded is None else None  # None: no cache
        written = next((source.written for source in sources if source.written is not None), None)
        with staged_folder(options.out, previous) as staging, \
                _previous_texts(options.out, previous if fingerprint is not None else None, written) as texts:
            collector, collected, summary = _grade(options, staging.path, rubric, overrides, found, previous,
                                                   fingerprint, texts)
            staging.carried = {f"{REPORTS_FOLDER}/{name}": previous.files[f"{REPORTS_FOLDER}/{name}"]
                               for student in collected.students for name in student.carried} if previous else {}
            if previous is not None:
                check_reports(options.out, previous, staging.carried)  # those this run replaces or removes
            for source in sources:
                source.check_students({student.row.id for student in collected.students}, collected.shared_ids)
            _check_texts_unchanged(options.out, texts)
            _write_outputs(staging.path, collected, collector.spill, rubric, summary, options.reports, fingerprint)
            _check_texts_unchanged(options.out, texts)
            collector.spill.remove_files()

    return BatchOutcome(
        out=options.out, files=len(found.files) + len(found.problems), graded=summary.graded,
        problems=len(collected.problems), needs_review=summary.needs_review,
        decisions=sum(student.decided for student in collected.students), mean=summary.mean,
        max_score=summary.max_score, decision_files=tuple(source.path for source in sources),
        stale=tuple(f"{student.row.id} {question}" for student in collected.students for question in student.stale),
        kept=tuple(staging.kept), stale_exports=tuple(staging.stale_exports), cleaned=tuple(cleaned),
        left_behind=staging.left_behind)


def _grade(options: BatchOptions, staging: Path, rubric: LoadedRubric, overrides: Overrides | None,
           found: Found, previous: Manifest | None, fingerprint: str | None,
           texts: dict[int, PreviousText]) -> tuple[Collector, Collected, ClassSummary]:
    """Grade every file into `staging`, collect the records (and the discovery problems), summarise.
    Files the previous run graded under the same rubric, solver and grader come from its result cache; the
    students it settles, from the previous OUT's `texts`."""
    reports = staging / "reports"
    if options.reports:
        reports.mkdir()
    cache = (ResultCache.load(options.out, fingerprint, previous)
             if fingerprint is not None and previous is not None else None)
    if cache is not None and previous is not None:
        cache.settle = bool(texts)
        cache.carriable = carriable_reports(options.out, previous) if options.reports else frozenset()
    setup = WorkerSetup(rubric_path=str(options.rubric), overrides=overrides,
                        reports_folder=str(reports) if options.reports else None, recorded=options.recorded,
                        cache=cache or None, keyed=fingerprint is not None, scratch=str(staging))
    collector = Collector(staging)
    for number, text in texts.items():
        collector.spill.add_source(number, text.descriptor)
        if text.data is not None:
            collector.spill.add_memory(number, text.data)
    if cache is not None:
        collector.spill.add_memory(PREVIOUS_CACHE, cache.kept)
    for name, message in found.problems:
        collector.add(Problem(name, message))
    progress = Progress.for_terminal(len(found.files), quiet=options.quiet)
    try:
        with closing(grade_files(found.files, setup, options.jobs)) as chunks:
            for records in chunks:
                for record in records:
                    collector.add(record)
                    for written in getattr(record, "report_digests", ()):
                        remember_digest(written)
                progress.advance(len(records))
    finally:
        progress.close()
        if cache is not None:
            cache.close()
    collected = collector.finish()
    return collector, collected, summarise([student.row for student in collected.students], rubric)


@dataclass(frozen=True)
class PreviousText:
    """A file of the previous OUT that settled students' texts are copied from, open as its manifest records it."""

    name: str
    descriptor: int
    identity: tuple[int, int, int, int]
    data: bytes | None = None  # its bytes, for a file whose texts are copied a few entries at a time (review.yaml)


@contextmanager
def _previous_texts(out: Path, previous: Manifest | None,
                    review: bytes | None = None) -> Iterator[dict[int, PreviousText]]:
    """The previous OUT's results.jsonl and review.yaml, open, when both are byte for byte what the grader wrote
    (a review.yaml a TA edited is not: then no student is settled); {} otherwise. `review`: the bytes of that
    review.yaml as the decisions were read from it (checked against the same sha256), when they were."""
    texts: dict[int, PreviousText] = {}
    try:
        for number, name in ((PREVIOUS_RESULTS, RESULTS_NAME), (PREVIOUS_REVIEW, REVIEW_FILE)):
            recorded = previous.files.get(name) if previous is not None else None
            opened = open_as_recorded(out / name, recorded) if recorded is not None else None
            if opened is None:
                break
            data = None
            if number == PREVIOUS_REVIEW:  # (its settled entries come in runs of a few: held in memory, sliced)
                data = review if review is not None else read_open_file(opened[0], opened[1][2])
            texts[number] = PreviousText(name, *opened, data)
            if not unchanged_since(*opened):
                break
        else:
            yield texts
            return
        for text in texts.values():
            os.close(text.descriptor)
        texts = {}
        yield texts
    finally:
        for text in texts.values():
            os.close(text.descriptor)


def _check_texts_unchanged(out: Path, texts: dict[int, PreviousText]) -> None:
    """Refuse when a file the outputs copy from was written to during the run: the copy would not be what was
    checked (and a TA's edits typed into review.yaml meanwhile would be replaced unseen)."""
    for text in texts.values():
        if not unchanged_since(text.descriptor, text.identity):
            raise UsageError(f"{text.name} changed while `grade batch` was running; nothing was replaced",
                             path=shown(out / text.name),
                             hint="let the edit finish, then run again (it reads the file afresh)")


def _check_not_current_folder(out: Path) -> None:
    """OUT is replaced by a rename: a shell inside it would be left in a folder that no longer exists."""
    try:
        here = Path.cwd()
    except FileNotFoundError:
        raise UsageError("the current folder no longer exists (an earlier output folder, replaced?)",
                         hint="change to a folder that exists, e.g. `cd ..`, then run again") from None
    resolved = out.resolve()
    if here == resolved or here.is_relative_to(resolved):
        raise UsageError("--out is the current folder (or holds it); a run replaces it as a whole",
                         path=shown(out), hint="run from the folder above it, e.g. `cd ..` and --out with its name")


def _decision_sources(options: BatchOptions, previous: Manifest | None, rubric: LoadedRubric) -> list[Overrides]:
    """The decisions to apply: OUT/review.yaml of the output being replaced (unless discarded), then --overrides."""
    sources: list[Overrides] = []
    seen: set[Path] = set()
    review = options.out / REVIEW_FILE
    if previous is not None and not options.discard_decisions and os.path.lexists(review):
        try:
            sources.append(load_overrides(review, rubric, previous.files.get(REVIEW_FILE)))
        except OverridesError as exc:
            exc.hint = (exc.hint or "") + ("; or run with --discard-decisions to drop the decisions in "
                                           f"{shown(review)}")
            raise
        seen.add(review.resolve())
    for path in options.overrides:
        if path.resolve() not in seen:
            seen.add(path.resolve())
            sources.append(load_overrides(path, rubric))
    return sources


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """A run makes millions of small objects that reference counting frees (records, rows, offsets): Python's
    cycle collector runs every GC_EVERY allocations instead of every 700, and finds the same."""
    before = gc.get_threshold()
    gc.set_threshold(GC_EVERY, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM is handled like Ctrl-C: the temporary folder is removed and the previous OUT stays."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    before = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)


def _write_outputs(staging: Path, collected: Collected, spill: SpillReader, rubric: LoadedRubric,
                   summary: ClassSummary, with_reports: bool, fingerprint: str | None) -> None:
    if with_reports:
        for student_id in collected.shared_ids:  # written by whichever file came first; none is valid
            for suffix in (".html", ".md"):
                (staging / "reports" / f"{student_id}{suffix}").unlink(missing_ok=True)
    students = collected.students
    with Assembler(staging / "results.jsonl", spill) as out:
        out.refs(student.result for student in students)
    hash_soon(staging / "results.jsonl")  # (for the manifest, while the rest is written)
    lines = [(offset, student.result[1] - 1) for offset, student in zip(out.placed, students)]  # (for the cache)
    with open(staging / "problems.jsonl", "w", encoding="utf-8", newline="\n") as stream:
        for problem in collected.problems:
            stream.write(json.dumps({"file": problem.file, "message": problem.message}, ensure_ascii=False) + "\n")
    by_question: list[list[SpillRef]] = [[] for _ in rubric.questions]  # each in student id order
    whose: list[list[int]] = [[] for _ in rubric.questions]  # and the students' positions
    for position, student in enumerate(students):
        for index, ref in student.reviews:
            by_question[index].append(ref)
            whose[index].append(position)
    with Assembler(staging / "review.yaml", spill) as out:
        write_review(out.text, rubric, enumerate(by_question), sum(map(len, by_question)), out.refs)
    hash_soon(staging / "review.yaml")
    entries_at: list[list[int]] = [[] for _ in students]  # each student's entries: question index, offset, length
    placed = iter(out.placed)
    for index, (refs, positions) in enumerate(zip(by_question, whose)):
        for ref, position, offset in zip(refs, positions, placed):
            entries_at[position] += (index, offset, ref[1])
    if fingerprint is not None:
        _write_cache(staging, fingerprint, collected, spill, lines, entries_at)
    with open(staging / "gradebook.csv", "w", encoding="utf-8", newline="") as stream:
        write_gradebook(stream, (student.row for student in students), rubric)
    html = render_template("summary.html.j2", rubric=rubric, summary=summary, problems=collected.problems,
                           files=len(students) + len(collected.problems), reports=with_reports)
    (staging / "summary.html").write_text(html, encoding="utf-8", newline="\n")


def _write_cache(staging: Path, fingerprint: str, collected: Collected, spill: SpillReader,
                 lines: list[tuple[int, int]], entries_at: list[list[int]]) -> None:
    """This run's result cache: for each file graded, where its outputs are in this OUT (see result_cache)."""
    entries: list[list[Any]] = []
    for student, (offset, length), reviews in zip(collected.students, lines, entries_at):
        if student.cache_key is None:
            continue
        settled = (None if student.row_json is None else
                   [student.row.id, student.decisions, student.row_json, reviews, student.decided,
                    list(student.stale)])
        entries.append([student.file, student.cache_key, "graded", student.final_digest, offset, length,
                        student.provisional, settled])
    entries += [[problem.file, problem.cache_key, "problem", problem.message]
                for problem in collected.problems if problem.cache_key is not None]
    write_cache(staging, fingerprint, entries, spill)


def describe_outcome(outcome: BatchOutcome) -> str:
    """The end-of-run paragraph: graded, problems, decisions, what was kept, answers to review, mean score."""
    out = shown(outcome.out)
    parts = []
    if outcome.cleaned:
        parts.append(f"Removed {_count(len(outcome.cleaned), 'temporary folder')} that a killed run had left: "
                     f"{_names(outcome.cleaned)}.")
    parts.append(f"Graded {outcome.graded:,} of {outcome.files:,} submission files into {out}.")
    if outcome.problems:
        parts.append(f"{outcome.problems:,} could not be graded: see {os.path.join(out, 'problems.jsonl')}.")
    else:
        parts.append("No problems.")
    if outcome.decisions:
        parts.append(f"{_count(outcome.decisions, 'TA decision')} applied (from {', '.join(outcome.decision_files)}).")
    if outcome.stale:
        parts.append(f"{_count(len(outcome.stale), 'TA decision')} no longer "
                     f"{'matches' if len(outcome.stale) == 1 else 'match'} the student's answer and "
                     f"{'is' if len(outcome.stale) == 1 else 'are'} back in the review queue, marked stale: "
                     f"{_names(outcome.stale)}.")
    if outcome.kept:
        parts.append(f"Kept {_count(len(outcome.kept), 'file')} that grade batch did not write: "
                     f"{_names(outcome.kept)}.")
    if outcome.stale_exports:
        parts.append(f"{_names(outcome.stale_exports)} {'was' if len(outcome.stale_exports) == 1 else 'were'} "
                     "exported from the previous results: run `grade export` again.")
    if outcome.left_behind:
        parts.append(f"{outcome.left_behind} was left beside {out}: it holds files that appeared during the run.")
    parts.append(f"{outcome.needs_review:,} answers need review ({os.path.join(out, 'review.yaml')}).")
    if outcome.mean is not None and outcome.max_score:
        parts.append(f"Mean score {outcome.mean:.2f} / {outcome.max_score:g} "
                     f"({100 * outcome.mean / outcome.max_score:.1f}%).")
    return " ".join(parts)


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _names(names: tuple[str, ...]) -> str:
    listed = ", ".join(shown(name) for name in names[:LISTED])
    return listed + (f" and {len(names) - LISTED:,} more" if len(names) > LISTED else "")
