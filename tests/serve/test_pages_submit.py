"""The web page: upload or paste a submit.yaml, read the feedback, attempts left, refusals, the sheet."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from markupsafe import escape

pytest.importorskip("fastapi", reason="the course service needs the `serve` extra")

sys.path.insert(0, str(Path(__file__).parent))

from pages_support import assert_secure_page, attempts_left_text, csrf_of, sign_in  # noqa: E402
from serve_support import ASSIGNMENT, CORRECT, REPO, SUBMISSIONS, TYPICAL, key_strings  # noqa: E402

PAGE = f"/assignments/{ASSIGNMENT}"


def upload(client, data: bytes, *, name: str = "submit.yaml", csrf: str | None = None):
    page = client.get(PAGE)
    return client.post(f"{PAGE}/attempts", data={"csrf": csrf if csrf is not None else csrf_of(page.text)},
                       files={"file": (name, data, "application/x-yaml")})


def main_of(html: str) -> str:
    return re.search(r"<main>.*</main>", html, re.S).group(0)


def paste(client, text: str):
    page = client.get(PAGE)
    return client.post(f"{PAGE}/attempts", data={"csrf": csrf_of(page.text), "text": text})


def typical_mistake_sentence() -> str:
    """The feedback sentence of a known mistake in typical-mistakes.yaml (p3.b.h1: the tanh forgotten)."""
    from grader.grading import grade_file

    result, _ = grade_file(SUBMISSIONS / "typical-mistakes.yaml", REPO / "rubrics" / f"{ASSIGNMENT}.yaml")
    question = next(q for q in result.questions if q.id == "p3.b.h1")
    assert question.status == "incorrect" and "tanh" in question.feedback
    return question.feedback


@pytest.fixture
def babbage(client, tokens):
    """The client signed in as s1002, whose typical-mistakes.yaml scores 14.5 / 36."""
    sign_in(client, tokens["s1002"])
    return client


def test_upload_shows_the_feedback_report_and_uses_one_attempt(babbage):
    assert attempts_left_text(babbage.get(PAGE).text) == "3 left (0 used)"
    feedback = upload(babbage, TYPICAL)
    assert feedback.status_code == 200 and str(feedback.url).endswith(f"{PAGE}/attempts/1")
    assert '<p class="score">14.5 / 36</p>' in feedback.text
    assert str(escape(typical_mistake_sentence())) in feedback.text
    assert "Attempt 1, graded" in feedback.text and "2 left (1 used)" in feedback.text
    assert "Expected:" not in feedback.text
    assert_secure_page(feedback)
    page = babbage.get(PAGE)
    assert attempts_left_text(page.text) == "2 left (1 used)"
    assert f'<a href="{PAGE}/attempts/1">Attempt 1</a>' in page.text and "14.5 / 36" in page.text
    assert "14.5 / 36" in babbage.get("/").text  # the grade that counts, on the list of assignments


def test_the_feedback_page_is_the_command_lines_html_report(babbage):
    from grader.grading import grade_file
    from grader.reports import render_result

    feedback = upload(babbage, TYPICAL)
    result, rubric = grade_file(SUBMISSIONS / "typical-mistakes.yaml", REPO / "rubrics" / f"{ASSIGNMENT}.yaml")
    titles = {qid: q.title for qid, q in rubric.questions.items() if q.title}
    report = render_result(result, "html", title=rubric.rubric.title, titles=titles)
    table = re.search(r"<table>.*</table>", report, re.S).group(0)
    assert table in feedback.text  # every row, status and sentence as `grade FILE --format html` shows them


def test_pasted_text_is_graded_like_a_file(client, tokens):
    sign_in(client, tokens["s1001"])
    feedback = paste(client, CORRECT.decode("utf-8"))
    assert '<p class="score">36 / 36</p>' in feedback.text
    assert attempts_left_text(client.get(PAGE).text) == "2 left (1 used)"


@pytest.mark.parametrize("name, body, status, sentence", [
    ("invalid.yaml", (SUBMISSIONS / "invalid.yaml").read_bytes(), 422, "is given twice"),
    ("broken.yaml", b"assignment: hw-lstm-vae-gan\nstudent: {id: s1002\nanswers: [\n", 422, "not valid YAML"),
    ("someone-else.yaml", CORRECT, 403, "someone-else.yaml is for student <code>s1001</code>, but you are signed in "
                                        "as <code>s1002</code>."),
    ("big.yaml", b"# " + b"x" * (1024 * 1024) + b"\n", 413, "The file is larger than 1024 KiB."),
])
def test_a_file_that_cannot_be_graded_shows_the_message_and_uses_no_attempt(babbage, name, body, status, sentence):
    answer = upload(babbage, body, name=name)
    assert answer.status_code == status
    assert '<div class="error" role="alert">' in answer.text and "Not graded" in answer.text
    assert sentence in answer.text and "What to do:" in answer.text
    assert attempts_left_text(answer.text) == "3 left (0 used)"
    assert attempts_left_text(babbage.get(PAGE).text) == "3 left (0 used)"
    assert_secure_page(answer)


def test_pasted_text_that_cannot_be_graded_is_kept_in_the_box(babbage):
    answer = paste(babbage, "assignment: hw-lstm-vae-gan\nanswers: [unclosed\n")
    assert answer.status_code == 422
    assert ">assignment: hw-lstm-vae-gan\nanswers: [unclosed\n</textarea>" in answer.text.replace("\r\n", "\n")
    assert attempts_left_text(answer.text) == "3 left (0 used)"


def test_nothing_or_both_is_a_sentence_not_an_attempt(babbage):
    page = babbage.get(PAGE)
    nothing = babbage.post(f"{PAGE}/attempts", data={"csrf": csrf_of(page.text)})
    assert nothing.status_code == 422 and "There was nothing to grade." in nothing.text
    both = babbage.post(f"{PAGE}/attempts", data={"csrf": csrf_of(page.text), "text": "assignment: x"},
                        files={"file": ("submit.yaml", TYPICAL, "application/x-yaml")})
    assert both.status_code == 422 and "You chose a file and also pasted text." in both.text
    assert attempts_left_text(babbage.get(PAGE).text) == "3 left (0 used)"


@pytest.mark.parametrize("csrf", ["", "forged"])
def test_an_upload_without_the_csrf_token_is_refused_and_uses_no_attempt(babbage, csrf):
    answer = upload(babbage, TYPICAL, csrf=csrf)
    assert answer.status_code == 403 and "This form has expired or did not come from this site." in answer.text
    assert attempts_left_text(babbage.get(PAGE).text) == "3 left (0 used)"


def test_attempts_run_out_and_the_page_says_so(babbage):
    for number in (1, 2, 3):
        assert upload(babbage, TYPICAL).status_code == 200, number
    page = babbage.get(PAGE)
    assert attempts_left_text(page.text) == "0 left (3 used)" and "no attempts left" in page.text
    refused = upload(babbage, TYPICAL)
    assert refused.status_code == 429 and "What to do:" in refused.text
    assert attempts_left_text(refused.text) == "0 left (3 used)"


def test_the_cooldown_shows_the_time_of_the_next_attempt(make_course, issue_tokens, make_app, clock):
    from fastapi.testclient import TestClient

    course = make_course(attempts=5, cooldown=90)
    tokens = issue_tokens(course)
    with TestClient(make_app(course)) as client:
        sign_in(client, tokens["s1002"])
        feedback = upload(client, TYPICAL)
        assert "Your next graded attempt is allowed at" in feedback.text and "Wed 25 Nov 2026, 12:01 UTC" in feedback.text
        page = client.get(PAGE)
        assert '<dd id="next-attempt">not before <time datetime="2026-11-25T12:01:30Z">' in page.text
        refused = upload(client, TYPICAL)
        assert refused.status_code == 429 and refused.headers["retry-after"] == "90"
        assert attempts_left_text(refused.text) == "4 left (1 used)"
        clock.advance(90)
        assert upload(client, TYPICAL).status_code == 200
        assert attempts_left_text(client.get(PAGE).text) == "3 left (2 used)"


def test_a_student_sees_only_their_own_attempts(client, tokens):
    sign_in(client, tokens["s1002"])
    upload(client, TYPICAL)
    client.post("/logout", data={"csrf": csrf_of(client.get("/").text)})
    sign_in(client, tokens["s1001"])
    assert client.get(f"{PAGE}/attempts/1").status_code == 404
    page = client.get(PAGE)
    assert "No attempt yet." in page.text and "14.5" not in page.text


def test_no_page_shows_a_key_value(babbage):
    pages = [babbage.get("/"), babbage.get(PAGE), upload(babbage, TYPICAL), babbage.get(f"{PAGE}/attempts/1"),
             babbage.get(f"{PAGE}/sheet")]
    keys = key_strings() - {text for text in key_strings() if text in TYPICAL.decode("utf-8")}
    for page in pages:
        assert page.status_code == 200
        assert not [key for key in keys if key in page.text], page.url


def test_the_sheet_page_shows_the_students_own_numbers(tmp_path, issue_tokens, make_app):
    """On a variants rubric each student's sheet has their own numbers, as `grade sheet --student ID` prints."""
    import yaml
    from fastapi.testclient import TestClient

    from grader.rubric import load_rubric
    from grader.authoring.sheet import render_sheet

    rubric_path = REPO / "rubrics" / "hw-logreg.yaml"
    course = tmp_path / "course"
    course.mkdir()
    (course / "course.yaml").write_text(yaml.safe_dump({"title": "Variants", "assignments": [
        {"id": "hw-logreg", "rubric": str(rubric_path)}]}), encoding="utf-8")
    tokens = issue_tokens(course)
    rubric = load_rubric(rubric_path)
    sheets = {}
    with TestClient(make_app(course)) as client:
        for student in ("s1001", "s1002"):
            sign_in(client, tokens[student])
            assert 'href="/assignments/hw-logreg/sheet"' in client.get("/assignments/hw-logreg").text
            sheet = client.get("/assignments/hw-logreg/sheet")
            assert sheet.status_code == 200
            command_line = render_sheet(rubric, student, "html", server="http://testserver")  # as the service says it
            body = main_of(command_line).removeprefix("<main>\n").removesuffix("</main>")
            assert body in main_of(sheet.text) and f"<code>{student}</code>" in main_of(sheet.text)
            assert_secure_page(sheet)
            sheets[student] = sheet.text
            client.cookies.clear()
    assert sheets["s1001"] != sheets["s1002"]



def submit_once(course, issue_tokens, make_app):
    """Sign in as s1002 on a new course, upload typical-mistakes.yaml; the feedback page."""
    from fastapi.testclient import TestClient

    tokens = issue_tokens(course)
    with TestClient(make_app(course)) as client:
        sign_in(client, tokens["s1002"])
        return upload(client, TYPICAL)


def test_feedback_statuses_before_the_due_date_hides_the_sentences(make_course, issue_tokens, make_app):
    from grader.serve.policy import HIDDEN_FEEDBACK

    course = make_course(attempts=3, feedback="statuses", due="2026-12-01T23:59:00Z")
    page = submit_once(course, issue_tokens, make_app)
    assert '<p class="score">14.5 / 36</p>' in page.text and page.text.count(HIDDEN_FEEDBACK) > 10
    assert str(escape(typical_mistake_sentence())) not in page.text and "incorrect" in page.text


def test_feedback_total_before_the_due_date_shows_no_questions(make_course, issue_tokens, make_app):
    from grader.serve.policy import HIDDEN_FEEDBACK

    course = make_course(attempts=3, feedback="total", due="2026-12-01T23:59:00Z")
    page = submit_once(course, issue_tokens, make_app)
    assert '<p class="score">14.5 / 36</p>' in page.text and f"<p>{HIDDEN_FEEDBACK}</p>" in page.text
    assert "<table" not in page.text and "p3.b.h1" not in page.text


def test_a_late_attempt_says_so_and_shows_no_key(make_course, issue_tokens, make_app):
    course = make_course(attempts=3, due="2026-11-20T00:00:00Z", after_due="feedback")
    page = submit_once(course, issue_tokens, make_app)
    assert "late: it does not count for the grade" in page.text and "Expected:" not in page.text


@pytest.mark.reveals_key
def test_after_due_reveal_shows_the_expected_answers(make_course, issue_tokens, make_app):
    course = make_course(attempts=3, due="2026-11-20T00:00:00Z", after_due="reveal")
    page = submit_once(course, issue_tokens, make_app)
    assert page.status_code == 200 and '<div class="answer">Expected: ' in page.text
