"""Make an output folder appear all at once: build it beside OUT, then swap it in.

`staged_folder(out)` yields a fresh `.OUT.tmp-XXXX` folder in OUT's parent (same filesystem, so
the renames are atomic). On success the previous OUT is renamed away, the new one renamed into
place, and the old one deleted. On any exception — Ctrl-C included — the temporary folder is
removed and the previous OUT is left exactly as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from grader.errors import UsageError

OUTPUT_MARKERS = ("results.jsonl", "problems.jsonl")  # a folder holding one of these was written by us


def check_output(out: Path, source: Path) -> None:
    """Refuse an OUT that would destroy something: a file, the input, or a folder we did not write."""
    resolved_out, resolved_source = out.resolve(), source.resolve()
    if resolved_out == resolved_source or resolved_source.is_relative_to(resolved_out):
        raise UsageError("the output folder holds the submissions; it would be replaced", path=str(out),
                         hint="choose an --out folder outside the submissions folder, e.g. graded/")
    if out.exists() and not out.is_dir():
        raise UsageError("--out names a file, not a folder", path=str(out))
    if out.is_dir() and any(out.iterdir()) and not any((out / marker).exists() for marker in OUTPUT_MARKERS):
        raise UsageError("this folder is not empty and was not written by `grade batch`; it would be replaced",
                         path=str(out), hint="choose a new --out folder, or empty this one first")


@contextmanager
def staged_folder(out: Path) -> Iterator[Path]:
    """Yield a temporary folder beside `out`; it becomes `out` when the block ends without an exception."""
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        os.chmod(staging, 0o777 & ~_umask())  # mkdtemp makes it private; OUT is an ordinary folder
        yield staging
        _swap(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _swap(staging: Path, out: Path) -> None:
    if not out.exists():
        os.rename(staging, out)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    os.rmdir(old)  # only the unique name is wanted
    os.rename(out, old)
    try:
        os.rename(staging, out)
    except BaseException:
        os.rename(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)
