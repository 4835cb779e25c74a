"""`grade sheet RUBRIC --roster FILE --out DIR`: every roster student's sheet, one file each.

File names are safe for any student id: an id that is a plain, portable file name (letters,
digits, `. _ - @`, not a reserved device name, not the same as another id but for case) names
its file; any other id gets a cleaned name plus a short hash of the id, so no two students
share a file and no id reaches outside DIR. `index.csv` lists which file is whose.

The command never overwrites a file it did not create: it records what it wrote (with a
checksum) in DIR/.grade-sheets.json, and refuses, before writing anything, when a file it
would write exists and is not one it wrote, unchanged, on an earlier run. It deletes nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from grader.files.csv_cells import csv_text
from grader.errors import UsageError
from grader.files.output import write_atomic
from grader.files.roster import RosterEntry
from grader.rubric import LoadedRubric
from grader.authoring.sheet import SHEET_SUFFIXES, render_any_sheet
from grader.submission import STUDENT_ID_PATTERN

MANIFEST = ".grade-sheets.json"  # what this command wrote into DIR, so a later run may replace exactly that
INDEX = "index.csv"
PLAIN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_@-]*(\.[A-Za-z0-9_@-]+)*$")
NAME_LIMIT = 64  # characters of a plain file stem; longer ids are shortened and hashed
HASH_CHARACTERS = 10  # of the id's sha256: no two ids of a class meet by chance
WINDOWS_RESERVED = frozenset({"con", "prn", "aux", "nul", *(f"com{n}" for n in range(10)),
                              *(f"lpt{n}" for n in range(10))})


def file_stems(student_ids: Sequence[str]) -> dict[str, str]:
    """Student id -> a file stem safe on every file system, distinct even where case is ignored."""
    folded = Counter(student_id.casefold() for student_id in student_ids)
    stems = {}
    for student_id in student_ids:
        plain = (PLAIN_NAME.match(student_id) is not None and len(student_id) <= NAME_LIMIT
                 and student_id.split(".")[0].casefold() not in WINDOWS_RESERVED
                 and folded[student_id.casefold()] == 1)
        if plain:
            stems[student_id] = student_id
            continue
        cleaned = re.sub(r"[^A-Za-z0-9_@-]+", "_", student_id).strip("_")[:40] or "student"
        digest = hashlib.sha256(student_id.encode("utf-8")).hexdigest()[:HASH_CHARACTERS]
        stems[student_id] = f"{cleaned}-{digest}"
    return stems


def roster_warnings(students: Sequence[RosterEntry]) -> list[str]:
    """What staff should know before handing the sheets out: ids a submit.yaml cannot carry."""
    unusable = [student.id for student in students if not STUDENT_ID_PATTERN.match(student.id)]
    if not unusable:
        return []
    shown = ", ".join(f"`{student_id}`" for student_id in unusable[:5]) + (" …" if len(unusable) > 5 else "")
    return [f"{len(unusable)} roster id(s) cannot be a submit.yaml's student.id (letters, digits and . _ - @ "
            f"only, at most 64): {shown}; their sheets are written, but those students cannot submit under "
            "that id — give them valid ids in the roster"]


def write_roster_sheets(rubric: LoadedRubric, students: Sequence[RosterEntry], out: Path,
                        sheet_format: str) -> list[Path]:
    """Render and write every student's sheet and index.csv into `out`; returns the sheet files written."""
    if out.exists() and not out.is_dir():
        raise UsageError("is not a folder", path=str(out), hint="give --out a folder (it is created if needed)")
    stems = file_stems([student.id for student in students])
    suffix = SHEET_SUFFIXES[sheet_format]
    documents = {f"{stems[student.id]}{suffix}": render_any_sheet(rubric, student.id, sheet_format)
                 for student in students}
    rows = [("student_id", "name", "email", "file")]
    rows += [(student.id, student.name, student.email, f"{stems[student.id]}{suffix}") for student in students]
    documents[INDEX] = csv_text(rows)
    written = _load_manifest(out)
    refused = [name for name in sorted(documents) if not _ours(out / name, written.get(name))]
    if refused:
        listed = ", ".join(refused[:5]) + (f" and {len(refused) - 5} more" if len(refused) > 5 else "")
        raise UsageError(f"{len(refused)} file(s) it would write already exist and were not written by `grade sheet` "
                         f"(or were changed since): {listed}; nothing was written", path=str(out),
                         hint="move those files away, or choose another --out folder")
    for name, text in documents.items():
        write_atomic(out / name, text)
        written[name] = _digest(text.encode("utf-8"))
    write_atomic(out / MANIFEST, json.dumps({"written_by": "grade sheet", "files": dict(sorted(written.items()))},
                                            indent=2) + "\n")
    return [out / name for name in documents if name != INDEX]


def _load_manifest(out: Path) -> dict[str, str]:
    path = out / MANIFEST
    if not path.exists():
        return {}
    try:
        files = json.loads(path.read_text(encoding="utf-8"))["files"]
        if isinstance(files, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
            return dict(files)
    except (OSError, ValueError, KeyError, TypeError):
        pass
    raise UsageError(f"{MANIFEST} is not the list of files `grade sheet` wrote", path=str(out),
                     hint="choose another --out folder")


def _ours(path: Path, recorded: str | None) -> bool:
    """May this path be written: it does not exist, or it is a regular file we wrote and nobody changed."""
    if path.is_symlink():
        return False
    if not path.exists():
        return True
    if recorded is None or not path.is_file():
        return False
    try:
        return _digest(path.read_bytes()) == recorded
    except OSError:
        return False


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
