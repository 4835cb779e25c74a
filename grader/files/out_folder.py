"""OUT/.grade-manifest.json: which files of an output folder the grader wrote, with their sha256.

`grade batch` writes it last into every OUT it makes: the tool's name and version, every file it
wrote, and the exports `grade export` later wrote into OUT. It is the only proof that a folder is
the grader's to replace: a folder without one is never replaced, a file it does not list is
never deleted (a rerun moves it into the new OUT), and a listed file that was changed since is
not replaced either. Nothing in it depends on the time, the machine or --jobs, so OUT stays
byte-identical between runs.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from grader import __version__
from grader.errors import UsageError
from grader.files.output import write_atomic
from grader.files.safe_files import open_own_regular_file, read_regular_file, shown

MANIFEST_NAME = ".grade-manifest.json"
TOOL = "grade"
MAX_MANIFEST_BYTES = 64 * 1024 * 1024  # 10,000 students' reports take ~2 MiB of entries
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass
class Manifest:
    """Relative path (with forward slashes) -> sha256, for the batch's files and the exports."""

    files: dict[str, str] = field(default_factory=dict)
    exports: dict[str, str] = field(default_factory=dict)
    version: str = __version__

    def to_json(self) -> str:
        document = {"tool": TOOL, "version": self.version, "files": dict(sorted(self.files.items())),
                    "exports": dict(sorted(self.exports.items()))}
        return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


# A run checks the previous OUT's files before it starts, again when it swaps, and hashes the new
# files for the manifest: the digest of a file whose device, inode, size and modification time (in ns)
# are unchanged since it was hashed is not computed again. A worker hashes each report as it writes it
# (`remember_digest`), so the manifest reads none of them back; a report carried over keeps the digest
# the previous manifest records for it (staging).
_DIGESTS: dict[tuple[int, int, int, int], str] = {}


FileDigest = tuple[int, int, int, int, str]  # (device, inode, size, mtime_ns, sha256) of a file as written


def file_digest(info: os.stat_result, sha256: str) -> FileDigest:
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, sha256)


def remember_digest(written: FileDigest) -> None:
    """The digest of a file whose bytes this run has hashed already (a worker, hashing a report it wrote; the
    parent, the review.yaml it read), so that it is not read again; only while the file keeps that identity,
    as for every remembered digest."""
    if written[1]:
        _DIGESTS[written[:4]] = written[4]


def forget_digests() -> None:
    """Start a run with no remembered digests (each run hashes what it first sees, as a new process would)."""
    _DIGESTS.clear()
    _PENDING.clear()


# Files are hashed in a thread while the run does other work (hashlib lets go of the GIL while it hashes):
# `hash_soon`, for the previous OUT's files while the decisions are read, and for the files the parent has just
# written while it writes the next ones. `sha256_file` waits for the result and takes it when it is for the file
# as it is then, and hashes the file itself otherwise. Each thread ends with its files; none runs while worker
# processes are forked (the previous OUT's are waited for before grading starts).
_PENDING: dict[str, _Hashing] = {}


class _Hashing(threading.Thread):
    def __init__(self, paths: list[str]) -> None:
        super().__init__(name="grade-hash", daemon=True)
        self.paths = paths
        self.digests: dict[str, FileDigest | None] = {}
        self._hashed = {path: threading.Event() for path in paths}

    def run(self) -> None:
        try:
            for path in self.paths:
                try:
                    self.digests[path] = hash_regular_file(path)
                except OSError:
                    self.digests[path] = None  # (whoever asks hashes it, and sees the error)
                self._hashed[path].set()
        finally:
            for hashed in self._hashed.values():  # (whatever happened: no one waits for ever)
                hashed.set()

    def digest(self, path: str) -> FileDigest | None:
        """The digest of one of the files, once it is hashed (None: it could not be)."""
        self._hashed[path].wait()
        return self.digests.get(path)


def hash_soon(*paths: str | os.PathLike[str]) -> None:
    """Start hashing the files at `paths`, one after the other, in a thread of their own."""
    hashing = _Hashing([os.fspath(path) for path in paths])
    for path in hashing.paths:
        _PENDING[path] = hashing
    hashing.start()


def wait_for_hashing() -> None:
    """Wait until every file given to `hash_soon` is hashed (before worker processes are forked)."""
    for hashing in set(_PENDING.values()):
        hashing.join()


def sha256_file(path: str | os.PathLike[str], info: os.stat_result | None = None) -> str | None:
    """The file's sha256, or None when it is not a regular file (a link, a folder) or is gone.
    `info`: the file's lstat when the caller has it already (a listing gives it), saving a call."""
    if info is None:
        try:
            info = os.lstat(path)
        except OSError:
            return None
    if not stat.S_ISREG(info.st_mode):
        return None
    identity = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)
    pending = _PENDING.pop(os.fspath(path), None)
    if pending is not None:
        hashed = pending.digest(os.fspath(path))
        if hashed is not None and hashed[:4] == identity:
            remember_digest(hashed)
    known = _DIGESTS.get(identity) if info.st_ino else None
    if known is not None:  # (no inode number, as in a Windows listing: nothing is remembered or recalled)
        return known
    digest = hash_regular_file(path)
    if digest is None:
        return None
    remember_digest(digest)
    return digest[4]


def hash_regular_file(path: str | os.PathLike[str]) -> FileDigest | None:
    """The sha256 of the regular file at `path` (never through a link), with the file's identity as it was
    hashed; the identity is zeros when the file was written to meanwhile. None when it is not a regular file."""
    descriptor = open_own_regular_file(path)
    if descriptor is None:
        return None
    try:
        info = os.fstat(descriptor)
        digest = hashlib.sha256()
        while chunk := os.read(descriptor, 1 << 20):
            digest.update(chunk)
        after = os.fstat(descriptor)
    finally:
        os.close(descriptor)
    if (after.st_size, after.st_mtime_ns) != (info.st_size, info.st_mtime_ns):  # not written to meanwhile
        return (0, 0, 0, 0, digest.hexdigest())
    return file_digest(info, digest.hexdigest())


def open_as_recorded(path: str | os.PathLike[str], sha256: str) -> tuple[int, tuple[int, int, int, int]] | None:
    """A descriptor of the regular file at `path` (never through a link) when its bytes are the ones `sha256`
    records, with the file's identity (see `unchanged_since`); None, and nothing left open, otherwise. A file
    hashed already this run, and not changed since, is not hashed again."""
    descriptor = open_own_regular_file(path)
    if descriptor is None:
        return None
    try:
        info = os.fstat(descriptor)
        identity = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)
        if info.st_ino and identity not in _DIGESTS:
            sha256_file(path)  # (the file at `path` now; when another, our identity is still unknown below)
        if info.st_ino and _DIGESTS.get(identity) == sha256:
            return descriptor, identity
    except OSError:
        pass
    os.close(descriptor)
    return None


def unchanged_since(descriptor: int, identity: tuple[int, int, int, int]) -> bool:
    """True when the open file still has the identity `open_as_recorded` gave (nothing was written to it)."""
    info = os.fstat(descriptor)
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns) == identity


def build_manifest(folder: Path, *, exclude: frozenset[str] = frozenset()) -> Manifest:
    """A manifest of every regular file under `folder` (except `exclude` and the manifest itself)."""
    files: dict[str, str] = {}
    pending = [("", os.fspath(folder))]  # (relative prefix, path): plain strings, 20,000 reports are many
    while pending:
        prefix, path = pending.pop()
        with os.scandir(path) as listing:
            entries = list(listing)
        for entry in entries:
            relative = prefix + entry.name
            if entry.is_dir(follow_symlinks=False):
                pending.append((relative + "/", entry.path))
                continue
            if relative == MANIFEST_NAME or relative in exclude:
                continue
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            digest = sha256_file(entry.path, info)
            if digest is not None:
                files[relative] = digest
    return Manifest(files=files)


def write_manifest(folder: Path, manifest: Manifest) -> None:
    with open(folder / MANIFEST_NAME, "w", encoding="utf-8", newline="\n") as stream:
        stream.write(manifest.to_json())


def read_manifest(folder: Path) -> Manifest | None:
    """The folder's manifest; None when there is none; a damaged one is a UsageError."""
    path = folder / MANIFEST_NAME
    if not os.path.lexists(path):
        return None
    hint = ("this folder was not written by `grade batch` as it is now; move its files elsewhere (or choose "
            "another --out), then run again")
    data = read_regular_file(path, UsageError, max_bytes=MAX_MANIFEST_BYTES, follow_symlinks=False)
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise UsageError("the manifest is not valid JSON", path=shown(path), hint=hint) from None
    if not isinstance(document, dict) or document.get("tool") != TOOL:
        raise UsageError(f"the manifest was not written by `{TOOL}`", path=shown(path), hint=hint)
    sections = {}
    for section in ("files", "exports"):
        entries = document.get(section, {})
        if not isinstance(entries, dict) or not all(
                isinstance(key, str) and _safe_relative(key) and isinstance(value, str) and _SHA256.match(value)
                for key, value in entries.items()):
            raise UsageError(f"the manifest's `{section}` is damaged (each entry: a relative path and a sha256)",
                             path=shown(path), hint=hint)
        sections[section] = dict(entries)
    version = document.get("version")
    return Manifest(files=sections["files"], exports=sections["exports"],
                    version=version if isinstance(version, str) else "unknown")


def _safe_relative(name: str) -> bool:
    """A path inside the folder: relative, no `..`, no empty or `.` parts, no backslashes."""
    if not name or "\\" in name or "\x00" in name or name.startswith("/"):
        return False
    # split, not PurePosixPath: the manifest of 10,000 students lists 20,000 names (a path object each: 0.15 s)
    return all(part not in ("", ".", "..") for part in name.split("/"))


def record_export(folder: Path, written: Path) -> None:
    """Add (or refresh) an export `grade export` wrote into `folder`, so a later export may replace it."""
    manifest = read_manifest(folder) or Manifest()
    relative = written.resolve().relative_to(folder.resolve()).as_posix()
    digest = sha256_file(written)
    if digest is None:
        return
    manifest.exports[relative] = digest
    write_atomic(folder / MANIFEST_NAME, manifest.to_json())


def export_owned(folder: Path, target: Path) -> bool:
    """True when `target` (inside `folder`) is an export the manifest records, unchanged since."""
    manifest = read_manifest(folder)
    if manifest is None:
        return False
    relative = target.resolve().relative_to(folder.resolve()).as_posix()
    recorded = manifest.exports.get(relative)
    return recorded is not None and recorded == sha256_file(target)


# --- the lock ---------------------------------------------------------------------------------
# One run at a time per output folder: an exclusive lock on `.OUT.lock` beside OUT.
#
# A second `grade batch` (or `grade export` into OUT) on the same OUT waits up to
# LOCK_WAIT_SECONDS, then is refused with a message; it never races the first one into a
# half-swapped folder. The lock is `flock`, so a run killed with kill -9 holds nothing: the kernel
# releases it. The lock file is removed at the end; the inode check after locking makes that
# safe (a run that locked a file just removed locks again, on the new one).

try:
    import fcntl
except ImportError:  # Windows: no flock; runs are not serialised there
    fcntl = None  # type: ignore[assignment]

LOCK_WAIT_SECONDS = 10.0  # long enough for a short run to finish; a long one is refused with a message
POLL_SECONDS = 0.1


def lock_path(out: Path) -> Path:
    if out.name in ("", ".", ".."):  # `grade export csv .`: the lock goes beside the folder, not in it
        out = out.resolve()
    return out.parent / f".{out.name}.lock"


@contextmanager
def output_lock(out: Path, *, wait: float | None = None, command: str = "grade batch") -> Iterator[None]:
    """Hold the lock of `out` for the block; wait up to `wait` seconds for another run to finish."""
    if fcntl is None:
        yield
        return
    path = lock_path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + (LOCK_WAIT_SECONDS if wait is None else wait)
    told = False
    while True:
        descriptor = _open(path)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            if time.monotonic() >= deadline:
                raise UsageError(f"another run is writing this folder (it holds {path.name})", path=shown(out),
                                 hint=f"wait until it has finished, then run `{command}` again; "
                                      "or choose another output folder") from None
            if not told:
                print(f"waiting for another run that is writing {shown(out)} ...", file=sys.stderr)
                told = True
            time.sleep(POLL_SECONDS)
            continue
        try:
            current = os.stat(path, follow_symlinks=False)
        except FileNotFoundError:
            current = None
        if current is not None and current.st_ino == os.fstat(descriptor).st_ino:
            break
        os.close(descriptor)  # the file was removed by the run that just finished: lock the new one
    try:
        yield
    finally:
        try:
            path.unlink()
        except OSError:
            pass
        os.close(descriptor)


def _open(path: Path) -> int:
    try:
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
        descriptor = os.open(path, flags, 0o666)
    except OSError as exc:
        raise UsageError(f"cannot create the lock file ({exc.strerror or exc})", path=shown(path),
                         hint="the lock file must be an ordinary file in a folder you can write to; "
                              "remove whatever has its name") from None
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise UsageError("the lock file is not a regular file", path=shown(path), hint="remove it, then run again")
    return descriptor
