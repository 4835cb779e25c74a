"""A student's path through the service with nothing to guess: a file's error first, states in words,
times in the course's zone, a blank file from the server, the API's two body forms, messages that fit
the web (the file's own name, <code> not backticks, no command-line options)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the course service needs the `serve` extra")

sys.path.insert(0, str(Path(__file__).parent))

from pages_support import csrf_of, sign_in  # noqa: E402
from serve_support import ASSIGNMENT, CORRECT, TYPICAL, key_strings  # noqa: E402

PAGE = f"/assignments/{ASSIGNMENT}"
ATTEMPTS = f"/api/v1/assignments/{ASSIGNMENT}/attempts"
BROKEN = b"assignment: [unclosed\n"
SUBMIT_FORM = f'action="{PAGE}/attempts"'


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def upload(client, data: bytes, name: str = "submit.yaml"):
    page = client.get(PAGE)
    return client.post(f"{PAGE}/attempts", data={"csrf": csrf_of(page.text)},
                       files={"file": (name, data, "application/x-yaml")})


def state_of(html: str) -> str:
    found = re.search(r'<div id="state"[^>]*>(.*?)</div>', html, re.S)
    assert found, "the assignment page says nothing of where the student stands"
    return " ".join(re.sub(r"<[^>]+>", "", found.group(1)).split())


def app_client(make_course, issue_tokens, make_app, **policy):
    from fastapi.testclient import TestClient

    course = make_course(**policy)
    tokens = issue_tokens(course)
    return TestClient(make_app(course)), tokens, course


# --- a file's own error comes first ---------------------------------------------------------------------
@pytest.mark.parametrize("policy, then", [
    ({"cooldown": 600, "attempts": 5}, "cooldown"),
    ({"attempts": 1}, "used up"),
    ({"due": "2026-11-25T12:00:30Z", "after_due": "closed"}, "closed"),
    ({"opens": "2026-11-26T00:00:00Z"}, "not open"),
])
def test_a_file_that_cannot_be_graded_is_answered_at_once_whatever_the_policy(make_course, issue_tokens, make_app,
                                                                               clock, policy, then):
    client, tokens, _ = app_client(make_course, issue_tokens, make_app, **policy)
    with client:
        charles = bearer(tokens["s1002"])
        if then != "not open":
            assert client.post(ATTEMPTS, headers=charles, content=TYPICAL).status_code == 201
        if then == "closed":
            clock.advance(60)
        broken = client.post(ATTEMPTS, headers=charles, content=BROKEN)
        assert broken.status_code == 422 and "not valid YAML" in broken.json()["error"]["message"], broken.text
        other = client.post(ATTEMPTS, headers=charles, content=CORRECT)  # s1001's file
        assert other.status_code == 403 and "s1001" in other.json()["error"]["message"]
        refused = client.post(ATTEMPTS, headers=charles, content=TYPICAL)
        assert refused.status_code in (409, 429)  # a gradable file meets the policy
        sign_in(client, tokens["s1002"])
        if SUBMIT_FORM in client.get(PAGE).text:  # where the page offers the form, it answers the same way
            page = upload(client, BROKEN, name="draft.yaml")
            assert page.status_code == 422 and "not valid YAML" in page.text


# --- states in words; the form only when it can be used ------------------------------------------------
def test_no_attempts_left_says_so_and_offers_no_form(make_course, issue_tokens, make_app):
    client, tokens, _ = app_client(make_course, issue_tokens, make_app, attempts=2)
    with client:
        sign_in(client, tokens["s1002"])
        for _ in range(2):
            upload(client, TYPICAL)
        page = client.get(PAGE).text
        assert "You have used all 2 attempts; your best score counts." in state_of(page)
        assert SUBMIT_FORM not in page and "Grade it" not in page
        feedback = client.get(f"{PAGE}/attempts/2").text
        assert "Submit again" not in feedback and "all 2 attempts" in feedback


def test_a_cooldown_says_when_in_the_courses_time_and_keeps_the_form(make_course, issue_tokens, make_app):
    client, tokens, course = app_client(make_course, issue_tokens, make_app, attempts=5, cooldown=120,
                                        due="2026-12-20T23:59:00-05:00")
    with client:
        sign_in(client, tokens["s1002"])
        upload(client, TYPICAL)
        page = client.get(PAGE).text
        state = state_of(page)
        assert "Your next graded attempt is allowed at Wed 25 Nov 2026, 07:02 UTC−05:00" in state, state
        assert "a file with an error is answered at once" in state
        assert SUBMIT_FORM in page


@pytest.mark.parametrize("policy, advance, words", [
    ({"opens": "2026-11-26T09:00:00Z"}, 0, "This assignment opens on Thu 26 Nov 2026, 09:00 UTC."),
    ({"due": "2026-11-25T11:00:00Z", "after_due": "closed"}, 0,
     "This assignment closed on Wed 25 Nov 2026, 11:00 UTC; no more attempts are graded."),
    ({"due": "2026-11-25T11:00:00Z"}, 0, "The due date has passed (Wed 25 Nov 2026, 11:00 UTC): you may still "
                                         "check your file, but late attempts do not count."),
])
def test_each_state_is_a_sentence(make_course, issue_tokens, make_app, clock, policy, advance, words):
    client, tokens, _ = app_client(make_course, issue_tokens, make_app, **policy)
    with client:
        sign_in(client, tokens["s1002"])
        page = client.get(PAGE).text
        assert words in state_of(page), state_of(page)
        assert (SUBMIT_FORM in page) == ("late attempts" in words)


def test_an_extension_is_said(make_course, issue_tokens, make_app):
    from grader.cli import main

    client, tokens, course = app_client(make_course, issue_tokens, make_app, due="2026-11-30T23:59:00Z", attempts=2)
    assert main(["extend", str(course), "--student", "s1002", "--assignment", ASSIGNMENT,
                 "--due", "2026-12-04T23:59:00Z", "--attempts", "4"]) == 0
    with client:
        sign_in(client, tokens["s1002"])
        state = state_of(client.get(PAGE).text)
        assert "Your due date was moved to Fri 4 Dec 2026, 23:59 UTC" in state
        assert "you have 4 attempts" in state


# --- times in the course's zone ------------------------------------------------------------------------
def test_times_are_shown_in_the_courses_zone_with_its_abbreviation(make_course, issue_tokens, make_app):
    from fastapi.testclient import TestClient

    course = make_course(due="2026-12-20T23:59:00-05:00")
    text = (course / "course.yaml").read_text()
    (course / "course.yaml").write_text(text + "timezone: America/New_York\n")
    tokens = issue_tokens(course)
    with TestClient(make_app(course)) as client:
        sign_in(client, tokens["s1002"])
        assert "Sun 20 Dec 2026, 23:59 EST" in client.get("/").text
        assert "Sun 20 Dec 2026, 23:59 EST" in client.get(PAGE).text
        listed = client.get("/api/v1/assignments", headers=bearer(tokens["s1002"])).json()
        assert listed["assignments"][0]["due"] == "2026-12-21T04:59:00Z"  # the API stays ISO 8601 with its offset
        assert listed["timezone"] == "America/New_York"


def test_without_a_timezone_the_due_dates_offset_is_the_courses(make_course, issue_tokens, make_app):
    client, tokens, _ = app_client(make_course, issue_tokens, make_app, due="2026-12-20T23:59:00-05:00")
    with client:
        sign_in(client, tokens["s1002"])
        assert "Sun 20 Dec 2026, 23:59 UTC−05:00" in client.get(PAGE).text


def test_an_unknown_timezone_is_a_message(make_course, capsys):
    from grader.cli import main

    course = make_course()
    (course / "course.yaml").write_text((course / "course.yaml").read_text() + "timezone: America/Nowhere\n")
    assert main(["tokens", str(course), "--roster", str(course / "none.csv")]) == 2
    err = capsys.readouterr().err
    assert "America/Nowhere" in err and "IANA" in err


# --- a blank submit.yaml from the server --------------------------------------------------------------
def test_the_page_offers_a_blank_file_with_the_students_id(client, tokens):
    import yaml

    sign_in(client, tokens["s1002"])
    page = client.get(PAGE).text
    assert f'href="{PAGE}/template"' in page and "Download a blank submit.yaml" in page
    blank = client.get(f"{PAGE}/template")
    assert blank.status_code == 200 and 'filename="submit.yaml"' in blank.headers["content-disposition"]
    data = yaml.safe_load(blank.text)
    assert data["assignment"] == ASSIGNMENT and data["student"]["id"] == "s1002"
    assert "p3" in data["answers"] and not [key for key in key_strings() if key in blank.text]
    assert "grade template RUBRIC" not in blank.text


def test_the_api_gives_the_blank_file_too(client, tokens):
    answer = client.get(f"/api/v1/assignments/{ASSIGNMENT}/template", headers=bearer(tokens["s1002"]))
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/yaml")
    assert 'id: "s1002"' in answer.text


# --- the API takes a raw body or a multipart field `file` ------------------------------------------------
def test_a_multipart_file_field_is_accepted_like_a_raw_body(client, tokens):
    answer = client.post(ATTEMPTS, headers=bearer(tokens["s1002"]),
                         files={"file": ("submit.yaml", TYPICAL, "application/yaml")})
    assert answer.status_code == 201, answer.text
    assert answer.json()["result"]["score"] == 14.5


def test_a_multipart_body_without_a_file_field_is_a_sentence(client, tokens):
    answer = client.post(ATTEMPTS, headers=bearer(tokens["s1002"]), files={"upload": ("x.yaml", TYPICAL, "text/plain")})
    assert answer.status_code == 422 and "`file`" in answer.json()["error"]["message"]


# --- messages that fit the web ---------------------------------------------------------------------------
def test_the_message_names_the_file_the_student_sent(client, tokens):
    sign_in(client, tokens["s1002"])
    page = upload(client, BROKEN, name="invalid.yaml").text
    assert "invalid.yaml" in page and "submit.yaml: " not in page and "Submit.yaml" not in page


def test_code_in_web_messages_is_code_not_backticks(client, tokens):
    sign_in(client, tokens["s1002"])
    page = upload(client, CORRECT).text  # s1001's file
    message = re.search(r'<div class="error".*?</div>', page, re.S).group(0)
    assert "<code>s1001</code>" in message and "`" not in message


def test_web_messages_suggest_no_command_line_options(client, tokens):
    sign_in(client, tokens["s1002"])
    wrong = TYPICAL.replace(b"assignment: hw-lstm-vae-gan", b"assignment: hw-logreg")
    for body in (wrong, b"", b"student: {id: s1002}\n"):
        page = upload(client, body, name="mine.yaml").text
        message = re.search(r'<div class="error".*?</div>', page, re.S).group(0)
        assert " --" not in message and "grade template RUBRIC" not in message, message
