"""Write output files atomically: a crash never leaves a half-written file behind.

A written file gets the permissions of any file the user creates (0644 under the usual umask
022), like the rest of a batch's output; replacing an existing file keeps that file's mode. A
target that is a folder is a clear message, never an IsADirectoryError.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from grader.errors import UsageError
from grader.files.safe_files import shown


def write_atomic(path: str | Path, content: str | bytes, *, inputs: Iterable[str | Path] = ()) -> None:
    """Write `content` (text as UTF-8, or bytes) to a temporary file beside `path`, then rename it into place.

    `inputs` are the files the command read: writing over one of them is refused (`-o` at its own input).
    """
    target = Path(path)
    if any(target.resolve() == Path(source).resolve() for source in inputs):
        raise UsageError("this is the command's own input; writing there would destroy it", path=shown(target),
                         hint="choose another file name for -o")
    if target.is_dir():
        raise UsageError("this is a folder; the output must be a file name", path=shown(target),
                         hint=f"name a file, e.g. {shown(target / 'NAME')}")
    target.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode("utf-8") if isinstance(content, str) else content
    mode = _mode_for(target)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.chmod(temporary, mode)  # mkstemp makes the file private (0600)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _mode_for(target: Path) -> int:
    """The existing file's mode when replacing one, else what open() would give a new file (0666 & ~umask)."""
    try:
        info = os.stat(target)
        if stat.S_ISREG(info.st_mode):
            return stat.S_IMODE(info.st_mode)
    except OSError:
        pass
    return 0o666 & ~current_umask()


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
