"""Attempts, cooldowns, due dates and what feedback shows: pure functions over recorded attempts.

Nothing here reads a clock, a database or a request: the service passes `now`, the assignment's
terms (course.yaml plus the student's extension) and the attempts already recorded, and gets back
a refusal (a `ServiceError` to raise) or None. The same functions run inside the transaction that
records an attempt, which is what makes the limit hold under parallel requests.

Rules (README: Running the course service):
- before `opens`: 409; after `due` with `after_due: closed`: 409;
- `attempts` limits the graded attempts made by the due date; an attempt after it is graded and
  marked late (`after_due: feedback | reveal`), never counts for the grade and uses no attempt;
- lateness and whether an attempt counts are decided from the student's *current* terms each time
  they are read, never frozen when it was made: an extension granted afterwards turns earlier
  late attempts into counted ones (the first `attempts` of those made by the new due date);
- `cooldown` seconds must pass after any graded attempt before the next one (429, Retry-After);
- the grade is the best (highest score, earliest on a tie) or the last counted attempt.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from grader.results import QuestionResult, Result
from grader.serve.course import AssignmentConfig
from grader.serve.errors import ServiceError

NO_RETRY_SECONDS = 24 * 3600  # Retry-After when only an extension can help: come back tomorrow, not in a loop
HIDDEN_FEEDBACK = "Feedback on each question is shown after the due date."


@dataclass(frozen=True)
class RecordedAttempt:
    """A graded attempt as stored: its number, time and score. How it stands is `standings`' to say."""

    number: int
    at: dt.datetime
    score: float
    max_score: float


@dataclass(frozen=True)
class Standing:
    """How a recorded attempt stands under the student's current terms."""

    attempt: RecordedAttempt
    late: bool  # made after the student's due date
    counted: bool  # may be the grade: made by the due date and within the attempt limit


@dataclass(frozen=True)
class Extension:
    """One student's extension for one assignment (the latest `grade extend` of each kind)."""

    due: dt.datetime | None = None
    attempts: int | None = None


@dataclass(frozen=True)
class Terms:
    """An assignment's policy for one student: course.yaml with the student's extension applied."""

    assignment: AssignmentConfig
    due: dt.datetime | None
    attempts: int | None

    @property
    def opens(self) -> dt.datetime | None:
        return self.assignment.opens

    @property
    def cooldown(self) -> int:
        return self.assignment.cooldown


def terms_for(assignment: AssignmentConfig, extension: Extension | None = None) -> Terms:
    """The student's terms: an extension's due date and attempt limit replace the course's."""
    extension = extension or Extension()
    return Terms(assignment=assignment, due=extension.due or assignment.due,
                 attempts=extension.attempts if extension.attempts is not None else assignment.attempts)


def is_late(terms: Terms, now: dt.datetime) -> bool:
    return terms.due is not None and now > terms.due


def standings(terms: Terms, attempts: Sequence[RecordedAttempt]) -> list[Standing]:
    """Each attempt, by number, judged by the terms as they are now: late or not, counted or not."""
    judged, on_time = [], 0
    for attempt in sorted(attempts, key=lambda attempt: attempt.number):
        late = is_late(terms, attempt.at)
        counted = not late and (terms.attempts is None or on_time < terms.attempts)
        on_time += not late
        judged.append(Standing(attempt, late, counted))
    return judged


def window_refusal(terms: Terms, now: dt.datetime) -> ServiceError | None:
    """409 before the assignment opens, or after its due date when late attempts are closed."""
    if terms.opens is not None and now < terms.opens:
        return ServiceError(409, f"`{terms.assignment.id}` opens at {iso(terms.opens)}",
                            "submit again after it opens")
    if is_late(terms, now) and terms.assignment.after_due == "closed":
        return ServiceError(409, f"`{terms.assignment.id}` was due at {iso(terms.due)} and is closed",
                            "ask your instructor for an extension if you need one")
    return None


def attempt_refusal(terms: Terms, attempts: Sequence[RecordedAttempt], now: dt.datetime) -> ServiceError | None:
    """429 when the attempts are used up (said first: no wait helps) or the cooldown has not passed, with
    how long to wait."""
    if not is_late(terms, now) and terms.attempts is not None and used(terms, attempts) >= terms.attempts:
        until_due = math.ceil((terms.due - now).total_seconds()) if terms.due is not None else None
        late_possible = until_due is not None and terms.assignment.after_due != "closed"
        fix = ("after the due date you may check again (marked late, it does not count)" if late_possible
               else "ask your instructor if you need more attempts")
        return ServiceError(429, f"all {terms.attempts} graded attempts of `{terms.assignment.id}` are used", fix,
                            retry_after=until_due if late_possible else NO_RETRY_SECONDS)
    wait = cooldown_left(terms, attempts, now)
    if wait > 0:
        return ServiceError(429, f"the next graded attempt is allowed in {wait} s (a {terms.cooldown} s pause "
                                 "between attempts)", "wait, then submit again", retry_after=wait)
    return None


def used(terms: Terms, attempts: Sequence[RecordedAttempt]) -> int:
    """Attempts that count against the limit: those made by the (student's current) due date."""
    return sum(1 for attempt in attempts if not is_late(terms, attempt.at))


def cooldown_left(terms: Terms, attempts: Sequence[RecordedAttempt], now: dt.datetime) -> int:
    """Whole seconds until the cooldown after the latest graded attempt has passed (0: none)."""
    if not terms.cooldown or not attempts:
        return 0
    latest = max(attempt.at for attempt in attempts)
    remaining = (latest + dt.timedelta(seconds=terms.cooldown) - now).total_seconds()
    return max(0, math.ceil(remaining))


def attempts_left(terms: Terms, attempts: Sequence[RecordedAttempt], now: dt.datetime) -> int | None:
    """Graded attempts still allowed by the due date; None when unlimited (or after it, when late ones are allowed)."""
    if is_late(terms, now):
        return 0 if terms.assignment.after_due == "closed" else None
    if terms.attempts is None:
        return None
    return max(0, terms.attempts - used(terms, attempts))


def next_attempt_at(terms: Terms, attempts: Sequence[RecordedAttempt], now: dt.datetime) -> dt.datetime | None:
    """When the next graded attempt is allowed, if not now: with none left, at the due date (when late checks
    are allowed), else never; otherwise after the cooldown."""
    if attempts_left(terms, attempts, now) == 0:
        late_checks = terms.due is not None and not is_late(terms, now) and terms.assignment.after_due != "closed"
        return terms.due if late_checks else None
    if cooldown_left(terms, attempts, now):
        return max(attempt.at for attempt in attempts) + dt.timedelta(seconds=terms.cooldown)
    return None


State = Literal["not_open", "closed", "used_up", "cooling_down", "late", "open"]
SUBMITTABLE: frozenset[str] = frozenset({"open", "cooling_down", "late"})  # where a page offers the form


def state(terms: Terms, attempts: Sequence[RecordedAttempt], now: dt.datetime) -> State:
    """Where a student stands, in one word the pages turn into a sentence. During a cooldown the form stays:
    a file with an error is answered at once (it costs no attempt); only a gradable one waits."""
    if terms.opens is not None and now < terms.opens:
        return "not_open"
    if is_late(terms, now):
        return "closed" if terms.assignment.after_due == "closed" else "late"
    if attempts_left(terms, attempts, now) == 0:
        return "used_up"
    return "cooling_down" if cooldown_left(terms, attempts, now) else "open"


def counted_attempt(terms: Terms, attempts: Sequence[RecordedAttempt]) -> RecordedAttempt | None:
    """The attempt that is the grade: best (highest score, earliest on a tie) or last, of the counted ones."""
    counted = [standing.attempt for standing in standings(terms, attempts) if standing.counted]
    if not counted:
        return None
    if terms.assignment.score == "last":
        return max(counted, key=lambda attempt: attempt.number)
    return max(counted, key=lambda attempt: (attempt.score, -attempt.number))


def reveals(terms: Terms, now: dt.datetime) -> bool:
    """The expected answers are shown only after the student's due date, with `after_due: reveal`."""
    return is_late(terms, now) and terms.assignment.after_due == "reveal"


def shown_result(result: Result, terms: Terms, now: dt.datetime) -> Result:
    """What the student sees: before the due date, `feedback: statuses` hides the sentences and
    `total` hides the questions; after it, everything. `expected` only when `reveals`."""
    questions = result.questions
    if not reveals(terms, now):
        questions = [question.model_copy(update={"expected": None}) for question in questions]
    level = "full" if is_late(terms, now) else terms.assignment.feedback
    if level == "statuses":
        questions = [_status_only(question) for question in questions]
    elif level == "total":
        questions = []
    return result.model_copy(update={"questions": questions})


def _status_only(question: QuestionResult) -> QuestionResult:
    return QuestionResult(id=question.id, score=question.score, max_score=question.max_score,
                          status=question.status, feedback=HIDDEN_FEEDBACK, answer=question.answer)


def iso(moment: dt.datetime | None) -> str | None:
    """UTC, to the second, with a Z: how the API writes times."""
    if moment is None:
        return None
    return moment.astimezone(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
