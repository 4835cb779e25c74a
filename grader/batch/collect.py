"""The parent's side of the stream: the JSON lines and review entries stay on disk, the compact rows in memory.

Results arrive in whatever order the workers finish. Each worker writes its students' JSON lines
and review entries into its own spill file as it grades them (`spill_record`), so only their
offsets cross to the parent and stay in its memory; at the end they are read back in student-id
order. Student ids are compared ignoring case: two files whose ids differ only in
case would also collide as report names on macOS and Windows, and in an LMS import. When ids
collide, every file involved becomes a problem naming the others, and none of them is graded.

A student the result cache settles (grader.batch.result_cache: nothing their outputs depend on
changed) has no texts in a spill file: their references point into the previous OUT's
results.jsonl and review.yaml instead (`PREVIOUS_RESULTS`, `PREVIOUS_REVIEW`), which the parent
opens as the manifest recorded them (`SpillReader.add_source`), and their Result before decisions,
when they have one, into the previous result cache, which the parent holds in memory
(`PREVIOUS_CACHE`, `SpillReader.add_memory`). The outputs are assembled from
references (`Assembler`): a run of references that lie end to end in one file, as most of a rerun's
do, is copied at once, inside the kernel where it can.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from grader.batch.records import Graded, Problem, StudentRow
from grader.errors import SubmissionError

SpillRef = tuple[int, int, int]  # (offset, length, number of the spill file, or one of the sources below)
SPILL_PREFIX = ".spill-"  # scratch files inside the staging folder (one per process), removed before the swap
PREVIOUS_RESULTS = -1  # "spill number" of the previous OUT's results.jsonl
PREVIOUS_REVIEW = -2  # and of its review.yaml
PREVIOUS_CACHE = -3  # and of the Results before decisions its result cache holds
COPY_CHUNK = 1 << 24  # bytes the kernel copies per call
COPY_AT_ONCE = 1 << 18  # a run of references this long is copied by the kernel, a shorter one through the buffer
BUFFERED = 1 << 18  # the buffer is written out when it holds this much (small enough to stay in the CPU's cache)
_PREAD = getattr(os, "pread", None)
_COPY_FILE_RANGE = getattr(os, "copy_file_range", None)


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
    """Reads blobs back from the spill files in `folder` (and the sources added), by reference."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._files: dict[int, int] = {}  # spill number -> open descriptor
        self._sources: dict[int, int] = {}  # PREVIOUS_* -> a descriptor of the file, owned by the caller
        self.memory: dict[int, memoryview] = {}  # PREVIOUS_* -> the bytes themselves

    def add_source(self, number: int, descriptor: int) -> None:
        """References with this (negative) number read from `descriptor`, which stays the caller's to close."""
        self._sources[number] = descriptor

    def add_memory(self, number: int, data: bytes) -> None:
        """References with this (negative) number read from `data` (without a system call each: a run of
        references that is broken every few entries is copied by slicing)."""
        self.memory[number] = memoryview(data)

    def descriptor(self, number: int) -> int:
        known = self._sources.get(number)
        if known is not None:
            return known
        descriptor = self._files.get(number)
        if descriptor is None:
            flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0)
            descriptor = self._files[number] = os.open(self.folder / f"{SPILL_PREFIX}{number}", flags)
        return descriptor

    def read(self, ref: SpillRef) -> str:
        return str(self.read_bytes(*ref), "utf-8")

    def read_bytes(self, offset: int, length: int, number: int) -> bytes | memoryview:
        data = self.memory.get(number)
        if data is not None:
            return data[offset:offset + length]  # (a view: nothing is copied yet)
        return read_at(self.descriptor(number), offset, length)

    def close(self) -> None:
        for descriptor in self._files.values():
            os.close(descriptor)
        self._files.clear()
        self._sources.clear()
        self.memory.clear()

    def remove_files(self) -> None:
        """Close, and delete every spill file in the folder (each process made one)."""
        self.close()
        for name in os.listdir(self.folder):
            if name.startswith(SPILL_PREFIX):
                os.unlink(self.folder / name)


def read_at(descriptor: int, offset: int, length: int) -> bytes:
    """`length` bytes from `offset` (fewer at the end of the file)."""
    if _PREAD is None:  # (Windows)
        os.lseek(descriptor, offset, os.SEEK_SET)
        return os.read(descriptor, length)
    return _PREAD(descriptor, length, offset)


class Assembler:
    """Writes one output file from text and references, in order; `placed` says where each reference landed.
    References that continue the one before in the same file are copied with it, in one go."""

    def __init__(self, path: Path, reader: SpillReader) -> None:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        self._descriptor = os.open(path, flags, 0o666)
        self._reader = reader
        self._pending: list[bytes | memoryview] = []  # not written yet: text, and short runs of references
        self._pending_size = 0
        self._number, self._start, self._end = 0, 0, 0  # the run of references not copied yet (empty: start == end)
        self.size = 0  # bytes written or pending so far: where the next piece lands
        self.placed: list[int] = []  # the offset of each reference, in order

    def __enter__(self) -> Assembler:
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            if exc_info[0] is None:
                self._flush_run()
                self._flush_pending()
        finally:
            os.close(self._descriptor)

    def text(self, text: str) -> None:
        self._flush_run()
        data = text.encode("utf-8")
        self._pending.append(data)
        self._pending_size += len(data)
        self.size += len(data)

    def refs(self, refs: Iterable[SpillRef]) -> None:
        """Append what each reference points to, in order (where each starts in this file goes to `placed`)."""
        place, at = self.placed.append, self.size
        number, start, end = self._number, self._start, self._end
        for offset, length, source in refs:
            place(at)
            at += length
            if offset == end and source == number and start != end:
                end += length
                continue
            if start != end:
                self._number, self._start, self._end = number, start, end
                self._flush_run()
            number, start, end = source, offset, offset + length
        self.size = at
        self._number, self._start, self._end = number, start, end

    def _flush_pending(self) -> None:
        if self._pending:
            _write_all(self._descriptor, b"".join(self._pending))
            self._pending.clear()
            self._pending_size = 0

    def _flush_run(self) -> None:
        start, end = self._start, self._end
        if start == end:
            return
        self._start = self._end
        in_memory = self._number in self._reader.memory
        if end - start < COPY_AT_ONCE or in_memory:  # a short run: into the buffer (one system call either way)
            data = self._reader.read_bytes(start, end - start, self._number)
            if len(data) != end - start:
                raise OSError(f"an input of the output ended early (byte {start + len(data)} of {end})")
            if end - start >= COPY_AT_ONCE:  # (a long one from memory: written as it is)
                self._flush_pending()
                _write_all(self._descriptor, data)
                return
            self._pending.append(data)
            self._pending_size += len(data)
            if self._pending_size >= BUFFERED:
                self._flush_pending()
            return
        self._flush_pending()
        source = self._reader.descriptor(self._number)
        while start < end:
            copied = _copy(source, self._descriptor, start, min(end - start, COPY_CHUNK))
            if copied <= 0:
                raise OSError(f"an input of the output ended early (byte {start} of {end})")
            start += copied


def _copy(source: int, target: int, offset: int, length: int) -> int:
    """Copy up to `length` bytes from `offset` in `source` to the end of what was written to `target`."""
    if _COPY_FILE_RANGE is not None:
        try:
            return _COPY_FILE_RANGE(source, target, length, offset)
        except OSError:
            pass  # (a file system that cannot: read and write)
    data = read_at(source, offset, length)
    _write_all(target, data)
    return len(data)


def _write_all(descriptor: int, data: bytes | memoryview) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view):]


def spill_record(record: Graded, spill: Spill) -> Graded:
    """`record` with its texts written to `spill`: only their references are left in it (`spilled`). A settled
    record's texts are in the previous OUT already; only its provisional Result, when it has one, is written."""
    if record.spilled is not None:
        if record.provisional is None:
            return record
        result, reviews, _ = record.spilled
        return record._replace(provisional=None, spilled=(result, reviews, spill.add(record.provisional)))
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
    row_json: str | None = None  # the row as the result cache keeps it (grader.batch.records.row_to_json)
    decisions: str = ""  # grader.batch.overrides.decisions_digest of what was applied
    carried: tuple[str, ...] = ()  # report files carried over from the previous OUT


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

    def add(self, record: Graded | Problem | Student) -> None:
        if isinstance(record, Problem):
            self._problems.append(record)
            return
        if isinstance(record, Student):  # (settled: as the previous run left them)
            self._students.setdefault(record.row.id.casefold(), []).append(record)
            return
        if record.spilled is None or record.provisional is not None:
            if self._own is None:
                self._own = Spill(self.spill.folder, 0)  # (0: no process has that number)
            record = spill_record(record, self._own)
        result, reviews, provisional = record.spilled
        student = Student(file=record.file, row=record.row, result=result, reviews=reviews,
                          decided=record.decided, stale=record.stale, cache_key=record.cache_key,
                          final_digest=record.final_digest, provisional=provisional, row_json=record.row_json,
                          decisions=record.decisions, carried=record.carried)
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
