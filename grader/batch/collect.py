"""The parent's side of the stream: spill each JSON line and review entry to disk, keep the compact rows.

Results arrive in whatever order the workers finish. The JSON lines and the review entries go to
one spill file as they come (only their offsets stay in memory); at the end they are read back
in student-id order. Student ids are compared ignoring case: two files whose ids differ only in
case would also collide as report names on macOS and Windows, and in an LMS import. When ids
collide, every file involved becomes a problem naming the others, and none of them is graded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from grader.batch.records import Graded, Problem, StudentRow
from grader.errors import SubmissionError

SpillRef = tuple[int, int]  # (offset, length) in the spill file


class Spill:
    """An append-only scratch file of UTF-8 blobs, read back by reference."""

    def __init__(self, path: Path) -> None:
        self._file = open(path, "w+b")  # noqa: SIM115 - closed by close()
        self._end = 0

    def add(self, text: str) -> SpillRef:
        data = text.encode("utf-8")
        self._file.write(data)
        ref = (self._end, len(data))
        self._end += len(data)
        return ref

    def read(self, ref: SpillRef) -> str:
        self._file.seek(ref[0])
        return self._file.read(ref[1]).decode("utf-8")

    def close(self) -> None:
        self._file.close()


class Student(NamedTuple):
    """A graded file as the parent keeps it."""

    file: str
    row: StudentRow
    result: SpillRef
    reviews: tuple[tuple[int, SpillRef], ...]


@dataclass
class Collected:
    """Everything the outputs are written from, in output order."""

    students: list[Student]  # sorted by student id
    problems: list[Problem]  # sorted by file name
    shared_ids: dict[str, list[str]] = field(default_factory=dict)  # id -> the files that share it


class Collector:
    """Receives records as they come; `finish` sorts them and settles duplicated student ids."""

    def __init__(self, spill_path: Path) -> None:
        self.spill = Spill(spill_path)
        self._students: dict[str, list[Student]] = {}
        self._problems: list[Problem] = []

    def add(self, record: Graded | Problem) -> None:
        if isinstance(record, Problem):
            self._problems.append(record)
            return
        student = Student(file=record.file, row=record.row, result=self.spill.add(record.json_line + "\n"),
                          reviews=tuple((index, self.spill.add(text)) for index, text in record.reviews))
        self._students.setdefault(record.row.id.casefold(), []).append(student)

    def finish(self) -> Collected:
        students: list[Student] = []
        problems = list(self._problems)
        shared: dict[str, list[str]] = {}
        for group in self._students.values():
            if len(group) == 1:
                students.append(group[0])
                continue
            group = sorted(group, key=lambda student: student.file)
            for student in group:
                shared.setdefault(student.row.id, []).append(student.file)
                problems.append(Problem(student.file, _shared_id_message(student, group)))
        students.sort(key=lambda student: student.row.id)
        problems.sort(key=lambda problem: problem.file)
        return Collected(students=students, problems=problems, shared_ids=shared)


def _shared_id_message(student: Student, group: list[Student]) -> str:
    others = ", ".join(other.file if other.row.id == student.row.id else f"{other.file} (as `{other.row.id}`)"
                       for other in group if other is not student)
    error = SubmissionError(f"the student id `{student.row.id}` is also used in {others}; none of these files "
                            "is graded, so that no student is dropped or counted twice",
                            path=student.file, where="student.id",
                            hint="keep one file per student (remove the extra copy, or correct the id)")
    return str(error)
