"""Render results with Jinja: terminal text, Markdown, HTML (autoescaped) and the JSON contract.

Every value a template shows that a student could have written goes through the filter for its
medium (grader.reports.escaping): `tty`/`tty_line` in text, `md`/`md_cell`/`md_code` in Markdown,
Jinja's autoescape in HTML; `cut` shortens an echoed answer.
"""

from __future__ import annotations

from functools import lru_cache
from collections.abc import Callable
from typing import Any, Literal, get_args

import jinja2

from grader.cutting import cut
from grader.reports.escaping import (ANSWER_CHARS, FEEDBACK_CHARS, for_markdown, for_terminal, for_terminal_line,
                                     md_cell, md_code, md_message)
from grader.results import Result, format_points

ReportFormat = Literal["text", "markdown", "html", "json"]
REPORT_FORMATS: tuple[str, ...] = get_args(ReportFormat)
TEMPLATE_OF = {"text": "result.txt.j2", "markdown": "result.md.j2", "html": "result.html.j2"}
STATUS_LABELS = {"correct": "correct", "partial": "partly correct", "incorrect": "incorrect",
                 "missing": "missing", "invalid": "could not be read", "needs_review": "to be reviewed"}
STATUS_MARKS = {"correct": "✓", "partial": "◐", "incorrect": "✗", "missing": "–", "invalid": "!",
                "needs_review": "?"}


# Reports of a class repeat the same few numbers, titles and feedback sentences thousands of times: the
# pure filters that run per question keep what they made (bounded), so each string is escaped once.
FILTER_MEMO = 8192

points = lru_cache(maxsize=FILTER_MEMO)(format_points)  # the Jinja filter `points`


def _memoised(function: Callable[[object], str]) -> Callable[[object], str]:
    """`function` remembering its results for text (other values, rare, are passed through)."""
    remembered = lru_cache(maxsize=FILTER_MEMO)(function)

    def filtered(text: object) -> str:
        return remembered(text) if type(text) is str else function(text)

    return filtered


ESCAPING_FILTERS = {"tty": for_terminal, "tty_line": for_terminal_line, "md": for_markdown, "md_message": md_message,
                    "md_cell": _memoised(md_cell), "md_code": _memoised(md_code), "cut": cut}


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("grader", "reports/templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=False),
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    env.filters["points"] = points
    env.filters.update(ESCAPING_FILTERS)
    env.globals.update(status_labels=STATUS_LABELS, status_marks=STATUS_MARKS, answer_chars=ANSWER_CHARS,
                       feedback_chars=FEEDBACK_CHARS)
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
