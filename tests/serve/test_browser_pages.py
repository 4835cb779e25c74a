"""The web page in a real browser: Debian's Chromium, driven by Playwright, against uvicorn on 127.0.0.1.

A student signs in, uploads typical-mistakes.yaml, reads 14.5 / 36 and a feedback sentence, sees the
attempts left go down, and no key value on any page; the page's styles are allowed by its CSP and no
CSP violation is reported. A screenshot of the feedback goes to $GRADE_SCREENSHOT when it is set.
Skips with the reason when Chromium or Playwright is missing.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the course service needs the `serve` extra")

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))

from browser_support import browser_context, chromium_or_skip  # noqa: E402
from serve_support import ASSIGNMENT, SUBMISSIONS, TYPICAL, key_strings, live_server  # noqa: E402

from grader.serve import web_session  # noqa: E402


@pytest.fixture
def base_url(course_dir, tokens, make_app):
    chromium_or_skip()
    with live_server(make_app(course_dir)) as url:
        yield url


def watch_console(page) -> list[str]:
    """Console messages about the Content-Security-Policy (a blocked style would be one)."""
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text)
            if "Content Security Policy" in message.text else None)
    return messages


def visible_keys(page) -> list[str]:
    """Key values in the page's HTML that the student did not write in their own file."""
    html = page.content()
    mine = TYPICAL.decode("utf-8")
    return [key for key in key_strings() if key in html and key not in mine]


def test_a_student_signs_in_uploads_and_reads_the_feedback(base_url, tokens, tmp_path):
    with browser_context(tmp_path / "profile") as context:
        page = context.new_page()
        csp_messages = watch_console(page)
        page.goto(f"{base_url}/")
        page.get_by_label("Your token").fill(tokens["s1002"])
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{base_url}/")
        assert page.get_by_role("heading", name="Your assignments").is_visible()
        assert "grade_session" not in page.evaluate("document.cookie")  # HttpOnly: no script can read it

        page.get_by_role("link", name="Deep learning homework: LSTM, VAE, GAN").click()
        assert page.locator("#attempts-left").inner_text() == "3 left (0 used)"
        page.get_by_label("Your submit.yaml file").set_input_files(str(SUBMISSIONS / "typical-mistakes.yaml"))
        page.get_by_role("button", name="Grade it").click()
        page.wait_for_url(f"{base_url}/assignments/{ASSIGNMENT}/attempts/1")

        assert page.locator("p.score").inner_text() == "14.5 / 36"
        row = page.get_by_role("row").filter(has=page.get_by_role("rowheader").filter(has_text="p3.b.h1"))
        assert "the tanh" in row.inner_text() and "incorrect" in row.inner_text()  # the known mistake's sentence
        assert "2 left (1 used)" in page.locator("div.attempt").inner_text()
        # the page's own <style> is allowed by the CSP's nonce: the score is set large and bold
        assert page.locator("p.score").evaluate("e => getComputedStyle(e).fontWeight") == "650"
        screenshot = Path(os.environ.get("GRADE_SCREENSHOT", tmp_path / "screenshot-service.png"))
        page.screenshot(path=str(screenshot), full_page=False)
        assert screenshot.stat().st_size > 10_000
        assert not visible_keys(page)

        page.get_by_role("link", name="Submit again").click()
        assert page.locator("#attempts-left").inner_text() == "2 left (1 used)"
        assert page.get_by_role("link", name="Attempt 1").is_visible()
        assert not visible_keys(page)
        page.get_by_role("button", name="Sign out").click()
        assert page.get_by_role("heading", name="Sign in").is_visible()
        assert not csp_messages, csp_messages


def test_a_sign_in_link_leaves_no_token_in_the_address_bar(base_url, tokens, tmp_path):
    with browser_context(tmp_path / "profile") as context:
        page = context.new_page()
        page.goto(f"{base_url}/?token={tokens['s1001']}")
        assert page.url == f"{base_url}/"
        assert page.get_by_text("Signed in as Ada Lovelace").is_visible()
        cookie = next(c for c in context.cookies() if c["name"] == web_session.SESSION_COOKIE)
        assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
        page.go_back()
        assert tokens["s1001"] not in page.url  # the link's address is not a history entry to go back to


def test_a_students_path_blank_file_cooldown_last_attempt_and_the_courses_time(make_course, issue_tokens, make_app,
                                                                              clock, tmp_path):
    """A student installs nothing: the blank file comes from the page, a broken file during a cooldown is
    answered at once, the last attempt leaves no form, and the due date reads in the course's zone."""
    import yaml

    chromium_or_skip()
    course = make_course(attempts=2, cooldown=60, due="2026-12-20T23:59:00-05:00")
    (course / "course.yaml").write_text((course / "course.yaml").read_text() + "timezone: America/New_York\n")
    tokens = issue_tokens(course)
    broken = tmp_path / "draft.yaml"
    broken.write_text("assignment: [unclosed\n")
    with live_server(make_app(course)) as base_url, browser_context(tmp_path / "profile") as context:
        page = context.new_page()
        csp_messages = watch_console(page)
        page.goto(f"{base_url}/login?token={tokens['s1002']}")
        page.get_by_role("link", name="Deep learning homework: LSTM, VAE, GAN").click()
        assert "Sun 20 Dec 2026, 23:59 EST" in page.locator("dl.terms").inner_text()

        with page.expect_download() as download:
            page.get_by_role("link", name="Download a blank submit.yaml").click()
        blank = yaml.safe_load(Path(download.value.path()).read_text(encoding="utf-8"))
        assert download.value.suggested_filename == "submit.yaml"
        assert blank["student"]["id"] == "s1002" and blank["assignment"] == ASSIGNMENT

        page.get_by_label("Your submit.yaml file").set_input_files(str(SUBMISSIONS / "typical-mistakes.yaml"))
        page.get_by_role("button", name="Grade it").click()
        page.wait_for_url(f"{base_url}/assignments/{ASSIGNMENT}/attempts/1")
        page.get_by_role("link", name="Submit again").click()
        assert "Your next graded attempt is allowed at Wed 25 Nov 2026, 07:01 EST" in page.locator("#state").inner_text()

        page.get_by_label("Your submit.yaml file").set_input_files(str(broken))  # during the cooldown
        page.get_by_role("button", name="Grade it").click()
        alert = page.get_by_role("alert")
        assert "draft.yaml" in alert.inner_text() and "not valid YAML" in alert.inner_text()
        assert page.locator("#attempts-left").inner_text() == "1 left (1 used)"  # it cost nothing

        clock.advance(61)
        page.goto(f"{base_url}/assignments/{ASSIGNMENT}")
        page.get_by_label("Your submit.yaml file").set_input_files(str(SUBMISSIONS / "typical-mistakes.yaml"))
        page.get_by_role("button", name="Grade it").click()
        page.wait_for_url(f"{base_url}/assignments/{ASSIGNMENT}/attempts/2")
        assert page.get_by_role("link", name="Submit again").count() == 0
        page.goto(f"{base_url}/assignments/{ASSIGNMENT}")
        assert "You have used all 2 attempts; your best score counts." in page.locator("#state").inner_text()
        assert page.get_by_role("button", name="Grade it").count() == 0
        assert page.locator("form[enctype='multipart/form-data']").count() == 0
        assert not visible_keys(page)
        assert not csp_messages, csp_messages
