"""Load and validate a submit.yaml: who it belongs to, which assignment, and the answers."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from grader.errors import SubmissionError, did_you_mean
from grader.results import StudentInfo
from grader.safe_yaml import BLANK_FILE_HINT, load_yaml_file

STUDENT_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")  # it names report files: no paths
SCORE_WORDS = frozenset({"score", "scores", "points", "grade", "grades", "total", "max_score", "marks",
                         "mark", "credit", "result", "results"})
TOP_LEVEL_KEYS = ("assignment", "student", "answers")
NAME_LIMIT = 200  # a name or email longer than this is not one


class Submission(BaseModel):
    """A student's submit.yaml (the JSON Schema of `grade schema submission`)."""

    model_config = ConfigDict(extra="forbid")

    assignment: str = Field(description="The assignment id, e.g. `hw-lstm-vae-gan`.")
    student: StudentInfo = Field(description="Who is submitting: `{id, name, email}`; id is required.")
    answers: dict[str, Any] = Field(default_factory=dict, description=(
        "Answers by question id, nested (`p1: {a: 0.25}`) or flat (`p1.a: 0.25`); "
        "`{answer, why}` mappings give a value and its justification."))


def load_submission(path: str | Path) -> tuple[Submission, list[str]]:
    """Read a submit.yaml; a file that cannot be graded raises SubmissionError, the rest are warnings."""
    return parse_submission(load_yaml_file(path, SubmissionError), str(path))


def parse_submission(data: Any, name: str) -> tuple[Submission, list[str]]:
    """Validate already-parsed YAML from `name`."""
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else "a single value"
        raise SubmissionError(f"the file holds {kind}, not a mapping with assignment, student and answers",
                              path=name, hint=BLANK_FILE_HINT)
    warnings: list[str] = []
    for key in map(scalar_text, data):
        if key in TOP_LEVEL_KEYS:
            continue
        if key.casefold() in SCORE_WORDS:
            warnings.append(f"`{key}` is ignored: scores are computed by the grader, never read from your file")
        else:
            warnings.append(f"the top-level key `{key}` is not used{did_you_mean(str(key), TOP_LEVEL_KEYS)}; "
                            "the file has assignment, student and answers")
    assignment = data.get("assignment")
    if assignment is None or (isinstance(assignment, str) and not assignment.strip()):
        raise SubmissionError("`assignment` is missing", path=name,
                              hint="add a line like `assignment: hw-lstm-vae-gan` (the id on the problem sheet)")
    if not isinstance(assignment, str):
        raise SubmissionError("`assignment` must be the assignment id as text", path=name, where="assignment")
    student = _student(data.get("student"), name, warnings)
    answers = data.get("answers")
    if answers is None:
        warnings.append("there is no `answers:` section, so every question is missing")
        answers = {}
    elif not isinstance(answers, dict):
        raise SubmissionError("`answers` must be a mapping from question ids to answers", path=name,
                              where="answers", hint="write `answers:` and, indented below it, one line per question id")
    else:
        answers = _text_keys(answers, name, "answers")
    return Submission(assignment=assignment.strip(), student=student, answers=answers), warnings


def _text_keys(mapping: dict[Any, Any], name: str, where: str) -> dict[str, Any]:
    """The answers tree with every key as text: `2:` (a student numbering the problems) becomes `"2"`,
    `null:` becomes `"null"`, so they reach the "not a question (did you mean `p2`?)" warnings."""
    converted: dict[str, Any] = {}
    for key, value in mapping.items():
        text = key if isinstance(key, str) else scalar_text(key)
        if text in converted:
            raise SubmissionError(f"the key `{text}` is given twice (once as a number or null, once as text)",
                                  path=name, where=where,
                                  hint="keep one of the two; the grader will not guess which one you meant")
        converted[text] = _text_keys(value, name, f"{where}.{text}") if isinstance(value, dict) else value
    return converted


def scalar_text(key: Any) -> str:
    """A YAML key or value that is not text, spelled as the student wrote it: `2`, `null`, `true`, `2001-12-14`."""
    if key is None:
        return "null"
    if isinstance(key, bool):
        return str(key).lower()
    if hasattr(key, "isoformat"):
        return key.isoformat()
    return str(key)


def _student(raw: Any, name: str, warnings: list[str]) -> StudentInfo:
    hint = 'write `student: {id: "s1024", name: "Ada Lovelace", email: "ada@example.edu"}`'
    if not isinstance(raw, dict):
        raise SubmissionError("`student` is missing or is not a mapping", path=name, where="student", hint=hint)
    raw_id = raw.get("id")
    if raw_id is None or (isinstance(raw_id, str) and not raw_id.strip()):
        raise SubmissionError("`student.id` is missing", path=name, where="student.id", hint=hint)
    if isinstance(raw_id, bool) or not isinstance(raw_id, (str, int)):
        raise SubmissionError("`student.id` must be text, like \"s1024\"", path=name, where="student.id", hint=hint)
    student_id = str(raw_id).strip()
    if not STUDENT_ID_PATTERN.match(student_id):
        raise SubmissionError(f"`{student_id[:40]}` is not a student id", path=name, where="student.id",
                              hint="use the id your course gave you: letters, digits and . _ - @ only")
    fields: dict[str, str | None] = {}
    for key in ("name", "email"):
        value = raw.get(key)
        if isinstance(value, (dict, list)):
            warnings.append(f"`student.{key}` is ignored: write it as text, like `{key}: \"Ada Lovelace\"`"
                            if key == "name" else f"`student.{key}` is ignored: write it as text")
            value = None
        elif value is not None and not isinstance(value, str):
            value = scalar_text(value)
        if value is not None and len(value) > NAME_LIMIT:
            raise SubmissionError(f"`student.{key}` is too long", path=name, where=f"student.{key}")
        fields[key] = value.strip() if value else None
    for key in map(scalar_text, raw):
        if key not in ("id", "name", "email"):
            if key.casefold() in SCORE_WORDS:
                warnings.append(f"`student.{key}` is ignored: scores are computed by the grader")
            else:
                warnings.append(f"`student.{key}` is not used{did_you_mean(str(key), ('id', 'name', 'email'))}")
    return StudentInfo(id=student_id, **fields)
