"""course.yaml: the course's assignments and their policies, read by a strict pydantic model.

A mistake in course.yaml is a `UsageError` naming the file, the key and the fix, never a traceback;
every rubric it names is loaded (and so validated) when the course is loaded, so a broken rubric
stops `grade serve` at start, not at a student's first attempt.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError, field_validator

from grader.errors import GraderError, UsageError, did_you_mean
from grader.rubric import ASSIGNMENT_ID_PATTERN, LoadedRubric, load_rubric
from grader.safe_yaml import load_yaml_file
from grader.serve.lti.config import LtiConfig
from grader.validation_messages import describe_validation_error

COURSE_FILE = "course.yaml"
ScorePolicy = Literal["best", "last"]
FeedbackLevel = Literal["full", "statuses", "total"]
AfterDue = Literal["closed", "feedback", "reveal"]
SCORE_POLICIES: tuple[str, ...] = get_args(ScorePolicy)
FEEDBACK_LEVELS: tuple[str, ...] = get_args(FeedbackLevel)
AFTER_DUE: tuple[str, ...] = get_args(AfterDue)
MIB = 1024 * 1024
BYTE_UNITS = {"": 1, "b": 1, "kib": 1024, "mib": MIB, "gib": 1024 * MIB, "kb": 1000, "mb": 1000**2, "gb": 1000**3}
BYTES_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$")
TIME_HINT = "write a date and time with its time zone, like 2026-12-01T23:59:00-05:00 or 2026-12-01T23:59:00Z"


def aware_time(value: Any) -> Any:
    """A YAML timestamp or ISO text with a time zone, in UTC; a bare date or a naive time is ambiguous."""
    return _aware(value).astimezone(dt.timezone.utc)


def _aware(value: Any) -> dt.datetime:
    """`aware_time` before it is moved to UTC: the offset as written."""
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        raise ValueError(f"{value.isoformat()} has no time of day; {TIME_HINT}")
    elif isinstance(value, str):
        text = value.strip()
        try:
            parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"`{value[:40]}` is not a date and time; {TIME_HINT}") from None
        if "T" not in text.upper() and " " not in text:
            raise ValueError(f"{text} has no time of day; {TIME_HINT}")
    else:
        raise ValueError(f"expected a date and time; {TIME_HINT}")
    if parsed.tzinfo is None:
        raise ValueError(f"{parsed.isoformat()} has no time zone; {TIME_HINT}")
    return parsed


def offset_zone(offset: dt.timedelta) -> dt.tzinfo:
    """A fixed offset as a zone named the way pages show it: UTC, UTC−05:00, UTC+05:30."""
    if not offset:
        return dt.timezone.utc
    minutes = int(abs(offset).total_seconds()) // 60
    sign = "+" if offset > dt.timedelta(0) else "\u2212"
    return dt.timezone(offset, f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}")


def course_zone(timezone: str | None, written: list[Any]) -> dt.tzinfo:
    """The zone pages show times in: course.yaml's `timezone`, else the one offset all its dates are written
    with, else UTC."""
    if timezone:
        return zoneinfo.ZoneInfo(timezone)
    offsets = set()
    for value in written:
        try:
            offsets.add(_aware(value).utcoffset())
        except ValueError:
            continue
    return offset_zone(offsets.pop()) if len(offsets) == 1 else dt.timezone.utc


def byte_count(value: Any) -> Any:
    """A size as bytes (an integer) or as text with a unit: `2 MiB`, `512 KiB`, `1 GB`."""
    if isinstance(value, bool):
        raise ValueError("expected a size such as 2 MiB")
    if isinstance(value, int):
        return value
    found = BYTES_PATTERN.match(value) if isinstance(value, str) else None
    if found is None or found.group(2).lower() not in BYTE_UNITS:
        raise ValueError(f"`{str(value)[:40]}` is not a size: write bytes, or a number and KiB, MiB or GiB (2 MiB)")
    return int(float(found.group(1)) * BYTE_UNITS[found.group(2).lower()])


class CourseLimits(BaseModel):
    """How much one student may make the server store (README: Running the course service)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    refused_per_day: int = Field(default=2 * MIB, ge=0, description=(
        "Bytes of refused files (unreadable, for another student, over a limit) kept per student in any 24 hours; "
        "past it the error is still answered but the file is not kept. Default 2 MiB."))
    per_student: int | None = Field(default=100 * MIB, ge=1, description=(
        "Bytes of files kept per student in all; past it a file is refused (413) and not kept. Default 100 MiB; "
        "null: no limit."))

    @field_validator("refused_per_day", "per_student", mode="before")
    @classmethod
    def _sizes(cls, value: Any) -> Any:
        return byte_count(value) if value is not None else None


class AssignmentConfig(BaseModel):
    """One assignment of the course and its policy."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: StrictStr = Field(pattern=ASSIGNMENT_ID_PATTERN, description="The assignment id (the rubric's `id`).")
    rubric: StrictStr = Field(description="The rubric file, relative to course.yaml.")
    opens: dt.datetime | None = Field(default=None, description="Before this time, attempts are refused (409).")
    due: dt.datetime | None = Field(default=None, description="The due date; `after_due` says what happens after it.")
    attempts: StrictInt | None = Field(default=None, ge=1,
                                       description="Graded attempts per student; omitted: unlimited.")
    cooldown: StrictInt = Field(default=0, ge=0, description="Seconds between two graded attempts of one student.")
    score: ScorePolicy = Field(default="best", description="Which counted attempt is the grade: best | last.")
    feedback: FeedbackLevel = Field(default="full", description="Before the due date: full | statuses | total.")
    after_due: AfterDue = Field(default="feedback", description="closed (409) | feedback (graded, late) | "
                                                                "reveal (also the expected answers).")

    @field_validator("opens", "due", mode="before")
    @classmethod
    def _with_time_zone(cls, value: Any) -> Any:
        return aware_time(value) if value is not None else None


class CourseConfig(BaseModel):
    """course.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: StrictStr = Field(description="The course's title, shown on the web page.")
    assignments: list[AssignmentConfig] = Field(min_length=1, description="The assignments students submit to.")
    limits: CourseLimits = Field(default_factory=CourseLimits, description="Storage limits per student.")
    timezone: StrictStr | None = Field(default=None, description=(
        "The IANA time zone the pages show times in (America/New_York); default: the offset the dates are "
        "written with, or UTC."))
    lti: LtiConfig | None = Field(default=None, description=(
        "LTI 1.3: the service's public URL and the LMS platforms that launch it (README: Connecting Canvas or "
        "Moodle)."))

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"`{value[:60]}` is not an IANA time zone name, such as America/New_York or "
                             "Europe/Berlin") from None
        return value

    @field_validator("assignments")
    @classmethod
    def _unique(cls, assignments: list[AssignmentConfig]) -> list[AssignmentConfig]:
        seen: set[str] = set()
        for assignment in assignments:
            if assignment.id in seen:
                raise ValueError(f"the assignment id `{assignment.id}` is listed twice")
            seen.add(assignment.id)
        return assignments


class Course:
    """A loaded course: its folder, its config and each assignment's rubric."""

    def __init__(self, folder: Path, config: CourseConfig, rubrics: dict[str, LoadedRubric],
                 zone: dt.tzinfo = dt.timezone.utc) -> None:
        self.folder = folder
        self.config = config
        self.assignments = {assignment.id: assignment for assignment in config.assignments}
        self.rubrics = rubrics
        self.zone = zone  # the zone pages show times in

    @property
    def zone_name(self) -> str:
        """`America/New_York`, `UTC−05:00` or `UTC`: what the API reports as the course's zone."""
        return str(getattr(self.zone, "key", None) or self.zone.tzname(None))

    @property
    def title(self) -> str:
        return self.config.title

    def assignment(self, assignment_id: str) -> AssignmentConfig:
        """The assignment, or a UsageError with a "did you mean" (commands; the API answers 404 itself)."""
        if assignment_id not in self.assignments:
            raise UsageError(f"the course has no assignment `{assignment_id}`"
                             f"{did_you_mean(assignment_id, self.assignments)}",
                             path=str(self.folder / COURSE_FILE),
                             hint=f"the assignments are: {', '.join(self.assignments)}")
        return self.assignments[assignment_id]


def course_file(course: str | Path) -> Path:
    """COURSE may be the folder or its course.yaml."""
    path = Path(course)
    return path if path.suffix in (".yaml", ".yml") and not path.is_dir() else path / COURSE_FILE


def load_course(course: str | Path) -> Course:
    """Read and validate course.yaml and every rubric it names."""
    path = course_file(course)
    if not path.is_file():
        raise UsageError("there is no course.yaml here", path=str(path),
                         hint="give the course folder that holds course.yaml (see README: Running the course service)")
    data = load_yaml_file(path, UsageError)
    if not isinstance(data, dict):
        raise UsageError("course.yaml is a mapping with `title` and `assignments`", path=str(path))
    try:
        config = CourseConfig.model_validate(data)
    except ValidationError as exc:
        raise UsageError(describe_validation_error(exc, data), path=str(path),
                         hint="see README: Running the course service, for every key of course.yaml") from None
    rubrics: dict[str, LoadedRubric] = {}
    for index, assignment in enumerate(config.assignments):
        where = f"assignments[{index}] ({assignment.id}).rubric"
        rubric_path = (path.parent / assignment.rubric)
        if not rubric_path.is_file():
            raise UsageError(f"the rubric file `{assignment.rubric}` does not exist", path=str(path), where=where,
                             hint="give the rubric's path relative to course.yaml")
        try:
            rubric = load_rubric(rubric_path)
        except GraderError as exc:
            raise UsageError(f"its rubric cannot be loaded:\n{exc}", path=str(path), where=where) from None
        if rubric.id != assignment.id:
            raise UsageError(f"the rubric's id is `{rubric.id}`, not `{assignment.id}`", path=str(path), where=where,
                             hint="use the rubric's id as the assignment id: submissions name it")
        rubrics[assignment.id] = rubric
    written = [entry.get(key) for entry in data.get("assignments") or [] if isinstance(entry, dict)
               for key in ("opens", "due") if entry.get(key) is not None]
    return Course(path.parent, config, rubrics, course_zone(config.timezone, written))
