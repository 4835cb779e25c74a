"""The hostile-input corpus of issue 9's file cases: each shell one-liner, and the exact message a user sees.

Every row is run as the user runs it: `grade ...` in a subprocess, in a fresh folder, with a
timeout (a FIFO that blocks fails the row instead of hanging the suite). `class/` holds two good
submissions (s1001, s1002) before the row's own setup; `out/` is a finished `grade batch` output
when the row needs one.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from file_safety_support import RUBRIC_PATH, SUBMISSIONS, run_grade  # noqa: E402

RUBRIC = str(RUBRIC_PATH)
BATCH = ["batch", "class", "--rubric", RUBRIC, "--out", "out", "--quiet"]
FIFO_FIX = "  fix: save the submission as an ordinary file"
LINK_FIX = "  fix: remove the link, or point it at a folder outside the submissions"


@dataclass(frozen=True)
class Case:
    shell: str  # the one-liner, as the issue reports it
    setup: Callable[[Path], None]
    command: list[str]
    status: int
    stderr: str | None = None  # the exact stderr, when the command is refused
    problem: tuple[str, str] | None = None  # an exact (file, message) line of out/problems.jsonl
    stdout: str | None = None  # a sentence the end-of-run paragraph must hold
    needs_out: bool = False  # run `grade batch` first


def _write(path: Path, data: bytes | str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))


def _foreign_out(root: Path) -> None:
    _write(root / "out" / "notes.txt", "my notes")
    _write(root / "out" / "results.jsonl", "")


def _fifo(path: Path) -> Callable[[Path], None]:
    return lambda root: os.mkfifo(root / path)


def _huge_override(root: Path) -> None:
    _write(root / "decisions.yaml", "- {student: s1002, question: p4.b, score: 1" + "0" * 400 + "}\n")


def _nan_override(root: Path) -> None:
    _write(root / "decisions.yaml", "- student: s1002\n  question: p4.b\n  score: .nan\n")


CASES = {
    "out holds notes.txt and an empty results.jsonl": Case(
        "mkdir out; echo x > out/notes.txt; touch out/results.jsonl; grade batch class --out out",
        _foreign_out, BATCH, 2,
        stderr="error: out: this folder is not empty and has no .grade-manifest.json, so `grade batch` did not "
               "write it; nothing in it was changed\n  fix: choose a new --out folder, or move its files "
               "elsewhere first\n"),
    "a fifo named x.yaml in the class": Case(
        "mkfifo class/x.yaml; grade batch class --out out", _fifo(Path("class/x.yaml")), BATCH, 0,
        problem=("x.yaml", f"x.yaml: not a regular file but a named pipe (FIFO); it was not opened\n{FIFO_FIX}")),
    "a fifo given to grade FILE": Case(
        "mkfifo x.yaml; grade x.yaml", _fifo(Path("x.yaml")), ["x.yaml", "--rubric", RUBRIC], 2,
        stderr=f"error: x.yaml: not a regular file but a named pipe (FIFO); it was not opened\n{FIFO_FIX}\n"),
    "a fifo as the rubric": Case(
        "mkfifo r.yaml; grade class/correct.yaml --rubric r.yaml", _fifo(Path("r.yaml")),
        ["class/correct.yaml", "--rubric", "r.yaml"], 2,
        stderr=f"error: r.yaml: not a regular file but a named pipe (FIFO); it was not opened\n{FIFO_FIX}\n"),
    "a fifo as the override file": Case(
        "mkfifo d.yaml; grade batch class --out out --overrides d.yaml", _fifo(Path("d.yaml")),
        [*BATCH, "--overrides", "d.yaml"], 2,
        stderr=f"error: d.yaml: not a regular file but a named pipe (FIFO); it was not opened\n{FIFO_FIX}\n"),
    "a fifo as the Canvas roster": Case(
        "mkfifo roster.csv; grade export canvas out --assignment HW --roster roster.csv", _fifo(Path("roster.csv")),
        ["export", "canvas", "out", "--assignment", "HW", "--roster", "roster.csv"], 2, needs_out=True,
        stderr="error: roster.csv: not a regular file but a named pipe (FIFO); it was not opened\n"
               "  fix: give the roster as an ordinary file\n"),
    "a file name that is not UTF-8": Case(
        "printf '\\xff\\xfe' > class/broken$'\\xe9'.yaml; grade batch class --out out",
        lambda root: _write(root / "class" / os.fsdecode(b"broken\xe9.yaml"), b"\xff\xfe garbage"), BATCH, 0,
        problem=("broken\\xe9.yaml", "broken\\xe9.yaml: line 1, column 1: the file is not UTF-8 text\n  fix: save "
                 "the file as UTF-8 (most editors: 'Save with encoding' -> UTF-8)")),
    "upper-case extensions": Case(
        "cp correct.yaml class/late.YAML; cp typical.yaml class/other.Yml; grade batch class --out out",
        lambda root: (shutil.move(root / "class" / "correct.yaml", root / "class" / "late.YAML"),
                      shutil.move(root / "class" / "typical.yaml", root / "class" / "other.Yml")),
        BATCH, 0, stdout="Graded 2 of 2 submission files into out. No problems."),
    "a folder link that loops": Case(
        "ln -s .. class/sub/loop; grade batch class --out out",
        lambda root: ((root / "class" / "sub").mkdir(), (root / "class" / "sub" / "loop").symlink_to("..")),
        [*BATCH, "--strict"], 1,
        problem=("sub/loop", f"sub/loop: this folder link leads back to `.` (a loop); it was not followed\n"
                             f"{LINK_FIX}")),
    "a linked folder of submissions": Case(
        "ln -s ../late class/late; grade batch class --out out",
        lambda root: (_write(root / "late" / "x.yaml", (SUBMISSIONS / "correct.yaml").read_bytes().replace(
            b's1001', b's1003')), (root / "class" / "late").symlink_to("../late")),
        BATCH, 0, stdout="Graded 3 of 3 submission files into out. No problems."),
    "hidden files": Case(
        "echo junk > class/.x.yaml; mkdir class/.git; echo junk > class/.git/y.yaml; grade batch class --out out",
        lambda root: (_write(root / "class" / ".x.yaml", "junk: ["), _write(root / "class" / ".git" / "y.yaml", "[")),
        [*BATCH, "--strict"], 0, stdout="Graded 2 of 2 submission files into out. No problems."),
    "export -o at its own input": Case(
        "grade export csv out -o out/results.jsonl", lambda root: None,
        ["export", "csv", "out", "-o", "out/results.jsonl"], 2, needs_out=True,
        stderr="error: out/results.jsonl: this is a file the export reads or `grade batch` wrote; writing there "
               "would destroy it\n  fix: choose another -o FILE, e.g. out/grades.csv\n"),
    "export -o at a folder": Case(
        "mkdir somewhere; grade export csv out -o somewhere", lambda root: (root / "somewhere").mkdir(),
        ["export", "csv", "out", "-o", "somewhere"], 2, needs_out=True,
        stderr="error: somewhere: -o names a folder; the output is one file\n"
               "  fix: name a file, e.g. -o somewhere/grades.csv\n"),
    "grade FILE -o at the submission itself": Case(
        "grade class/correct.yaml -o class/correct.yaml", lambda root: None,
        ["class/correct.yaml", "--rubric", RUBRIC, "-o", "class/correct.yaml"], 2,
        stderr="error: class/correct.yaml: this is the command's own input; writing there would destroy it\n"
               "  fix: choose another file name for -o\n"),
    "a 400-digit score in an override file": Case(
        "echo '- {student: s1002, question: p4.b, score: 1000…0}' > decisions.yaml; grade batch … --overrides",
        _huge_override, [*BATCH, "--overrides", "decisions.yaml"], 2,
        stderr="error: decisions.yaml: entry 1 (student s1002, question p4.b, line 1): `score` must be a number "
               "from 0 to 2, not a 401-digit number\n  fix: each entry needs `student`, `question` and a `score` "
               "between 0 and the question's points\n"),
    "a NaN score in an override file": Case(
        "printf -- '- student: s1002\\n  question: p4.b\\n  score: .nan\\n' > decisions.yaml; grade batch …",
        _nan_override, [*BATCH, "--overrides", "decisions.yaml"], 2,
        stderr="error: decisions.yaml: entry 1 (student s1002, question p4.b, line 1): `score` must be a number "
               "from 0 to 2, not `nan`\n  fix: each entry needs `student`, `question` and a `score` between 0 and "
               "the question's points\n"),
    "a rerun beside a roster in OUT": Case(
        "grade batch class --out out; cp roster.csv out/; grade batch class --out out",
        lambda root: _write(root / "out" / "roster.csv", "student_id,name\n"), BATCH, 0, needs_out=True,
        stdout="Kept 1 file that grade batch did not write: roster.csv."),
}


@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
def test_hostile_file_system_corpus(tmp_path, case: Case):
    if "mkfifo" in case.shell and not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this system")
    if b"\xe9" in case.shell.encode("utf-8", "surrogateescape") and sys.platform in ("darwin", "win32"):
        pytest.skip("the file system only stores UTF-8 names")
    _write(tmp_path / "class" / "correct.yaml", (SUBMISSIONS / "correct.yaml").read_bytes())
    _write(tmp_path / "class" / "typical.yaml", (SUBMISSIONS / "typical-mistakes.yaml").read_bytes())
    if case.needs_out:
        assert run_grade(*BATCH, cwd=tmp_path).returncode == 0
    case.setup(tmp_path)
    done = run_grade(*case.command, cwd=tmp_path)
    stdout, stderr = done.stdout.decode("utf-8"), done.stderr.decode("utf-8")  # both valid UTF-8
    assert "Traceback" not in stderr, stderr
    assert done.returncode == case.status, stderr
    if case.stderr is not None:
        assert stderr == case.stderr
    if case.problem is not None:
        lines = (tmp_path / "out" / "problems.jsonl").read_bytes().decode("utf-8").splitlines()
        assert json.dumps({"file": case.problem[0], "message": case.problem[1]}, ensure_ascii=False) in lines
    if case.stdout is not None:
        assert case.stdout in stdout, stdout
