"""`grade batch`: the command line of the batch pipeline (thin: parse, run, print, exit status)."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path

from grader.batch.pipeline import BatchOptions, describe_outcome, run_batch

EXIT_OK, EXIT_PROBLEMS = 0, 1

DESCRIPTION = """\
Grade every submit.yaml under DIR (recursively, *.yaml and *.yml) and write into OUT:
results.jsonl, gradebook.csv, reports/ID.html and reports/ID.md, summary.html, review.yaml and
problems.jsonl. OUT appears atomically: a crash or Ctrl-C leaves the previous OUT untouched.
A file that cannot be graded is listed in problems.jsonl and never stops the batch."""

EPILOG = """\
TA review: in OUT/review.yaml write a score after `score:` for the answers you decided (and
add `comment:` if you like), then run again with --overrides OUT/review.yaml. A decided
score is final and shown in the student's report as a TA decision; entries left empty stay
provisional, and decisions carry over into the next review.yaml.
Exit status: 0 done, 1 with --strict when some files could not be graded, 2 bad input."""


def parser() -> argparse.ArgumentParser:
    build = argparse.ArgumentParser(prog="grade batch", description=DESCRIPTION, epilog=EPILOG,
                                    formatter_class=argparse.RawDescriptionHelpFormatter)
    build.add_argument("folder", metavar="DIR", type=Path, help="the folder of submissions")
    build.add_argument("--rubric", required=True, type=Path, metavar="FILE", help="the assignment's rubric")
    build.add_argument("--out", required=True, type=Path, metavar="OUT", help="the output folder (replaced as a whole)")
    build.add_argument("--jobs", type=int, default=os.cpu_count() or 1, metavar="N",
                       help="grading processes (default: the number of cores, here %(default)s)")
    build.add_argument("--overrides", type=Path, metavar="FILE",
                       help="a TA's decisions: review.yaml, or any list of {student, question, score, comment}")
    build.add_argument("--no-reports", dest="reports", action="store_false", help="skip reports/ (faster)")
    build.add_argument("--quiet", action="store_true", help="no progress bar")
    build.add_argument("--strict", action="store_true", help="exit with status 1 when some files could not be graded")
    build.add_argument("--debug", action="store_true", help="show a traceback when something fails")
    return build


def main(argv: Sequence[str]) -> int:
    """Run `grade batch`; GraderError propagates to cli.py, which prints it and exits 2."""
    args = parser().parse_args(list(argv))
    outcome = run_batch(BatchOptions(folder=args.folder, rubric=args.rubric, out=args.out, jobs=args.jobs,
                                     overrides=args.overrides, reports=args.reports, quiet=args.quiet))
    print(describe_outcome(outcome))
    return EXIT_PROBLEMS if args.strict and outcome.problems else EXIT_OK
