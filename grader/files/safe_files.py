"""Open only regular files, never blocking, and find submission files the same way everywhere.

A FIFO named `x.yaml` would make a plain `open()` wait for a writer forever; a socket, a device or
a folder is not a file to grade either. `read_regular_file` looks before it opens (stat), opens
with O_NONBLOCK (a FIFO then opens at once), and checks again on the open descriptor (fstat), so
nothing but a regular file is ever read. `find_yaml_files` is the one discovery rule of
`grade batch` and `grade gradescope`:

- `.yaml` and `.yml` in any case (`.YAML`, `.Yml`);
- names that start with a dot (`.git/`, `.submit.yaml.swp`, macOS `._x.yaml`) and `__MACOSX`
  folders are skipped, files and folders alike;
- a folder link is followed once; a link back into a folder already searched is a problem (a loop);
- a folder or a file that cannot be read, and anything that is not a regular file, is a problem
  entry, never a silent skip.

Names that are not UTF-8 arrive from the OS as surrogate escapes; `shown()` turns them into
`broken\\xe9.yaml` for every message and output file, which stay valid UTF-8.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import GraderError

YAML_SUFFIXES = (".yaml", ".yml")  # compared case-insensitively
SKIPPED_FOLDERS = frozenset({"__MACOSX"})  # zip tools' resource forks; never submissions
REGULAR_FILE_HINT = "save the submission as an ordinary file"
_KINDS = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"), (stat.S_ISDIR, "a folder"))


def shown(name: str | os.PathLike[str]) -> str:
    """A file name as text that is always valid UTF-8: undecodable bytes become `\\xe9`."""
    text = os.fspath(name)
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a lone surrogate that did not come from the OS
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def is_hidden(name: str) -> bool:
    """The one rule for hidden names: a leading dot, or a `__MACOSX` folder."""
    return name.startswith(".") or name in SKIPPED_FOLDERS


def has_yaml_suffix(name: str) -> bool:
    return name.lower().endswith(YAML_SUFFIXES)


def kind_of(mode: int) -> str:
    """What a non-regular file is, in words."""
    return next((words for test, words in _KINDS if test(mode)), "not a regular file")


def not_regular(name: str, mode: int, error: type[GraderError] = GraderError, *,
                hint: str = REGULAR_FILE_HINT, what: str = "a YAML file") -> GraderError:
    if stat.S_ISDIR(mode):
        return error(f"this is a folder, not {what}", path=name)
    return error(f"not a regular file but {kind_of(mode)}; it was not opened", path=name, hint=hint)


def require_regular_file(path: str | os.PathLike[str], error: type[GraderError] = GraderError, *,
                         hint: str = REGULAR_FILE_HINT, what: str = "a YAML file") -> None:
    """Raise `error` when `path` exists but is not a regular file (a FIFO would block the open() that follows)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return  # missing or unreadable: the caller's open() says so in its own words
    if not stat.S_ISREG(mode):
        raise not_regular(shown(path), mode, error, hint=hint, what=what)


def open_own_regular_file(path: str | os.PathLike[str]) -> int | None:
    """A read-only descriptor of the regular file at `path`, opened never through a link and never blocking
    (for the tool's own files: a manifest entry, a cache); None when it is anything else or unreadable."""
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
                             | getattr(os, "O_BINARY", 0))
    except OSError:
        return None
    try:
        if stat.S_ISREG(os.fstat(descriptor).st_mode):
            return descriptor
    except OSError:
        pass
    os.close(descriptor)
    return None


def read_regular_file(path: str | os.PathLike[str], error: type[GraderError] = GraderError, *,
                      max_bytes: int, follow_symlinks: bool = True, name: str | None = None) -> bytes:
    """Up to `max_bytes + 1` bytes of the regular file at `path`; anything else raises `error`.

    `follow_symlinks=False` refuses a link (O_NOFOLLOW): for files from an untrusted upload,
    where a link could point at the rubric or the key.
    """
    name = name if name is not None else shown(path)
    try:
        info = os.stat(path, follow_symlinks=follow_symlinks)
        if follow_symlinks is False and stat.S_ISLNK(info.st_mode):
            raise error("this is a link, not a file; links are not followed here", path=name,
                        hint="upload the file itself")
        if not stat.S_ISREG(info.st_mode):
            raise not_regular(name, info.st_mode, error)
        flags = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
                 | getattr(os, "O_BINARY", 0))
        if not follow_symlinks:
            flags |= getattr(os, "O_NOFOLLOW", 0)
        descriptor = os.open(path, flags)
    except FileNotFoundError:
        if os.path.islink(path):
            raise error("a link to a file that does not exist", path=name,
                        hint="remove the link, or put the file it names back") from None
        raise error("file not found", path=name, hint="check the path and the file name") from None
    except PermissionError:
        raise error("cannot read the file (permission denied)", path=name,
                    hint=f"give yourself read access (chmod u+r {name}) and run again") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise error("this is a link, not a file; links are not followed here", path=name,
                        hint="upload the file itself") from None
        raise error(f"cannot read the file ({exc.strerror or exc})", path=name) from None
    try:
        opened = os.fstat(descriptor)
        if not stat.S_ISREG(opened.st_mode):  # swapped for something else between stat and open
            raise not_regular(name, opened.st_mode, error)
        return read_open_file(descriptor, opened.st_size, max_bytes)
    except OSError as exc:
        raise error(f"cannot read the file ({exc.strerror or exc})", path=name) from None
    finally:
        os.close(descriptor)


def read_open_file(descriptor: int, size: int, max_bytes: int | None = None) -> bytes:
    """What is left to read of an open regular file, `size` bytes when it was opened: in one call, unless it
    grew since, then to the end, however much it grew; with `max_bytes`, never more than `max_bytes + 1` (the
    caller tells a file that is too big by its length)."""
    chunks: list[bytes] = []
    left = max_bytes + 1 if max_bytes is not None else None
    while left is None or left > 0:
        wanted = size + 1 if not chunks else 1 << 20
        chunk = os.read(descriptor, wanted if left is None else min(left, wanted))
        if not chunk:
            break
        chunks.append(chunk)
        if left is not None:
            left -= len(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


@dataclass
class Found:
    """What a search found: files to read, and problems that are not files (each a full message)."""

    files: list[tuple[Path, str]] = field(default_factory=list)  # (path, name shown: relative, escaped)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (name shown, message)
    skipped: list[str] = field(default_factory=list)  # links not followed (follow_symlinks=False)
    others: list[str] = field(default_factory=list)  # other files (not YAML), for messages about an upload


def find_yaml_files(folder: Path, *, skip: Path | None = None, follow_symlinks: bool = True) -> Found:
    """Every YAML file under `folder` by the rules in the module docstring, sorted by shown name.

    `skip` is an output folder inside `folder`: it and its siblings `.OUT.*` are not searched.
    With `follow_symlinks=False` (an untrusted upload) links are neither followed nor read.
    """
    found = Found()
    skip_resolved = skip.resolve() if skip is not None else None
    root = folder.resolve()
    visited: dict[tuple[int, int], str] = {}
    try:
        info = os.stat(root)
    except OSError as exc:
        raise GraderError(f"cannot read this folder ({exc.strerror or exc})", path=shown(folder)) from None
    visited[(info.st_dev, info.st_ino)] = "."
    pending: list[tuple[Path, str]] = [(root, "")]
    links: list[tuple[Path, str]] = []  # folder links, followed once every real folder is searched
    while pending or links:
        if not pending:
            path, name = links.pop(0)
            try:
                info = os.stat(path)
            except OSError:
                continue
            key = (info.st_dev, info.st_ino)
            if key in visited:
                found.problems.append((name, _revisit_message(name, visited[key])))
                continue
            visited[key] = name
            pending.append((path, name + "/"))
            continue
        here, prefix = pending.pop()
        try:
            with os.scandir(here) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as exc:
            reason = "permission denied" if isinstance(exc, PermissionError) else (exc.strerror or str(exc))
            if not prefix:
                raise GraderError(f"cannot read this folder ({reason})", path=shown(folder),
                                  hint="give yourself read access (chmod u+rx FOLDER) and run again") from None
            name = prefix.rstrip("/")
            found.problems.append((name, str(GraderError(
                f"cannot read this folder ({reason}), so the submissions in it were not graded", path=name,
                hint=f"give yourself read access (chmod u+rx {name}) and run again"))))
            continue
        for entry in entries:
            name = prefix + shown(entry.name)
            if is_hidden(entry.name):
                continue
            path = Path(entry.path)
            link = entry.is_symlink()
            if link and not follow_symlinks:
                found.skipped.append(name)
                continue
            try:
                info = os.stat(path)
            except FileNotFoundError:
                if has_yaml_suffix(entry.name):
                    found.problems.append((name, str(GraderError(
                        "a link to a file that does not exist", path=name,
                        hint="remove the link, or put the file it names back"))))
                continue
            except OSError as exc:
                found.problems.append((name, str(GraderError(f"cannot look at this entry ({exc.strerror or exc})",
                                                             path=name))))
                continue
            if stat.S_ISDIR(info.st_mode):
                if skip_resolved is not None and _is_output(path, skip_resolved):
                    continue
                if link:
                    links.append((path, name))
                    continue
                visited[(info.st_dev, info.st_ino)] = name
                pending.append((path, name + "/"))
            elif has_yaml_suffix(entry.name):
                if stat.S_ISREG(info.st_mode):
                    found.files.append((path, name))
                else:
                    found.problems.append((name, str(not_regular(name, info.st_mode))))
            else:
                found.others.append(name)
    found.files.sort(key=lambda item: item[1])
    found.problems.sort()
    found.others.sort()
    return found


def _revisit_message(name: str, target: str) -> str:
    """A folder link to a folder searched already: a loop when it points at one of its own parents."""
    if target == "." or name.startswith(target + "/"):
        message = f"this folder link leads back to `{target}` (a loop); it was not followed"
    else:
        message = f"this folder link leads to `{target}`, which is searched already; it was not followed again"
    return str(GraderError(message, path=name, hint="remove the link, or point it at a folder outside the submissions"))


def _is_output(path: Path, out: Path) -> bool:
    resolved = path.resolve()
    return resolved == out or (resolved.parent == out.parent and resolved.name.startswith(f".{out.name}."))
