"""`run_batch`: submissions folder + rubric (+ a TA's overrides) -> one output folder, atomically.

Steps: validate the inputs (rubric, overrides, folders) before any work; grade every file in the
worker pool, streaming records into the collector; settle duplicated ids; check that every
override names a graded student; then write the outputs in a fixed order (student id, file
name), so OUT is byte-identical for any --jobs and any order of files on disk. Nothing in OUT
depends on where the folders are, the time, or the machine.
"""

from __future__ import annotations

import json
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from grader.batch.collect import Collected, Collector
from grader.batch.gradebook import write_gradebook
from grader.batch.overrides import load_overrides
from grader.batch.progress import Progress
from grader.batch.review import write_review
from grader.batch.runner import WorkerSetup, discover, grade_files
from grader.batch.staging import check_output, staged_folder
from grader.batch.summary import ClassSummary, summarise
from grader.errors import UsageError
from grader.reports import environment, render_template
from grader.rubric import LoadedRubric, load_rubric

SPILL_NAME = ".spill"  # scratch file inside the staging folder, removed before the swap


@dataclass(frozen=True)
class BatchOptions:
    """What `grade batch` was asked to do."""

    folder: Path
    rubric: Path
    out: Path
    jobs: int = 1
    overrides: Path | None = None
    reports: bool = True
    quiet: bool = False


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


def run_batch(options: BatchOptions) -> BatchOutcome:
    """Grade every submission under `options.folder` into `options.out` (see the module docstring)."""
    if options.jobs < 1:
        raise UsageError(f"--jobs must be at least 1, not {options.jobs}")
    if not options.folder.is_dir():
        raise UsageError("not a folder of submissions", path=str(options.folder),
                         hint="give the folder that holds the students' .yaml files")
    check_output(options.out, options.folder)
    rubric = load_rubric(options.rubric)
    overrides = load_overrides(options.overrides, rubric) if options.overrides else None
    files = discover(options.folder, skip=options.out)
    if not files:
        raise UsageError("no .yaml or .yml files here", path=str(options.folder))
    for name in ("result.html.j2", "result.md.j2", "summary.html.j2"):
        environment().get_template(name)  # compiled once here, inherited by forked workers

    with staged_folder(options.out) as staging:
        reports = staging / "reports"
        if options.reports:
            reports.mkdir()
        setup = WorkerSetup(rubric_path=str(options.rubric), overrides=overrides,
                            reports_folder=str(reports) if options.reports else None)
        collector = Collector(staging / SPILL_NAME)
        progress = Progress.for_terminal(len(files), quiet=options.quiet)
        try:
            with closing(grade_files(files, setup, options.jobs)) as chunks:
                for records in chunks:
                    for record in records:
                        collector.add(record)
                    progress.advance(len(records))
        finally:
            progress.close()
        collected = collector.finish()
        if overrides is not None:
            overrides.check_students({student.row.id for student in collected.students}, collected.shared_ids)
        summary = summarise([student.row for student in collected.students], rubric)
        _write_outputs(staging, collected, collector, rubric, summary, options.reports)
        collector.spill.close()
        (staging / SPILL_NAME).unlink()

    return BatchOutcome(out=options.out, files=len(files), graded=summary.graded,
                        problems=len(collected.problems), needs_review=summary.needs_review,
                        decisions=len(overrides) if overrides else 0, mean=summary.mean,
                        max_score=summary.max_score)


def _write_outputs(staging: Path, collected: Collected, collector: Collector, rubric: LoadedRubric,
                   summary: ClassSummary, with_reports: bool) -> None:
    spill = collector.spill
    if with_reports:
        for student_id in collected.shared_ids:  # written by whichever file came first; none is valid
            for suffix in (".html", ".md"):
                (staging / "reports" / f"{student_id}{suffix}").unlink(missing_ok=True)
    with open(staging / "results.jsonl", "w", encoding="utf-8", newline="\n") as stream:
        for student in collected.students:
            stream.write(spill.read(student.result))
    with open(staging / "problems.jsonl", "w", encoding="utf-8", newline="\n") as stream:
        for problem in collected.problems:
            stream.write(json.dumps({"file": problem.file, "message": problem.message}, ensure_ascii=False) + "\n")
    reviews = sorted((index, student.row.id, ref) for student in collected.students
                     for index, ref in student.reviews)
    with open(staging / "review.yaml", "w", encoding="utf-8", newline="\n") as stream:
        write_review(stream, rubric, ((index, spill.read(ref)) for index, _, ref in reviews), len(reviews))
    with open(staging / "gradebook.csv", "w", encoding="utf-8", newline="") as stream:
        write_gradebook(stream, (student.row for student in collected.students), rubric)
    html = render_template("summary.html.j2", rubric=rubric, summary=summary, problems=collected.problems,
                           files=len(collected.students) + len(collected.problems), reports=with_reports)
    (staging / "summary.html").write_text(html, encoding="utf-8", newline="\n")


def describe_outcome(outcome: BatchOutcome) -> str:
    """The end-of-run paragraph: graded, problems, answers to review, mean score."""
    parts = [f"Graded {outcome.graded:,} of {outcome.files:,} submission files into {outcome.out}."]
    if outcome.problems:
        parts.append(f"{outcome.problems:,} could not be graded: see {outcome.out / 'problems.jsonl'}.")
    else:
        parts.append("No problems.")
    if outcome.decisions:
        parts.append(f"{outcome.decisions:,} TA decisions applied.")
    parts.append(f"{outcome.needs_review:,} answers need review ({outcome.out / 'review.yaml'}).")
    if outcome.mean is not None and outcome.max_score:
        parts.append(f"Mean score {outcome.mean:.2f} / {outcome.max_score:g} "
                     f"({100 * outcome.mean / outcome.max_score:.1f}%).")
    return " ".join(parts)
