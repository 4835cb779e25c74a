"""The score outbox: retried on 429, 5xx and Canvas's rate-limit 403 (honouring Retry-After), the score arriving
once; failures kept with the platform's message (`grade lti status`); a restart between tries loses nothing;
timestamps strictly increase per user; the notification point reached from every way a score changes."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

pytest.importorskip("lti1p3platform", reason="the LTI tests need the test extra: pip install '.[test]'")

sys.path.insert(0, str(Path(__file__).parent))

from lti_support import platform_launch, wait_for  # noqa: E402
from serve_support import ASSIGNMENT, TYPICAL, live_server  # noqa: E402

from grader.cli import main  # noqa: E402

ATTEMPTS = f"/api/v1/assignments/{ASSIGNMENT}/attempts"
ADA_FILE = TYPICAL.replace(b"s1002", b"s1001")


def ada_attempt(lms) -> None:
    """Ada launches from the LMS once (her resource link), then sends an attempt with her token."""
    browser = lms.browser()
    action, fields = platform_launch(browser, lms.platform, "ada", "link-1")
    assert browser.post(action, data=fields, follow_redirects=True).status_code == 200
    answer = browser.post(f"{lms.tool_url}{ATTEMPTS}", content=ADA_FILE,
                          headers={"Authorization": f"Bearer {lms.tokens['s1001']}"})
    assert answer.status_code == 201


def later(lms, seconds: float) -> None:
    lms.clock.skew += dt.timedelta(seconds=seconds)


def test_429_500_and_canvas_rate_limit_are_retried_and_the_score_arrives_once(lms, capsys):
    ada_attempt(lms)
    lms.platform.score_failures = [(429, {"Retry-After": "1"}), (500, {}),
                                   (403, {"X-Rate-Limit-Remaining": "0.0"})]
    sender = lms.runtime.sender
    assert sender.send_due().retrying == 1  # 429: again after its Retry-After (1 s)
    assert sender.send_due().retrying == 0 and lms.platform.score_posts == [429]  # not due yet
    later(lms, 1)
    assert sender.send_due().retrying == 1  # 500: again after 4 s (2 s doubled)
    assert main(["lti", "status", str(lms.course)]) == 0
    status = capsys.readouterr().out
    assert "pending  s1001 hw-lstm-vae-gan" in status and "HTTP 500: failing on purpose with 500" in status
    later(lms, 3)
    assert sender.send_due().retrying == 0  # 3 s later: not yet
    later(lms, 1)
    assert sender.send_due().retrying == 1  # Canvas's 403 with x-rate-limit-remaining 0.0: retried like a 429
    later(lms, 8)
    report = sender.send_due()
    assert (report.sent, report.failed) == (1, 0)
    assert lms.platform.score_posts == [429, 500, 403, 200]
    [lineitem] = lms.platform.line_items
    assert [score["scoreGiven"] for score in lms.platform.scores[lineitem]] == [14.5]  # once
    assert main(["lti", "status", str(lms.course)]) == 0
    assert "score outbox: 0 pending, 0 failed, 1 sent" in capsys.readouterr().out


def test_a_refusal_that_will_not_change_is_failed_with_the_platform_message_and_sync_posts_again(lms, capsys):
    ada_attempt(lms)
    lms.platform.score_failures = [(400, {})]
    report = lms.runtime.sender.send_due()
    assert report.failed == 1 and "HTTP 400: failing on purpose with 400" in report.messages[0]
    assert main(["lti", "status", str(lms.course)]) == 0
    out = capsys.readouterr().out
    assert "failed   s1001 hw-lstm-vae-gan" in out and "failing on purpose with 400" in out
    assert "grade lti sync COURSE --assignment ID" in out
    assert main(["lti", "sync", str(lms.course), "--assignment", ASSIGNMENT]) == 0
    assert "sent 1" in capsys.readouterr().out
    [lineitem] = lms.platform.line_items
    assert [score["scoreGiven"] for score in lms.platform.scores[lineitem]] == [14.5]


def test_a_restart_between_tries_loses_no_post(lms):
    """The server's own worker thread sends; the platform is down (503) for the first try; the server stops and
    a new one starts on the same database: the post goes out from the table, once."""
    from grader.serve.app import create_app
    from grader.serve.course import load_course
    from grader.serve.service import Service, ServiceSettings
    from grader.serve.storage import open_storage

    def server():
        course = load_course(lms.course)
        service = Service(course, open_storage(None, course.folder), ServiceSettings(), clock=lms.clock)
        return live_server(create_app(lms.course, service=service))

    ada_attempt(lms)
    lms.platform.score_failures = [(503, {"Retry-After": "1"})]
    with server():
        wait_for(lambda: lms.platform.score_posts == [503])
    assert lms.service.storage.lti_outbox(states=("pending",))  # still queued, in the database
    with server():
        wait_for(lambda: lms.platform.score_posts == [503, 200])
    [lineitem] = lms.platform.line_items
    assert [score["scoreGiven"] for score in lms.platform.scores[lineitem]] == [14.5]
    assert [row.state for row in lms.service.storage.lti_outbox()] == ["sent"]


def test_timestamps_strictly_increase_for_a_user_even_when_the_clock_does_not(lms):
    ada_attempt(lms)
    sender = lms.runtime.sender
    assert sender.send_due().sent == 1
    lms.clock.skew -= dt.timedelta(seconds=30)  # the server's clock is set back
    assert main(["lti", "sync", str(lms.course), "--assignment", ASSIGNMENT]) == 0  # a repost
    lms.service.storage.lti_score_changed(ASSIGNMENT, ["s1001"], lms.clock(), repost=True)
    assert sender.send_due().sent == 1
    [lineitem] = lms.platform.line_items
    stamps = [score["timestamp"] for score in lms.platform.scores[lineitem]]
    assert len(stamps) == 3 and stamps == sorted(set(stamps))  # every post later than the one before
    assert lms.platform.score_posts == [200, 200, 200]  # the platform refuses an older timestamp (409)


def test_extensions_decisions_imports_and_regrades_reach_the_notification_point(lms, tmp_path, monkeypatch):
    """Every way a counted score changes queues a post for a student with an LMS link (and only for them)."""
    import grader.serve.service as service_module

    calls: list[tuple[str, list[str]]] = []
    original = service_module.Storage.lti_score_changed

    def spy(self, assignment_id, student_ids, now, **kwargs):
        calls.append((assignment_id, list(student_ids)))
        return original(self, assignment_id, student_ids, now, **kwargs)

    monkeypatch.setattr(service_module.Storage, "lti_score_changed", spy)
    ada_attempt(lms)
    assert calls == [(ASSIGNMENT, ["s1001"])]  # the attempt
    calls.clear()
    assert main(["extend", str(lms.course), "--student", "s1001", "--assignment", ASSIGNMENT, "--attempts", "9"]) == 0
    assert calls == [(ASSIGNMENT, ["s1001"])]
    calls.clear()
    from staff_support import issue_staff_tokens

    staff = issue_staff_tokens(lms.course, tmp_path)
    api = f"{lms.tool_url}/api/v1/staff/assignments/{ASSIGNMENT}"
    bearer = {"Authorization": f"Bearer {staff['t01']}"}
    granted = lms.browser().post(f"{api}/students/s1001/extension", headers=bearer,
                                 json={"attempts": 10, "reason": "medical note"})  # the staff page's own function
    assert granted.status_code == 200 and calls == [(ASSIGNMENT, ["s1001"])]
    calls.clear()
    review = tmp_path / "review.yaml"
    assert main(["decisions", "export", str(lms.course), "-o", str(review)]) == 0
    text = review.read_text(encoding="utf-8")
    assert "  score:\n" in text  # the first free-text answer, undecided
    review.write_text(text.replace("  score:\n", "  score: 0.5\n", 1), encoding="utf-8")
    assert main(["decisions", "import", str(lms.course), str(review), "--apply"]) == 0
    assert calls == [(ASSIGNMENT, ["s1001"])]
    calls.clear()
    from grader.serve.regrade import apply_regrade

    apply_regrade(lms.service.course, lms.service.storage, ASSIGNMENT, "t01", lms.clock())
    assert calls == [(ASSIGNMENT, [])]  # nobody's score changed: the point is reached, nothing queued
    assert lms.runtime.sender.send_due().sent == 1  # the decision's new score (14.5 + 0.5)
    [lineitem] = lms.platform.line_items
    assert lms.platform.scores[lineitem][-1]["scoreGiven"] == 15.0


@pytest.mark.parametrize("value, seconds", [("3", 3.0), ("0.5", 0.5), ("Fri, 07 Dec 2040 01:00:10 GMT", 10.0),
                                            ("soon", None), (None, None)])
def test_retry_after_as_seconds_or_a_date(value, seconds):
    from grader.serve.lti.http import retry_after

    now = dt.datetime(2040, 12, 7, 1, 0, 0, tzinfo=dt.timezone.utc)
    assert retry_after(value, now) == seconds


def test_the_backoff_doubles_from_seconds_to_an_hour():
    from grader.serve.lti.outbox import backoff

    assert [backoff(tries) for tries in range(4)] == [2.0, 4.0, 8.0, 16.0]
    assert backoff(40) == 3600.0
