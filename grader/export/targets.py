"""Where an export may write: never over its own input, never over a file it did not create.

An explicit `-o FILE` may replace FILE (the user named it), unless FILE is something the export
reads (results.jsonl, problems.jsonl, the roster) or something `grade batch` wrote into OUT (its
manifest lists those). The default target inside OUT (`OUT/canvas.csv`...) is replaced only when
OUT's manifest records it as an earlier export, unchanged since; `grade batch` then knows which
kept files are exports that a regrade makes stale. The manifest and the lock are
grader.files.out_folder's. A companion file (unmatched.csv) is
replaced only when it is one of ours: recorded, or starting with our header.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Iterable
from pathlib import Path

from grader.errors import UsageError
from grader.export.results_io import PROBLEMS_FILE, RESULTS_FILE
from grader.files.out_folder import export_owned, listed_files, output_lock, read_manifest, record_export
from grader.files.safe_files import read_regular_file, shown

OVERWRITE_HINT = "pass -o FILE to choose where to write (an explicit -o FILE may replace an existing file)"
MAX_RESULTS_BYTES = 64 * 1024 * 1024  # Gradescope's own limit on results.json is far below this
ZIP_MEMBERS = frozenset({"setup.sh", "run_autograder"})  # what every autograder.zip we build holds


def export_target(out_dir: Path, explicit: str | None, default_name: str, reads: Iterable[Path] = ()) -> Path:
    """The file an export of `out_dir` writes, or a UsageError saying why it may not."""
    output = Path(explicit) if explicit else out_dir / default_name
    refuse_folder(output, default_name)
    batch_files = {RESULTS_FILE, PROBLEMS_FILE} | listed_files(out_dir)
    protected = {(out_dir / name).resolve() for name in batch_files} | {path.resolve() for path in reads}
    if output.resolve() in protected:
        raise UsageError("this is a file the export reads or `grade batch` wrote; writing there would destroy it",
                         path=shown(output), hint=f"choose another -o FILE, e.g. {shown(out_dir / default_name)}")
    if not explicit and os.path.lexists(output) and not export_owned(out_dir, output):
        raise UsageError("this file exists and was not written by `grade export`; it is left as it is",
                         path=shown(output), hint=OVERWRITE_HINT)
    return output


def companion_target(out_dir: Path, path: Path, header: str) -> None:
    """Refuse to replace a file beside the export (unmatched.csv) that is not one of ours."""
    refuse_folder(path, path.name)
    if not os.path.lexists(path) or _inside(path, out_dir) and export_owned(out_dir, path):
        return
    try:
        first = read_regular_file(path, UsageError, max_bytes=4096).split(b"\n", 1)[0]
    except UsageError:
        first = b""
    if first.decode("utf-8", "replace").strip().lstrip("\ufeff") != header:
        raise UsageError("this file exists and was not written by `grade export`; it is left as it is",
                         path=shown(path), hint="move it away, or write the export elsewhere with -o FILE")


def zip_target(explicit: bool, output: Path, reads: Iterable[Path]) -> None:
    """`gradescope-zip -o`: never the rubric; the default name only over an autograder.zip we built."""
    refuse_folder(output, "autograder.zip")
    if output.resolve() in {path.resolve() for path in reads}:
        raise UsageError("this is the rubric the zip is built from; writing there would destroy it",
                         path=shown(output), hint="choose another -o FILE, e.g. autograder.zip")
    if explicit or not os.path.lexists(output):
        return
    try:
        with zipfile.ZipFile(output) as archive:
            ours = ZIP_MEMBERS <= set(archive.namelist())
    except (OSError, zipfile.BadZipFile):
        ours = False
    if not ours:
        raise UsageError("this file exists and is not an autograder.zip built by `grade export`; it is left as "
                         "it is", path=shown(output), hint=OVERWRITE_HINT)


def check_results_target(path: Path) -> None:
    """`grade gradescope` replaces results/results.json only when it is a results file (a JSON object with a score)."""
    refuse_folder(path, "results.json")
    if not os.path.lexists(path):
        return
    try:
        document = json.loads(read_regular_file(path, UsageError, max_bytes=MAX_RESULTS_BYTES))
    except (UsageError, ValueError):
        document = None
    if not isinstance(document, dict) or "score" not in document:
        raise UsageError("this file exists and is not a results.json the autograder wrote; it is left as it is",
                         path=shown(path), hint="remove it (Gradescope's container starts without one), then run again")


def refuse_folder(output: Path, example: str) -> None:
    if output.is_dir():
        raise UsageError("-o names a folder; the output is one file", path=shown(output),
                         hint=f"name a file, e.g. -o {shown(output / example)}")


def record(out_dir: Path, written: Iterable[Path]) -> None:
    """Record exports written inside OUT in its manifest (when OUT has one: `grade batch` wrote it)."""
    if read_manifest(out_dir) is None:
        return
    for path in written:
        if _inside(path, out_dir):
            record_export(out_dir, path)


def locked(out_dir: Path):
    """The OUT lock, so an export never writes while `grade batch` replaces OUT."""
    return output_lock(out_dir, command="grade export")


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())
