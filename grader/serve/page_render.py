"""Rendering for the web page: its Jinja environment, the security headers, times and sheets.

The environment loads the page's own templates (grader/serve/templates) and, behind them, the
report templates, so the feedback page extends `result.html.j2` and the sheet page `sheet.html.j2`:
the student reads the very report and sheet the command line writes, with the page's header.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import Any

import jinja2
import markdown
from markupsafe import Markup, escape

from grader.reports import environment as report_environment
from grader.serve.policy import SUBMITTABLE

SHEET_MARKDOWN_EXTENSIONS = ["tables", "fenced_code"]  # as `grade sheet --format html`
CODE_SPAN = re.compile(r"`([^`\n]+)`")
PLAIN_WORD = re.compile(r"[a-z]+(?:[\s,;:'!?]|$)")  # a first word that is only lowercase letters


def security_headers(nonce: str | None) -> dict[str, str]:
    """Headers of every page: only the page's own nonce'd `<style>`, no script, no frames, no referrer."""
    styles = f"'nonce-{nonce}'" if nonce else "'none'"
    return {
        "Content-Security-Policy": (f"default-src 'none'; style-src {styles}; img-src 'self'; form-action 'self'; "
                                    "frame-ancestors 'none'; base-uri 'none'"),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
        "Cache-Control": "no-store",  # a student's feedback stays out of shared caches and the back-forward cache
    }


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    reports = report_environment()
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader([jinja2.PackageLoader("grader", "serve/templates"), reports.loader]),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(reports.filters)  # `points` and whatever the report templates use
    env.globals.update(reports.globals)
    env.filters["when"] = when
    env.filters["sentence"] = sentence
    env.filters["code"] = code_spans
    env.globals["submittable"] = SUBMITTABLE  # the states in which the assignment page offers the form
    return env


def render_page(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


@jinja2.pass_context
def when(context: jinja2.runtime.Context, iso: str | None) -> str:
    """An ISO time from the service (UTC, ending in Z) as people read it, in the course's zone (the page's
    `zone`): `Sun 20 Dec 2026, 23:59 EST`."""
    return readable_time(iso, context.get("zone") or dt.timezone.utc)


def readable_time(iso: str | None, zone: dt.tzinfo) -> str:
    if not iso:
        return ""
    moment = dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(zone)
    return f"{moment:%a} {moment.day} {moment:%b %Y, %H:%M} {moment.tzname()}"


def code_spans(text: str) -> Markup:
    """A service message for HTML: escaped, with its `backticked` parts as <code> (never literal backticks)."""
    escaped = str(escape(text))
    return Markup(CODE_SPAN.sub(lambda found: f"<code>{found.group(1)}</code>", escaped))


def sentence(text: str) -> str:
    """A service message as a sentence: a capital first letter and a full stop. A message that starts with a
    name (a file, `code`, an id) keeps it as written: `invalid.yaml: ...` is not `Invalid.yaml: ...`."""
    text = text.strip()
    if not text:
        return text
    if PLAIN_WORD.match(text):
        text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?:" else text + "."


def sheet_body(sheet_markdown: str) -> str:
    """The HTML body of a problem sheet, from the Markdown the service renders for the student."""
    return markdown.markdown(sheet_markdown, extensions=SHEET_MARKDOWN_EXTENSIONS, output_format="html")
