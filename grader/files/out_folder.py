"""An output folder the grader writes: which of its files are the grader's, and who may write it now.

`grade batch` (and `grade collect`, which runs it) makes OUT, `grade export` writes into it, and the
course service's downloads are made from it; they all follow these rules:

- The manifest, OUT/.grade-manifest.json: the tool's name and version, every file `grade batch`
  wrote with its sha256, and the exports `grade export` wrote into OUT since. It is the only proof
  that a file is the grader's: a folder without one is never replaced (`check_replaceable`), a file
  it does not list is never deleted, a listed file that was changed since is neither replaced nor
  deleted (`Manifest.unchanged`), and a file is replaced by an export only when an export wrote it
  (`export_owned`). Nothing in it depends on the time, the machine or --jobs.
- The lock, `.OUT.lock` beside OUT: one writer at a time (`output_lock`).
- Leftovers: the `.OUT.tmp-*` and `.OUT.old-*` folders a killed run left beside OUT are removed as far
  as they are provably the grader's (`clean_leftovers`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from grader import __version__
from grader.errors import UsageError
from grader.files.output import write_atomic
from grader.files.safe_files import open_own_regular_file, read_regular_file, shown

try:
    import fcntl
except ImportError:  # Windows: no flock; runs are not serialised there
    fcntl = None  # type: ignore[assignment]

MANIFEST_NAME = ".grade-manifest.json"
TOOL = "grade"
MAX_MANIFEST_BYTES = 64 * 1024 * 1024  # 10,000 students' reports take ~2 MiB of entries
REVIEW_FILE = "review.yaml"
CACHE_FILE = ".grade-cache.jsonl"
# Files the grader replaces even when they changed since it wrote them: a TA types decisions into
# review.yaml (they are read before it is replaced), and the result cache is used only while it is
# exactly as written (otherwise it is rebuilt).
READ_BACK = frozenset({REVIEW_FILE, CACHE_FILE})
STAGING_MARKER = ".grade-staging"  # inside a temporary folder until its manifest is written
MARKER_TEXT = "grade batch: a temporary output folder; a run of `grade batch` removes it when no run is writing\n"
LOCK_WAIT_SECONDS = 10.0  # long enough for a short run to finish; a long one is refused with a message
POLL_SECONDS = 0.1
LISTED = 10  # names shown in one message
_SHA256 = re.compile(r"^[0-9a-f]{64}$")

FileId = tuple[int, int, int, int]  # device, inode, size and modification time (ns) of a file


def file_id(info: os.stat_result) -> FileId:
    return info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns


@dataclass
class Manifest:
    """Relative path (with forward slashes) -> sha256, for the batch's files and the exports."""

    files: dict[str, str] = field(default_factory=dict)
    exports: dict[str, str] = field(default_factory=dict)
    version: str = __version__
    # The listed files found as recorded (`check_replaceable`), with their identity then: one whose identity
    # is the same later in the run is not read again.
    checked: dict[str, FileId] = field(default_factory=dict, repr=False, compare=False)

    def to_json(self) -> str:
        document = {"tool": TOOL, "version": self.version, "files": dict(sorted(self.files.items())),
                    "exports": dict(sorted(self.exports.items()))}
        return json.dumps(document, indent=1, ensure_ascii=False) + "\n"

    def unchanged(self, folder: Path, name: str, info: os.stat_result | None = None) -> bool:
        """True when the listed file `name` is in `folder` as recorded: a regular file with the recorded sha256.
        `info`: its lstat, when the caller has it."""
        path = os.path.join(folder, name)
        try:
            info = info or os.lstat(path)
        except OSError:
            return False
        if not stat.S_ISREG(info.st_mode):
            return False
        return self.checked.get(name) == file_id(info) or sha256_file(path, info) == self.files.get(name)


def sha256_file(path: str | os.PathLike[str], info: os.stat_result | None = None) -> str | None:
    """The file's sha256, or None when it is not a regular file (a link, a folder) or is gone."""
    if info is not None and not stat.S_ISREG(info.st_mode):
        return None
    descriptor = open_own_regular_file(path)
    if descriptor is None:
        return None
    digest = hashlib.sha256()
    try:
        while chunk := os.read(descriptor, 1 << 20):
            digest.update(chunk)
    finally:
        os.close(descriptor)
    return digest.hexdigest()


def check_replaceable(out: Path) -> Manifest | None:
    """Refuse an OUT the grader may not replace; the manifest of the OUT being replaced (None: there is none,
    or an empty folder). Every file it lists must be as recorded (review.yaml and the cache aside)."""
    if out.is_symlink():
        raise UsageError("--out is a link; the grader replaces only a folder it wrote", path=shown(out),
                         hint="give the folder itself (or a new folder name) as --out")
    if out.exists() and not out.is_dir():
        raise UsageError("--out names a file, not a folder", path=shown(out))
    if not out.exists():
        return None
    manifest = read_manifest(out)
    if manifest is None:
        if any(out.iterdir()):
            raise UsageError(f"this folder is not empty and has no {MANIFEST_NAME}, so `grade batch` did not "
                             "write it; nothing in it was changed", path=shown(out),
                             hint="choose a new --out folder, or move its files elsewhere first")
        return None
    changed = []
    # One file after the other, in this process: hashing them in a thread while the run reads the decisions
    # saves about 0.3 s for a class of 10,000 (185 MB of reports); weighed and left out.
    for name, digest in sorted(manifest.files.items()):
        if name in READ_BACK:
            continue
        path = os.path.join(out, name)
        try:
            info = os.lstat(path)
        except OSError:
            continue  # gone is not changed
        if sha256_file(path, info) == digest:
            manifest.checked[name] = file_id(info)
        else:
            changed.append(name)
    if changed:
        them = "it" if len(changed) == 1 else "them"
        raise UsageError(f"{listing(changed)} changed after `grade batch` wrote {them}; a new run would replace "
                         f"{them}", path=shown(out),
                         hint="to keep your changes, move the file(s) out of this folder (or delete them), then "
                              "run again")
    return manifest


def build_manifest(folder: Path, known: Mapping[str, str], *, exclude: frozenset[str] = frozenset()) -> Manifest:
    """A manifest of every regular file under `folder` (but `exclude` and the manifest itself). `known`: the
    sha256 of files the run hashed as it wrote them, by relative path; the others are read."""
    files: dict[str, str] = {}
    pending = [("", os.fspath(folder))]  # (relative prefix, path)
    while pending:
        prefix, path = pending.pop()
        with os.scandir(path) as listing:
            for entry in listing:
                relative = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    pending.append((relative + "/", entry.path))
                elif relative != MANIFEST_NAME and relative not in exclude and entry.is_file(follow_symlinks=False):
                    digest = known.get(relative) or sha256_file(entry.path)
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
    return all(part not in ("", ".", "..") for part in name.split("/"))


def remove_listed(folder: Path, manifest: Manifest) -> None:
    """Delete the files `manifest` lists that are unchanged (review.yaml and the cache as they are), the
    manifest and the marker, then the folders left empty: whatever the grader did not write stays."""
    # One unlink after the other: sharing the 19,000 files of a class of 10,000 among threads saves about
    # 0.15 s of 0.3 s on 2 cores; weighed and left out.
    for name in manifest.files:
        path = os.path.join(folder, name)
        try:
            info = os.lstat(path)
        except OSError:
            continue
        if (name in READ_BACK and stat.S_ISREG(info.st_mode)) or manifest.unchanged(folder, name, info):
            os.unlink(path)
    for name in (MANIFEST_NAME, STAGING_MARKER):
        if os.path.isfile(folder / name) and not os.path.islink(folder / name):
            (folder / name).unlink()
    for root, _, _ in sorted(os.walk(folder), key=lambda item: -len(item[0])):
        try:
            os.rmdir(root)
        except OSError:
            pass  # not empty: something the grader did not write stays


def leftover_prefixes(out: Path) -> tuple[str, str]:
    """The name prefixes of a run's temporary folders beside `out`: the new OUT while it is written, and the
    previous one while it is swapped out."""
    return f".{out.name}.tmp-", f".{out.name}.old-"


def clean_leftovers(out: Path) -> list[str]:
    """Remove `.OUT.tmp-*` / `.OUT.old-*` folders a killed run left; the names removed.

    Call it holding the OUT lock, so no live run owns them. A folder is removed only as far as it
    is provably the grader's: with the marker and no manifest (a run killed while grading) all of
    it; with a manifest, only the files it lists unchanged. Anything else stays where it is.
    """
    removed: list[str] = []
    if not out.parent.is_dir():
        return removed
    for entry in sorted(os.scandir(out.parent), key=lambda item: item.name):
        if not entry.name.startswith(leftover_prefixes(out)) or not entry.is_dir(follow_symlinks=False):
            continue
        folder = Path(entry.path)
        try:
            manifest = read_manifest(folder)
        except UsageError:
            continue  # a damaged manifest proves nothing
        if manifest is None:
            if _is_marker(folder / STAGING_MARKER):
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(entry.name)
            continue
        remove_listed(folder, manifest)
        if not os.path.lexists(folder):
            removed.append(entry.name)
    return removed


def _is_marker(path: Path) -> bool:
    try:
        info = os.lstat(path)
        return stat.S_ISREG(info.st_mode) and info.st_size < 4096 and path.read_text("utf-8") == MARKER_TEXT
    except (OSError, UnicodeDecodeError):
        return False


# --- exports into OUT ----------------------------------------------------------------------------
def listed_files(folder: Path) -> set[str]:
    """The files of `folder` that `grade batch` wrote (its manifest lists them), and the manifest itself."""
    manifest = read_manifest(folder) if folder.is_dir() else None
    return {MANIFEST_NAME} | (set(manifest.files) if manifest is not None else set())


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


def listing(names: list[str]) -> str:
    shown_names = ", ".join(shown(name) for name in names[:LISTED])
    more = f" and {len(names) - LISTED} more" if len(names) > LISTED else ""
    return shown_names + more


# --- the lock ------------------------------------------------------------------------------------
# One run at a time per output folder: an exclusive lock on `.OUT.lock` beside OUT. A second
# `grade batch` (or `grade export` into OUT) waits up to LOCK_WAIT_SECONDS, then is refused with a
# message; it never races the first one into a half-swapped folder. The lock is `flock`, so a run
# killed with kill -9 holds nothing: the kernel releases it. The lock file is removed at the end; the
# inode check after locking makes that safe (a run that locked a file just removed locks again, on
# the new one).
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
        descriptor = _open_lock(path)
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


def _open_lock(path: Path) -> int:
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
