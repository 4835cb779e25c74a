"""Fuzz `grade FILE` with seeded mutations of the example submissions; print every input that broke it.

    python benchmarks/fuzz_submissions.py --count 100000 --seed 7 [--cli-every 10] [--save DIR]

Each input is one of submissions/*.yaml changed a few times: a value (a scalar, or all of a line after
its key) or a key replaced by an odd token
(huge integers, 1e400, nan, unicode, control characters, markup, backticks, lists, mappings, null,
booleans, numbers as keys), a line duplicated, deleted, re-indented or swapped, bytes flipped or
inserted, the file cut short. Every input goes through `grade_file` and every report format (text,
Markdown, HTML, JSON, and Gradescope's results.json); every `--cli-every`-th also through the command line (`main`), whose exit
code must be 0 or 2. A failure is any exception that is not the grader's own GraderError, an exit
code other than 0/2, a terminal control character in a text or Markdown report, or a Result that
the exports would refuse. The same seed gives the same inputs. tests/test_fuzz_submissions.py runs
a few thousand of them in the suite.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import random
import re
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.cli import main  # noqa: E402
from grader.errors import GraderError, UsageError  # noqa: E402
from grader.export.gradescope import error_results, gradescope_results  # noqa: E402
from grader.export.results_io import _check_scores  # noqa: E402
from grader.grading import grade_file  # noqa: E402
from grader.reports import REPORT_FORMATS, render_result  # noqa: E402
from grader.results import Result  # noqa: E402
from grader.rubric import LoadedRubric  # noqa: E402

SUBMISSIONS = ROOT / "submissions"
RUBRICS = ROOT / "rubrics"
MAX_MUTATIONS = 3  # per input; more and nearly every input is refused at the YAML stage
MUTATIONS = ("value", "line", "key", "answers", "duplicate", "delete", "indent", "swap", "flip", "insert",
             "truncate")
MUTATION_WEIGHTS = (36, 8, 12, 4, 4, 5, 5, 3, 7, 9, 7)  # mostly values, so that most inputs get graded
ODD_VALUES = (
    "1" + "0" * 400, "9" * 5000, "-" + "9" * 1200, "1e400", "1.0e+400", "-1.0e+400", "1e-400", ".nan", ".inf",
    "-.inf", "nan", "inf", "0x" + "f" * 900, "0o777", "0b101", "1_000", "1:30:00", "2001-13-45", "2001-12-14",
    "2001-12-14T21:59:43.10-05:00", "null", "~", "true", "no", "On", "[]", "{}", "[1, [2, [3]]]", "{a: 1}",
    "{answer: [1, 2], why: {x: 1}}", "[1x1, 2]", '"\\e]0;pwned\\a\\e[2J"', '"\\x00\\x7f\\x9b31m"', '"a\\rb\\u202ec"',
    '"<img src=x onerror=alert(1)>"', '"<script>alert(1)</script>"', '"`"', '"``a`b``"', "'|'", '"[x](javascript:1)"',
    '"# heading"', '"{{ 7*7 }}"', "'%s%n'", '"\\\\"', "'1/0'", "'2 × 10^400'", "'1 x 10^99999999999'", "'10^10^10'",
    "'" + "(" * 500 + "'", "'" + "x" * 100_000 + "'", '"😀 é ½ σ² −0.19"', "'52.99%'", "'≈ 0.2174'", "-",
    "'1,5'", "'mu^2 + sigma^2 - 1 - log(sigma^2)'", "'exp(exp(exp(999)))'", "'log(0)'", "'1/(sigma-sigma)'", "0",
    "-0.0",
    "'scalar'", "'(0, 0)'", "'²'", "'" + "9" * 5000 + "x1'",
    # long runs of one operator: recursion in any reader ends in a RecursionError
    "'1" + "%" * 3000 + "'", "'" + "-" * 5000 + "1'", "'" + "(" * 3000 + "1" + ")" * 3000 + "'",
    "'2" + "^2" * 3000 + "'", "'" + "sqrt(" * 2000 + "mu" + ")" * 2000 + "'", "'" + "√" * 3000 + "2'",
    "'1" + "!" * 3000 + "'", "'" + "1x" * 3000 + "1'",
    "'\\frac{" * 1500 + "1" + "}{2}" * 1500 + "'", "'" + "|" * 3000 + "'", "'" + "e^" * 3000 + "1'",
)
ODD_KEYS = ("2", "3.5", "null", "~", "true", "no", "2001-12-14", '"p2.a"', '"p3.b.h1"', '"`"', '"a`b"', '"<b>x</b>"',
            '"\\e[31m"', '"score"', '"answer"', '"why"', '"p2.a.answer"', "9" * 1200, '"' + "k" * 5000 + '"', "''",
            '"."', '"p3..c"')
_VALUE = re.compile(r"""(?<=: )(?:"[^"\n]*"|'[^'\n]*'|[^\n#{}\[\],"']+)""")  # a whole quoted string, or plain
_LINE_VALUE = re.compile(r"(?m)(?<=: ).+$")  # everything after a key: a whole {…} or […] too
_KEY = re.compile(r"(?m)(?<=^)(\s*)([A-Za-z0-9_.\"']+)(?=:)|(?<=[{,] )([A-Za-z0-9_]+)(?=:)")
_TERMINAL_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@dataclass
class Finding:
    """One input that broke the grader, and how."""

    number: int
    seed: int
    what: str
    text: bytes


def originals() -> list[tuple[bytes, Path | None]]:
    """The example submissions, each with its assignment's rubric."""
    found = []
    for path in sorted(SUBMISSIONS.glob("*.yaml")):
        data = path.read_bytes()
        assignment = re.search(rb"(?m)^assignment:\s*([\w.-]+)", data)
        rubric = RUBRICS / f"{assignment.group(1).decode()}.yaml" if assignment else None
        found.append((data, rubric if rubric is not None and rubric.is_file() else None))
    return found


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One seeded change to the file's bytes."""
    kind = rng.choices(MUTATIONS, weights=MUTATION_WEIGHTS)[0]
    text = data.decode("utf-8", errors="surrogateescape")
    lines = text.split("\n")
    if kind == "value" and (spots := list(_VALUE.finditer(text))):
        spot = rng.choice(spots)
        text = text[:spot.start()] + rng.choice(ODD_VALUES) + text[spot.end():]
    elif kind == "line" and (spots := list(_LINE_VALUE.finditer(text))):
        spot = rng.choice(spots)
        text = text[:spot.start()] + rng.choice(ODD_VALUES) + text[spot.end():]
    elif kind == "key" and (spots := list(_KEY.finditer(text))):
        spot = rng.choice(spots)
        group = 2 if spot.group(2) else 3
        text = text[:spot.start(group)] + rng.choice(ODD_KEYS) + text[spot.end(group):]
    elif kind == "duplicate":
        index = rng.randrange(len(lines))
        lines.insert(index, lines[index])
        text = "\n".join(lines)
    elif kind == "delete" and len(lines) > 1:
        del lines[rng.randrange(len(lines))]
        text = "\n".join(lines)
    elif kind == "indent":
        index = rng.randrange(len(lines))
        shift = rng.choice((-4, -2, -1, 1, 2, 4))
        lines[index] = " " * shift + lines[index] if shift > 0 else lines[index][-shift:]
        text = "\n".join(lines)
    elif kind == "swap" and len(lines) > 1:
        first, second = rng.randrange(len(lines)), rng.randrange(len(lines))
        lines[first], lines[second] = lines[second], lines[first]
        text = "\n".join(lines)
    elif kind == "answers":
        text = text.replace("answers:", rng.choice(("answers:\n  2: {a: false}", "answers:\n  null: 1",
                                                    "answers:\n  1.5: x", "answers:\n  true: [1, 2]")), 1)
    raw = bytearray(text.encode("utf-8", errors="surrogateescape"))
    if kind == "flip" and raw:
        for _ in range(rng.randint(1, 4)):
            raw[rng.randrange(len(raw))] ^= 1 << rng.randrange(8)
    elif kind == "insert":
        position = rng.randrange(len(raw) + 1)
        raw[position:position] = bytes(rng.choice((0, 7, 9, 13, 27, 0x7F, 0x9B, 0xC3, 0xE9, 0xFF, 0x22, 0x27, 0x3A,
                                                   0x26, 0x2A, 0x21, 0x7C, 0x60)) for _ in range(rng.randint(1, 3)))
    elif kind == "truncate" and raw:
        del raw[rng.randrange(len(raw)):]
    return bytes(raw)


def inputs(seed: int, count: int) -> Iterator[tuple[int, bytes, Path | None]]:
    """`count` mutated submissions (with the rubric of the file they came from), the same for the same seed."""
    rng = random.Random(seed)
    examples = originals()
    for number in range(count):
        data, rubric = rng.choice(examples)
        for _ in range(rng.randint(1, MAX_MUTATIONS)):
            data = mutate(data, rng)
        yield number, data, rubric


def check(path: Path, data: bytes, rubric_path: Path | None, *, through_cli: bool) -> tuple[str | None, bool]:
    """What went wrong with this input (None when the grader behaved), and whether it was graded."""
    path.write_bytes(data)
    rubric_arg = str(rubric_path) if rubric_path else None
    result = None
    try:
        try:
            result, rubric = grade_file(str(path), rubric_arg)
        except GraderError as exc:  # the file is refused: its message must reach Gradescope escaped
            problem = _raw_markup(error_results(str(exc)).output)
            if problem:
                return f"the Gradescope message for a refused file shows {problem!r} raw", False
        if result is not None:
            problem = check_result(result, rubric)
            if problem:
                return problem, True
        if through_cli:
            return check_cli(path, rubric_arg), result is not None
    except Exception:  # noqa: BLE001  a fuzzer reports every crash, whatever its type
        return traceback.format_exc(limit=-6), result is not None
    return None, result is not None


def check_result(result: Result, rubric: LoadedRubric) -> str | None:
    for report_format in REPORT_FORMATS:
        report = render_result(result, report_format, title=rubric.rubric.title)
        if report_format in ("text", "markdown") and (found := _TERMINAL_CONTROLS.search(report)):
            return f"{report_format} report shows the control character {found.group()!r}"
    gradescope = gradescope_results(result, rubric)  # Markdown that Gradescope renders
    for text in (gradescope.output, *(test.output for test in gradescope.tests)):
        if problem := _raw_markup(text):
            return f"the Gradescope output shows {problem!r} raw"
    json.dumps(gradescope.model_dump(), allow_nan=False)
    line = result.to_json()
    try:
        _check_scores(Result.model_validate_json(line), Path("results.jsonl"), 1)
    except UsageError as exc:
        return f"the exports would refuse this Result: {exc}"
    return None


def _raw_markup(markdown: str) -> str | None:
    """A terminal control character or an HTML tag in Markdown meant for a browser, else None."""
    found = _TERMINAL_CONTROLS.search(markdown) or re.search(r"<[a-zA-Z/!?]", markdown)
    return found.group() if found else None


def check_cli(path: Path, rubric: str | None) -> str | None:
    for report_format in REPORT_FORMATS:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main([str(path), "--format", report_format, *(["--rubric", rubric] if rubric else [])])
        if code not in (0, 2):
            return f"`grade FILE --format {report_format}` exited {code}: {err.getvalue()[-500:]}"
        if _TERMINAL_CONTROLS.search(err.getvalue()):
            return "the error message on stderr shows a terminal control character"
    return None


def run(seed: int, count: int, *, cli_every: int = 10) -> tuple[list[Finding], int]:
    """Every finding of `count` inputs from `seed`, and how many inputs were graded (not refused)."""
    findings: list[Finding] = []
    graded = 0
    with tempfile.TemporaryDirectory(prefix="grade-fuzz-") as folder:
        path = Path(folder) / "submit.yaml"
        for number, data, rubric in inputs(seed, count):
            problem, was_graded = check(path, data, rubric, through_cli=cli_every > 0 and number % cli_every == 0)
            graded += was_graded
            if problem:
                findings.append(Finding(number, seed, problem, data))
    return findings, graded


def cli(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000, help="how many inputs (default 10000)")
    parser.add_argument("--seed", type=int, default=1, help="the seed of the mutations (default 1)")
    parser.add_argument("--cli-every", type=int, default=10, help="every Nth input also through `main` (0: never)")
    parser.add_argument("--save", type=Path, help="write each failing input here as fuzz-SEED-NUMBER.yaml")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    findings, graded = run(args.seed, args.count, cli_every=args.cli_every)
    count = args.count
    elapsed = time.perf_counter() - started
    kinds: dict[str, int] = {}
    for finding in findings:
        kinds[finding.what.strip().splitlines()[-1]] = kinds.get(finding.what.strip().splitlines()[-1], 0) + 1
        print(f"--- input {finding.number} (seed {finding.seed}):\n{finding.what.strip()}\n"
              f"input: {json.dumps(finding.text.decode('utf-8', errors='replace')[:400])}\n")
        if args.save:
            args.save.mkdir(parents=True, exist_ok=True)
            (args.save / f"fuzz-{finding.seed}-{finding.number}.yaml").write_bytes(finding.text)
    print(f"{count:,} inputs from seed {args.seed} in {elapsed:.1f} s ({count / elapsed:,.0f}/s), {graded:,} graded "
          f"and the rest refused with a message: {len(findings)} failure{'s' if len(findings) != 1 else ''}")
    for what, times in sorted(kinds.items(), key=lambda item: -item[1]):
        print(f"  {times:>6} × {what[:160]}")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(cli())
