"""The TA's desk in a real browser (Debian's Chromium through Playwright, uvicorn on 127.0.0.1).

A TA signs in with a staff token on the students' sign-in page, opens the review queue, scores a group of
identical answers with one action (the "Full marks" button, whose accesskey is F), the students of that group see "TA decision"
on their own attempt pages, and the review.yaml the page downloads, given to `grade batch --overrides`,
gives the same scores as the service. Screenshots go to $GRADE_SCREENSHOT_DIR when it is set.
Skips with the reason when Chromium or Playwright is missing.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the course service needs the `serve` extra")
sys.path.insert(0, str(Path(__file__).parent.parent))

from browser_support import browser_context, chromium_or_skip  # noqa: E402
from serve_support import RUBRIC, leaked_keys, live_server  # noqa: E402
from staff_support import ASSIGNMENT, STAFF_API, TYPICAL, bearer, submit, with_text_answer  # noqa: E402

pytestmark = pytest.mark.reveals_key  # the staff's pages show the key; the students' pages are checked below

ANSWERS = {"s2000": "Sigmoids are between 0 and 1.", "s2001": "sigmoids are between 0 and 1",
           "s2002": "SIGMOIDS ARE BETWEEN 0 AND 1!", "s2003": "Sigmoids are between 0 and 1.",
           "s2004": "They are probabilities.", "s2005": "Because the weights are positive."}
QUESTION = "p2.c.why"


def shot(page, name: str, tmp_path: Path) -> Path:
    folder = Path(os.environ.get("GRADE_SCREENSHOT_DIR", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 5_000
    return path


def test_a_ta_scores_a_group_at_once_and_the_students_see_it(desk, tmp_path):
    from grader.cli import main
    from grader.export.results_io import read_results

    chromium_or_skip()
    for student_id, text in ANSWERS.items():
        submit(desk.api, desk.tokens[student_id], with_text_answer(TYPICAL, student_id, QUESTION, text))
    with live_server(desk.app) as base:
        ta_decides_and_downloads(base, desk, tmp_path)
        student_pages = [student_sees_the_decision(base, desk, student_id, tmp_path) for student_id in ("s2000", "s2002")]
        assert not leaked_keys(student_pages)
    review = tmp_path / "review.yaml"
    for student_id in ANSWERS:  # every member of the group, through the student's own API
        result = desk.api.get(f"/api/v1/assignments/{ASSIGNMENT}/attempts/1",
                              headers=bearer(desk.tokens[student_id])).json()["result"]
        question = next(q for q in result["questions"] if q["id"] == QUESTION)
        assert ("override" in question) == (student_id in ("s2000", "s2001", "s2002", "s2003"))
    folder = tmp_path / "submissions"
    folder.mkdir()
    for student_id, text in ANSWERS.items():
        (folder / f"{student_id}.yaml").write_bytes(with_text_answer(TYPICAL, student_id, QUESTION, text))
    assert main(["batch", str(folder), "--rubric", str(RUBRIC), "--out", str(tmp_path / "graded"),
                 "--overrides", str(review), "--quiet"]) == 0
    batch = {result.student.id: result.score for result in read_results(tmp_path / "graded")}
    table = desk.api.get(f"{STAFF_API}/assignments/{ASSIGNMENT}", headers=bearer(desk.staff["t01"])).json()
    assert batch == {row["id"]: row["score"] for row in table["students"] if row["score"] is not None}


def ta_decides_and_downloads(base: str, desk, tmp_path: Path) -> None:
    with browser_context(tmp_path / "ta") as context:
        page = context.new_page()
        page.goto(f"{base}/")
        page.get_by_label("Your token").fill(desk.staff["t01"])
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{base}/staff/")
        assert page.get_by_text("Signed in as Tess Assistant").is_visible()
        shot(page, "staff-course", tmp_path)
        page.get_by_role("link", name="Deep learning homework: LSTM, VAE, GAN").click()
        page.get_by_role("link", name="The review queue, by answer groups").click()
        page.get_by_role("link", name=QUESTION).click()
        progress = page.locator("#progress")
        assert progress.inner_text().startswith("0 of 6 answers decided, 3 groups left")
        heading = page.locator("#group-heading").inner_text()
        assert heading == "Group 1 of 3: 4 answers", heading  # the four identical answers, read once
        assert page.locator("p.answer-text").first.inner_text() == "Sigmoids are between 0 and 1."
        shot(page, "staff-review-group", tmp_path)
        full = page.get_by_role("button", name="Full marks (1)")
        assert full.get_attribute("accesskey") == "f"  # Alt+F for a person (CDP's synthetic keys do not fire it)
        full.click()  # one action
        page.wait_for_url(re.compile(r".*group=\w+"))
        assert progress.inner_text().startswith("4 of 6 answers decided, 2 groups left")
        shot(page, "staff-review-next-group", tmp_path)
        with page.expect_download() as downloading:
            page.goto(f"{base}/staff/assignments/{ASSIGNMENT}/review")
            page.get_by_role("link", name="Download review.yaml").click()
        downloading.value.save_as(tmp_path / "review.yaml")


def student_sees_the_decision(base: str, desk, student_id: str, tmp_path: Path) -> bytes:
    with browser_context(tmp_path / student_id) as context:
        page = context.new_page()
        page.goto(f"{base}/")
        page.get_by_label("Your token").fill(desk.tokens[student_id])
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/assignments/{ASSIGNMENT}/attempts/1")
        row = page.get_by_role("row").filter(has=page.get_by_role("rowheader").filter(has_text=QUESTION))
        assert "TA decision: 1 / 1" in row.inner_text()
        shot(page, f"student-ta-decision-{student_id}", tmp_path)
        return page.content().encode()
