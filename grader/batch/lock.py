"""One run at a time per output folder: an exclusive lock on `.OUT.lock` beside OUT.

A second `grade batch` (or `grade export` into OUT) on the same OUT waits up to
LOCK_WAIT_SECONDS, then is refused with a message; it never races the first one into a
half-swapped folder. The lock is `flock`, so a run killed with kill -9 holds nothing: the kernel
releases it. The lock file is removed at the end; the inode check after locking makes that
safe (a run that locked a file just removed locks again, on the new one).
"""

from __future__ import annotations

import os
import stat
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from grader.errors import UsageError
from grader.files.safe_files import shown

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

