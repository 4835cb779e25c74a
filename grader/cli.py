"""The `grade` command: parse arguments, call the library, turn GraderError into a message and exit 2."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence

from grader import __version__
from grader.errors import GraderError
from grader.reports import REPORT_FORMATS

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
KEY_FORMATS = ("text", "json")
SCHEMAS = ("submission", "rubric")

OVERVIEW = """\
usage: grade SUBMISSION.yaml [--rubric FILE] [--format text|markdown|html|json] [--reveal] [-o FILE]
       grade key RUBRIC [--format text|json] [--student ID]
       grade template RUBRIC
       grade schema submission|rubric
       grade validate RUBRIC
       grade sheet RUBRIC [--student ID] [--format markdown|html] [-o FILE]
       grade batch DIR --rubric FILE --out OUT [--jobs N] [--overrides FILE] [--no-reports] [--quiet] [--strict]
       grade export canvas|moodle|csv OUT [...]      grade export gradescope-zip RUBRIC [-o FILE]
       grade gradescope [--root DIR] [--rubric FILE]

Grade a written homework answered in a submit.yaml.

  grade submit.yaml                 feedback on every question (never the key)
  grade key RUBRIC                  the canonical answers, computed by the reference solver
  grade template RUBRIC             a blank submit.yaml with every question id
  grade schema submission|rubric    JSON Schema of the file formats, for editors
  grade validate RUBRIC             lint a rubric and self-test every question
  grade sheet RUBRIC --student ID   a student's problem sheet (their own numbers with variants)
  grade batch DIR --rubric R --out OUT   grade a class: results, reports, summary, review queue
  grade export TARGET OUT           grades for Canvas, Moodle or a spreadsheet, from a batch's OUT
  grade gradescope                  run as a Gradescope autograder (see grade export gradescope-zip)

Run `grade COMMAND --help` for a command's options. Exit status: 0 done, 1 a check failed,
2 bad input (the message says which file and what to fix). --debug shows tracebacks.
"""


def _parser(prog: str, description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--debug", action="store_true", help="show a traceback when something fails")
    return parser


def cmd_grade(argv: Sequence[str]) -> int:
    from grader.grading import grade_file
    from grader.output import write_atomic
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
        write_atomic(args.output, text)
        print(f"wrote {args.output}: {result.score:g}/{result.max_score:g}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def cmd_key(argv: Sequence[str]) -> int:
    from grader.key import render_key
    from grader.rubric import load_rubric

    parser = _parser("grade key", "Print the canonical answers, computed by the rubric's solver.")
    parser.add_argument("rubric", help="rubric file, e.g. rubrics/hw-lstm-vae-gan.yaml")
    parser.add_argument("--format", choices=KEY_FORMATS, default="text")
    parser.add_argument("--student", help="the answers for this student's own numbers (rubrics with variants)")
    args = parser.parse_args(argv)
    sys.stdout.write(render_key(load_rubric(args.rubric), args.format, args.student))
    return EXIT_OK


def cmd_template(argv: Sequence[str]) -> int:
    from grader.blank import blank_submission
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
    from grader.selftest import self_test

    parser = _parser("grade validate", "Lint a rubric strictly, then self-test every question.")
    parser.add_argument("rubric")
    args = parser.parse_args(argv)
    rubric = load_rubric(args.rubric)
    checks = self_test(rubric)
    for check in checks:
        mark = "ok  " if not check.failures else "FAIL"
        print(f"{mark} {check.id}: {', '.join(check.passed)}")
        for failure in check.failures:
            print(f"       {failure}")
        for note in check.notes:
            print(f"       note: {note}")
    failed = sum(1 for check in checks if check.failures)
    print(f"{rubric.path}: {len(checks)} questions, {rubric.rubric.max_score:g} points; "
          f"self-test {'passed' if not failed else f'FAILED for {failed} question(s)'}")
    return EXIT_FAILED if failed else EXIT_OK


def cmd_sheet(argv: Sequence[str]) -> int:
    from grader.output import write_atomic
    from grader.rubric import load_rubric
    from grader.sheet import SHEET_FORMATS, render_sheet

    parser = _parser("grade sheet", "Print a student's problem sheet (their own numbers when the rubric has variants).")
    parser.add_argument("rubric")
    parser.add_argument("--student", help="the student id (default: the rubric's own numbers)")
    parser.add_argument("--format", choices=SHEET_FORMATS, default="markdown")
    parser.add_argument("-o", "--output", help="write to this file instead of the terminal")
    args = parser.parse_args(argv)
    text = render_sheet(load_rubric(args.rubric), args.student, args.format)
    if args.output:
        write_atomic(args.output, text)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def cmd_batch(argv: Sequence[str]) -> int:
    from grader.batch.command import main as batch_main

    return batch_main(argv)


def cmd_export(argv: Sequence[str]) -> int:
    from grader.export.command import main_export

    return main_export(argv)


def cmd_gradescope(argv: Sequence[str]) -> int:
    from grader.export.command import main_gradescope

    return main_gradescope(argv)


COMMANDS: dict[str, Callable[[Sequence[str]], int]] = {
    "key": cmd_key, "template": cmd_template, "schema": cmd_schema, "validate": cmd_validate,
    "sheet": cmd_sheet, "batch": cmd_batch, "export": cmd_export, "gradescope": cmd_gradescope,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
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
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
