"""What the API and the web page do, as plain functions over a course and its storage.

Routes parse the request and call a `Service` method; a refusal is a `ServiceError` (status,
message, fix) that the app maps to `{"error": ...}` or an HTML page in one place. Grading calls
the engine exactly as `grade FILE` does (`grade_submission`, `render_result`), in a bounded thread
pool with a time limit. A file for an assignment that exists is stored before anything else
happens to it (within the student's storage limits), and the attempt is numbered by
`Storage.record_attempt` under the student's lock, with the policy deciding there. A file that
cannot be graded is answered with its own error first, whatever the policy would say: it costs
no attempt, so there is nothing to wait for.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import re
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from grader.errors import GraderError, SubmissionError
from grader.authoring.blank import blank_submission
from grader.grading import grade_submission
from grader.reports import render_result
from grader.results import Result, StudentInfo
from grader.rubric import ASSIGNMENT_ID_PATTERN, LoadedRubric
from grader.safe_yaml import MAX_BYTES, load_yaml_bytes
from grader.serve import policy
from grader.serve.client_wheel import ClientWheel
from grader.serve.course import AssignmentConfig, Course
from grader.serve.decided import decided_attempts, decided_result
from grader.serve.errors import ServiceError
from grader.serve.ratelimit import Throttle
from grader.serve.people import Person
from grader.serve.storage import Storage, StudentRecord
from grader.authoring.sheet import render_sheet
from grader.submission import BLANK_FILE_HINT, Submission, parse_submission

log = logging.getLogger("grader.serve")
FILE_NAME = "submit.yaml"  # what messages call the file a student sent
ASSIGNMENT_ID = re.compile(ASSIGNMENT_ID_PATTERN)
ATTEMPT_NUMBER = re.compile(r"^[1-9][0-9]{0,8}$")  # 1 to 999,999,999: fits every database's integer
WEB_BLANK_HINT = "download a blank submit.yaml from the assignment's page and fill it in"
API_BLANK_HINT = "`grade template --server URL --assignment ID` prints a blank one with your id filled in"
TOKEN_FIX = "use the token your course sent you: `grade submit.yaml --server URL --token TOKEN`, or set $GRADE_TOKEN"


@dataclass(frozen=True)
class ServiceSettings:
    """Limits of one server process (command-line options of `grade serve`)."""

    grading_timeout: float = 10.0  # seconds from receiving a file to its Result; past it: 503, no attempt used
    grading_threads: int = min(8, (os.cpu_count() or 1) + 2)  # grading is short and CPU-bound
    failures_per_minute: int = 30  # unknown tokens from one address before it gets 429 for a while
    files_per_minute: int = 60  # files one student may send in a minute; past it 429, and the file is not kept
    max_body: int = MAX_BYTES  # 1 MiB, like `grade FILE`
    client_wheel: Path | None = None  # `--client-wheel FILE`; None: built from this install (client_wheel.py)
    lti_outbox_worker: bool = True  # LTI: send queued scores from a thread of this process (tests send by hand)


def counted_score_may_have_changed(storage: Storage, assignment_id: str, student_ids: Iterable[str],
                                   now: dt.datetime) -> None:
    """The one notification point for "these students' counted score of this assignment may have changed":
    called after a recorded attempt, a TA decision (page, API, `grade decisions import --apply`), an extension
    (`grade extend`, the staff page) and an applied regrade. It queues a score post in the LTI outbox for each
    of them who has an LMS resource link for the assignment, and does nothing for anyone else. A failure
    here is logged and never undoes what was recorded: `grade lti sync` posts every score again."""
    try:
        storage.lti_score_changed(assignment_id, sorted(set(student_ids)), now)
    except SQLAlchemyError as exc:
        log.error("could not queue the LMS score post for %s: %s", assignment_id, type(exc).__name__)


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
                                        "check your token, then wait a minute; a valid token is never slowed down")
        self.files = Throttle(self.settings.files_per_minute, "too many files in a minute",
                              "wait a minute; each file you send is kept, so the server takes a limited number")
        self.secret = storage.secret()
        self.client_wheel = ClientWheel(self.settings.client_wheel)
        self._pool = ThreadPoolExecutor(self.settings.grading_threads, thread_name_prefix="grading")

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self.storage.close()

    # --- who is asking -------------------------------------------------------------------------------
    def identify(self, token: str | None, client: str) -> Person:
        """The token's student or staff member; 401 for no or an unknown token, 429 after too many failures
        from `client`.

        Failures are counted per address, and only failures are slowed down: a valid token always
        passes, so one student guessing behind a campus NAT never locks out the class behind it."""
        digest = token_hash(token or "")  # hashed either way: an unknown token costs what a known one does
        person = (self.storage.student_by_token_hash(digest) or self.storage.staff_by_token_hash(digest)
                  if token else None)
        if person is not None:
            return person
        self.failed_sign_ins.check(client)
        self.failed_sign_ins.count(client)
        raise ServiceError(401, "no token was given" if not token else "this token is not known", TOKEN_FIX)

    def authenticate(self, token: str | None, client: str) -> StudentRecord:
        """The token's student (see `identify`); a staff token is 403 here: staff are not students."""
        person = self.identify(token, client)
        if not isinstance(person, StudentRecord):
            raise ServiceError(403, "this is a staff token; the student API is for students",
                               "staff calls are under /api/v1/staff/ (or sign in on the web page)")
        return person

    # --- reading -------------------------------------------------------------------------------------
    def assignments(self, student: StudentRecord) -> list[dict[str, Any]]:
        """Every assignment with this student's attempts used and left, the score that counts, and where they
        stand (`state`, see policy.state) with any extension they were granted."""
        now = self.clock()
        listed = []
        for assignment_id, assignment in self.course.assignments.items():
            extension, attempts = self.standing(student.id, assignment_id)
            terms = policy.terms_for(assignment, extension)
            counted = policy.counted_attempt(terms, attempts)
            rubric = self.course.rubrics[assignment_id]
            listed.append({
                "id": assignment_id, "title": rubric.rubric.title, "opens": policy.iso(terms.opens),
                "due": policy.iso(terms.due), "attempts_used": policy.used(terms, attempts),
                "attempts": terms.attempts, "attempts_left": policy.attempts_left(terms, attempts, now),
                "next_attempt_at": policy.iso(policy.next_attempt_at(terms, attempts, now)),
                "score": counted.score if counted else None, "max_score": rubric.rubric.max_score,
                "score_policy": assignment.score, "has_sheet": bool(rubric.rubric.sheet),
                "state": policy.state(terms, attempts, now),
                "extension": {"due": policy.iso(extension.due) if extension.due else None,
                              "attempts": extension.attempts} if extension.due or extension.attempts else None})
        return listed

    def attempts(self, student: StudentRecord, assignment_id: str) -> list[dict[str, Any]]:
        """The student's own graded attempts of one assignment, oldest first, as they stand now."""
        self._assignment(assignment_id)
        extension, attempts = self.standing(student.id, assignment_id)
        terms = policy.terms_for(self.course.assignments[assignment_id], extension)
        return [attempt_json(standing) | {"score": standing.attempt.score, "max_score": standing.attempt.max_score}
                for standing in policy.standings(terms, attempts)]

    def attempt_result(self, student: StudentRecord, assignment_id: str, number: str) -> Result:
        """One of the student's past attempts (its number as the path gave it), shown as the feedback policy
        allows now. Anything but a number of one of their attempts is 404."""
        self._assignment(assignment_id)
        recorded = (self.storage.attempt_result(student.id, assignment_id, int(number))
                    if ATTEMPT_NUMBER.match(number) else None)
        if recorded is None:
            raise ServiceError(404, f"you have no attempt {number[:20]} of `{assignment_id}`",
                               "list your attempts with GET /api/v1/assignments/ID/attempts")
        decisions = self.storage.decisions(assignment_id, student.id).get(student.id)
        result = decided_result(recorded, decisions, self.course.rubrics[assignment_id])[1]  # "TA decision" shows
        return policy.shown_result(result, self._terms(student, assignment_id), self.clock())

    def standing(self, student_id: str, assignment_id: str) -> tuple[policy.Extension, list[policy.RecordedAttempt]]:
        """The student's extension and attempts, each scored as it stands: its latest regrade, the TA's decisions."""
        extension, attempts = self.storage.standing(student_id, assignment_id)
        decisions = self.storage.decisions(assignment_id, student_id).get(student_id)
        if decisions:
            attempts = decided_attempts(attempts, self.storage.attempt_rows(assignment_id, student_id), decisions,
                                        self.course.rubrics[assignment_id])
        return extension, attempts

    def sheet(self, student: StudentRecord, assignment_id: str, sheet_format: str, server: str) -> str:
        """The student's own problem sheet (their variant's numbers), as Markdown or HTML."""
        assignment = self._assignment(assignment_id)
        rubric = self.course.rubrics[assignment_id]
        if not rubric.rubric.sheet:
            raise ServiceError(404, f"`{assignment_id}` has no problem sheet on the server",
                               "your course hands out the problems another way")
        if assignment.opens is not None and self.clock() < assignment.opens:
            raise ServiceError(409, f"`{assignment_id}` opens at {policy.iso(assignment.opens)}",
                               "fetch the sheet after it opens")
        return render_sheet(rubric, student.id, sheet_format, server=server)

    def render_feedback(self, assignment_id: str, result: Result, report_format: str = "html") -> str:
        """The report `grade FILE --format FORMAT` prints, for a Result this service returned."""
        report = self.report_titles(assignment_id)
        return render_result(result, report_format, title=report["title"], titles=report["titles"])

    # --- submitting ----------------------------------------------------------------------------------
    def submit(self, student: StudentRecord, assignment_id: str, body: bytes, *, file_name: str = FILE_NAME,
               on_web: bool = False) -> dict[str, Any]:
        """Store the file, grade it, and record it as the next attempt if the policy allows.

        Returns the 201 body; raises ServiceError for every refusal. A file for an assignment that does not
        exist, or past the student's limits, is not stored at all; a refused file is kept within the daily
        allowance for refused files. Only a recorded attempt uses up an attempt. Messages name the file as
        `file_name` (what the student sent), and their advice fits the web page when `on_web`.
        """
        if len(body) > self.settings.max_body:
            raise ServiceError(413, f"the file is larger than {self.settings.max_body // 1024} KiB",
                               "an answer file is a few KiB of text; remove pasted data or images")
        self._assignment(assignment_id)  # 404 before anything is stored
        self.files.check(student.id)  # a flood would fill the database: refused before it is stored
        self.files.count(student.id)
        limits = self.course.config.limits
        file_id = self.storage.record_received(student.id, assignment_id, body, self.clock(), limit=limits.per_student)
        if file_id is None:
            raise ServiceError(413, f"your files on this server have reached the course's limit of "
                                    f"{describe_bytes(limits.per_student or 0)}",
                               "ask your instructor: nothing more can be stored for you")
        try:
            return self._grade_and_record(student, assignment_id, body, file_id, safe_file_name(file_name), on_web)
        except ServiceError as refusal:
            self.storage.mark_refused(file_id, refusal, allowance=limits.refused_per_day)
            log.info("attempt refused: %s %s", refusal.status, assignment_id)
            raise
        except Exception:
            self.storage.mark_refused(file_id, ServiceError(500, "the server failed on this file"),
                                      allowance=limits.refused_per_day)
            raise

    def _grade_and_record(self, student: StudentRecord, assignment_id: str, body: bytes, file_id: int,
                          file_name: str, on_web: bool) -> dict[str, Any]:
        assignment = self._assignment(assignment_id)
        rubric = self.course.rubrics[assignment_id]
        submission, warnings = readable(student, rubric, body, file_name, on_web)  # first: it costs no attempt
        extension, attempts_so_far = self.storage.standing(student.id, assignment_id)
        terms = policy.terms_for(assignment, extension)
        now = self.clock()
        refusal = policy.window_refusal(terms, now) or policy.attempt_refusal(
            terms, attempts_so_far, now)  # an early answer that saves grading; decided again when recording
        if refusal is not None:
            raise refusal
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
                                               result.max_score, decide,
                                               allowance=self.course.config.limits.refused_per_day)
        if isinstance(attempts, ServiceError):
            raise attempts
        recorded = attempts[-1]
        shown = policy.shown_result(result, terms, recorded.at)
        log.info("attempt %d recorded for %s", recorded.number, assignment.id)
        counted_score_may_have_changed(self.storage, assignment_id, [student.id], recorded.at)
        return {"attempt": attempt_json(policy.standings(terms, attempts)[-1]),
                "result": shown.model_dump(mode="json", exclude_none=True),
                "attempts_left": policy.attempts_left(terms, attempts, recorded.at),
                "next_attempt_at": policy.iso(policy.next_attempt_at(terms, attempts, recorded.at)),
                "report": self.report_titles(assignment_id)}

    def blank_file(self, student: StudentRecord, assignment_id: str, server: str, *, on_web: bool) -> str:
        """A blank submit.yaml for this student and assignment: every question id, their id filled in."""
        self._assignment(assignment_id)
        check = ("then upload the file on the assignment's page" if on_web else
                 f"then check them with: grade submit.yaml --server {server}")
        return blank_submission(self.course.rubrics[assignment_id], student=StudentInfo(
            id=student.id, name=student.name or "", email=student.email or ""), check_with=check)

    def report_titles(self, assignment_id: str) -> dict[str, Any]:
        """What a client needs to render the Result as `grade FILE` does: the assignment's and questions' titles."""
        rubric = self.course.rubrics[assignment_id]
        return {"title": rubric.rubric.title,
                "titles": {qid: question.title for qid, question in rubric.questions.items() if question.title}}

    # --- helpers -------------------------------------------------------------------------------------
    def _assignment(self, assignment_id: str) -> AssignmentConfig:
        assignment = self.course.assignments.get(assignment_id) if ASSIGNMENT_ID.match(assignment_id) else None
        if assignment is None:
            raise ServiceError(404, f"the course has no assignment `{assignment_id[:64]}`",
                               "list the assignments with GET /api/v1/assignments (or `grade` on the web page)")
        return assignment

    def _terms(self, student: StudentRecord, assignment_id: str) -> policy.Terms:
        return policy.terms_for(self.course.assignments[assignment_id],
                                self.storage.extension(student.id, assignment_id))


def readable(student: StudentRecord, rubric: LoadedRubric, body: bytes, file_name: str,
             on_web: bool) -> tuple[Submission, list[str]]:
    """The file as a submission of this student for this assignment, or its error (422, 403), worded for the
    service: the file by the name the student sent, advice a student of the service can follow."""
    try:
        submission, warnings = parse_submission(load_yaml_bytes(body, file_name, SubmissionError), file_name)
    except GraderError as exc:
        hint = exc.hint
        if hint == BLANK_FILE_HINT:
            hint = WEB_BLANK_HINT if on_web else API_BLANK_HINT
        raise ServiceError(422, str(exc).split("\n  fix: ")[0], hint or
                           "fix the file and submit again; no attempt was used") from None
    if submission.student.id != student.id:
        raise ServiceError(403, f"{file_name} is for student `{submission.student.id}`, but you are signed in as "
                                f"`{student.id}`" if on_web else f"{file_name} is for student "
                                f"`{submission.student.id}`, but the token is `{student.id}`'s",
                           f'write `student: {{id: "{student.id}"}}` in the file')
    if submission.assignment != rubric.id:
        raise ServiceError(422, f"{file_name} is for assignment `{submission.assignment}`, not `{rubric.id}`",
                           f"write `assignment: {rubric.id}` in the file, or submit it to its own assignment")
    return submission, warnings


def safe_file_name(name: str) -> str:
    """The name of the file a student sent, as messages show it: its last part, at most 80 characters."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name[:80] or FILE_NAME


def attempt_json(standing: policy.Standing) -> dict[str, Any]:
    return {"number": standing.attempt.number, "at": policy.iso(standing.attempt.at), "counted": standing.counted,
            "late": standing.late}


def describe_bytes(count: int) -> str:
    """A size as people read it: 2 MiB, 40 KiB, 512 bytes."""
    for unit, size in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if count >= size:
            return f"{count / size:g} {unit}" if count % size else f"{count // size} {unit}"
    return f"{count} bytes"


def service_of(request: Any) -> Service:
    """The course's Service that answers a request (create_app keeps it in app.state)."""
    return request.app.state.service
