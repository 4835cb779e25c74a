"""`grade batch`: the command line of the batch pipeline (thin: parse, run, print, exit status)."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path

from grader.batch.pipeline import BatchOptions, describe_outcome, run_batch

EXIT_OK, EXIT_PROBLEMS = 0, 1

DESCRIPTION = """\
Grade every submit.yaml under DIR (recursively; .yaml and .yml in any case) and write into OUT:
results.jsonl, gradebook.csv, reports/ID.html and reports/ID.md, summary.html, review.yaml,
problems.jsonl and .grade-manifest.json (every file grade batch wrote, with its sha256).
OUT appears atomically: a crash, Ctrl-C or SIGTERM leaves the previous OUT untouched.
A file that cannot be graded is listed in problems.jsonl and never stops the batch; so is a
FIFO, socket or device named *.yaml (never opened), an unreadable file or folder, and a folder
link that loops. Names that start with a dot (.git/, .x.yaml.swp) and __MACOSX folders are
skipped, in batch and in `grade gradescope` alike."""

EPILOG = """\
Output folders: grade batch replaces an OUT only when its .grade-manifest.json says grade batch
wrote it, and then only the files the manifest lists; a non-empty folder without one is refused.
Files in OUT that grade batch did not write (canvas.csv, a roster, your notes, sub-folders) are
kept in the new OUT, and the run names them. One run at a time per OUT (a lock, .OUT.lock).

TA review: in OUT/review.yaml write a score after `score:` for the answers you decided (and
add `comment:` if you like), then run again: the decisions in OUT/review.yaml are applied
without being asked (--discard-decisions drops them), as are the ones in --overrides files. A
decided score is final and shown in the student's report as a TA decision; entries left empty
stay provisional, and decisions carry over into the next review.yaml. A decision holds for the
answer it judged: when the answer changes, it goes back to the queue marked stale.
Exit status: 0 done, 1 with --strict when some files could not be graded, 2 bad input."""


def parser() -> argparse.ArgumentParser:
    build = argparse.ArgumentParser(prog="grade batch", description=DESCRIPTION, epilog=EPILOG,
                                    formatter_class=argparse.RawDescriptionHelpFormatter)
    build.add_argument("folder", metavar="DIR", type=Path, help="the folder of submissions")
    build.add_argument("--rubric", required=True, type=Path, metavar="FILE", help="the assignment's rubric")
    build.add_argument("--out", required=True, type=Path, metavar="OUT",
                       help="the output folder (new, empty, or one grade batch wrote)")
    build.add_argument("--jobs", type=int, default=os.cpu_count() or 1, metavar="N",
                       help="grading processes (default: the number of cores, here %(default)s)")
    build.add_argument("--overrides", type=Path, metavar="FILE", action="append", default=[],
                       help="more of a TA's decisions: a review.yaml, or any list of {student, question, score, "
                            "comment}; may be given several times, a later file winning")
    build.add_argument("--discard-decisions", action="store_true",
                       help="do not apply the decisions in OUT/review.yaml (they are dropped)")
    build.add_argument("--no-reports", dest="reports", action="store_false", help="skip reports/ (faster)")
    build.add_argument("--quiet", action="store_true", help="no progress bar")
    build.add_argument("--strict", action="store_true", help="exit with status 1 when some files could not be graded")
    build.add_argument("--debug", action="store_true", help="show a traceback when something fails")
    return build


def main(argv: Sequence[str]) -> int:
    """Run `grade batch`; GraderError propagates to cli.py, which prints it and exits 2."""
    args = parser().parse_args(list(argv))
    outcome = run_batch(BatchOptions(folder=args.folder, rubric=args.rubric, out=args.out, jobs=args.jobs,
                                     overrides=tuple(args.overrides), reports=args.reports, quiet=args.quiet,
                                     discard_decisions=args.discard_decisions))
    print(describe_outcome(outcome))
    return EXIT_PROBLEMS if args.strict and outcome.problems else EXIT_OK
