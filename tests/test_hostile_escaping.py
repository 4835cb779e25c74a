"""Student text in every field of a Result, rendered in every medium: shown as written, never acted on."""

from __future__ import annotations

import re

import pytest

from grader.reports import render_result
from grader.cutting import cut
from grader.reports.escaping import for_markdown, for_terminal, md_cell, md_code
from grader.results import Override, QuestionResult, Result, StudentInfo

HOSTILE = "<img src=x onerror=alert(1)> `x` [a](javascript:alert(1)) \x1b]0;t\x07\x1b[2J\r\u202e *b* _c_ | $m$"
TERMINAL_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def hostile_result() -> Result:
    question = QuestionResult(id="p1", score=0.5, max_score=1.0, status="partial", feedback=f"Feedback {HOSTILE}",
                              answer=f"answer {HOSTILE}", override=Override(score=0.5, comment=f"TA {HOSTILE}"),
                              expected="0.25")
    return Result(assignment="hw-x", student=StudentInfo(id="s1", name=f"Name {HOSTILE}", email="a@b.c"),
                  score=0.5, max_score=1.0, questions=[question], warnings=[f"warning {HOSTILE}"],
                  errors=[f"error {HOSTILE}"])


@pytest.mark.parametrize("report_format", ["text", "markdown", "html"])
def test_no_field_reaches_a_report_raw(report_format):
    report = render_result(hostile_result(), report_format, title="T", titles={"p1": "Title"})
    if report_format == "html":  # Jinja's autoescape; control characters do nothing in a page
        assert "<img" not in report and report.count("&lt;img src=x onerror=alert(1)&gt;") == 7  # the title too
        return
    assert not TERMINAL_CONTROLS.search(report), "a terminal control character got through"
    if report_format == "text":
        assert report.count("\\x1b]0;t\\x07\\x1b[2J\\r\\u202e") == 6
    else:
        assert "<img" not in report and report.count("&lt;img src=x onerror=alert(1)&gt;") == 5
        assert not re.search(r"(?<!\\)(\[a\]|`x`|\*b\*)", report), "Markdown syntax got through"


@pytest.mark.parametrize("text, shown", [
    ("\x1b]0;title\x07", "\\x1b]0;title\\x07"),         # OSC: set the window title
    ("\x1b[2J\x1b[H", "\\x1b[2J\\x1b[H"),                # clear the screen
    ("a\rb", "a\\rb"),                                    # a carriage return overwrites the line
    ("\u202eevil", "\\u202eevil"),                        # right-to-left override
    ("\x9b31m", "\\x9b31m"),                              # the 8-bit CSI
    ("line 1\nline 2\ttab", "line 1\nline 2\ttab"),      # newlines and tabs are text
    ("Ada Lovelace — ½σ²", "Ada Lovelace — ½σ²"),         # unicode stays as it is
])
def test_for_terminal(text, shown):
    assert for_terminal(text) == shown


@pytest.mark.parametrize("text, shown", [
    ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"),
    ("[a](javascript:alert(1))", "\\[a](javascript:alert(1))"),
    ("![x](http://e/x.png)", "!\\[x](http://e/x.png)"),
    ("`code` and ``more``", "\\`code\\` and \\`\\`more\\`\\`"),
    ("*bold* **b**", "\\*bold\\* \\*\\*b\\*\\*"),
    ("h_t and _emphasis_", "h_t and \\_emphasis\\_"),  # an underscore inside a word starts nothing
    ("# heading\n- item\n1. item\n> quote", "\\# heading\n\\- item\n1\\. item\n&gt; quote"),
    ("a \\ b & c", "a \\\\ b &amp; c"),
    ("~~strike~~ $x$ |", "\\~\\~strike\\~\\~ \\$x\\$ \\|"),
])
def test_for_markdown(text, shown):
    assert for_markdown(text) == shown


def test_md_cell_keeps_to_one_line():
    assert md_cell("a | b\nc") == "a \\| b c"


@pytest.mark.parametrize("text, span", [
    ("p3.b", "`p3.b`"),
    ("a`b", "`` a`b ``"),
    ("``x", "``` ``x ```"),
])
def test_md_code_fences_longer_than_any_backtick_run(text, span):
    assert md_code(text) == span


def test_cut():
    assert cut("short", 10) == "short"
    assert cut("x" * 45, 10) == "x" * 45  # cutting 35 characters would not pay for the note
    assert cut("word " * 200_000, 120) == "word " * 23 + "word… (cut: the answer is 1,000,000 characters)"


def test_batch_reports_escape_a_hostile_name(tmp_path):
    """reports/ID.md printed a name like <img src=x onerror=alert(1)> raw, and a backtick closed a code span."""
    from grader.cli import main
    from tests_support import RUBRIC_PATH

    submissions = tmp_path / "class"
    submissions.mkdir()
    (submissions / "s1.yaml").write_text(
        'assignment: hw-lstm-vae-gan\nstudent: {id: s1, name: "<img src=x onerror=alert(1)>\\e[2J"}\n'
        'answers:\n  "p9`<b>x</b>": 1\n  p3: {c: "`1`"}\n', encoding="utf-8")
    assert main(["batch", str(submissions), "--rubric", str(RUBRIC_PATH), "--out", str(tmp_path / "out"),
                 "--quiet"]) == 0
    markdown = (tmp_path / "out" / "reports" / "s1.md").read_text(encoding="utf-8")
    assert "<img" not in markdown and "<b>" not in markdown and "\x1b" not in markdown
    assert "**Student:** &lt;img src=x onerror=alert(1)&gt;\\x1b\\[2J (s1)" in markdown
    assert "- \\`answers.p9\\`&lt;b&gt;x&lt;/b&gt;\\` is not a question of this assignment" in markdown
    html = (tmp_path / "out" / "reports" / "s1.html").read_text(encoding="utf-8")
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
