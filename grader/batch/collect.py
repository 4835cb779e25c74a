"""Where the texts go while the workers grade, and what the parent keeps: the compact rows.

Each process that grades writes its students' texts (JSON line, review entries, Result before
decisions) into a spill file of its own in the staging folder, one write per student, and hands the
parent only where they are; the outputs read them back in student-id order, and the spill files are
removed before the swap. Records arrive in whatever order the workers finish. Student ids are
compared ignoring case: two files whose ids differ only in case would also collide as report names
on macOS and Windows, and in an LMS import. When ids collide, every file involved becomes a problem
naming the others, and none of them is graded.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, NamedTuple

from grader.batch.records import Graded, Problem, StudentRow
from grader.errors import SubmissionError

SPILL_PREFIX = ".spill-"  # the spill files in the staging folder, one per process that grades
SpillRef = tuple[int, int, int]  # (spill file number, offset, length)


class Spill:
    """The spill file a process that grades appends its students' texts to.

    Handing the texts themselves to the parent (through the pool's pipe) made the first run of a class
    of 10,000 a quarter slower on 2 cores: the parent, which unpacked them, shares the cores."""

    def __init__(self, folder: Path) -> None:
        self.number = os.getpid()
        while True:  # (a number taken: a process id used again by a later worker)
            try:
                self._file = open(folder / f"{SPILL_PREFIX}{self.number}", "xb")  # noqa: SIM115 - closed by close()
                break
            except FileExistsError:
                self.number += 1 << 32
        self._end = 0

    def add(self, data: bytes) -> tuple[int, int]:
        """Append `data`; (spill file number, where it starts)."""
        self._file.write(data)
        self._end += len(data)
        return self.number, self._end - len(data)

    def flush(self) -> None:
        """Make what was added readable (before the records that point to it are handed back)."""
        self._file.flush()

    def close(self) -> None:
        self._file.close()


class SpillReader:
    """The parent's view of the spill files in `folder`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._files: dict[int, BinaryIO] = {}

    def read(self, ref: SpillRef) -> bytes:
        number, offset, length = ref
        spill = self._files.get(number)
        if spill is None:
            spill = self._files[number] = open(self.folder / f"{SPILL_PREFIX}{number}", "rb")  # noqa: SIM115
        spill.seek(offset)
        return spill.read(length)

    def remove(self) -> None:
        """Close and delete every spill file."""
        for spill in self._files.values():
            spill.close()
        for name in os.listdir(self.folder):
            if name.startswith(SPILL_PREFIX):
                os.unlink(self.folder / name)


class Student(NamedTuple):
    """A graded file as the parent keeps it: its row, and where its texts are (records.pack_texts)."""

    file: str
    row: StudentRow
    at: tuple[int, int]  # the spill file and where the student's texts start in it
    sizes: tuple[int, ...]
    questions: tuple[int, ...]
    decided: int
    stale: tuple[str, ...]
    cache_key: str | None
    final_digest: str | None

    def result(self) -> SpillRef:
        """The final JSON line, with its newline."""
        return *self.at, self.sizes[0]

    def reviews(self) -> Iterator[tuple[int, SpillRef, SpillRef | None]]:
        """Each review.yaml entry: question index, the entry, what a rerun reads back of it (None: nothing)."""
        spill, offset = self.at
        offset += self.sizes[0]
        for number, question in enumerate(self.questions):
            text, read_back = self.sizes[1 + 2 * number], self.sizes[2 + 2 * number]
            yield question, (spill, offset, text), (spill, offset + text, read_back) if read_back else None
            offset += text + read_back

    def provisional(self) -> SpillRef | None:
        """The Result before decisions, when they changed it."""
        spill, offset = self.at
        return (spill, offset + sum(self.sizes) - self.sizes[-1], self.sizes[-1]) if self.sizes[-1] else None


@dataclass
class Collected:
    """Everything the outputs are written from, in output order."""

    students: list[Student]  # sorted by student id
    problems: list[Problem]  # sorted by file name
    shared_ids: dict[str, list[str]] = field(default_factory=dict)  # id -> the files that share it


class Collector:
    """Receives records as they come; `finish` sorts them and settles duplicated student ids."""

    def __init__(self) -> None:
        self.report_digests: dict[str, str] = {}  # reports/NAME -> sha256, for the manifest
        self._students: dict[str, list[Student]] = {}
        self._problems: list[Problem] = []

    def add(self, record: Graded | Problem) -> None:
        if isinstance(record, Problem):
            self._problems.append(record)
            return
        student = Student(record.file, record.row, record.at, record.sizes, record.questions, record.decided,
                          record.stale, record.cache_key, record.final_digest)
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
