"""The parent's side of the stream: the JSON lines and review entries stay on disk, the compact rows in memory.

Results arrive in whatever order the workers finish. Each worker writes its students' JSON lines
and review entries into its own spill file as it grades them (`spill_record`), so only their
offsets cross to the parent and stay in its memory; at the end they are read back in student-id
order. Student ids are compared ignoring case: two files whose ids differ only in
case would also collide as report names on macOS and Windows, and in an LMS import. When ids
collide, every file involved becomes a problem naming the others, and none of them is graded.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from grader.batch.records import Graded, Problem, StudentRow
from grader.errors import SubmissionError

SpillRef = tuple[int, int, int]  # (offset, length, number of the spill file)
SPILL_PREFIX = ".spill-"  # scratch files inside the staging folder (one per process), removed before the swap
_PREAD = getattr(os, "pread", None)


class Spill:
    """An append-only scratch file of UTF-8 blobs (`SPILL_PREFIX` + its number, in `folder`). Each worker
    writes its students' texts into its own, so only their references cross to the parent."""

    def __init__(self, folder: Path, number: int) -> None:
        while True:  # a number taken (a process id used again by a later worker) is never written over
            try:
                self._file = open(folder / f"{SPILL_PREFIX}{number}", "xb", buffering=1 << 20)  # noqa: SIM115
                break
            except FileExistsError:
                number += 1 << 32
        self.number = number
        self._end = 0

    def add(self, text: str) -> SpillRef:
        return self.add_all((text,))[0]

    def add_all(self, texts: Iterable[str]) -> list[SpillRef]:
        """Append several blobs with one write; their references, in order."""
        refs: list[SpillRef] = []
        parts = [text.encode("utf-8") for text in texts]
        for data in parts:
            refs.append((self._end, len(data), self.number))
            self._end += len(data)
        self._file.write(b"".join(parts))
        return refs

    def flush(self) -> None:
        """Make everything added so far readable (a worker does it before it hands a chunk back)."""
        self._file.flush()

    def close(self) -> None:
        self._file.close()


class SpillReader:
    """Reads blobs back from the spill files in `folder`, by reference (one pread each)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._files: dict[int, int] = {}  # spill number -> open descriptor

    def read(self, ref: SpillRef) -> str:
        descriptor = self._files.get(ref[2])
        if descriptor is None:
            flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0)
            descriptor = self._files[ref[2]] = os.open(self.folder / f"{SPILL_PREFIX}{ref[2]}", flags)
        if _PREAD is None:  # (Windows)
            os.lseek(descriptor, ref[0], os.SEEK_SET)
            return os.read(descriptor, ref[1]).decode("utf-8")
        return _PREAD(descriptor, ref[1], ref[0]).decode("utf-8")

    def close(self) -> None:
        for descriptor in self._files.values():
            os.close(descriptor)
        self._files.clear()

    def remove_files(self) -> None:
        """Close, and delete every spill file in the folder (each process made one)."""
        self.close()
        for name in os.listdir(self.folder):
            if name.startswith(SPILL_PREFIX):
                os.unlink(self.folder / name)


def spill_record(record: Graded, spill: Spill) -> Graded:
    """`record` with its texts written to `spill`: only their references are left in it (`spilled`)."""
    texts = [record.json_line + "\n", *(text for _, text in record.reviews)]
    if record.provisional is not None:
        texts.append(record.provisional)
    refs = spill.add_all(texts)  # one write per student
    reviews = tuple((index, ref) for (index, _), ref in zip(record.reviews, refs[1:]))
    provisional = refs[-1] if record.provisional is not None else None
    return record._replace(json_line="", reviews=(), provisional=None, spilled=(refs[0], reviews, provisional))


class Student(NamedTuple):
    """A graded file as the parent keeps it."""

    file: str
    row: StudentRow
    result: SpillRef
    reviews: tuple[tuple[int, SpillRef], ...]
    decided: int = 0
    stale: tuple[str, ...] = ()
    cache_key: str | None = None
    final_digest: str | None = None
    provisional: SpillRef | None = None  # the Result before decisions, when they changed it


@dataclass
class Collected:
    """Everything the outputs are written from, in output order."""

    students: list[Student]  # sorted by student id
    problems: list[Problem]  # sorted by file name
    shared_ids: dict[str, list[str]] = field(default_factory=dict)  # id -> the files that share it


class Collector:
    """Receives records as they come; `finish` sorts them and settles duplicated student ids."""

    def __init__(self, folder: Path) -> None:
        self.spill = SpillReader(folder)
        self._own: Spill | None = None  # for records that come without their texts spilled
        self._students: dict[str, list[Student]] = {}
        self._problems: list[Problem] = []

    def add(self, record: Graded | Problem) -> None:
        if isinstance(record, Problem):
            self._problems.append(record)
            return
        if record.spilled is None:
            if self._own is None:
                self._own = Spill(self.spill.folder, 0)  # (0: no process has that number)
            record = spill_record(record, self._own)
        result, reviews, provisional = record.spilled
        student = Student(file=record.file, row=record.row, result=result, reviews=reviews,
                          decided=record.decided, stale=record.stale, cache_key=record.cache_key,
                          final_digest=record.final_digest, provisional=provisional)
        self._students.setdefault(record.row.id.casefold(), []).append(student)

    def finish(self) -> Collected:
        if self._own is not None:
            self._own.close()
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
