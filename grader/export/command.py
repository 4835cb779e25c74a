"""`grade export canvas|moodle|csv|gradescope-zip ...` and `grade gradescope`: arguments in, files out.

cli.py routes both commands here and turns a GraderError into `error: ...` and exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from grader.export import EXPORT_TARGETS
from grader.files.csv_cells import csv_text
from grader.export.targets import (check_results_target, companion_target, export_target, locked, record,
                                   zip_target)
from grader.export.unmatched import UNMATCHED_HEADER, Unmatched, report_unmatched, unmatched_path, write_unmatched
from grader.files.output import write_atomic
from grader.files.safe_files import shown

EXIT_OK = 0
DEFAULT_OUTPUTS = {"canvas": "canvas.csv", "moodle": "moodle.csv", "csv": "grades.csv"}  # inside OUT
DEFAULT_ZIP = "autograder.zip"


def _out_argument(parser: argparse.ArgumentParser, target: str) -> None:
    parser.add_argument("out", metavar="OUT", help="the folder `grade batch --out` wrote (it holds results.jsonl)")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help=f"where to write (default: OUT/{DEFAULT_OUTPUTS[target]})")


def _add_canvas(parser: argparse.ArgumentParser) -> None:
    from grader.export.canvas import IMPORT_STEPS

    parser.epilog = IMPORT_STEPS
    _out_argument(parser, "canvas")
    parser.add_argument("--assignment", required=True, metavar="TITLE", help="the assignment's title in Canvas")
    parser.add_argument("--assignment-id", metavar="ID", help="its Canvas id (the number in its URL), so the "
                        "importer updates it instead of creating a new assignment")
    parser.add_argument("--roster", metavar="FILE", help="Canvas's own gradebook export (rows carry its ids and "
                        "sections), or the plain student_id,name,email roster; students are matched by SIS User ID "
                        "(the roster's student_id), SIS Login ID, then email")
    parser.add_argument("--points-possible", action="store_true", help="add the Points Possible row")
    parser.add_argument("--missing-as-zero", action="store_true",
                        help="roster students with no submission get 0 (default: an empty cell, grade unchanged)")


def _add_moodle(parser: argparse.ArgumentParser) -> None:
    from grader.export.moodle import DEFAULT_ID_FIELD, IMPORT_STEPS, MOODLE_ID_FIELDS

    parser.epilog = IMPORT_STEPS
    _out_argument(parser, "moodle")
    parser.add_argument("--item", required=True, metavar="NAME", help="the Moodle grade item, e.g. \"Homework 3\"")
    parser.add_argument("--id-field", choices=MOODLE_ID_FIELDS, default=DEFAULT_ID_FIELD,
                        help=f"how Moodle finds the student (default: {DEFAULT_ID_FIELD}, our student id)")


def _add_csv(parser: argparse.ArgumentParser) -> None:
    _out_argument(parser, "csv")


def _add_gradescope_zip(parser: argparse.ArgumentParser) -> None:
    from grader.export.gradescope_zip import SETUP_STEPS

    parser.epilog = SETUP_STEPS
    parser.add_argument("rubric", metavar="RUBRIC", help="the rubric the autograder grades with")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help=f"where to write the zip (default: {DEFAULT_ZIP}, replaced only when we built it)")


def _run_canvas(args: argparse.Namespace) -> int:
    from grader.export.canvas import assignment_column, canvas_rows
    from grader.export.results_io import read_results
    from grader.files.roster import read_canvas_roster

    column = assignment_column(args.assignment, args.assignment_id)
    roster = read_canvas_roster(args.roster) if args.roster else None
    results = read_results(args.out)
    export = canvas_rows(results, column=column, roster=roster, points_possible=args.points_possible,
                         missing_as_zero=args.missing_as_zero)
    _write_csv(args, "canvas", export.rows, len(export.rows) - 1 - args.points_possible,
               reads=[Path(args.roster)] if args.roster else [],
               unmatched=export.unmatched if roster is not None else None)
    if roster is not None:
        if export.without_submission:
            fill = "0" if args.missing_as_zero else "an empty cell (Canvas keeps their grade)"
            print(f"note: {export.without_submission} roster student(s) have no graded submission: {fill}",
                  file=sys.stderr)
    return EXIT_OK


def _run_moodle(args: argparse.Namespace) -> int:
    from grader.export.moodle import moodle_rows
    from grader.export.results_io import read_results

    export = moodle_rows(read_results(args.out), item=args.item, id_field=args.id_field)
    _write_csv(args, "moodle", export.rows, len(export.rows) - 1, unmatched=export.unmatched or None)
    return EXIT_OK


def _run_csv(args: argparse.Namespace) -> int:
    from grader.export.results_io import read_results
    from grader.export.spreadsheet import spreadsheet_rows

    # A byte order mark: Excel reads UTF-8 names correctly only with one.
    rows = spreadsheet_rows(read_results(args.out))
    _write_csv(args, "csv", rows, len(rows) - 1, byte_order_mark=True)
    return EXIT_OK


def _run_gradescope_zip(args: argparse.Namespace) -> int:
    from grader.export.gradescope_zip import build_autograder_zip

    output = Path(args.output or DEFAULT_ZIP)
    zip_target(args.output is not None, output, reads=[Path(args.rubric)])
    data = build_autograder_zip(args.rubric)
    write_atomic(output, data)
    print(f"wrote {shown(output)} ({len(data):,} bytes): upload it on Gradescope's Configure Autograder page",
          file=sys.stderr)
    return EXIT_OK


def _write_csv(args: argparse.Namespace, target: str, rows: list, students: int, *, byte_order_mark: bool = False,
               reads: list[Path] | None = None, unmatched: list[Unmatched] | None = None) -> Path:
    """Write the export (and unmatched.csv beside it), only where targets.py allows, under OUT's lock."""
    from grader.export.results_io import PROBLEMS_FILE, count_problems

    out_dir = Path(args.out)
    with locked(out_dir):
        output = export_target(out_dir, args.output, DEFAULT_OUTPUTS[target], reads or [])
        written = [output]
        if unmatched is not None:
            companion_target(out_dir, unmatched_path(output), ",".join(UNMATCHED_HEADER))
        write_atomic(output, csv_text(rows, byte_order_mark=byte_order_mark))
        if unmatched is not None:
            listing = write_unmatched(output, unmatched)
            written.append(listing)
        record(out_dir, written)
    print(f"wrote {shown(output)}: {students} student(s)", file=sys.stderr)
    if unmatched is not None:
        report_unmatched(unmatched, listing)
    if problems := count_problems(args.out):
        print(f"note: {problems} file(s) could not be graded, so their students have no grade here "
              f"(see {shown(out_dir / PROBLEMS_FILE)})", file=sys.stderr)
    return output


# One entry per ExportTarget: (help, add the arguments, run).
EXPORTERS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]] = {
    "canvas": ("a CSV for Canvas's gradebook import", _add_canvas, _run_canvas),
    "moodle": ("a CSV for Moodle's grade import", _add_moodle, _run_moodle),
    "csv": ("a plain CSV for spreadsheets: the gradebook plus one column per question", _add_csv, _run_csv),
    "gradescope-zip": ("the autograder.zip to upload to Gradescope", _add_gradescope_zip, _run_gradescope_zip),
}
assert tuple(EXPORTERS) == EXPORT_TARGETS, "every ExportTarget needs an exporter, in the same order"


def export_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="grade export", description="Export graded results to an LMS.")
    parser.add_argument("--debug", action="store_true", help="show a traceback when something fails")
    targets = parser.add_subparsers(dest="target", required=True, metavar="{" + ",".join(EXPORT_TARGETS) + "}")
    for target in EXPORT_TARGETS:
        summary, add_arguments, _ = EXPORTERS[target]
        sub = targets.add_parser(target, help=summary, description=summary + ".",
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
        sub.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
        add_arguments(sub)
    return parser


def main_export(argv: Sequence[str]) -> int:
    """`grade export TARGET ...`."""
    args = export_parser().parse_args(list(argv))
    return EXPORTERS[args.target][2](args)


def gradescope_parser() -> argparse.ArgumentParser:
    from grader.export.gradescope import DEFAULT_ROOT

    parser = argparse.ArgumentParser(
        prog="grade gradescope",
        description="Grade the upload inside Gradescope's container and write results/results.json. "
                    "A file that cannot be graded still gets a results.json: score 0 and the reason. "
                    "The upload's file is found as `grade batch` finds submissions (.yaml and .yml in any case; "
                    "names starting with a dot and __MACOSX folders skipped), except that links are never "
                    "followed; a submit.yaml wins when there are several.")
    parser.add_argument("--root", default=DEFAULT_ROOT, metavar="DIR",
                        help=f"the container's autograder folder (default: {DEFAULT_ROOT})")
    parser.add_argument("--rubric", metavar="FILE", help="the rubric (default: found from the submission's assignment)")
    parser.add_argument("--debug", action="store_true", help="show a traceback when something fails")
    return parser


def main_gradescope(argv: Sequence[str]) -> int:
    """`grade gradescope [--root DIR] [--rubric FILE]`: always writes results.json when DIR exists."""
    from grader.errors import UsageError
    from grader.export.gradescope import run_gradescope, write_results

    args = gradescope_parser().parse_args(list(argv))
    root = Path(args.root)
    if not root.is_dir():
        raise UsageError("there is no such folder", path=str(root),
                         hint="run inside Gradescope's container, or pass --root with a copy of its /autograder tree")
    check_results_target(root / "results" / "results.json")
    results = run_gradescope(root, args.rubric)
    path = write_results(root, results)
    summary = f"{results.score:g} points, {len(results.tests)} tests" if results.tests else "not graded (score 0)"
    print(f"wrote {shown(path)}: {summary}")
    return EXIT_OK
