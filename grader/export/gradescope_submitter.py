"""Who uploaded a Gradescope submission, from Gradescope's own `submission_metadata.json`.

Gradescope documents `users: [{email, id, name}, ...]` (several for a group submission) and
also gives each user the `sid` (Student ID) of its roster. The account, not the `student.id`
typed in the file, decides whose submission it is: a file whose `student.id` names nobody of
the submitting group is graded as the (first) submitter's, with the submitter's own numbers when
the rubric has variants, and the output says so for the student and the staff to see.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from grader.errors import GraderError
from grader.files.safe_files import read_regular_file
from grader.submission import NAME_LIMIT, STUDENT_ID_PATTERN, Submission

MAX_METADATA_BYTES = 1024 * 1024  # Gradescope's metadata is a few KiB


@dataclass(frozen=True)
class Submitter:
    """The first user of submission_metadata.json (Gradescope's `sid`, `email`, `id`, `name`)."""

    sid: str | None
    email: str | None
    user_id: str | None
    name: str | None

    @property
    def student_id(self) -> str | None:
        """The id the course knows the submitter by: the roster's Student ID, else the email, else
        Gradescope's user id (only values that are valid student ids)."""
        for value in (self.sid, self.email, self.user_id):
            if value and STUDENT_ID_PATTERN.match(value):
                return value
        return None

    def is_named_by(self, student_id: str) -> bool:
        """Whether a file's `student.id` names this submitter (Student ID, email or Gradescope user id)."""
        return (student_id in (self.sid, self.user_id)
                or (self.email is not None and student_id.casefold() == self.email.casefold()))


def read_submitters(metadata_path: Path) -> list[Submitter]:
    """The submitters of submission_metadata.json (several for a group); [] when it is unreadable."""
    try:
        data = read_regular_file(metadata_path, max_bytes=MAX_METADATA_BYTES)  # a FIFO must not block the autograder
        users = json.loads(data.decode("utf-8")).get("users") or []
    except (GraderError, OSError, ValueError, AttributeError):
        return []
    if not isinstance(users, list):
        return []
    found = [Submitter(sid=_text(user.get("sid")), email=_text(user.get("email")), user_id=_text(user.get("id")),
                       name=_text(user.get("name"))) for user in users if isinstance(user, dict)]
    return [who for who in found if who.student_id is not None or who.name or who.email]


def as_submitter(submission: Submission, group: list[Submitter],
                 has_variants: bool) -> tuple[Submission, str | None]:
    """The submission as the submitter's (name and email filled in from the account), and the message
    to show when its `student.id` names nobody of the submitting group (None when it names one of them)."""
    student = submission.student
    named = next((who for who in group if who.is_named_by(student.id)), None)
    who = named or (group[0] if group else None)
    if who is None:
        return submission, None
    account_id = who.student_id
    if account_id is None or named is not None:
        update = {"name": student.name or who.name, "email": student.email or who.email}
        return submission.model_copy(update={"student": student.model_copy(update=update)}), None
    numbers = " and with their own numbers" if has_variants else ""
    message = (f"Student id mismatch: this file says `student.id: {student.id}`, but it was uploaded from the "
               f"Gradescope account of {account_id}{f' ({who.name})' if who.name else ''}. It was graded as "
               f"{account_id}'s submission{numbers}. If this is your own work, write `id: \"{account_id}\"` in "
               "the file and upload it again; your course staff can see this message.")
    owner = student.model_copy(update={"id": account_id, "name": who.name, "email": who.email})
    return submission.model_copy(update={"student": owner}), message


def _text(value: object) -> str | None:
    """A value from the metadata as stripped text within the submission's own limit, else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip() or len(value) > NAME_LIMIT:
        return None
    return value.strip()
