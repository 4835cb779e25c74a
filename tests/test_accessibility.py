"""Accessibility of every HTML page we render: axe-core finds no WCAG 2.1 A/AA violation and no landmark
finding, and at a 320 px wide window no page scrolls sideways as a whole.

The pages come from the real engine: `grade --format html`, `grade batch` (summary.html), `grade sheet
--format html`, and every page of the course service. axe-core is the copy that shared/tools/axe/run_axe.sh
installs (run once here, as the tool itself); the pages are checked in one Chromium (Playwright).
Skips with the reason when Chromium, Playwright, node or the axe tool is missing.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from browser_support import (NARROW, WCAG_TAGS, axe_source_or_skip, axe_violations, browser_context,  # noqa: E402
                             chromium_or_skip, page_width, run_axe_script)
from tests_support import REPO, RUBRIC_PATH, SUBMISSIONS  # noqa: E402

LANDMARK_RULES = re.compile(r"^(landmark-|region$)")
pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")


def engine_pages(folder: Path) -> dict[str, Path]:
    """The report, the class summary and two sheets, written by the command line."""
    from grader.cli import main

    pages = {"report": folder / "report.html", "sheet": folder / "sheet.html",
             "sheet-variant": folder / "sheet-variant.html", "summary": folder / "batch" / "summary.html"}
    assert main([str(SUBMISSIONS / "typical-mistakes.yaml"), "--format", "html", "-o", str(pages["report"])]) == 0
    assert main(["sheet", str(RUBRIC_PATH), "--format", "html", "-o", str(pages["sheet"])]) == 0
    assert main(["sheet", str(REPO / "rubrics" / "hw-logreg.yaml"), "--student", "s1024", "--format", "html",
                 "-o", str(pages["sheet-variant"])]) == 0
    main(["batch", str(SUBMISSIONS), "--rubric", str(RUBRIC_PATH), "--out", str(folder / "batch"), "--quiet"])
    assert pages["summary"].is_file()
    return pages


def service_pages(folder: Path) -> dict[str, Path]:
    """Every page of the course service, as a signed-in student (and a stranger) sees it, in every state."""
    pytest.importorskip("fastapi", reason="the course service needs the `serve` extra")
    sys.path.insert(0, str(Path(__file__).parent / "serve"))
    from fastapi.testclient import TestClient
    from pages_support import csrf_of, sign_in
    from serve_support import TYPICAL, read_tokens, write_course, write_roster

    from grader.cli import main
    from grader.serve.app import create_app

    def course_with(name: str, **policy: object) -> tuple[Path, str]:
        course = write_course(folder / name, **policy)
        assert main(["tokens", str(course), "--roster", str(write_roster(folder / "roster.csv")),
                     "-o", str(folder / f"tokens-{name}.csv")]) == 0
        return course, read_tokens(folder / f"tokens-{name}.csv")["s1002"]

    def upload(client: TestClient, page: str) -> str:
        return client.post("/assignments/hw-lstm-vae-gan/attempts", data={"csrf": csrf_of(page)},
                           files={"file": ("submit.yaml", TYPICAL, "text/yaml")}).text

    shown: dict[str, str] = {}
    course, token = course_with("course", attempts=1, cooldown=60)
    with TestClient(create_app(course)) as client:
        shown["service-sign-in"] = client.get("/").text
        shown["service-sign-in-refused"] = sign_in(client, "wrong-token").text
        shown["service-assignments-none"] = sign_in(client, token).text
        assignment = client.get("/assignments/hw-lstm-vae-gan").text
        shown["service-assignment"] = assignment
        shown["service-assignment-refused"] = client.post("/assignments/hw-lstm-vae-gan/attempts",
                                                          data={"csrf": csrf_of(assignment), "text": "a: [b"}).text
        shown["service-feedback"] = upload(client, assignment)
        shown["service-assignment-used-up"] = client.get("/assignments/hw-lstm-vae-gan").text
        shown["service-assignments"] = client.get("/").text
        shown["service-sheet"] = client.get("/assignments/hw-lstm-vae-gan/sheet").text
        shown["service-not-found"] = client.get("/assignments/hw-nothing").text
    course, token = course_with("cooldown", attempts=5, cooldown=600)
    with TestClient(create_app(course)) as client:
        sign_in(client, token)
        upload(client, client.get("/assignments/hw-lstm-vae-gan").text)
        shown["service-assignment-cooldown"] = client.get("/assignments/hw-lstm-vae-gan").text
    for name, policy in {"not-open": {"opens": "2099-01-01T00:00:00Z"},
                         "closed": {"due": "2020-01-01T00:00:00Z", "after_due": "closed"},
                         "late": {"due": "2020-01-01T00:00:00-05:00", "attempts": 3}}.items():
        course, token = course_with(name, **policy)
        if name == "late":
            assert main(["extend", str(course), "--student", "s1002", "--assignment", "hw-lstm-vae-gan",
                         "--attempts", "5"]) == 0
        with TestClient(create_app(course)) as client:
            sign_in(client, token)
            shown[f"service-assignment-{name}"] = client.get("/assignments/hw-lstm-vae-gan").text
    pages = {}
    for name, html in shown.items():
        pages[name] = folder / f"{name}.html"
        pages[name].write_text(html, encoding="utf-8")
    return pages


def staff_pages(folder: Path) -> dict[str, Path]:
    """Every staff page, as a TA (and an instructor, for the regrade) sees it, on a class that has submitted."""
    pytest.importorskip("fastapi", reason="the course service needs the `serve` extra")
    sys.path.insert(0, str(Path(__file__).parent / "serve"))
    from fastapi.testclient import TestClient
    from pages_support import csrf_of, sign_in
    from serve_support import CORRECT, TYPICAL, read_tokens, write_course, write_roster
    from staff_support import issue_staff_tokens, submit

    from grader.cli import main
    from grader.serve.app import create_app

    course = write_course(folder / "staff-course", attempts=3)
    assert main(["tokens", str(course), "--roster", str(write_roster(folder / "staff-roster.csv")),
                 "-o", str(folder / "staff-course-tokens.csv")]) == 0
    tokens = read_tokens(folder / "staff-course-tokens.csv")
    staff = issue_staff_tokens(course, folder)
    base = "/staff/assignments/hw-lstm-vae-gan"
    shown: dict[str, str] = {}
    with TestClient(create_app(course)) as client:
        submit(client, tokens["s1001"], CORRECT)
        submit(client, tokens["s1002"], TYPICAL)
        shown["staff-signed-out"] = client.get("/staff/").text
        sign_in(client, staff["i01"])
        shown["staff-course"] = client.get("/staff/").text
        shown["staff-assignment"] = client.get(base + "?q=s100&sort=best&order=desc").text
        shown["staff-student"] = client.get(base + "/students/s1002").text
        shown["staff-attempt"] = client.get(base + "/students/s1002/attempts/1").text
        shown["staff-review"] = client.get(base + "/review").text
        shown["staff-review-text"] = client.get(base + "/review/p2.a.why").text
        shown["staff-review-numbers"] = client.get(base + "/review/p3.b.h1").text
        review = client.get(base + "/downloads/review.yaml").content
        shown["staff-import"] = client.post(base + "/decisions/import", data={"csrf": csrf_of(shown["staff-review"])},
                                            files={"file": ("review.yaml", review, "text/yaml")}).text
        shown["staff-regrade"] = client.get(base + "/regrade").text
        shown["staff-audit"] = client.get("/staff/audit").text
        shown["staff-not-found"] = client.get(base + "/students/nobody").text
    pages = {}
    for name, html in shown.items():
        pages[name] = folder / f"{name}.html"
        pages[name].write_text(html, encoding="utf-8")
    return pages


def lti_pages(folder: Path) -> dict[str, Path]:
    """The LTI pages: a refused launch, "continue in a new window", the deep-linking picker and its return."""
    pytest.importorskip("fastapi", reason="the course service needs the `serve` extra")
    pytest.importorskip("lti1p3platform", reason="the LTI pages need the test extra")
    sys.path.insert(0, str(Path(__file__).parent / "serve"))
    import httpx
    from lti_support import platform_launch, running_lms
    from serve_support import read_tokens, write_course, write_roster

    from grader.cli import main

    def make_course(**policy: object) -> Path:
        return write_course(folder / "lti-course", **policy)

    def issue_tokens(course: Path) -> dict[str, str]:
        assert main(["tokens", str(course), "--roster", str(write_roster(folder / "lti-roster.csv")),
                     "-o", str(folder / "lti-tokens.csv")]) == 0
        return read_tokens(folder / "lti-tokens.csv")

    shown: dict[str, str] = {}
    with running_lms(make_course, issue_tokens) as lms:
        browser = lms.browser()
        shown["lti-refused"] = browser.post(f"{lms.tool_url}/lti/launch", data={"id_token": "x", "state": "y"}).text
        action, fields = platform_launch(browser, lms.platform, "ada", "link-1")
        check = browser.post(action, data=fields).headers["location"]
        shown["lti-continue"] = httpx.get(f"{lms.tool_url}{check}").text  # a frame that kept no cookie
        action, fields = platform_launch(browser, lms.platform, "pat", deep=True)
        shown["lti-picker"] = picker = browser.post(action, data=fields).text
        ticket = picker.split('name="ticket" value="')[1].split('"')[0]
        shown["lti-deep-link-return"] = browser.post(f"{lms.tool_url}/lti/deep-link", data={
            "ticket": ticket, "assignment": "hw-lstm-vae-gan"}).text
    pages = {}
    for name, html in shown.items():
        pages[name] = folder / f"{name}.html"
        pages[name].write_text(html, encoding="utf-8")
    return pages


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("pages")
    return {**engine_pages(folder), **service_pages(folder), **staff_pages(folder), **lti_pages(folder)}


def test_run_axe_script_passes_the_report(pages):
    """The shared tool itself, as a person runs it: 0 WCAG 2.1 A/AA violations."""
    chromium_or_skip()
    axe_source_or_skip()
    summary = run_axe_script(pages["report"])
    assert summary["violationRules"] == 0, summary["violations"]


def test_axe_finds_no_violation_on_any_page(pages, tmp_path):
    chromium_or_skip()
    axe_source = axe_source_or_skip()
    found = {}
    with browser_context(tmp_path / "profile", width=1280) as context:
        page = context.new_page()
        for name, path in pages.items():
            page.goto(path.as_uri())
            wcag = axe_violations(page, axe_source, WCAG_TAGS)
            landmarks = [v for v in axe_violations(page, axe_source, None) if LANDMARK_RULES.match(v["id"])]
            if wcag or landmarks:
                found[name] = wcag + landmarks
    assert not found, found


def test_no_page_scrolls_sideways_at_320_px(pages, tmp_path):
    widths, cut_captions = {}, {}
    with browser_context(tmp_path / "profile", width=NARROW, height=640) as context:
        page = context.new_page()
        for name, path in pages.items():
            page.goto(path.as_uri())
            widths[name] = page_width(page)
            # a table wider than the screen scrolls in its own region; its caption must still be read whole
            cut = page.evaluate("""() => [...document.querySelectorAll('caption')]
                .filter(caption => caption.offsetParent !== null && !caption.closest('.visually-hidden')
                        && caption.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
                .map(caption => caption.textContent.trim())""")
            if cut:
                cut_captions[name] = cut
    assert all(width <= NARROW for width in widths.values()), {name: width for name, width in widths.items() if width > NARROW}
    assert not cut_captions, cut_captions


def test_the_summary_histogram_has_its_numbers_in_a_table(pages):
    html = pages["summary"].read_text(encoding="utf-8")
    hidden = re.search(r'<div class="visually-hidden">\s*<table>(.*?)</table>', html, re.S)
    assert hidden, "the histogram has no text alternative"
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th><td>(\d+)</td></tr>', hidden.group(1))
    graded = len((pages["summary"].parent / "results.jsonl").read_text(encoding="utf-8").splitlines())
    assert graded >= 2 and sum(int(count) for _, count in rows) == graded  # every graded student, in one bin
    assert rows[-1][0].endswith(" to 36") and " to under " in rows[0][0]


def test_tables_have_captions_and_row_headers(pages):
    for name in ("report", "summary", "service-assignments", "service-assignment-used-up", "service-feedback"):
        html = pages[name].read_text(encoding="utf-8")
        tables = html.count("<table")
        assert tables and html.count("<caption") == tables, name
        assert '<th scope="row">' in html, name


def test_low_discrimination_is_marked_in_words(tmp_path):
    from grader.reports import render_template

    html = render_template("summary.html.j2", **_summary_context(discrimination=0.05))
    assert '<span class="low">0.05 (low)</span>' in html
    assert "(low)" not in render_template("summary.html.j2", **_summary_context(discrimination=0.6)).split(
        "<h2>Questions</h2>")[1]


def _summary_context(discrimination: float) -> dict:
    """A summary with one question, for the discrimination cell."""
    from types import SimpleNamespace

    from grader.batch.histogram import histogram
    from grader.rubric import load_rubric

    rubric = load_rubric(RUBRIC_PATH)
    question = SimpleNamespace(id="p3.c", title="MSE", points=2.0, mean=1.0, needs_review=0, wrong_values=[],
                               discrimination=discrimination,
                               shares={s: 0.0 for s in ("correct", "partial", "incorrect", "missing", "invalid",
                                                        "needs_review")})
    summary = SimpleNamespace(graded=10, max_score=36.0, mean=18.0, median=18.0, stdev=3.0, lowest=10.0,
                              highest=30.0, needs_review=0, histogram=histogram([18.0] * 10, 36.0),
                              questions=[question], pairs=[], more_pairs=0)
    return {"rubric": rubric, "summary": summary, "problems": [], "files": 10, "reports": False}
