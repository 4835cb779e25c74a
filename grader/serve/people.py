"""Who uses the course service: students, and staff (TAs and instructors), as the storage returns them.

Staff are not students: they have their own table, so no student list, statistic, export or
`grade collect` ever counts them. A session or a token belongs to exactly one `Person`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

StaffRole = Literal["ta", "instructor"]
STAFF_ROLES: tuple[str, ...] = get_args(StaffRole)


@dataclass(frozen=True)
class StudentRecord:
    id: str
    name: str | None
    email: str | None
    has_token: bool


@dataclass(frozen=True)
class StaffRecord:
    """A TA or an instructor: signs in like a student, reaches the staff pages, is never counted as a student."""

    id: str
    name: str | None
    email: str | None
    role: str  # ta | instructor

    @property
    def is_instructor(self) -> bool:
        return self.role == "instructor"


Person = StudentRecord | StaffRecord  # whose a session or a token is
