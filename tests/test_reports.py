"""Rendered feedback: golden files for text and Markdown; HTML is autoescaped."""

from grader.grading import grade_file, grade_submission
from grader.reports import render_result
from grader.submission import parse_submission
from tests_support import SUBMISSIONS


def rendered(name, fmt):
    result, rubric = grade_file(str(SUBMISSIONS / name))
    titles = {qid: q.title for qid, q in rubric.questions.items() if q.title}
    return render_result(result, fmt, title=rubric.rubric.title, titles=titles)


def test_text_report_golden(golden):
    golden("typical-mistakes.txt", rendered("typical-mistakes.yaml", "text"))


def test_markdown_report_golden(golden):
    golden("typical-mistakes.md", rendered("typical-mistakes.yaml", "markdown"))


def test_correct_text_report_golden(golden):
    golden("correct.txt", rendered("correct.yaml", "text"))


def test_html_escapes_student_text(rubric):
    submission, warnings = parse_submission({
        "assignment": "hw-lstm-vae-gan",
        "student": {"id": "s1", "name": "<script>alert(1)</script>"},
        "answers": {"p4": {"b": "<img src=x onerror=alert(1)> the posterior collapses"}},
    }, "inline")
    html = render_result(grade_submission(submission, rubric, warnings=warnings), "html")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img" not in html and "&lt;img src=x" in html


def test_markdown_table_survives_pipes(rubric):
    submission, _ = parse_submission({"assignment": "hw-lstm-vae-gan", "student": {"id": "s1", "name": "A | B"},
                                      "answers": {}}, "inline")
    markdown = render_result(grade_submission(submission, rubric), "markdown")
    assert "A \\| B" in markdown
