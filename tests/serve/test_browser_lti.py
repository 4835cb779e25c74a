"""A launch inside the LMS's iframe, in a real browser (Debian's Chromium through Playwright) that blocks
third-party cookies: the platform (localhost, another site) frames the tool (127.0.0.1); the frame cannot
keep the tool's cookie, so it offers "continue in a new window" (a plain link, no script of ours), and the
new window lands signed in on the assignment's page. The frame's pages render (the CSP lets this platform
frame them); a page of the tool framed elsewhere stays blocked. Skips when Chromium or Playwright is missing."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the course service needs the `serve` extra")
pytest.importorskip("lti1p3platform", reason="the LTI tests need the test extra: pip install '.[test]'")

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))

from browser_support import CHROMIUM_ARGS, chromium_or_skip  # noqa: E402
from lti_support import running_lms  # noqa: E402
from serve_support import ASSIGNMENT  # noqa: E402


@pytest.fixture
def framed_lms(make_course, issue_tokens):
    chromium_or_skip()
    with running_lms(make_course, issue_tokens, platform_host="localhost") as running:
        yield running


def blocking_profile(profile: Path) -> Path:
    """A Chromium profile whose settings block third-party cookies (chrome://settings/cookies)."""
    (profile / "Default").mkdir(parents=True)
    (profile / "Default" / "Preferences").write_text(json.dumps({"profile": {
        "block_third_party_cookies": True, "cookie_controls_mode": 1}}), encoding="utf-8")
    return profile


def test_a_launch_in_an_iframe_without_third_party_cookies_continues_in_a_new_window(framed_lms, tmp_path):
    from playwright.sync_api import sync_playwright

    lms = framed_lms
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(blocking_profile(tmp_path / "profile")), executable_path=chromium_or_skip(), headless=True,
            args=CHROMIUM_ARGS, viewport={"width": 1100, "height": 900}, timeout=60_000)
        context.set_default_timeout(20_000)
        try:
            page = context.new_page()
            console: list[str] = []
            page.on("console", lambda message: console.append(message.text))
            page.goto(f"{lms.platform.url}/course?user=ada&link=link-1")
            frame = page.frame_locator("#tool")
            link = frame.get_by_role("link", name="Continue in a new window")
            link.wait_for()
            assert "does not let the course" in frame.locator("main").inner_text()
            assert not context.cookies(lms.tool_url)  # the frame kept no cookie of the tool
            with context.expect_page() as opened:
                link.click()
            window = opened.value
            window.wait_for_url(f"{lms.tool_url}/assignments/{ASSIGNMENT}")
            assert window.get_by_text("Signed in as Ada Lovelace").is_visible()
            assert window.get_by_role("heading", name="Deep learning homework: LSTM, VAE, GAN").is_visible()
            assert [cookie["name"] for cookie in context.cookies(lms.tool_url)] == ["grade_session"]
            # the ticket worked once: the same link now says so, on a page that names the fix
            again = context.new_page()
            again.goto(link.get_attribute("href") if link.get_attribute("href").startswith("http")
                       else f"{lms.tool_url}{link.get_attribute('href')}")
            assert "used already or has expired" in again.locator("main").inner_text()
            assert not [text for text in console if "Content Security Policy" in text and "frame-ancestors" in text]

            # a page of the tool framed by another site is refused by the browser (frame-ancestors)
            other = context.new_page()
            blocked: list[str] = []
            other.on("console", lambda message: blocked.append(message.text))
            other.set_content(f'<iframe id="t" src="{lms.tool_url}/"></iframe>')
            other.wait_for_timeout(1500)
            assert any("frame-ancestors" in text for text in blocked), blocked
        finally:
            context.close()
