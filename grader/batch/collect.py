"""The parent's side of the stream: each text to a scratch file as it comes, the compact rows in memory.

Records arrive in whatever order the workers finish. A student's texts (JSON line, review
entries, Result before decisions) go to one spill file inside the staging folder in one write
(only where they are stays in memory); the outputs read them back in student-id order. Student ids are compared
ignoring case: two files whose ids differ only in case would also collide as report names on
macOS and Windows, and in an LMS import. When ids collide, every file involved becomes a problem
naming the others, and none of them is graded.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from grader.batch.records import Graded, Problem, StudentRow
from grader.errors import SubmissionError

SPILL_NAME = ".spill"  # inside the staging folder; removed before the swap
SpillRef = tuple[int, int]  # (offset, length) in the spill file


class Spill:
    """An append-only scratch file of UTF-8 texts, read back as bytes by reference.

    The parent writes it: workers writing their own scratch files and sending only where the texts are
    would spare the pipe and the parent some work; weighed and left out (one file, one writer)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = open(path, "x+b")  # noqa: SIM115 - closed by remove()
        self._end = 0

    def add(self, data: bytes) -> int:
        """Append `data`; where it starts."""
        self._file.seek(self._end)  # (a read moves the position)
        self._file.write(data)
        self._end += len(data)
        return self._end - len(data)

    def read(self, ref: SpillRef) -> bytes:
        self._file.seek(ref[0])
        return self._file.read(ref[1])

    def remove(self) -> None:
        self._file.close()
        self.path.unlink()


class Student(NamedTuple):
    """A graded file as the parent keeps it: its row, and where its texts are (records.pack_texts)."""

    file: str
    row: StudentRow
    at: int  # where the student's texts start in the spill file
    sizes: tuple[int, ...]
    questions: tuple[int, ...]
    decided: int
    stale: tuple[str, ...]
    cache_key: str | None
    final_digest: str | None

    def result(self) -> SpillRef:
        """The final JSON line, with its newline."""
        return self.at, self.sizes[0]

    def reviews(self) -> Iterator[tuple[int, SpillRef, SpillRef | None]]:
        """Each review.yaml entry: question index, the entry, what a rerun reads back of it (None: nothing)."""
        offset = self.at + self.sizes[0]
        for number, question in enumerate(self.questions):
            text, read_back = self.sizes[1 + 2 * number], self.sizes[2 + 2 * number]
            yield question, (offset, text), (offset + text, read_back) if read_back else None
            offset += text + read_back

    def provisional(self) -> SpillRef | None:
        """The Result before decisions, when they changed it."""
        return (self.at + sum(self.sizes) - self.sizes[-1], self.sizes[-1]) if self.sizes[-1] else None


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
        self.report_digests: dict[str, str] = {}  # reports/NAME -> sha256, for the manifest
        self._students: dict[str, list[Student]] = {}
        self._problems: list[Problem] = []

    def add(self, record: Graded | Problem) -> None:
        if isinstance(record, Problem):
            self._problems.append(record)
            return
        student = Student(record.file, record.row, self.spill.add(record.texts), record.sizes, record.questions,
                          record.decided, record.stale, record.cache_key, record.final_digest)
        self._students.setdefault(record.row.id.casefold(), []).append(student)
        self.report_digests.update((f"reports/{name}", digest) for name, digest in record.reports)

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
