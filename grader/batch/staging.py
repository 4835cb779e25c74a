"""Make an output folder appear all at once, replacing only what the grader wrote.

`staged_folder(out, previous)` yields a fresh `.OUT.tmp-XXXX` folder in OUT's parent (same file
system, so the renames are atomic), with a marker file that names the grader. When the block ends
without an exception the manifest is written, the previous OUT is renamed away (`.OUT.old-XXXX`),
every entry of it that its manifest does not list (a roster, the exports, a TA's notes,
sub-folders) is moved into the new folder, the new folder is renamed into place, and what is left
of the old one (the grader's own files, nothing else) is deleted. On any exception (Ctrl-C and
SIGTERM included) the temporary folder is removed and the previous OUT is left exactly as it was (a
swap that fails half-way moves back what it moved). Which files are the grader's, and the lock
the whole run holds, are grader.files.out_folder's.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import UsageError
from grader.files.out_folder import (MANIFEST_NAME, MARKER_TEXT, READ_BACK, STAGING_MARKER, Manifest, build_manifest,
                                     leftover_prefixes, listing, remove_listed, sha256_file, write_manifest)
from grader.files.output import current_umask
from grader.files.safe_files import shown


@dataclass
class Staging:
    """The folder to write into, and what the swap did (for the end-of-run paragraph)."""

    path: Path
    digests: dict[str, str] = field(default_factory=dict)  # relative path -> sha256 of files hashed as written
    kept: list[str] = field(default_factory=list)  # entries of the old OUT moved into the new one
    stale_exports: list[str] = field(default_factory=list)  # exports made from the previous results
    left_behind: str | None = None  # the old folder, when it held something that appeared during the run


@contextmanager
def staged_folder(out: Path, previous: Manifest | None) -> Iterator[Staging]:
    """Yield a temporary folder beside `out`; it becomes `out` when the block ends without an exception."""
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Staging(Path(tempfile.mkdtemp(prefix=leftover_prefixes(out)[0], dir=out.parent)))
    manifest: Manifest | None = None
    try:
        os.chmod(staging.path, 0o777 & ~current_umask())  # mkdtemp makes it private; OUT is an ordinary folder
        (staging.path / STAGING_MARKER).write_text(MARKER_TEXT, encoding="utf-8")
        yield staging
        manifest = build_manifest(staging.path, staging.digests, exclude=frozenset({STAGING_MARKER}))
        with _signals_held():
            _swap(staging, out, previous, manifest)
    except BaseException:
        if manifest is None:
            shutil.rmtree(staging.path, ignore_errors=True)
        else:  # a swap that failed half-way may have moved a user's file in: only the grader's own go
            remove_listed(staging.path, manifest)
        raise


def _swap(staging: Staging, out: Path, previous: Manifest | None, manifest: Manifest) -> None:
    """Move the old OUT's foreign entries into the new folder, then the new folder into place."""
    if not os.path.lexists(out):
        write_manifest(staging.path, manifest)
        (staging.path / STAGING_MARKER).unlink()
        os.rename(staging.path, out)
        return
    previous = previous or Manifest()
    foreign = _merge_into(_foreign_entries(out, previous), out, staging.path)
    clashes = [name for name in foreign if os.path.lexists(staging.path / name)]
    if clashes:
        raise UsageError(f"{listing(clashes)} in this folder {'was' if len(clashes) == 1 else 'were'} not written "
                         "by `grade batch`, and this run writes a file of the same name", path=shown(out),
                         hint="move the file(s) out of this folder, then run again")
    manifest.exports = {name: digest for name, digest in previous.exports.items()  # kept, and unchanged
                        if any(name == kept or name.startswith(kept + "/") for kept in foreign)
                        and sha256_file(out / name) == digest}
    write_manifest(staging.path, manifest)
    (staging.path / STAGING_MARKER).unlink()
    old = Path(tempfile.mkdtemp(prefix=leftover_prefixes(out)[1], dir=out.parent))
    os.rmdir(old)  # only the unique name is wanted
    os.rename(out, old)
    moved: list[str] = []
    try:
        for name in foreign:
            target = staging.path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            os.rename(old / name, target)
            moved.append(name)
        os.rename(staging.path, out)
    except BaseException:
        for name in reversed(moved):
            os.rename(staging.path / name, old / name)
        os.rename(old, out)
        raise
    staging.kept = [name + "/" if _real_folder(out / name) else name for name in foreign]
    staging.stale_exports = sorted(manifest.exports)
    remove_listed(old, previous)
    if os.path.lexists(old):
        staging.left_behind = old.name


def _foreign_entries(folder: Path, manifest: Manifest) -> list[str]:
    """Entries of `folder` its manifest does not list (whole sub-folders when nothing inside is listed), and
    listed files changed since they were checked: those are kept, never deleted."""
    listed = set(manifest.files) | {MANIFEST_NAME}
    parents = {"/".join(name.split("/")[:depth]) for name in listed for depth in range(1, name.count("/") + 1)}
    foreign: list[str] = []
    pending = [""]
    while pending:
        prefix = pending.pop()
        for entry in sorted(os.scandir(folder / prefix) if prefix else os.scandir(folder), key=lambda e: e.name):
            name = prefix + entry.name
            if name == MANIFEST_NAME or name in READ_BACK:
                continue
            if name in listed:
                if not manifest.unchanged(folder, name, entry.stat(follow_symlinks=False)):
                    foreign.append(name)
            elif name in parents and entry.is_dir(follow_symlinks=False):
                pending.append(name + "/")
            else:
                foreign.append(name)
    return sorted(foreign)


def _merge_into(names: list[str], old: Path, new: Path) -> list[str]:
    """A foreign folder the new output also has (reports/, say) is merged: its entries move, one by one."""
    merged: list[str] = []
    for name in names:
        source, target = old / name, new / name
        if _real_folder(source) and _real_folder(target):
            merged.extend(_merge_into(sorted(f"{name}/{entry.name}" for entry in os.scandir(source)), old, new))
        else:
            merged.append(name)
    return merged


def _real_folder(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink()


@contextmanager
def _signals_held() -> Iterator[None]:
    """Ctrl-C and SIGTERM wait until the swap is done: it is quick, and half a swap helps no one."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM}
    before = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)
