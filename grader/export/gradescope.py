"""The Gradescope autograder: grade the upload in /autograder/submission, write results/results.json.

Gradescope's container: `submission/` holds the student's upload, `submission_metadata.json` who
submitted, `source/` the unzipped autograder, and `results/results.json` is what we must leave
behind. Whatever the upload holds, a valid results.json is written: a file we cannot grade scores
0 with the message that says why, never a crashed autograder.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from grader.errors import GraderError, SubmissionError
from grader.export.gradescope_submitter import as_submitter, read_submitters
from grader.grading import check_assignment, grade_submission
from grader.files.output import write_atomic
from grader.questions.base import Visibility
from grader.reports import render_template
from grader.results import QuestionResult, Result
from grader.rubric import LoadedRubric, find_rubric, load_rubric
from grader.files.safe_files import find_yaml_files, shown
from grader.submission import load_submission

DEFAULT_ROOT = "/autograder"
PREFERRED_NAMES = ("submit.yaml", "submit.yml")  # the name the problem sheet asks for
LISTED_FILES = 10  # an error message names at most this many uploaded files
INTERNAL_ERROR = ("The autograder failed on this upload (an internal error: {kind}). Your instructor can see the "
                  "details; please tell them.")


class GradescopeTest(BaseModel):
    """One question, as a Gradescope test case."""

    model_config = ConfigDict(extra="forbid")

    name: str
    number: str
    score: float
    max_score: float
    status: Literal["passed", "failed"]
    output: str
    output_format: Literal["md"] = "md"
    visibility: Visibility = "visible"


class GradescopeResults(BaseModel):
    """The whole results.json (Gradescope's autograder specification)."""

    model_config = ConfigDict(extra="forbid")

    score: float
    output: str
    output_format: Literal["md"] = "md"
    tests: list[GradescopeTest] = Field(default_factory=list)


def run_gradescope(root: Path, rubric_path: str | None = None) -> GradescopeResults:
    """Grade the upload under `root`; every failure becomes a score of 0 with its message."""
    submission_dir = root / "submission"
    try:
        result, rubric = grade_upload(root, rubric_path)
    except GraderError as exc:
        return error_results(shown(str(exc)).replace(f"{shown(submission_dir)}{os.sep}", ""))
    except Exception as exc:  # noqa: BLE001  a bug must still leave a results.json behind
        traceback.print_exc(file=sys.stderr)
        return error_results(INTERNAL_ERROR.format(kind=type(exc).__name__))
    return gradescope_results(result, rubric)


def grade_upload(root: Path, rubric_path: str | None = None) -> tuple[Result, LoadedRubric]:
    """Find the student's YAML and grade it as the submitter's: Gradescope's account decides whose it is
    (and so whose numbers, with variants); a file naming someone else is flagged in the output."""
    path = find_upload(root / "submission")
    submission, warnings = load_submission(path)
    rubric = load_rubric(rubric_path or find_rubric(submission.assignment, str(path)))
    check_assignment(submission, rubric, str(path), upload=True)
    group = read_submitters(root / "submission_metadata.json")
    submission, mismatch = as_submitter(submission, group, bool(rubric.solver and rubric.solver.has_variants))
    if mismatch:
        print(f"warning: {mismatch}", file=sys.stderr)  # the autograder's log, for the staff
        warnings = [mismatch, *warnings]
    return grade_submission(submission, rubric, warnings=warnings), rubric


def find_upload(folder: Path) -> Path:
    """The one YAML file of the upload (a `submit.yaml` wins when there are several).

    The same discovery rule as `grade batch` (grader.files.safe_files: any case of .yaml/.yml, names
    starting with a dot and __MACOSX skipped), except that links are never followed: an upload
    could point one at the rubric.
    """
    if not folder.is_dir():
        raise SubmissionError("the upload is empty", hint="upload your submit.yaml")
    found = find_yaml_files(folder, follow_symlinks=False)
    candidates = found.files
    if len(candidates) > 1:
        candidates = [item for item in candidates if item[0].name.lower() in PREFERRED_NAMES] or candidates
    if len(candidates) == 1:
        return candidates[0][0]
    if not candidates and found.problems:
        raise SubmissionError(found.problems[0][1])  # the whole message: the name, what is wrong, the fix
    listed = [name for _, name in candidates] if candidates else sorted(found.others + found.skipped)
    names = ", ".join(listed[:LISTED_FILES])
    if not candidates:
        holds = f"; the upload holds: {names}" if names else ""
        raise SubmissionError(f"there is no .yaml file in the upload{holds}", hint="upload your submit.yaml")
    raise SubmissionError(f"the upload holds several YAML files ({names}), so the grader cannot tell which "
                          "one to grade", hint="upload one file, submit.yaml")


def gradescope_results(result: Result, rubric: LoadedRubric) -> GradescopeResults:
    """One test per question, visibility from the rubric; the summary above them names no question."""
    tests = [gradescope_test(question, rubric) for question in result.questions]
    visible = [test for test in tests if test.visibility == "visible"]
    student = result.student
    output = render_template(
        "gradescope_output.md.j2", error_lines=[], result=result, title=rubric.rubric.title,
        who=f"{student.name} ({student.id})" if student.name else student.id,
        show_total=len(visible) == len(tests),
        review=sum(1 for q, test in zip(result.questions, tests)
                   if test.visibility == "visible" and q.provisional))
    return GradescopeResults(score=result.score, output=output.strip(), tests=tests)


def gradescope_test(question: QuestionResult, rubric: LoadedRubric) -> GradescopeTest:
    """Passed only with full marks: a provisional (needs_review) answer below full marks is failed for now."""
    spec = rubric.questions.get(question.id)
    score = question.score
    comment = question.override.comment if question.override else None
    provisional = question.provisional
    output = render_template("gradescope_test.md.j2", question=question, feedback=question.feedback,
                             comment=comment or None,
                             provisional_note=provisional and "provisional" not in question.feedback.lower())
    return GradescopeTest(
        name=spec.title if spec is not None and spec.title else question.id, number=question.id, score=score,
        max_score=question.max_score, status="passed" if question.full_marks else "failed",
        output=output.strip(), visibility=spec.visibility if spec is not None else "visible")


def error_results(message: str) -> GradescopeResults:
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    return GradescopeResults(score=0.0, output=render_template("gradescope_output.md.j2", error_lines=lines).strip())


def write_results(root: Path, results: GradescopeResults) -> Path:
    path = root / "results" / "results.json"
    write_atomic(path, json.dumps(results.model_dump(), indent=2, ensure_ascii=False) + "\n")
    return path

