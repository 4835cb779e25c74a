"""Per-student parameters: drawn by the solver's generator, or recorded once in a frozen table.

A rubric's `variants: {generator: draw_parameters, options: {...}}` draws each student's
parameters with a seed made from the assignment id and the student id. Once sheets have gone
out, `grade variants freeze` records every student's parameters in a table and the rubric
points at it (`frozen: variants.yaml`, relative to the rubric): a student in the table keeps
their recorded parameters whatever later happens to the generator; a student not in it gets
the generator's.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError

from grader.errors import GraderError, RubricError
from grader.safe_yaml import load_yaml_file

FROZEN_MAX_BYTES = 64 * 1024 * 1024  # a class of thousands, each with a few hundred numbers
FROZEN_MAX_NODES = 5_000_000  # YAML nodes of such a table (aliases expanded)
DEFAULT_NUMBERS_NOTICE = ("these are the rubric's default numbers, which no student has: this rubric gives every "
                          "student their own numbers (variants)")


def variant_seed(assignment_id: str, student_id: str) -> int:
    """A stable seed from the assignment and student ids (the same on every machine and run)."""
    digest = hashlib.sha256(f"{assignment_id}\0{student_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


class FrozenTable(BaseModel):
    """What `grade variants freeze` writes: each student's parameters, as they were handed out."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    assignment: StrictStr = Field(description="The assignment id the table belongs to.")
    generator: StrictStr = Field(description="The generator that drew the parameters (for the record).")
    options: dict[str, Any] = Field(default_factory=dict, description="The generator's options (for the record).")
    students: dict[StrictStr, dict[str, Any]] = Field(description="Student id -> that student's parameters.")


FROZEN_HINT = "write it with `grade variants freeze RUBRIC --roster FILE -o FILE`"


def load_frozen_table(path: Path, error: type[GraderError] = RubricError, hint: str = FROZEN_HINT) -> FrozenTable:
    """Read a frozen table (YAML or JSON); a bad one raises `error` naming the file, the place and `hint`."""
    data = load_yaml_file(path, error, max_bytes=FROZEN_MAX_BYTES, max_nodes=FROZEN_MAX_NODES)
    if not isinstance(data, dict):
        raise error("this is not a frozen variants table (a mapping with assignment, generator and students)",
                    path=str(path), hint=hint)
    try:
        return FrozenTable.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise error(f"this is not a frozen variants table ({where or 'the top'}: {first['msg']})", path=str(path),
                    hint=hint) from None


class Variants:
    """Each student's parameters: the frozen table's when it lists them, else the generator's draw."""

    def __init__(self, module: ModuleType, module_name: str, spec: Any, parameters: Mapping[str, Any],
                 rubric_path: Path, assignment_id: str) -> None:
        self.rubric_path = rubric_path
        self.assignment_id = assignment_id
        self.parameters = parameters
        self.generator_name: str = spec.generator
        generator = getattr(module, spec.generator, None)
        if not callable(generator):
            raise RubricError(f"solver module `{module_name}` has no function `{spec.generator}`",
                              path=str(rubric_path), where="variants.generator")
        self._generator: Callable[..., dict[str, Any]] = generator
        self.options: dict[str, Any] = dict(spec.options)
        self.frozen_path: Path | None = None
        self.frozen: dict[str, dict[str, Any]] = {}
        frozen = getattr(spec, "frozen", None)
        if frozen is not None:
            self.frozen_path = rubric_path.parent / frozen
            if not self.frozen_path.is_file():
                raise RubricError(f"the frozen variants table {self.frozen_path} is not there", path=str(rubric_path),
                                  where="variants.frozen", hint="the path is relative to the rubric; write the "
                                  "table with `grade variants freeze RUBRIC --roster FILE -o FILE`")
            table = load_frozen_table(self.frozen_path)
            if table.assignment != assignment_id:
                raise RubricError(f"the frozen table {self.frozen_path} is for assignment `{table.assignment}`, "
                                  f"not `{assignment_id}`", path=str(rubric_path), where="variants.frozen",
                                  hint="point `frozen:` at this assignment's table")
            self.frozen = table.students

    def parameters_for(self, student_id: str) -> dict[str, Any]:
        """The student's recorded parameters when the frozen table lists them, else the generator's."""
        if student_id in self.frozen:
            return copy.deepcopy(self.frozen[student_id])
        return self.drawn(student_id)

    def source(self, student_id: str | None) -> str:
        """Where this student's numbers come from: "default", "frozen" or "drawn"."""
        if student_id is None:
            return "default"
        return "frozen" if student_id in self.frozen else "drawn"

    def drawn(self, student_id: str) -> dict[str, Any]:
        """What the generator draws for this student today (whether or not the table records them)."""
        rng = np.random.default_rng(variant_seed(self.assignment_id, student_id))
        try:
            return self._generator(copy.deepcopy(dict(self.parameters)), rng, **self.options)
        except Exception as exc:  # a solver bug must name the rubric, not crash with a traceback
            raise RubricError(f"the variant generator `{self.generator_name}` failed for student `{student_id}`: "
                              f"{type(exc).__name__}: {exc}", path=str(self.rubric_path), where="variants") from exc

    def notes(self) -> list[str]:
        """What `grade validate` says about the variants: where numbers come from, and drift of the generator."""
        notes = [f"variants: each student's numbers are drawn by `{self.generator_name}` from a seed of the "
                 "assignment id and the student id; `grade key`/`grade sheet` without --student show default "
                 "numbers no student has"]
        if self.frozen_path is None:
            notes.append("variants: no frozen table; once sheets are out, record them with `grade variants freeze` "
                         "and add `frozen: FILE` so later edits of the generator change nothing handed out")
            return notes
        notes.append(f"variants: {len(self.frozen)} students' numbers are frozen in {self.frozen_path.name}; "
                     f"a student not in it gets the generator's (`{self.generator_name}`) numbers")
        changed = sorted(student for student, recorded in self.frozen.items()
                         if _plain(self.drawn(student)) != _plain(recorded))
        if changed:
            shown = ", ".join(changed[:5]) + (" …" if len(changed) > 5 else "")
            notes.append(f"variants: the generator now draws other numbers than the table for {len(changed)} of "
                         f"{len(self.frozen)} frozen students ({shown}); they keep the numbers in "
                         f"{self.frozen_path.name}")
        return notes


def plain_parameters(value: Any, where: str = "parameters") -> Any:
    """Parameters as plain YAML/JSON data (numpy values and tuples converted); raises ValueError naming
    the place of anything that cannot be recorded exactly (a non-finite number, an object)."""
    if isinstance(value, Mapping):
        result = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"{where}: the key {key!r} is not text")
            result[key] = plain_parameters(item, f"{where}.{key}")
        return result
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [plain_parameters(item, f"{where}[{index}]") for index, item in enumerate(value)]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        raise ValueError(f"{where}: {value!r} is not a finite number")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise ValueError(f"{where}: a {type(value).__name__} cannot be recorded (numbers, text, lists and mappings only)")


def _plain(value: Any) -> Any:
    try:
        return plain_parameters(value)
    except ValueError:
        return repr(value)
