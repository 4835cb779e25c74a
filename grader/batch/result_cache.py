"""OUT/.grade-cache.jsonl: how each file was graded, so a rerun grades only what changed.

A rerun after a TA decided some answers changes no submission, the rubric or the solver, so
nothing needs grading again. The cache is JSON lines:

- a header: the fingerprint of everything but the submission that grading depends on
  (`inputs_fingerprint`: the grader's code and version, the rubric's bytes, the solver's source, a
  frozen variants table, the libraries' versions), and the sha256 of the review.yaml written beside it;
- the decisions and stale notes of that review.yaml as they read back (grader.batch.overrides reads
  them from here instead of parsing the YAML while the file is unchanged);
- one line per file, in file-name order, keyed by the sha256 of the file's name and bytes: the
  message of a file that could not be graded, or the sha256 of the student's final JSON line, where
  that line is in results.jsonl, and the Result before decisions when decisions made it differ.

A rerun takes the Result before decisions of every file that did not change (`provisional_json`:
from the entry, or that line of results.jsonl, checked against its sha256) and applies the
decisions afresh; the worker does the rest as for a file it graded. The cache is only a shortcut:
a cache file that is not exactly what the grader wrote (its sha256 differs from the manifest's),
of another fingerprint, or a damaged entry is ignored and the file graded as if there were no
cache, so OUT is byte-identical either way.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NamedTuple

import grader
from grader.batch.overrides import RecordedReview
from grader.files.out_folder import CACHE_FILE, Manifest
from grader.files.safe_files import open_own_regular_file, read_open_file

if TYPE_CHECKING:
    from grader.rubric import LoadedRubric

RESULTS_NAME = "results.jsonl"
FORMAT = 6  # bumped when an entry's layout changes
HEADER_KIND = "grade batch results cache"
SOURCE_SUFFIXES = frozenset({".py", ".j2", ".json", ".yaml", ".yml", ".txt", ".md", ".css", ".js"})
# Their output is in OUT; by distribution, so a library loaded only when needed (mpmath) counts too.
LIBRARIES = ("numpy", "pydantic", "pydantic-core", "PyYAML", "Jinja2", "Markdown", "mpmath")


class Cached(NamedTuple):
    """One file's cached grading: a problem's message, or where the student's final JSON line is."""

    problem: str | None = None
    final: str | None = None  # sha256 of the final JSON line (the previous OUT's reports were rendered from it)
    at: tuple[int, int] = (0, 0)  # (offset, length without the newline) of that line in results.jsonl
    provisional: str | None = None  # the Result before decisions, when they made the final one differ


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
        digest.update(f"{library} {_version(library)}\n".encode())
    _hash_tree(digest, "grader", Path(grader.__file__).resolve().parent)
    _hash_file(digest, "rubric", rubric.path)
    spec = rubric.rubric
    if spec.solver:
        from grader.solver import find_solver

        _hash_tree(digest, "solver", find_solver(spec.solver, rubric.path).root)
    if spec.variants is not None and spec.variants.frozen:
        _hash_file(digest, "frozen", rubric.path.parent / spec.variants.frozen)
    return digest.hexdigest()


def _version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


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


@dataclass
class ResultCache:
    """The previous run's entries by file name (read side); `get` checks and reads one."""

    out: Path | None = None
    entries: dict[str, list[Any]] = field(default_factory=dict)
    review: RecordedReview | None = None  # what the review.yaml written with the cache holds in decisions
    _results: IO[bytes] | None = field(default=None, repr=False, compare=False)  # results.jsonl, in this process
    _pid: int = field(default=0, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:  # sent to spawned workers without the open file
        return {**self.__dict__, "_results": None, "_pid": 0}

    @classmethod
    def load(cls, out: Path, fingerprint: str, previous: Manifest | None) -> ResultCache:
        """The cache in `out` when it is exactly the file the grader wrote (the sha256 in the `previous`
        manifest); its entries only under the same fingerprint. An empty cache otherwise; never raises for
        what the file holds."""
        recorded = previous.files.get(CACHE_FILE) if previous is not None else None
        data = _read_own_file(out / CACHE_FILE) if recorded is not None else None
        if data is None or hashlib.sha256(data).hexdigest() != recorded:
            return cls()
        lines = data.decode("utf-8", "replace").split("\n")
        try:
            header, review = json.loads(lines[0]), json.loads(lines[1])
            if not isinstance(header, dict) or header.get("kind") != HEADER_KIND or header.get("format") != FORMAT:
                return cls()
            recorded_review = RecordedReview(header["review_sha256"], [(number, entry, line)
                                                                       for number, entry, line in review])
        except (ValueError, KeyError, TypeError, IndexError):
            return cls()
        if header.get("fingerprint") != fingerprint:
            return cls(review=recorded_review)
        entries: dict[str, list[Any]] = {}
        for text in lines[2:]:
            try:
                entry = json.loads(text)
            except ValueError:
                continue
            if isinstance(entry, list) and len(entry) >= 4 and isinstance(entry[0], str):
                entries[entry[0]] = entry
        return cls(out=out, entries=entries, review=recorded_review)

    def get(self, name: str, key: str) -> Cached | None:
        """This file's entry when its key matches and it is whole; None otherwise (grade it)."""
        entry = self.entries.get(name)
        if entry is None or entry[1] != key:
            return None
        if entry[2] == "problem":
            return Cached(problem=entry[3]) if len(entry) == 4 and isinstance(entry[3], str) else None
        if entry[2] != "graded" or len(entry) != 7:
            return None
        _, _, _, final, offset, length, provisional = entry
        if not (isinstance(final, str) and _count(offset) and _count(length)
                and (provisional is None or isinstance(provisional, str))):
            return None
        return Cached(None, final, (offset, length), provisional)

    def provisional_json(self, cached: Cached) -> str | None:
        """The Result before any decision as a JSON line: kept in the entry, or the previous results.jsonl's line
        when that is it (checked against its sha256); None when it cannot be had."""
        if cached.provisional is not None:
            return cached.provisional
        line = self._results_line(*cached.at)
        return line if line is not None and line_digest(line) == cached.final else None

    def _results_line(self, offset: int, length: int) -> str | None:
        # Read where the entry says (one read of one line): reading and parsing a 80 MB results.jsonl to
        # find 10,000 lines by student would double a rerun's memory.
        if self.out is None:
            return None
        try:
            if self._results is None or self._pid != os.getpid():  # one handle per worker process
                self._results, self._pid = open(self.out / RESULTS_NAME, "rb"), os.getpid()  # noqa: SIM115
            self._results.seek(offset)
            return self._results.read(length).decode("utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def close(self) -> None:
        """Close results.jsonl (jobs=1 reads it in the parent, which then replaces OUT)."""
        if self._results is not None and self._pid == os.getpid():
            self._results.close()
        self._results = None


def _count(number: Any) -> bool:
    return type(number) is int and number >= 0  # (not a bool)


def _read_own_file(path: Path) -> bytes | None:
    """The bytes of the regular file at `path` (never through a link, never blocking); None otherwise."""
    descriptor = open_own_regular_file(path)
    if descriptor is None:
        return None
    try:
        return read_open_file(descriptor, os.fstat(descriptor).st_size)
    except OSError:
        return None
    finally:
        os.close(descriptor)


def cache_header(fingerprint: str, review_sha256: str, review: Iterable[str]) -> str:
    """The cache's first two lines: the header, and the list of the review.yaml entries that read back
    (`review`: each one's JSON, `[number, fields, line]`)."""
    header = json.dumps({"kind": HEADER_KIND, "format": FORMAT, "fingerprint": fingerprint,
                         "review_sha256": review_sha256})
    return f"{header}\n[{', '.join(review)}]\n"


def graded_entry(name: str, key: str, final: str, at: tuple[int, int], provisional: str | None) -> str:
    return json.dumps([name, key, "graded", final, *at, provisional]) + "\n"


def problem_entry(name: str, key: str, message: str) -> str:
    return json.dumps([name, key, "problem", message]) + "\n"
