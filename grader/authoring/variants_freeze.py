"""`grade variants freeze RUBRIC --roster FILE -o FILE`: record every student's parameters.

The table holds each roster student's parameters as they stand today (the rubric's frozen table
when it already lists them, else the generator's draw). Written again into an existing table,
it keeps every student already recorded exactly as recorded and only adds the new ones, so
freezing twice, or after the generator changed, never alters a number that was handed out.
The bytes depend only on the recorded parameters: students sorted by id, keys sorted, no dates.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from grader.errors import RubricError, UsageError
from grader.files.output import write_atomic
from grader.files.roster import read_students
from grader.rubric import LoadedRubric, load_rubric
from grader.variants import FrozenTable, load_frozen_table, plain_parameters

JSON_SUFFIXES = (".json",)
YAML_SUFFIXES = (".yaml", ".yml")
YAML_HEADER = ("# Frozen per-student parameters, written by `grade variants freeze`. Point the rubric at this file\n"
               "# (variants: {{generator: {generator}, frozen: {name}}}); students listed here keep these numbers\n"
               "# whatever the generator draws later. Freezing again keeps every entry and adds new students.\n")


@dataclass(frozen=True)
class FreezeOutcome:
    """What a freeze wrote: the text, and how many students were kept as recorded and added."""

    text: str
    kept: int
    added: int


def freeze_variants(rubric: LoadedRubric, student_ids: Sequence[str], output: Path) -> FreezeOutcome:
    """The table's text for these students; an existing table at `output` is kept and extended."""
    solver = rubric.solver
    if solver is None or solver.variants is None:
        raise UsageError(f"the rubric {rubric.path} has no `variants:`, so every student has the same numbers "
                         "and there is nothing to freeze")
    if output.suffix.lower() not in JSON_SUFFIXES + YAML_SUFFIXES:
        raise UsageError(f"cannot tell the format of {output} from its name", hint="name it .yaml, .yml or .json")
    recorded: dict[str, Any] = {}
    if output.is_symlink() or (output.exists() and not output.is_file()):
        raise UsageError("is not a regular file; the table is only written to a regular file", path=str(output))
    if output.exists():
        table = load_frozen_table(output, UsageError, hint="freeze only extends an existing table of this "
                                  "assignment; choose another -o")
        if table.assignment != rubric.id:
            raise UsageError(f"this table is for assignment `{table.assignment}`, not `{rubric.id}`",
                             path=str(output), hint="choose another -o for this assignment's table")
        recorded = dict(table.students)
    students = dict(recorded)
    added = 0
    for student_id in student_ids:
        if student_id in students:
            continue
        try:
            students[student_id] = plain_parameters(solver.parameters_for(student_id), "parameters")
        except ValueError as exc:
            raise RubricError(f"the generator's parameters for student `{student_id}` cannot be recorded: {exc}",
                              path=str(rubric.path), where="variants.generator") from None
        added += 1
    document = FrozenTable(assignment=rubric.id, generator=solver.variants.generator_name,
                           options=plain_parameters(solver.variants.options, "options"),
                           students={key: students[key] for key in sorted(students)})
    data = document.model_dump()
    if output.suffix.lower() in JSON_SUFFIXES:
        text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True, allow_nan=False) + "\n"
    else:
        body = yaml.safe_dump(data, allow_unicode=True, sort_keys=True, default_flow_style=None, width=100)
        text = YAML_HEADER.format(generator=document.generator, name=output.name) + body
    return FreezeOutcome(text=text, kept=len(recorded), added=added)


def main(argv: Sequence[str]) -> int:
    """`grade variants freeze ...` (the CLI's `variants` command)."""
    parser = argparse.ArgumentParser(prog="grade variants", description=(
        "Per-student numbers. `freeze` records every roster student's parameters in a table the rubric can "
        "point at (`variants: {generator: ..., frozen: FILE}`), so later edits of the generator change nothing "
        "already handed out."))
    parser.add_argument("--debug", action="store_true", help="show a traceback when something fails")
    commands = parser.add_subparsers(dest="command", required=True, metavar="freeze")
    freeze = commands.add_parser("freeze", help="record each roster student's parameters")
    freeze.add_argument("rubric", help="the rubric, with `variants:`")
    freeze.add_argument("--roster", required=True,
                        help="CSV with student_id,name,email, or Canvas's gradebook export")
    freeze.add_argument("-o", "--output", required=True, help="the table to write (.yaml, .yml or .json); "
                        "an existing table is kept and extended")
    freeze.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    rubric = load_rubric(args.rubric)
    students = [entry.id for entry in read_students(args.roster)]
    output = Path(args.output)
    outcome = freeze_variants(rubric, students, output)
    write_atomic(output, outcome.text)
    variants = rubric.solver.variants if rubric.solver else None
    assert variants is not None  # freeze_variants refused a rubric without variants
    print(f"wrote {output}: {outcome.kept + outcome.added} students ({outcome.kept} already recorded and kept "
          f"as they were, {outcome.added} added)", file=sys.stderr)
    if variants.frozen_path is None or variants.frozen_path.resolve() != output.resolve():
        print(f"next: point the rubric at it: `variants: {{generator: {variants.generator_name}, "
              f"frozen: {_relative(output, rubric.path)}}}`", file=sys.stderr)
    return 0


def _relative(output: Path, rubric_path: Path) -> str:
    """The table's path as the rubric should name it (relative to the rubric's folder when possible)."""
    try:
        return Path(os.path.relpath(output.resolve(), rubric_path.resolve().parent)).as_posix()
    except ValueError:  # another drive on Windows
        return str(output.resolve())
