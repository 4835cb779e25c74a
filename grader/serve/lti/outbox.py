"""The score outbox's sender: posts each queued (link, student) score, retrying what may work later.

`grader.serve.service.counted_score_may_have_changed` queues rows (after an attempt, a TA decision,
an extension, a regrade); this module sends them. A row's score is read when it is sent (the
counted attempt as it stands, with the TA's decisions), so a row queued before a later change
posts the later score, and nothing is posted twice for one change. A score equal to the last one
that reached the platform is not posted again (unless `grade lti sync` asked for it).

Failures: a 429, a 5xx, Canvas's 403 with `x-rate-limit-remaining: 0.0` or no answer are tried
again after the platform's Retry-After, else after FIRST_RETRY doubled per try (at most
MAX_BACKOFF), up to MAX_TRIES; any other failure, and the last try, leave the row `failed` with the
platform's message (`grade lti status`). Rows live in the database, so a restart loses nothing: the
next sender (the server's worker thread, or `grade lti sync`) picks them up.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from grader.serve.class_view import class_view
from grader.serve.course import Course
from grader.serve.lti.ags import AgsClient, iso_timestamp
from grader.serve.lti.errors import PlatformError
from grader.serve.storage import Storage
from grader.serve.storage_lti import OutboxRow

log = logging.getLogger("grader.serve.lti")
FIRST_RETRY = 2.0  # seconds before the first retry when the platform does not say (Retry-After)
MAX_BACKOFF = 3600.0  # seconds: retries are at least hourly
MAX_TRIES = 20  # about a day of retries without Retry-After; then `failed` (and `grade lti sync` posts again)
LEASE = dt.timedelta(minutes=5)  # a claimed row is another sender's again after this (its sender died)
POLL_SECONDS = 2.0  # the worker looks for due rows this often: a score leaves within seconds
MAX_BATCHES = 1000  # links handled in one `send_due` call


@dataclass
class SendReport:
    sent: int = 0
    unchanged: int = 0
    nothing: int = 0
    retrying: int = 0
    failed: int = 0
    messages: list[str] = field(default_factory=list)


def backoff(tries: int) -> float:
    """Seconds before the next try after `tries` failed ones (2, 4, 8, ... up to an hour)."""
    return min(MAX_BACKOFF, FIRST_RETRY * 2 ** max(0, tries))


def score_of(course: Course, storage: Storage, assignment_id: str, student_id: str) -> tuple[float, float, str] | None:
    """(scoreGiven, scoreMaximum, gradingProgress) of the student's counted attempt as it stands, or None."""
    standing = class_view(course, storage, assignment_id, student_id).student(student_id)
    if standing is None or standing.result is None:
        return None
    pending = any(question.status == "needs_review" for question in standing.result.questions)
    return (standing.result.score, course.rubrics[assignment_id].rubric.max_score,
            "PendingManual" if pending else "FullyGraded")


class ScoreSender:
    """Sends the due rows of the outbox (one link's at a time)."""

    def __init__(self, course: Course, storage: Storage, ags: AgsClient, clock: Callable[[], dt.datetime]) -> None:
        self.course = course
        self.storage = storage
        self.ags = ags
        self.clock = clock

    def send_due(self) -> SendReport:
        report = SendReport()
        line_items: dict[int, str] = {}  # link id -> its line item, found in this call
        for _batch in range(MAX_BATCHES):
            rows = self.storage.lti_claim(self.clock(), LEASE)
            if not rows:
                break
            for row in rows:
                self._send(row, line_items, report)
        return report

    def _send(self, row: OutboxRow, line_items: dict[int, str], report: SendReport) -> None:
        config = self.course.config.lti
        platform = config.platform(row.link.issuer, row.link.client_id) if config is not None else None
        now = self.clock()
        assignment_id = row.link.assignment_id
        if platform is None or assignment_id is None or assignment_id not in self.course.assignments:
            why = ("the platform is no longer in course.yaml" if platform is None
                   else "the link names no assignment of the course")
            self.storage.lti_finish(row.id, now, state="failed", status=None, message=why)
            report.failed += 1
            report.messages.append(f"{row.student_id}: {why}")
            return
        score = score_of(self.course, self.storage, assignment_id, row.student_id)
        if score is None:
            self.storage.lti_finish(row.id, now, state="nothing", status=None, message="no counted attempt")
            report.nothing += 1
            return
        last = self.storage.lti_last_sent(row.link.id, row.student_id, row.subject)
        if not row.repost and last is not None and (last.score_given, last.score_maximum,
                                                    last.grading_progress) == score:
            self.storage.lti_finish(row.id, now, state="unchanged", status=None, message=None, score=score)
            report.unchanged += 1
            return
        body = {"userId": row.subject, "scoreGiven": score[0], "scoreMaximum": score[1],
                "activityProgress": "Completed", "gradingProgress": score[2],
                "timestamp": iso_timestamp(row.timestamp or now)}
        try:
            lineitem = line_items.get(row.link.id) or self.ags.line_item(
                platform, row.link, self.course.rubrics[assignment_id].rubric.title or assignment_id, score[1])
            if lineitem != row.link.lineitem_url and row.link.id not in line_items:
                self.storage.lti_set_line_item(row.link.id, lineitem)
            line_items[row.link.id] = lineitem
            status = self.ags.post_score(platform, row.link, lineitem, body)
        except PlatformError as exc:
            self._failed(row, exc, score, report)
            return
        self.storage.lti_finish(row.id, self.clock(), state="sent", status=status, message=None, score=score)
        report.sent += 1

    def _failed(self, row: OutboxRow, exc: PlatformError, score: tuple[float, float, str], report: SendReport) -> None:
        now = self.clock()
        tries = row.tries + 1
        if exc.retryable and tries < MAX_TRIES:
            delay = exc.retry_after if exc.retry_after is not None else backoff(row.tries)
            self.storage.lti_finish(row.id, now, state="pending", status=exc.status, message=exc.message, score=score,
                                    retry_at=now + dt.timedelta(seconds=min(delay, 24 * 3600)))
            report.retrying += 1
            log.info("score post for %s will be tried again in %.0f s: %s", row.student_id, delay, exc.status)
            return
        self.storage.lti_finish(row.id, now, state="failed", status=exc.status, message=exc.message, score=score)
        report.failed += 1
        report.messages.append(f"{row.student_id}: {exc.message}")
        log.warning("score post for %s failed: %s", row.student_id, exc.status)


class OutboxWorker:
    """The server's sender thread: started and stopped with the app (its lifespan)."""

    def __init__(self, sender: ScoreSender, poll: float = POLL_SECONDS) -> None:
        self.sender = sender
        self.poll = poll
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="lti-outbox", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.sender.send_due()
            except Exception as exc:  # noqa: BLE001 - the thread must outlive a database hiccup; rows stay queued
                log.error("the score outbox failed: %s", type(exc).__name__)
            self._stop.wait(self.poll)
