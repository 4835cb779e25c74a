"""`grade sheet`: a student's own problem sheet, rendered from the rubric's Jinja template.

The template (named by the rubric's `sheet:`, beside the rubric) is Markdown with Jinja
placeholders; it gets the student's parameters (drawn by the rubric's `variants:` when it has
them) and, when the solver offers `sheet_values(parameters)`, those values formatted for print.
HTML is the same Markdown converted by Python-Markdown and wrapped in a page. On a rubric with
variants, a sheet for no student carries a banner: its numbers are the defaults, which no student has.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

import jinja2

from grader.errors import RubricError, UsageError
from grader.reports import points, render_template
from grader.rubric import LoadedRubric
from grader.submission import STUDENT_ID_PATTERN

SheetFormat = Literal["markdown", "html"]
SHEET_FORMATS: tuple[str, ...] = get_args(SheetFormat)
SHEET_SUFFIXES = {"markdown": ".md", "html": ".html"}
DEFAULT_NUMBERS_BANNER = (
    "> **Default numbers: no student has these.** This assignment gives every student their own numbers; this "
    "sheet shows the rubric's default parameters. Print a student's sheet with `grade sheet RUBRIC --student ID`, "
    "or every student's with `--roster FILE --out DIR`.\n\n")


def shows_default_numbers(rubric: LoadedRubric, student_id: str | None) -> bool:
    """True when the rubric gives each student their own numbers and no student was named."""
    return student_id is None and bool(rubric.solver and rubric.solver.has_variants)


def sheet_context(rubric: LoadedRubric, student_id: str | None, server: str | None = None) -> dict[str, Any]:
    """What a sheet template sees: ids, title, the student's parameters and printable values, and how the
    student starts and checks the answer file (`start_from`, `check_with`: the course service's way when the
    sheet comes from its `server`)."""
    parameters = rubric.solver.parameters_for(student_id) if rubric.solver else rubric.rubric.parameters
    formatter = getattr(rubric.solver.module, "sheet_values", None) if rubric.solver else None
    values = formatter(parameters) if callable(formatter) else {}
    return {"assignment": rubric.id, "title": rubric.rubric.title, "student_id": student_id,
            "parameters": parameters, "values": values,
            "points": {qid: q.points for qid, q in rubric.questions.items()},
            "total": rubric.rubric.max_score, "has_variants": bool(rubric.solver and rubric.solver.has_variants),
            **answer_file_hints(rubric.id, server)}


def answer_file_hints(assignment: str, server: str | None) -> dict[str, str]:
    """Where a student gets a blank submit.yaml and how they check it, as Markdown for a sheet."""
    if server is None:
        return {"start_from": "start from `grade template`", "check_with": "`grade submit.yaml`"}
    return {"start_from": f"download a blank one from the assignment's page, or `grade template --server {server} "
                          f"--assignment {assignment}`",
            "check_with": f"the assignment's page or `grade submit.yaml --server {server}`"}


def render_sheet(rubric: LoadedRubric, student_id: str | None, sheet_format: str = "markdown", *,
                 server: str | None = None) -> str:
    """The problem sheet for `student_id` (the rubric's own numbers when it has no variants); `server`: the
    course service's address, when it serves the sheet."""
    if student_id is not None and not STUDENT_ID_PATTERN.match(student_id):
        raise UsageError(f"`{student_id}` is not a student id (letters, digits and . _ - @ only)")
    return render_any_sheet(rubric, student_id, sheet_format, server=server)


def render_any_sheet(rubric: LoadedRubric, student_id: str | None, sheet_format: str = "markdown", *,
                     server: str | None = None) -> str:
    """render_sheet for any student id a roster holds (the id only appears inside the document)."""
    if not rubric.rubric.sheet:
        raise UsageError(f"the rubric {rubric.path} names no `sheet:` template")
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(rubric.path.parent), autoescape=False,
                                     undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    environment.filters["points"] = points
    try:
        text = environment.get_template(rubric.rubric.sheet).render(**sheet_context(rubric, student_id, server))
    except jinja2.TemplateNotFound:
        raise RubricError(f"the sheet template `{rubric.rubric.sheet}` is not beside the rubric",
                          path=str(rubric.path), where="sheet") from None
    except jinja2.TemplateError as exc:
        raise RubricError(f"the sheet template `{rubric.rubric.sheet}` failed: {exc}",
                          path=str(rubric.path), where="sheet") from None
    if shows_default_numbers(rubric, student_id):
        text = DEFAULT_NUMBERS_BANNER + text
    if sheet_format == "markdown":
        return text
    import markdown  # only HTML sheets need it

    body = markdown.markdown(text, extensions=["tables", "fenced_code"], output_format="html")
    return render_template("sheet.html.j2", body=body, title=rubric.rubric.title, student_id=student_id)
