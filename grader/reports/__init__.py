"""Render results with Jinja: terminal text, Markdown, HTML (autoescaped) and the JSON contract."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Literal, get_args

import jinja2

from grader.results import Result, format_points

ReportFormat = Literal["text", "markdown", "html", "json"]
REPORT_FORMATS: tuple[str, ...] = get_args(ReportFormat)
TEMPLATE_OF = {"text": "result.txt.j2", "markdown": "result.md.j2", "html": "result.html.j2"}
STATUS_LABELS = {"correct": "correct", "partial": "partly correct", "incorrect": "incorrect",
                 "missing": "missing", "invalid": "could not be read", "needs_review": "to be reviewed"}
STATUS_MARKS = {"correct": "✓", "partial": "◐", "incorrect": "✗", "missing": "–", "invalid": "!",
                "needs_review": "?"}


points = format_points  # the Jinja filter `points`


def md_cell(text: object) -> str:
    """Text for one Markdown table cell: pipes escaped, line breaks as spaces."""
    return str(text).replace("|", "\\|").replace("\n", " ")


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("grader", "reports/templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=False),
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    env.filters["points"] = points
    env.filters["md_cell"] = md_cell
    env.globals.update(status_labels=STATUS_LABELS, status_marks=STATUS_MARKS)
    return env


def render_template(name: str, **context: Any) -> str:
    """Render any template of the package (reports, sheets, summaries)."""
    return environment().get_template(name).render(**context)


def render_result(result: Result, report_format: str, *, title: str = "",
                  titles: dict[str, str] | None = None) -> str:
    """One student's feedback in `report_format`."""
    if report_format == "json":
        return result.to_json() + "\n"
    return render_template(TEMPLATE_OF[report_format], result=result, title=title, titles=titles or {})
