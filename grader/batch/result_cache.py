"""OUT/.grade-cache.jsonl: how each file was graded, so a rerun grades only what changed.

A rerun after a TA only decided some answers changes no submission, the rubric or the solver, so
nothing needs grading again. For each file the cache keeps, keyed by sha256 of the file's name and
bytes, either the message of a file that could not be graded, or where the student's outputs are
in this OUT: the sha256 of their final JSON line and where that line is in results.jsonl, the
Result before any decision when decisions made the final one differ, and what `Settled` holds
(the digest of the decisions and stale notes applied, the gradebook row, where each review.yaml
entry is). The first line holds the fingerprint of everything else grading depends on
(`inputs_fingerprint`: the grader's code and version, the rubric's bytes, the solver's source, a
frozen variants table, the libraries' versions): when any of them changes, no entry is used. The
second line is the entries, one JSON list in file-name order; the Results before decisions follow
it as they are, one after the other (an entry says where its own is), so they are neither escaped
into JSON nor parsed out of it, and a settled student's is copied over as bytes.

A rerun takes each file that did not change one of two ways (grader.batch.runner):
- settled: the student's decisions and stale notes are the ones applied before, so every output
  of theirs is as it was; nothing is read back or rendered: the record points into the previous
  results.jsonl and review.yaml (copied by the parent, which holds them open as the manifest
  records them, grader.batch.collect) and the reports are carried over. Only while that
  review.yaml is exactly what the grader wrote: entries a TA edited are not copied.
- otherwise the Result before decisions is read back (`provisional_json`), and the decisions are
  applied afresh, so a rerun shows new decisions at once.

When a student's final line is the one the previous OUT's reports were rendered from, those reports
are not rendered again: they are carried over as they are, in the previous reports folder, which
becomes the new one (`reuse_reports`, grader.batch.staging).

The cache is only a shortcut: a cache file that is not exactly what the grader wrote (its sha256
differs from the manifest's), a header of another fingerprint, a damaged entry or a line of
results.jsonl that is not the one recorded is ignored, and the file is graded as if there were no
cache, so OUT is byte-identical either way. The parent writes the cache, in file-name order.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from array import array
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import grader
from grader.batch.collect import Assembler, SpillReader, SpillRef
from grader.files.out_folder import Manifest, open_as_recorded, unchanged_since
from grader.files.safe_files import read_open_file

if TYPE_CHECKING:
    from grader.rubric import LoadedRubric

CACHE_NAME = ".grade-cache.jsonl"
RESULTS_NAME = "results.jsonl"
REPORTS_FOLDER = "reports"
FORMAT = 5  # bumped when an entry's layout changes
HEADER_KIND = "grade batch results cache"
SOURCE_SUFFIXES = frozenset({".py", ".j2", ".json", ".yaml", ".yml", ".txt", ".md", ".css", ".js"})
LIBRARIES = ("numpy", "pydantic", "pydantic_core", "yaml", "jinja2", "markdown")  # their output is in OUT


class Settled(NamedTuple):
    """What a graded student's outputs were, for a rerun that changes nothing they depend on."""

    student: str  # the student's id (as in `row`)
    decisions: str  # grader.batch.overrides.decisions_digest of the decisions and stale notes applied
    row: str  # the StudentRow, as grader.batch.records.row_to_json wrote it
    reviews: list[int]  # question index, offset, length of each review.yaml entry, one after the other
    decided: int
    stale: tuple[str, ...]


class Cached(NamedTuple):
    """One file's cached grading: a problem's message, or where the student's final JSON line is."""

    problem: str | None = None
    final: str | None = None  # sha256 of the final JSON line (the previous OUT's reports were rendered from it)
    at: tuple[int, int] | None = None  # (offset, length without the newline) of that line in results.jsonl
    provisional: tuple[int, int] | None = None  # (offset, length) in `ResultCache.kept` of the Result before
    settled: Settled | None = None  # decisions, when they made the final one differ


def submission_key(name: str, data: bytes) -> str:
    """The cache key of one submission file: its name in the batch and its bytes."""
    digest = hashlib.sha256(name.encode("utf-8", "surrogateescape"))
    digest.update(b"\0")
    digest.update(data)
    return digest.hexdigest()


def line_digest(json_line: str) -> str:
    """sha256 of a Result JSON line (without its newline)."""
    return hashlib.sha256(json_line.encode("utf-8")).hexdigest()


def inputs_fingerprint(rubric: LoadedRubric) -> str:
    """sha256 of everything but the submission that grading depends on (see the module doc)."""
    digest = hashlib.sha256(f"{HEADER_KIND} {FORMAT} grade {grader.__version__} python {sys.version}\n".encode())
    for library in LIBRARIES:
        module = sys.modules.get(library)
        digest.update(f"{library} {getattr(module, '__version__', None)}\n".encode())
    _hash_tree(digest, "grader", Path(grader.__file__).resolve().parent)
    _hash_file(digest, "rubric", rubric.path)
    spec = rubric.rubric
    if spec.solver:
        from grader.solver import find_solver

        _hash_tree(digest, "solver", find_solver(spec.solver, rubric.path).root)
    if spec.variants is not None and spec.variants.frozen:
        _hash_file(digest, "frozen", rubric.path.parent / spec.variants.frozen)
    return digest.hexdigest()


def _hash_file(digest: Any, label: str, path: Path) -> None:
    try:
        data = path.read_bytes()
    except OSError:
        data = b"(unreadable)"
    digest.update(f"{label} {len(data)}\n".encode())
    digest.update(data)


def _hash_tree(digest: Any, label: str, root: Path) -> None:
    """Every source file of a package folder, in a fixed order; for a one-file module, it and the .py
    files beside it (which it may import)."""
    if root.is_file():
        for path in sorted(root.parent.glob("*.py")):
            _hash_file(digest, f"{label}/{path.name}", path)
        return
    for folder, folders, names in os.walk(root):
        folders[:] = sorted(name for name in folders if name != "__pycache__" and not name.startswith("."))
        for name in sorted(names):
            path = Path(folder) / name
            if path.suffix in SOURCE_SUFFIXES:
                _hash_file(digest, f"{label}/{path.relative_to(root).as_posix()}", path)


def _read_as_recorded(path: Path, sha256: str) -> bytes | None:
    """The bytes of the regular file at `path` (never through a link, never blocking on a FIFO) when they are the
    ones `sha256` records; None otherwise."""
    opened = open_as_recorded(path, sha256)
    if opened is None:
        return None
    descriptor, identity = opened
    try:
        data = read_open_file(descriptor, identity[2])
        return data if unchanged_since(descriptor, identity) else None
    except OSError:
        return None
    finally:
        os.close(descriptor)


@dataclass
class ResultCache:
    """The previous run's entries by file name (read side); `get` checks and reads one."""

    out: Path | None = None
    entries: dict[str, list[Any]] = field(default_factory=dict)
    settle: bool = False  # the parent reads the previous results.jsonl and review.yaml as written: Settled is used
    carriable: frozenset[str] = frozenset()  # the previous OUT's reports that can be carried over (staging)
    kept: bytes = b""  # the Results before decisions, as the cache file holds them after its entries
    _results: Any = field(default=None, repr=False, compare=False)  # results.jsonl, open in this process
    _pid: int = field(default=0, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:  # sent to spawned workers without the open file
        return {**self.__dict__, "_results": None, "_pid": 0}

    @classmethod
    def load(cls, out: Path, fingerprint: str, previous: Manifest) -> ResultCache:
        """The cache in `out` when it is exactly the file the grader wrote (the sha256 in the `previous`
        manifest) under the same fingerprint; otherwise an empty cache. Never raises for its content."""
        recorded_sha256 = previous.files.get(CACHE_NAME)
        data = _read_as_recorded(out / CACHE_NAME, recorded_sha256) if recorded_sha256 is not None else None
        if data is None:
            return cls()
        head = data.find(b"\n")
        end = data.find(b"\n", head + 1)
        try:
            header = json.loads(data[:head])
            if (head < 0 or end < 0 or not isinstance(header, dict) or header.get("kind") != HEADER_KIND
                    or header.get("format") != FORMAT or header.get("fingerprint") != fingerprint):
                return cls()
            listed = json.loads(data[head + 1:end])
        except (UnicodeDecodeError, ValueError):
            return cls()
        entries: dict[str, list[Any]] = {}
        for entry in listed if isinstance(listed, list) else ():
            if isinstance(entry, list) and len(entry) >= 4 and isinstance(entry[0], str) and isinstance(entry[1], str):
                entries[entry[0]] = entry
        return cls(out=out, entries=entries, kept=data[end + 1:])

    def __len__(self) -> int:
        return len(self.entries)

    def close(self) -> None:
        """Close results.jsonl (jobs=1 reads it in the parent, which then replaces OUT)."""
        if self._results is not None and self._pid == os.getpid():
            self._results.close()
        self._results = None

    def get(self, name: str, key: str) -> Cached | None:
        """This file's entry when its key matches and it is whole; None otherwise (grade it)."""
        entry = self.entries.get(name)
        if entry is None or entry[1] != key:
            return None
        if entry[2] == "problem":
            return Cached(problem=entry[3]) if len(entry) == 4 and isinstance(entry[3], str) else None
        if entry[2] != "graded" or len(entry) != 8:
            return None
        _, _, _, final, offset, length, provisional, settled = entry
        if not (isinstance(final, str) and type(offset) is int and type(length) is int and offset >= 0
                and length >= 0):  # (`type`: not a bool)
            return None
        if provisional is not None:
            if not (isinstance(provisional, list) and len(provisional) == 2 and _counts(*provisional)
                    and provisional[0] + provisional[1] <= len(self.kept)):
                return None
            provisional = (provisional[0], provisional[1])
        return Cached(None, final, (offset, length), provisional, _settled(settled))

    def provisional_json(self, cached: Cached) -> str | None:
        """The Result before any decision as a JSON line: kept in the cache file, or the previous results.jsonl's
        line when that is it (checked against its sha256); None when it cannot be had."""
        if cached.provisional is not None:
            offset, length = cached.provisional
            try:
                return self.kept[offset:offset + length].decode("utf-8")
            except UnicodeDecodeError:
                return None
        if cached.at is None or self.out is None:
            return None
        line = self._results_line(*cached.at)
        return line if line is not None and line_digest(line) == cached.final else None

    def _results_line(self, offset: int, length: int) -> str | None:
        assert self.out is not None
        try:
            if self._results is None or self._pid != os.getpid():  # one handle per worker process
                self._results, self._pid = open(self.out / RESULTS_NAME, "rb"), os.getpid()  # noqa: SIM115
            self._results.seek(offset)
            return self._results.read(length).decode("utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def reuse_reports(self, cached: Cached | None, final_digest: str, names: tuple[str, ...]) -> tuple[str, ...] | None:
        """`names` (this student's report files) when the previous OUT's reports were rendered from this very final
        line and are all there, listed in its manifest, as regular files: they are carried over into the new OUT as
        they are (the swap moves the previous reports folder over, grader.batch.staging); None otherwise.

        A carried report is not read: it is neither replaced nor removed, so whatever it holds is kept, and the new
        manifest lists it as the old one did. A report someone changed is found (hashed) when a run would replace
        or remove it (`staging.check_reports`), and that run refuses, as for any file of OUT."""
        if cached is None or cached.final is None or cached.final != final_digest:
            return None
        for name in names:
            if name not in self.carriable:
                return None
        return names


def _counts(*numbers: Any) -> bool:
    return all(type(number) is int and number >= 0 for number in numbers)  # (not a bool)


def _settled(fields: Any) -> Settled | None:
    """An entry's Settled part, when it is whole."""
    if not isinstance(fields, list) or len(fields) != 6:
        return None
    student, decisions, row, reviews, decided, stale = fields
    if not (isinstance(student, str) and isinstance(decisions, str) and isinstance(row, str)
            and isinstance(reviews, list) and len(reviews) % 3 == 0 and type(decided) is int and decided >= 0
            and isinstance(stale, list) and (not stale or all(isinstance(question, str) for question in stale))):
        return None
    try:
        if min(array("q", reviews), default=0) < 0:  # (TypeError for anything but whole numbers)
            return None
    except (TypeError, OverflowError):
        return None
    return Settled(student, decisions, row, reviews, decided, tuple(stale))


def write_cache(folder: Path, fingerprint: str, entries: list[list[Any]], reader: SpillReader) -> None:
    """Write folder/CACHE_NAME: the header on the first line, then one JSON list of the entries in file-name order,
    then the Results before decisions. A graded entry's provisional (its seventh field) is given as a reference to
    the text (`reader` reads it) and is written as where that text is in the part after the entries."""
    entries.sort(key=itemgetter(0))
    texts: list[SpillRef] = []
    at = 0
    for entry in entries:
        ref = entry[6] if entry[2] == "graded" else None
        if ref is not None:
            texts.append(ref)
            entry[6] = [at, ref[1]]
            at += ref[1]
    header = json.dumps({"kind": HEADER_KIND, "format": FORMAT, "fingerprint": fingerprint})
    with Assembler(folder / CACHE_NAME, reader) as out:  # (ASCII: a name that is not UTF-8 is kept as escapes)
        out.text(f"{header}\n{json.dumps(entries)}\n")
        out.refs(texts)
