"""Student text made safe for the medium it is shown in: one function per medium.

A name, an answer, a key a student typed or a message that quotes one may hold anything: markup
(`<img src=x onerror=alert(1)>`), Markdown (`[x](javascript:…)`, a backtick that would close a code
span), terminal escapes (`\\x1b]0;title\\x07`, a screen clear), or 900,000 characters. The templates
apply these as Jinja filters (see grader.reports.environment); HTML is escaped by Jinja's autoescape.

- `for_terminal`: control characters (ANSI/OSC escapes, carriage returns, bidi overrides) shown as
  visible `\\x1b`-style text; newlines and tabs kept unless `one_line`.
- `for_markdown`: every character Markdown (CommonMark, GitHub's, Gradescope's) could read as syntax
  is escaped, and `<`, `>`, `&` become entities, so the text is shown exactly as written, never as
  a link, an image, a tag or a code span.
- `md_cell`: `for_markdown` for one table cell (line breaks become spaces).
- `md_code`: a code span in a table cell, fenced longer than any backtick run in the text.
- `md_message`: a message for Markdown (Gradescope's page): escaped like `for_markdown`, except that its
  `backticked` names and values become code spans (fenced by `md_code`), never literal backticks.
"""

from __future__ import annotations

import re

ANSWER_CHARS = {"text": 120, "markdown": 300, "html": 300}  # an echoed answer per format; more is cut
FEEDBACK_CHARS = 4000  # feedback that quotes student text; rubric feedback is a few sentences

_TERMINAL_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_TERMINAL_UNSAFE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_MARKDOWN_INLINE = re.compile(r"([\\`*\[~|$])")  # code, emphasis, links and images, strike, tables, math
_UNDERSCORES = re.compile(r"_+")
_MARKDOWN_LINE_START = re.compile(r"^([ \t]*)([#+\-=]|\d+(?=[.)]))", re.MULTILINE)  # headings, lists
_BACKTICK_RUN = re.compile(r"`+")
_CODE_SPAN = re.compile(r"`([^`\n]+)`")
_MARKUP = re.compile(r"[<>&\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}  # shown as a programmer writes them


def _visible(match: re.Match[str]) -> str:
    character = match.group()
    code = ord(character)
    return _NAMED.get(character) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def for_terminal(text: object, *, one_line: bool = False) -> str:
    """Text for a terminal: no character that a terminal would act on instead of showing it."""
    pattern = _TERMINAL_UNSAFE_LINE if one_line else _TERMINAL_UNSAFE
    return pattern.sub(_visible, str(text))


def for_terminal_line(text: object) -> str:
    """`for_terminal` for a one-line field (a name, an echoed answer): newlines shown as `\\n`."""
    return for_terminal(text, one_line=True)


def for_markdown(text: object) -> str:
    """Text shown literally by any CommonMark renderer: no markup, link, image, tag or code span survives."""
    escaped = _MARKDOWN_INLINE.sub(r"\\\1", str(text))
    escaped = _UNDERSCORES.sub(_escape_underscores, escaped)
    escaped = _MARKDOWN_LINE_START.sub(_escape_line_start, escaped)
    escaped = escaped.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # Terminal control characters mean nothing in Markdown but still reach editors and terminals (`cat`).
    return _TERMINAL_UNSAFE.sub(_visible, escaped)


def _escape_underscores(match: re.Match[str]) -> str:
    """`h_t` stays as it is (an underscore between letters or digits never starts emphasis); `_x_` does not."""
    text, start, end = match.string, match.start(), match.end()
    inside_word = start > 0 and end < len(text) and text[start - 1].isalnum() and text[end].isalnum()
    return match.group() if inside_word else "\\_" * (end - start)


def _escape_line_start(match: re.Match[str]) -> str:
    indent, marker = match.groups()
    if marker[0].isdigit():  # `1.` / `1)` starts an ordered list: escape the punctuation after the digits
        return f"{indent}{marker}\\"
    return f"{indent}\\{marker}"


def md_cell(text: object) -> str:
    """Text for one Markdown table cell: escaped, its line breaks as spaces."""
    return for_markdown(" ".join(str(text).splitlines()))


def md_code(text: object) -> str:
    """A code span for a table cell around `text`, fenced with more backticks than its longest backtick run.

    Inside a code span Markdown reads nothing but the closing fence, so only the fence and the cell's
    pipes (which GitHub-style tables split on even there) need care.
    """
    content = " ".join(str(text).splitlines()).replace("|", "\\|")
    longest = max((len(run) for run in _BACKTICK_RUN.findall(content)), default=0)
    fence = "`" * (longest + 1)
    padding = " " if content.startswith("`") or content.endswith("`") or longest else ""
    return f"{fence}{padding}{content}{padding}{fence}"


def md_message(text: object, *, one_line: bool = False) -> str:
    """A message whose `backticked` parts are code: each becomes a safe code span, the rest is escaped. A part
    holding `<`, `>` or `&` stays escaped text in backticks: inside a code span no entity could stand for
    them, and some renderers read tags there."""
    text = " ".join(str(text).splitlines()) if one_line else str(text)
    pieces = _CODE_SPAN.split(text)  # even indexes: prose; odd: what was between a pair of backticks
    return "".join(md_code(piece) if index % 2 and not _MARKUP.search(piece)
                   else for_markdown(f"`{piece}`" if index % 2 else piece) for index, piece in enumerate(pieces))

