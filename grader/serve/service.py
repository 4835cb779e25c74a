"""What the API and the web page do, as plain functions over a course and its storage.

Routes parse the request and call a `Service` method; a refusal is a `ServiceError` (status,
message, fix) that the app maps to `{"error": ...}` or an HTML page in one place. Grading calls
the engine exactly as `grade FILE` does (`grade_submission`, `render_result`), in a bounded thread
pool with a time limit. The file is stored before anything else happens to it, and the attempt
is numbered by `Storage.record_attempt` under the student's lock, with the policy deciding there.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

from grader.errors import GraderError, SubmissionError
from grader.grading import check_assignment, grade_submission
from grader.reports import render_result
from grader.results import Result
from grader.rubric import ASSIGNMENT_ID_PATTERN
from grader.safe_yaml import MAX_BYTES, load_yaml_bytes
from grader.serve import policy
from grader.serve.course import AssignmentConfig, Course
from grader.serve.errors import ServiceError
from grader.serve.ratelimit import Throttle
from grader.serve.storage import Storage, StudentRecord
from grader.authoring.sheet import render_sheet
from grader.submission import parse_submission

log = logging.getLogger("grader.serve")
FILE_NAME = "submit.yaml"  # what messages call the file a student sent
ASSIGNMENT_ID = re.compile(ASSIGNMENT_ID_PATTERN)
TOKEN_FIX = "use the token your course sent you: `grade submit.yaml --server URL --token TOKEN`, or set $GRADE_TOKEN"


@dataclass(frozen=True)
class ServiceSettings:
    """Limits of one server process (command-line options of `grade serve`)."""

    grading_timeout: float = 10.0  # seconds from receiving a file to its Result; past it: 503, no attempt used
    grading_threads: int = min(8, (os.cpu_count() or 1) + 2)  # grading is short and CPU-bound
    failures_per_minute: int = 30  # unknown tokens from one address before it gets 429 for a while
    files_per_minute: int = 60  # files one student may send in a minute; past it 429, and the file is not kept
    max_body: int = MAX_BYTES  # 1 MiB, like `grade FILE`


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def token_hash(token: str) -> str:
    """Tokens are random (128+ bits), so one SHA-256 is enough: no salt or stretching is needed."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class Service:
    """The course service for one course and one database; shared by every request of a process."""

    def __init__(self, course: Course, storage: Storage, settings: ServiceSettings | None = None,
                 clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.course = course
        self.storage = storage
        self.settings = settings or ServiceSettings()
        self.clock = clock
        self.failed_sign_ins = Throttle(self.settings.failures_per_minute, "too many unknown tokens from your address",
                                        "check your token, then wait a minute")
        self.files = Throttle(self.settings.files_per_minute, "too many files in a minute",
                              "wait a minute; each file you send is kept, so the server takes a limited number")
        self.secret = storage.secret()
        self._pool = ThreadPoolExecutor(self.settings.grading_threads, thread_name_prefix="grading")

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self.storage.close()

    # --- who is asking -------------------------------------------------------------------------------
    def authenticate(self, token: str | None, client: str) -> StudentRecord:
        """The token's student; 401 for no or an unknown token, 429 after too many failures from `client`."""
        self.failed_sign_ins.check(client)
        digest = token_hash(token or "")  # hashed either way: an unknown token costs what a known one does
        student = self.storage.student_by_token_hash(digest) if token else None
        if student is None:
            self.failed_sign_ins.count(client)
            raise ServiceError(401, "no token was given" if not token else "this token is not known",
                               TOKEN_FIX)
        return student

    # --- reading -------------------------------------------------------------------------------------
    def assignments(self, student: StudentRecord) -> list[dict[str, Any]]:
        """Every assignment with this student's attempts used and left, and the score that counts."""
        now = self.clock()
        listed = []
        for assignment_id, assignment in self.course.assignments.items():
            terms = self._terms(student, assignment_id)
            attempts = self.storage.attempts(student.id, assignment_id)
            counted = policy.counted_attempt(terms, attempts)
            rubric = self.course.rubrics[assignment_id]
            listed.append({
                "id": assignment_id, "title": rubric.rubric.title, "opens": policy.iso(terms.opens),
                "due": policy.iso(terms.due), "attempts_used": policy.used(attempts),
                "attempts_left": policy.attempts_left(terms, attempts, now),
                "next_attempt_at": policy.iso(policy.next_attempt_at(terms, attempts, now)),
                "score": counted.score if counted else None, "max_score": rubric.rubric.max_score,
                "score_policy": assignment.score, "has_sheet": bool(rubric.rubric.sheet)})
        return listed

    def attempts(self, student: StudentRecord, assignment_id: str) -> list[dict[str, Any]]:
        """The student's own graded attempts of one assignment, oldest first."""
        self._assignment(assignment_id)
        return [attempt_json(attempt) | {"score": attempt.score, "max_score": attempt.max_score}
                for attempt in self.storage.attempts(student.id, assignment_id)]

    def attempt_result(self, student: StudentRecord, assignment_id: str, number: int) -> Result:
        """One of the student's past attempts, shown as the feedback policy allows now."""
        self._assignment(assignment_id)
        recorded = self.storage.attempt_result(student.id, assignment_id, number)
        if recorded is None:
            raise ServiceError(404, f"you have no attempt {number} of `{assignment_id}`",
                               "list your attempts with GET /api/v1/assignments/ID/attempts")
        return policy.shown_result(Result.model_validate_json(recorded), self._terms(student, assignment_id),
                                   self.clock())

    def sheet(self, student: StudentRecord, assignment_id: str, sheet_format: str) -> str:
        """The student's own problem sheet (their variant's numbers), as Markdown or HTML."""
        assignment = self._assignment(assignment_id)
        rubric = self.course.rubrics[assignment_id]
        if not rubric.rubric.sheet:
            raise ServiceError(404, f"`{assignment_id}` has no problem sheet on the server",
                               "your course hands out the problems another way")
        if assignment.opens is not None and self.clock() < assignment.opens:
            raise ServiceError(409, f"`{assignment_id}` opens at {policy.iso(assignment.opens)}",
                               "fetch the sheet after it opens")
        return render_sheet(rubric, student.id, sheet_format)

    def render_feedback(self, assignment_id: str, result: Result, report_format: str = "html") -> str:
        """The report `grade FILE --format FORMAT` prints, for a Result this service returned."""
        report = self.report_titles(assignment_id)
        return render_result(result, report_format, title=report["title"], titles=report["titles"])

    # --- submitting ----------------------------------------------------------------------------------
    def submit(self, student: StudentRecord, assignment_id: str, body: bytes) -> dict[str, Any]:
        """Store the file, grade it, and record it as the next attempt if the policy allows.

        Returns the 201 body; raises ServiceError for every refusal (the file stays stored, marked
        refused with the status). Only a recorded attempt uses up an attempt.
        """
        if len(body) > self.settings.max_body:
            raise ServiceError(413, f"the file is larger than {self.settings.max_body // 1024} KiB",
                               "an answer file is a few KiB of text; remove pasted data or images")
        if not ASSIGNMENT_ID.match(assignment_id):
            raise ServiceError(404, "that is not an assignment id", "copy the id from `grade` or the web page")
        self.files.check(student.id)  # a flood would fill the database: refused before it is stored
        self.files.count(student.id)
        file_id = self.storage.record_received(student.id, assignment_id, body, self.clock())
        try:
            return self._grade_and_record(student, assignment_id, body, file_id)
        except ServiceError as refusal:
            self.storage.mark_refused(file_id, refusal)
            log.info("attempt refused: %s %s", refusal.status, assignment_id)
            raise
        except Exception:
            self.storage.mark_refused(file_id, ServiceError(500, "the server failed on this file"))
            raise

    def _grade_and_record(self, student: StudentRecord, assignment_id: str, body: bytes,
                          file_id: int) -> dict[str, Any]:
        assignment = self._assignment(assignment_id)
        rubric = self.course.rubrics[assignment_id]
        extension, attempts_so_far = self.storage.standing(student.id, assignment_id)
        terms = policy.terms_for(assignment, extension)
        now = self.clock()
        refusal = policy.window_refusal(terms, now) or policy.attempt_refusal(
            terms, attempts_so_far, now)  # an early answer that saves grading; decided again when recording
        if refusal is not None:
            raise refusal
        try:
            submission, warnings = parse_submission(load_yaml_bytes(body, FILE_NAME, SubmissionError), FILE_NAME)
            if submission.student.id != student.id:
                raise ServiceError(403, f"this file is for student `{submission.student.id}`, but the token is "
                                        f"`{student.id}`'s", f'write `student: {{id: "{student.id}"}}` in the file')
            check_assignment(submission, rubric, FILE_NAME)
        except GraderError as exc:
            raise ServiceError(422, str(exc).split("\n  fix: ")[0], exc.hint or
                               "fix the file and submit again; no attempt was used") from None
        future = self._pool.submit(grade_submission, submission, rubric, warnings=warnings,
                                   reveal=policy.reveals(terms, now))
        try:
            result = future.result(timeout=self.settings.grading_timeout)
        except FutureTimeout:
            future.cancel()
            raise ServiceError(503, f"grading took longer than {self.settings.grading_timeout:g} s; "
                                    "no attempt was used", "try again in a minute") from None
        except Exception as exc:  # noqa: BLE001 - a grader bug must not lose the file or the attempt
            log.error("grading failed for %s: %s", assignment_id, type(exc).__name__)
            raise ServiceError(500, "the grader failed on this file; no attempt was used",
                               "tell your instructor: the file is kept on the server") from None

        def decide(recorded: list[policy.RecordedAttempt]) -> tuple[ServiceError | None, dt.datetime, bool]:
            moment = self.clock()
            refused = policy.window_refusal(terms, moment) or policy.attempt_refusal(terms, recorded, moment)
            return refused, moment, policy.is_late(terms, moment)

        attempts = self.storage.record_attempt(file_id, student.id, assignment_id, result.to_json(), result.score,
                                               result.max_score, decide)
        if isinstance(attempts, ServiceError):
            raise attempts
        recorded = attempts[-1]
        shown = policy.shown_result(result, terms, recorded.at)
        log.info("attempt %d recorded for %s", recorded.number, assignment.id)
        return {"attempt": attempt_json(recorded), "result": shown.model_dump(mode="json", exclude_none=True),
                "attempts_left": policy.attempts_left(terms, attempts, recorded.at),
                "next_attempt_at": policy.iso(policy.next_attempt_at(terms, attempts, recorded.at)),
                "report": self.report_titles(assignment_id)}

    def report_titles(self, assignment_id: str) -> dict[str, Any]:
        """What a client needs to render the Result as `grade FILE` does: the assignment's and questions' titles."""
        rubric = self.course.rubrics[assignment_id]
        return {"title": rubric.rubric.title,
                "titles": {qid: question.title for qid, question in rubric.questions.items() if question.title}}

    # --- helpers -------------------------------------------------------------------------------------
    def _assignment(self, assignment_id: str) -> AssignmentConfig:
        assignment = self.course.assignments.get(assignment_id)
        if assignment is None:
            raise ServiceError(404, f"the course has no assignment `{assignment_id[:64]}`",
                               "list the assignments with GET /api/v1/assignments (or `grade` on the web page)")
        return assignment

    def _terms(self, student: StudentRecord, assignment_id: str) -> policy.Terms:
        return policy.terms_for(self.course.assignments[assignment_id],
                                self.storage.extension(student.id, assignment_id))


def attempt_json(attempt: policy.RecordedAttempt) -> dict[str, Any]:
    return {"number": attempt.number, "at": policy.iso(attempt.at), "counted": attempt.counted, "late": attempt.late}

