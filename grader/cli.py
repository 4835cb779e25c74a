"""The `grade` command: parse arguments, call the library, turn GraderError into a message and exit 2."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from grader import __version__
from grader.errors import GraderError, RunStopped
from grader.reports import REPORT_FORMATS

if TYPE_CHECKING:
    from grader.rubric import LoadedRubric

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
KEY_FORMATS = ("text", "json")
SCHEMAS = ("submission", "rubric")

OVERVIEW = """\
usage: grade SUBMISSION.yaml [--rubric FILE] [--format text|markdown|html|json] [--reveal] [-o FILE]
       grade key RUBRIC [--format text|json] [--student ID]
       grade template RUBRIC      grade template --server URL --assignment ID
       grade schema submission|rubric
       grade validate RUBRIC
       grade new ASSIGNMENT_ID [--dir DIR] [--title TITLE]
       grade sheet RUBRIC [--student ID] [--format markdown|html] [-o FILE]
       grade sheet RUBRIC --roster FILE --out DIR [--format markdown|html]
       grade variants freeze RUBRIC --roster FILE -o FILE
       grade batch DIR --rubric FILE --out OUT [--jobs N] [--overrides FILE] [--discard-decisions] [--no-reports] [--quiet] [--strict]
       grade export canvas|moodle|csv OUT [...]      grade export gradescope-zip RUBRIC [-o FILE]
       grade gradescope [--root DIR] [--rubric FILE]
       grade SUBMISSION.yaml --server URL [--token T] [--format ...]   grade sheet --server URL --assignment ID
       grade serve COURSE [--host 127.0.0.1] [--port 8000] [--db URL]
       grade tokens COURSE --roster FILE [--staff] [-o tokens.csv] [--reissue ID] [--server URL] [--db URL]
       grade extend COURSE --student ID --assignment ID [--due ISO] [--attempts N] [--db URL]
       grade collect COURSE --assignment ID --out OUT [--which best|last] [--as-recorded] [--db URL]
       grade sessions COURSE [--end ID] [--db URL]
       grade decisions import COURSE FILE [--apply] [--assignment ID]   grade decisions export COURSE [-o FILE]
       grade lti keys|setup|status|sync|roster COURSE [--platform canvas|moodle] [--assignment ID]

Grade a written homework answered in a submit.yaml.

  grade submit.yaml                 feedback on every question (never the key)
  grade key RUBRIC                  the canonical answers, computed by the reference solver
  grade template RUBRIC             a blank submit.yaml with every question id
  grade schema submission|rubric    JSON Schema of the file formats, for editors
  grade validate RUBRIC             lint a rubric and self-test every question
  grade new ASSIGNMENT_ID           start an assignment in a course folder: rubric, solver, sheet, examples, test
  grade sheet RUBRIC --student ID   a student's problem sheet (their own numbers with variants)
  grade variants freeze RUBRIC      record every student's numbers, so generator edits change none
  grade batch DIR --rubric R --out OUT   grade a class: results, reports, summary, review queue
  grade export TARGET OUT           grades for Canvas, Moodle or a spreadsheet, from a batch's OUT
  grade gradescope                  run as a Gradescope autograder (see grade export gradescope-zip)
  grade submit.yaml --server URL    check against the course's server (a graded attempt; the key stays there)
  grade serve COURSE                run the course service (needs the `serve` extra)
  grade tokens COURSE --roster F    one secret token per student, shown once
  grade extend COURSE ...           one student's later due date or attempt limit
  grade collect COURSE ...          the counted attempts as a `grade batch` output folder
  grade sessions COURSE [--end ID]  the open web sessions; end all of one person's
  grade decisions import|export     TA decisions in the course's database, as review.yaml
  grade lti keys|setup|...          connect the course service to Canvas or Moodle (LTI 1.3)

Run `grade COMMAND --help` for a command's options. Exit status: 0 done, 1 a check failed,
2 bad input (the message says which file and what to fix). --debug shows tracebacks.
"""


def _parser(prog: str, description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--debug", action="store_true", help="show a traceback when something fails")
    return parser


def cmd_grade(argv: Sequence[str]) -> int:
    from grader.client import uses_server

    if uses_server(argv):
        from grader.client import main_submit

        return main_submit(argv)
    from grader.grading import grade_file
    from grader.files.output import write_atomic
    from grader.reports import render_result

    parser = _parser("grade", "Grade one submit.yaml and print feedback.")
    parser.add_argument("submission", help="the submit.yaml to grade")
    parser.add_argument("--rubric", help="rubric file (default: found from the submission's assignment)")
    parser.add_argument("--format", choices=REPORT_FORMATS, default="text", help="output format")
    parser.add_argument("--reveal", action="store_true", help="staff only: show the expected answers")
    parser.add_argument("-o", "--output", help="write to this file instead of the terminal")
    args = parser.parse_args(argv)
    result, rubric = grade_file(args.submission, args.rubric, reveal=args.reveal)
    titles = {qid: q.title for qid, q in rubric.questions.items() if q.title}
    text = render_result(result, args.format, title=rubric.rubric.title, titles=titles)
    if args.output:
        write_atomic(args.output, text, inputs=[args.submission, *filter(None, [args.rubric])])
        print(f"wrote {args.output}: {result.score:g}/{result.max_score:g}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def cmd_key(argv: Sequence[str]) -> int:
    from grader.authoring.key import render_key
    from grader.rubric import load_rubric

    parser = _parser("grade key", "Print the canonical answers, computed by the rubric's solver.")
    parser.add_argument("rubric", help="rubric file, e.g. rubrics/hw-lstm-vae-gan.yaml")
    parser.add_argument("--format", choices=KEY_FORMATS, default="text")
    parser.add_argument("--student", help="the answers for this student's own numbers (rubrics with variants)")
    args = parser.parse_args(argv)
    rubric = load_rubric(args.rubric)
    _note_default_numbers(rubric, args.student)
    sys.stdout.write(render_key(rubric, args.format, args.student))
    return EXIT_OK


def _note_default_numbers(rubric: LoadedRubric, student: str | None) -> None:
    """On stderr: a key or sheet of a variants rubric without --student shows numbers no student has."""
    from grader.authoring.sheet import shows_default_numbers

    if shows_default_numbers(rubric, student):
        print(f"note: {rubric.id} gives every student their own numbers; these are the rubric's default numbers, "
              "which no student has (--student ID for a student's)", file=sys.stderr)


def cmd_template(argv: Sequence[str]) -> int:
    if "--assignment" in argv or any(arg.startswith("--assignment=") for arg in argv):
        from grader.client import main_template  # a blank file with the student's id, from the course's server

        return main_template(argv)
    from grader.authoring.blank import blank_submission
    from grader.rubric import load_rubric

    parser = _parser("grade template", "Print a blank submit.yaml with every question id.")
    parser.add_argument("rubric")
    args = parser.parse_args(argv)
    sys.stdout.write(blank_submission(load_rubric(args.rubric)))
    return EXIT_OK


def cmd_schema(argv: Sequence[str]) -> int:
    from grader.rubric import Rubric
    from grader.submission import Submission

    parser = _parser("grade schema", "Print the JSON Schema of a file format.")
    parser.add_argument("which", choices=SCHEMAS)
    args = parser.parse_args(argv)
    model = Submission if args.which == "submission" else Rubric
    print(json.dumps(model.model_json_schema(), indent=2, ensure_ascii=False))
    return EXIT_OK


def cmd_validate(argv: Sequence[str]) -> int:
    from grader.rubric import load_rubric
    from grader.authoring.selftest import self_test

    parser = _parser("grade validate", "Lint a rubric strictly, then self-test every question.")
    parser.add_argument("rubric")
    args = parser.parse_args(argv)
    rubric = load_rubric(args.rubric)
    checks = self_test(rubric)
    if rubric.solver is not None and rubric.solver.variants is not None:
        for note in rubric.solver.variants.notes():
            print(f"note: {note}")
    for check in checks:
        mark = "ok  " if not check.failures else "FAIL"
        print(f"{mark} {check.id}: {', '.join(check.passed)}")
        for failure in check.failures:
            print(f"       {failure}")
        for warning in check.warnings:
            print(f"       warning: {warning}")
        for note in check.notes:
            print(f"       note: {note}")
    failed = sum(1 for check in checks if check.failures)
    print(f"{rubric.path}: {len(checks)} questions, {rubric.rubric.max_score:g} points; "
          f"self-test {'passed' if not failed else f'FAILED for {failed} question(s)'}")
    return EXIT_FAILED if failed else EXIT_OK


def cmd_sheet(argv: Sequence[str]) -> int:
    if "--assignment" in argv or any(arg.startswith("--assignment=") for arg in argv):
        from grader.client import main_sheet  # a student's own sheet, from the course's server

        return main_sheet(argv)
    from grader.files.output import write_atomic
    from grader.rubric import load_rubric
    from grader.authoring.sheet import SHEET_FORMATS, render_sheet

    parser = _parser("grade sheet", "Print a student's problem sheet (their own numbers when the rubric has variants).")
    parser.add_argument("rubric")
    parser.add_argument("--student", help="the student id (default: the rubric's own numbers)")
    parser.add_argument("--format", choices=SHEET_FORMATS, default="markdown")
    parser.add_argument("-o", "--output", help="write to this file instead of the terminal")
    parser.add_argument("--roster", help="every student's sheet: CSV with student_id,name,email, or Canvas's "
                        "gradebook export (needs --out)")
    parser.add_argument("--out", help="with --roster: the folder for the sheets (one file per student, index.csv)")
    args = parser.parse_args(argv)
    rubric = load_rubric(args.rubric)
    if args.roster or args.out:
        from pathlib import Path

        from grader.errors import UsageError
        from grader.files.roster import read_students
        from grader.authoring.sheet_roster import roster_warnings, write_roster_sheets

        if not (args.roster and args.out) or args.student or args.output:
            raise UsageError("--roster and --out go together, without --student or -o")
        students = read_students(args.roster)
        written = write_roster_sheets(rubric, students, Path(args.out), args.format)
        print(f"wrote {len(written)} sheets and index.csv into {args.out}", file=sys.stderr)
        for warning in roster_warnings(students):
            print(f"warning: {warning}", file=sys.stderr)
        return EXIT_OK
    _note_default_numbers(rubric, args.student)
    text = render_sheet(rubric, args.student, args.format)
    if args.output:
        write_atomic(args.output, text, inputs=[args.rubric])
    else:
        sys.stdout.write(text)
    return EXIT_OK


def cmd_variants(argv: Sequence[str]) -> int:
    from grader.authoring.variants_freeze import main as variants_main

    return variants_main(argv)


def cmd_batch(argv: Sequence[str]) -> int:
    from grader.batch.command import main as batch_main

    return batch_main(argv)


def cmd_export(argv: Sequence[str]) -> int:
    from grader.export.command import main_export

    return main_export(argv)


def cmd_gradescope(argv: Sequence[str]) -> int:
    from grader.export.command import main_gradescope

    return main_gradescope(argv)


def cmd_new(argv: Sequence[str]) -> int:
    from grader.authoring.scaffold import new_assignment

    parser = _parser("grade new", "Start an assignment in a course folder: rubric, sheet, solver, three example "
                                  "submissions and a test of the solver. Never overwrites a file.")
    parser.add_argument("assignment", help="the new assignment's id, e.g. hw-regression")
    parser.add_argument("--dir", default=".", help="the course folder (default: the current folder; made if missing)")
    parser.add_argument("--title", help="the assignment's title (default: from the id)")
    args = parser.parse_args(argv)
    sys.stdout.write(new_assignment(args.assignment, args.dir, args.title).summary())
    return EXIT_OK


COMMANDS: dict[str, Callable[[Sequence[str]], int]] = {
    "key": cmd_key, "template": cmd_template, "schema": cmd_schema, "validate": cmd_validate,
    "sheet": cmd_sheet, "batch": cmd_batch, "export": cmd_export, "gradescope": cmd_gradescope,
    "variants": cmd_variants, "new": cmd_new,
    **{name: (lambda argv, name=name: _course_service(name, argv))
       for name in ("serve", "tokens", "extend", "collect", "sessions", "decisions", "lti")},
}


def _course_service(command: str, argv: Sequence[str]) -> int:
    """`grade serve|tokens|extend|collect|sessions|decisions|lti`: grader/serve/commands.py (the `serve` extra is
    imported there)."""
    from grader.serve import commands

    return getattr(commands, f"main_{command}")(argv)


# The grader's arrays are a homework's: a few numbers each. A BLAS thread pool only costs there (about
# 40 ms to start in every `grade` process, and threads competing with the batch workers), so it is
# off unless the user asked for one.
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def single_threaded_blas() -> None:
    """Ask numpy's BLAS for one thread (before numpy is imported; a user's own setting wins)."""
    for variable in BLAS_THREAD_VARIABLES:
        os.environ.setdefault(variable, "1")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    single_threaded_blas()
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    if not args or args[0] in ("-h", "--help", "help"):
        sys.stdout.write(OVERVIEW)
        return EXIT_OK if args else EXIT_BAD_INPUT
    if args[0] == "--version":
        print(f"grade {__version__}")
        return EXIT_OK
    command = COMMANDS.get(args[0])
    try:
        return command(args[1:]) if command else cmd_grade(args)
    except GraderError as exc:
        if debug:
            raise
        from grader.reports.escaping import for_terminal  # a message may quote a student's text

        print(f"error: {for_terminal(exc)}", file=sys.stderr)
        return EXIT_FAILED if isinstance(exc, RunStopped) else EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
