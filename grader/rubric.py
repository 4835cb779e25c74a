"""Load and validate a rubric strictly, bind it to its solver, and find it from an assignment id."""

from __future__ import annotations

import os
import re
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError, model_validator

from grader.answers import parent_ids
from grader.errors import RubricError, SubmissionError, did_you_mean
from grader.questions import AnswerKey, Question, QuestionBase, Ref
from grader.questions.expression import FunctionSpec, with_shared_functions
from grader.questions.numeric import NumericQuestion
from grader.safe_yaml import Marks, load_yaml_file_with_marks
from grader.solver import Solver
from grader.validation_messages import describe_validation_error

ASSIGNMENT_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
ANSWER_KEY_CACHE = 64  # students' keys kept (variants); without variants there is one key for everyone
RUBRICS_FOLDER = "rubrics"  # looked up beside the submission and above it, as git finds .git
RUBRICS_VARIABLE = "GRADE_RUBRICS"  # a path list (os.pathsep) of more folders holding rubrics


class VariantSpec(BaseModel):
    """How to draw each student's own parameters: a generator function in the solver module."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    generator: StrictStr = Field(description="Function in the solver module: (parameters, rng, **options) -> parameters.")
    options: dict[str, Any] = Field(default_factory=dict, description="Keyword arguments for the generator.")
    frozen: StrictStr | None = Field(default=None, description=(
        "A table of each student's recorded parameters (`grade variants freeze`), relative to the rubric: "
        "students in it keep those numbers whatever the generator draws later."))


class Rubric(BaseModel):
    """What each question of an assignment is worth and how its answers are compared."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=ASSIGNMENT_ID_PATTERN, description="The assignment id submissions name.")
    title: StrictStr = Field(description="The assignment's title, for reports.")
    solver: StrictStr | None = Field(default=None, description=(
        "The reference solver, with solve(parameters, given=None): a module name (`reference.hw_x`) or a path "
        "relative to the rubric (`../solvers/hw_x.py`), found as README's \"Where the grader looks\" says."))
    parameters: dict[str, Any] = Field(default_factory=dict, description="The solver's parameters.")
    variants: VariantSpec | None = Field(default=None, description="Per-student parameters (needs a solver).")
    sheet: StrictStr | None = Field(default=None, description="Jinja template of the problem sheet, beside the rubric.")
    total: float | None = Field(default=None, allow_inf_nan=False,
                                description="The assignment's total; when given, the points must add up to it.")
    questions: list[Question] = Field(min_length=1, description="The questions, in the order reports show them.")
    functions: dict[str, FunctionSpec] = Field(default_factory=dict, description=(
        "Functions every expression question knows, as if in its own `functions:` (which wins); a question "
        "with a variable of the same name keeps the variable."))

    @model_validator(mode="before")
    @classmethod
    def _share_functions(cls, data: Any) -> Any:
        return with_shared_functions(data)  # expression questions inherit `functions:` (questions/expression.py)

    @model_validator(mode="after")
    def _consistent(self) -> "Rubric":
        seen: set[str] = set()
        for question in self.questions:
            if question.id in seen:
                raise ValueError(f"question id `{question.id}` is used twice")
            seen.add(question.id)
        points = sum(question.points for question in self.questions)
        if self.total is not None and abs(points - self.total) > 1e-9:
            raise ValueError(f"the questions' points add up to {points:g}, not the total {self.total:g}")
        if self.variants is not None and self.solver is None:
            raise ValueError("`variants` needs a `solver` whose generator draws the parameters")
        return self

    @property
    def max_score(self) -> float:
        return sum(question.points for question in self.questions)


class LoadedRubric:
    """A validated rubric, bound to its solver, with every `ref` checked against the solver's output."""

    def __init__(self, rubric: Rubric, path: Path, marks: Marks | None = None) -> None:
        self.rubric = rubric
        self.path = path
        self.marks: Marks = marks or {}
        self.solver = (Solver(rubric.solver, rubric.parameters, path, rubric.variants, rubric.id)
                       if rubric.solver else None)
        self.questions: dict[str, QuestionBase] = {question.id: question for question in rubric.questions}
        self._check_refs()
        self._check_carry_forward()
        self._answer_keys = lru_cache(maxsize=ANSWER_KEY_CACHE)(self._build_answer_keys)

    @property
    def id(self) -> str:
        return self.rubric.id

    @cached_property
    def question_ids(self) -> list[str]:
        return list(self.questions)

    @cached_property
    def parent_ids(self) -> frozenset[str]:
        """Prefixes of question ids (`p2.a` holds `p2.a.why`), for finding answers in a submission."""
        return parent_ids(self.question_ids)

    def key(self, student_id: str | None = None) -> dict[str, Any]:
        """The solver's answers for this student's parameters ({} for a rubric without a solver)."""
        return self.solver.solve(student_id) if self.solver else {}

    def answer_keys(self, student_id: str | None = None) -> dict[str, AnswerKey]:
        """What each question is graded against for this student (before error carried forward)."""
        return self._answer_keys(student_id if self.solver and self.solver.has_variants else None)

    def _build_answer_keys(self, student_id: str | None) -> dict[str, AnswerKey]:
        key = self.key(student_id)
        return {qid: AnswerKey(answer=self.value(getattr(question, "answer", None), key),
                               evidence=self.value(question.evidence, key),
                               mistakes=tuple((mistake, key[mistake.ref]) for mistake in question.mistakes))
                for qid, question in self.questions.items()}

    def value(self, item: Any, key: dict[str, Any]) -> Any:
        """A literal, or the solver value a `Ref` names."""
        return key[item.ref] if isinstance(item, Ref) else item

    def where(self, question: QuestionBase, *keys: str | int) -> str:
        """`line 12, column 5: question p3.b.h1` (the entry `keys` of the question, when the file has it)."""
        index = next(i for i, q in enumerate(self.rubric.questions) if q.id == question.id)
        path: tuple[str | int, ...] = ("questions", index)
        place = f"question {question.id}" + "".join(f": {key}" for key in keys)
        for length in range(len(keys), -1, -1):
            mark = self.marks.get(path + keys[:length])
            if mark is not None:
                return f"line {mark[0]}, column {mark[1]}: {place}"
        return place

    def _check_refs(self) -> None:
        refs = [(question, ref) for question in self.rubric.questions for ref in question.refs()]
        if refs and self.solver is None:
            raise RubricError(f"question `{refs[0][0].id}` uses `ref: {refs[0][1]}` but the rubric names no solver",
                              path=str(self.path), where=self.where(refs[0][0]),
                              hint="add `solver: <module>` or write the answer as a literal")
        key = self.key() if refs else {}
        for question, ref in refs:
            if ref not in key:
                raise RubricError(f"`ref: {ref}` is not a value the solver computes{did_you_mean(ref, key)}",
                                  path=str(self.path), where=self.where(question))
        for question in self.rubric.questions:
            answer = self.value(getattr(question, "answer", None), key)
            try:
                question.check_references(answer, [key[mistake.ref] for mistake in question.mistakes])
            except ValueError as exc:
                raise RubricError(str(exc), path=str(self.path), where=self.where(question)) from None

    def _check_carry_forward(self) -> None:
        edges: dict[str, list[str]] = {}
        for question in self.rubric.questions:
            if not question.carry_forward:
                continue
            where = self.where(question, "carry_forward")
            if (self.solver is None or not isinstance(question, NumericQuestion)
                    or not isinstance(question.answer, Ref)):
                raise RubricError("carry_forward needs a solver and a numeric question whose answer is a `ref`",
                                  path=str(self.path), where=where)
            names = self.solver.given_names(self.rubric.parameters)
            for name, source in question.carry_forward.items():
                where = self.where(question, "carry_forward", name)
                if names is not None and name not in names:
                    raise RubricError(f"`{name}` is not an input the solver accepts{did_you_mean(name, names)}",
                                      path=str(self.path), where=where)
                if source not in self.questions:
                    raise RubricError(f"`{source}` is not a question id{did_you_mean(source, self.questions)}",
                                      path=str(self.path), where=where)
                if not isinstance(self.questions[source], NumericQuestion):
                    raise RubricError(f"`{source}` is not a numeric question, so it cannot feed a later step",
                                      path=str(self.path), where=where)
            edges[question.id] = list(question.carry_forward.values())
        cycle = _find_cycle(edges)
        if cycle:
            raise RubricError("carry_forward goes round in a circle: " + " -> ".join(cycle),
                              path=str(self.path), hint="each step may only use earlier steps")


def _find_cycle(edges: dict[str, list[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in edges.get(node, []):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(edges):
        if start not in state and (found := visit(start)):
            return found
    return None


_LOADED: dict[Path, LoadedRubric] = {}


def load_rubric(path: str | Path) -> LoadedRubric:
    """Read, validate and bind the rubric at `path` (cached per process)."""
    resolved = Path(path).resolve()
    if resolved in _LOADED:
        return _LOADED[resolved]
    data, marks = load_yaml_file_with_marks(path, RubricError)
    if not isinstance(data, dict):
        raise RubricError("a rubric is a mapping with id, title and questions", path=str(path))
    try:
        rubric = Rubric.model_validate(data)
    except ValidationError as exc:
        raise RubricError(describe_validation_error(exc, data, marks), path=str(path)) from None
    loaded = LoadedRubric(rubric, Path(path), marks)
    _LOADED[resolved] = loaded
    return loaded


def installed_rubrics() -> Path | None:
    """The rubrics shipped inside the package (a non-editable install), or a checkout's rubrics/."""
    shipped = resources.files("grader") / "_rubrics"
    if shipped.is_dir():
        return Path(str(shipped))
    checkout = Path(__file__).resolve().parent.parent / RUBRICS_FOLDER
    return checkout if checkout.is_dir() else None


def find_rubric(assignment_id: str, submission_path: str) -> Path:
    """The rubric `ASSIGNMENT.yaml` for a submission without --rubric (README, "Where the grader looks"):
    in `rubrics/` of the submission's folder and of each folder above it (as git finds `.git`), then
    in `./rubrics/`, then in each folder of $GRADE_RUBRICS, then among the rubrics installed with the grader."""
    if not re.match(ASSIGNMENT_ID_PATTERN, assignment_id):
        raise SubmissionError(f"`{assignment_id}` is not an assignment id", path=submission_path,
                              where="assignment", hint="copy the assignment id from the problem sheet")
    places = rubric_places(submission_path)
    for folder in places:
        candidate = folder / f"{assignment_id}.yaml"
        if candidate.is_file():
            return candidate
    known = sorted({p.stem for folder in places if folder.is_dir() for p in folder.glob("*.yaml")})
    raise SubmissionError(f"there is no rubric for assignment `{assignment_id}`{did_you_mean(assignment_id, known)}; "
                          f"looked for {assignment_id}.yaml in " + ", ".join(str(folder) for folder in places),
                          path=submission_path, where="assignment",
                          hint=f"the assignments known there are: {', '.join(known) or 'none'}; pass --rubric FILE, "
                               f"put the rubric in a {RUBRICS_FOLDER}/ folder beside the submission or above it, or "
                               f"add its folder to ${RUBRICS_VARIABLE}; if your course runs a grading server, "
                               "check against it instead: `grade FILE --server URL` (or set $GRADE_SERVER)")


def rubric_places(submission_path: str) -> list[Path]:
    """The folders `find_rubric` looks in, in order, without repeats."""
    submission_folder = Path(submission_path).resolve().parent
    places = [folder / RUBRICS_FOLDER for folder in (submission_folder, *submission_folder.parents)]
    places.append(Path.cwd().resolve() / RUBRICS_FOLDER)
    places += [Path(entry).expanduser().resolve()
               for entry in os.environ.get(RUBRICS_VARIABLE, "").split(os.pathsep) if entry.strip()]
    if (shipped := installed_rubrics()) is not None:
        places.append(shipped.resolve())
    return list(dict.fromkeys(places))
