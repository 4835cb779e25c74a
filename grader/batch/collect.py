"""The parent's side of the stream: each text to a scratch file as it comes, the compact rows in memory.

Records arrive in whatever order the workers finish. A student's JSON line, review entries and
Result before decisions go to one spill file inside the staging folder (only where each one is
stays in memory); the outputs read them back in student-id order. Student ids are compared
ignoring case: two files whose ids differ only in case would also collide as report names on
macOS and Windows, and in an LMS import. When ids collide, every file involved becomes a problem
naming the others, and none of them is graded.
"""

from __future__ import annotations

import mmap
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
        self._writer = open(path, "x+b")  # noqa: SIM115 - closed by remove(); read back through a map
        self._end = 0
        self._view: mmap.mmap | None = None  # what was written, once reading starts

    def add(self, *texts: str) -> list[SpillRef]:
        """Append the texts (in one write); where each one is."""
        refs = []
        data = [text.encode("utf-8") for text in texts]
        for part in data:
            refs.append((self._end, len(part)))
            self._end += len(part)
        self._writer.write(b"".join(data))
        return refs

    def read(self, ref: SpillRef) -> bytes:
        if self._view is None or len(self._view) < self._end:
            self._writer.flush()
            if self._view is not None:
                self._view.close()
            self._view = mmap.mmap(self._writer.fileno(), 0, access=mmap.ACCESS_READ) if self._end else None
        offset, length = ref
        return self._view[offset:offset + length] if self._view is not None else b""

    def remove(self) -> None:
        if self._view is not None:
            self._view.close()
        self._writer.close()
        self.path.unlink()


class Review(NamedTuple):
    """One of a student's review.yaml entries: its question, its text, and what a rerun reads back of it."""

    question: int
    text: SpillRef
    read_back: SpillRef | None  # for a decided or stale entry (grader.batch.review)


class Student(NamedTuple):
    """A graded file as the parent keeps it."""

    file: str
    row: StudentRow
    result: SpillRef  # the final JSON line, with its newline
    reviews: tuple[Review, ...]
    decided: int
    stale: tuple[str, ...]
    cache_key: str | None
    final_digest: str | None
    provisional: SpillRef | None  # the Result before decisions, when they changed it


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
        texts = [record.json_line + "\n"]
        for _, text, read_back in record.reviews:
            texts += [text, read_back] if read_back is not None else [text]
        if record.provisional is not None:
            texts.append(record.provisional)
        refs = iter(self.spill.add(*texts))  # one write per student, their texts in this order
        result = next(refs)
        reviews = tuple(Review(index, next(refs), next(refs) if read_back is not None else None)
                        for index, _, read_back in record.reviews)
        student = Student(file=record.file, row=record.row, result=result, reviews=reviews, decided=record.decided,
                          stale=record.stale, cache_key=record.cache_key, final_digest=record.final_digest,
                          provisional=next(refs) if record.provisional is not None else None)
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
