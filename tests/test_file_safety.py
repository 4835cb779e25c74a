"""Hostile file systems (issue 9, item 3) and the file rules of every command that writes (item 5).

Only regular files are opened, never blocking; names that are not UTF-8 are shown escaped;
unreadable files and folders are problems; extensions in any case; folder links followed once;
hidden names skipped everywhere; `-o` never at the command's own input or a folder; written files
0644 under the usual umask. Cases that would hang on a regression (a FIFO) run in a subprocess
with a timeout.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from file_safety_support import (  # noqa: E402
    RUBRIC_PATH, SUBMISSIONS, needs_world_access, run_grade, unprivileged_prefix)
from grader.cli import main  # noqa: E402
from grader.errors import GraderError  # noqa: E402
from grader.reports.escaping import for_markdown  # noqa: E402
from grader.files.safe_files import find_yaml_files, read_regular_file, shown  # noqa: E402

CORRECT = (SUBMISSIONS / "correct.yaml").read_bytes()
TYPICAL = (SUBMISSIONS / "typical-mistakes.yaml").read_bytes()
NON_UTF8 = os.fsdecode(b"broken\xe9.yaml")  # a name as Linux hands it over: surrogate-escaped


def problems_of(out: Path) -> dict[str, str]:
    lines = (out / "problems.jsonl").read_bytes().decode("utf-8").splitlines()
    return {json.loads(line)["file"]: json.loads(line)["message"] for line in lines}


def graded_ids(out: Path) -> list[str]:
    return [json.loads(line)["student"]["id"] for line in (out / "results.jsonl").read_text("utf-8").splitlines()]


def batch(capsys, folder: Path, out: Path, *options: str) -> tuple[int, str, str]:
    status = main(["batch", str(folder), "--rubric", str(RUBRIC_PATH), "--out", str(out), "--quiet", *options])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


# --- reading: regular files only, never blocking ---------------------------------------------------
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_reading_a_fifo_is_refused_at_once(tmp_path):
    os.mkfifo(tmp_path / "x.yaml")
    started = time.monotonic()
    with pytest.raises(GraderError) as error:
        read_regular_file(tmp_path / "x.yaml", max_bytes=100, name="x.yaml")
    assert time.monotonic() - started < 5
    assert str(error.value) == ("x.yaml: not a regular file but a named pipe (FIFO); it was not opened\n"
                                "  fix: save the submission as an ordinary file")


def test_reading_refuses_folders_devices_and_links_where_asked(tmp_path):
    with pytest.raises(GraderError, match="this is a folder, not a YAML file"):
        read_regular_file(tmp_path, max_bytes=10)
    if os.path.exists("/dev/zero"):
        with pytest.raises(GraderError, match="not a regular file but a character device"):
            read_regular_file("/dev/zero", max_bytes=10)
    (tmp_path / "real.yaml").write_text("a: 1")
    (tmp_path / "link.yaml").symlink_to(tmp_path / "real.yaml")
    assert read_regular_file(tmp_path / "link.yaml", max_bytes=10) == b"a: 1"
    with pytest.raises(GraderError, match="this is a link, not a file; links are not followed here"):
        read_regular_file(tmp_path / "link.yaml", max_bytes=10, follow_symlinks=False)
    (tmp_path / "dangling.yaml").symlink_to(tmp_path / "gone.yaml")
    with pytest.raises(GraderError, match="a link to a file that does not exist"):
        read_regular_file(tmp_path / "dangling.yaml", max_bytes=10)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_named_x_yaml_is_a_problem_in_batch_not_a_hang(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "correct.yaml").write_bytes(CORRECT)
    os.mkfifo(folder / "x.yaml")
    done = run_grade("batch", "class", "--rubric", str(RUBRIC_PATH), "--out", "out", "--quiet", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert problems_of(tmp_path / "out") == {
        "x.yaml": "x.yaml: not a regular file but a named pipe (FIFO); it was not opened\n"
                  "  fix: save the submission as an ordinary file"}
    assert graded_ids(tmp_path / "out") == ["s1001"]
    strict = run_grade("batch", "class", "--rubric", str(RUBRIC_PATH), "--out", "out", "--quiet", "--strict",
                       cwd=tmp_path)
    assert strict.returncode == 1


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
@pytest.mark.parametrize("command", [["x.yaml"], ["x.yaml", "--rubric", str(RUBRIC_PATH)],
                                     ["correct.yaml", "--rubric", "rubric.yaml"]])
def test_a_fifo_given_to_grade_file_is_refused_not_a_hang(tmp_path, command):
    os.mkfifo(tmp_path / "x.yaml")
    os.mkfifo(tmp_path / "rubric.yaml")
    (tmp_path / "correct.yaml").write_bytes(CORRECT)
    done = run_grade(*command, cwd=tmp_path)
    assert done.returncode == 2
    name = "rubric.yaml" if "rubric.yaml" in command else "x.yaml"
    assert done.stderr.decode("utf-8") == (f"error: {name}: not a regular file but a named pipe (FIFO); it was not "
                                           "opened\n  fix: save the submission as an ordinary file\n")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_as_override_file_or_gradescope_upload_is_refused(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "correct.yaml").write_bytes(CORRECT)
    os.mkfifo(tmp_path / "decisions.yaml")
    done = run_grade("batch", "class", "--rubric", str(RUBRIC_PATH), "--out", "out", "--overrides",
                     "decisions.yaml", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.decode("utf-8").startswith("error: decisions.yaml: not a regular file but a named pipe")
    root = tmp_path / "ag"
    (root / "submission").mkdir(parents=True)
    os.mkfifo(root / "submission" / "submit.yaml")
    os.mkfifo(root / "submission_metadata.json")
    done = run_grade("gradescope", "--root", "ag", "--rubric", str(RUBRIC_PATH), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    results = json.loads((root / "results" / "results.json").read_text("utf-8"))
    assert results["score"] == 0 and "submit.yaml: not a regular file but a named pipe (FIFO)" in results["output"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_as_gradescope_metadata_is_read_past(tmp_path):
    root = tmp_path / "ag"
    (root / "submission").mkdir(parents=True)
    (root / "submission" / "submit.yaml").write_bytes(CORRECT)
    os.mkfifo(root / "submission_metadata.json")
    done = run_grade("gradescope", "--root", "ag", "--rubric", str(RUBRIC_PATH), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads((root / "results" / "results.json").read_text("utf-8"))["score"] == 36


# --- names that are not UTF-8 ----------------------------------------------------------------------
@pytest.mark.skipif(sys.platform in ("darwin", "win32"), reason="the file system only stores UTF-8 names")
def test_a_name_that_is_not_utf8_is_shown_escaped_in_batch(tmp_path, capsys):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / NON_UTF8).write_bytes(b"\xff\xfe garbage \x00")
    (folder / os.fsdecode(b"caf\xe9-s1001.yaml")).write_bytes(CORRECT)
    status, stdout, _ = batch(capsys, folder, tmp_path / "out")
    assert status == 0
    assert stdout.startswith("Graded 1 of 2 submission files")
    problems = problems_of(tmp_path / "out")
    assert list(problems) == ["broken\\xe9.yaml"]
    assert problems["broken\\xe9.yaml"].startswith("broken\\xe9.yaml: line 1, column 1: the file is not UTF-8 text")
    assert graded_ids(tmp_path / "out") == ["s1001"]
    done = run_grade("batch", "class", "--rubric", str(RUBRIC_PATH), "--out", "out2", cwd=tmp_path)
    assert done.returncode == 0 and b"Traceback" not in done.stderr
    done.stdout.decode("utf-8")  # valid UTF-8
    (tmp_path / "out2" / "summary.html").read_bytes().decode("utf-8")


@pytest.mark.skipif(sys.platform in ("darwin", "win32"), reason="the file system only stores UTF-8 names")
def test_a_name_that_is_not_utf8_in_gradescope_still_gets_results(tmp_path, capsys):
    root = tmp_path / "ag"
    (root / "submission").mkdir(parents=True)
    (root / "submission" / NON_UTF8).write_bytes(b"\xff\xfe garbage")
    assert main(["gradescope", "--root", str(root), "--rubric", str(RUBRIC_PATH)]) == 0
    capsys.readouterr()
    results = json.loads((root / "results" / "results.json").read_bytes().decode("utf-8"))
    assert results["score"] == 0
    assert for_markdown("broken\\xe9.yaml: line 1, column 1: the file is not UTF-8 text") in results["output"]
    (root / "submission" / NON_UTF8).write_bytes(CORRECT)
    assert main(["gradescope", "--root", str(root), "--rubric", str(RUBRIC_PATH)]) == 0
    assert json.loads((root / "results" / "results.json").read_text("utf-8"))["score"] == 36


def test_shown_escapes_only_what_is_not_utf8():
    assert shown(os.fsdecode(b"broken\xe9.yaml")) == "broken\\xe9.yaml"
    assert shown("café ½.yaml") == "café ½.yaml"
    assert shown("lone\ud800") == "lone\\ud800"


# --- unreadable files and folders ------------------------------------------------------------------
@pytest.fixture
def unprivileged(tmp_path):
    """(prefix, working folder) to run `grade` where file modes apply; skips with the reason when impossible."""
    prefix, how = unprivileged_prefix()
    if prefix is None:
        pytest.skip(how)
    if not needs_world_access():
        yield prefix, tmp_path
        return
    import tempfile

    work = Path(tempfile.mkdtemp(prefix="grade-perm-", dir="/tmp"))  # tmp_path's parents are private to root
    os.chmod(work, 0o777)
    try:
        yield prefix, work
    finally:
        for path in work.rglob("*"):
            if path.is_dir() and not path.is_symlink():
                os.chmod(path, 0o755)
        shutil.rmtree(work, ignore_errors=True)


def test_unreadable_folder_and_file_are_problems_and_fail_strict(unprivileged):
    prefix, work = unprivileged
    folder = work / "class"
    (folder / "locked").mkdir(parents=True)
    (folder / "correct.yaml").write_bytes(CORRECT)
    (folder / "locked" / "typical.yaml").write_bytes(TYPICAL)
    (folder / "secret.yaml").write_bytes(TYPICAL)
    for path in (work, folder, folder / "correct.yaml"):
        os.chmod(path, 0o777 if path.is_dir() else 0o644)
    os.chmod(folder / "locked", 0)
    os.chmod(folder / "secret.yaml", 0)
    try:
        done = run_grade("batch", "class", "--rubric", str(RUBRIC_PATH), "--out", "out", "--quiet", "--strict",
                         cwd=work, prefix=prefix)
    finally:
        os.chmod(folder / "locked", 0o755)
    assert done.returncode == 1, done.stderr
    assert done.stdout.decode("utf-8").startswith("Graded 1 of 3 submission files into out. 2 could not be graded")
    assert problems_of(work / "out") == {
        "locked": "locked: cannot read this folder (permission denied), so the submissions in it were not graded\n"
                  "  fix: give yourself read access (chmod u+rx locked) and run again",
        "secret.yaml": "secret.yaml: cannot read the file (permission denied)\n"
                       "  fix: give yourself read access (chmod u+r secret.yaml) and run again"}


# --- extensions, links, hidden names ---------------------------------------------------------------
def test_extensions_in_any_case_in_batch_and_gradescope(tmp_path, capsys):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "one.YAML").write_bytes(CORRECT)
    (folder / "two.Yml").write_bytes(TYPICAL)
    status, stdout, _ = batch(capsys, folder, tmp_path / "out")
    assert status == 0 and stdout.startswith("Graded 2 of 2")
    root = tmp_path / "ag"
    (root / "submission").mkdir(parents=True)
    (root / "submission" / "Submit.Yml").write_bytes(CORRECT)
    assert main(["gradescope", "--root", str(root), "--rubric", str(RUBRIC_PATH)]) == 0
    assert json.loads((root / "results" / "results.json").read_text("utf-8"))["score"] == 36


def test_a_folder_link_is_followed_once_and_a_loop_is_a_problem(tmp_path, capsys):
    folder = tmp_path / "class"
    (folder / "section").mkdir(parents=True)
    elsewhere = tmp_path / "late-submissions"
    elsewhere.mkdir()
    (elsewhere / "typical.yaml").write_bytes(TYPICAL)
    (folder / "section" / "correct.yaml").write_bytes(CORRECT)
    (folder / "late").symlink_to(elsewhere)  # followed: its submissions are graded
    (folder / "section" / "back").symlink_to(folder)  # a loop
    (folder / "again").symlink_to(folder / "section")  # a second way into a folder searched already
    status, stdout, _ = batch(capsys, folder, tmp_path / "out", "--strict")
    assert status == 1
    assert graded_ids(tmp_path / "out") == ["s1001", "s1002"]
    hint = "  fix: remove the link, or point it at a folder outside the submissions"
    assert problems_of(tmp_path / "out") == {
        "again": f"again: this folder link leads to `section`, which is searched already; it was not followed "
                 f"again\n{hint}",
        "section/back": f"section/back: this folder link leads back to `.` (a loop); it was not followed\n{hint}"}


def test_hidden_names_are_skipped_everywhere_by_one_rule(tmp_path, capsys):
    folder = tmp_path / "class"
    for name in (".hidden.yaml", ".git/x.yaml", "__MACOSX/._correct.yaml", "sub/.old/x.yaml"):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(b"not: [valid")
    (folder / "sub" / "correct.yaml").write_bytes(CORRECT)
    assert [name for _, name in find_yaml_files(folder).files] == ["sub/correct.yaml"]
    status, stdout, _ = batch(capsys, folder, tmp_path / "out", "--strict")
    assert status == 0 and stdout.startswith("Graded 1 of 1 submission files") and "No problems" in stdout
    root = tmp_path / "ag"
    shutil.copytree(folder, root / "submission")
    assert main(["gradescope", "--root", str(root), "--rubric", str(RUBRIC_PATH)]) == 0
    assert json.loads((root / "results" / "results.json").read_text("utf-8"))["score"] == 36


def test_gradescope_never_follows_a_link_in_the_upload(tmp_path, capsys):
    root = tmp_path / "ag"
    (root / "submission").mkdir(parents=True)
    (root / "submission" / "submit.yaml").symlink_to(RUBRIC_PATH)
    assert main(["gradescope", "--root", str(root), "--rubric", str(RUBRIC_PATH)]) == 0
    results = json.loads((root / "results" / "results.json").read_text("utf-8"))
    assert results["score"] == 0 and "there is no .yaml file in the upload; the upload holds: submit.yaml" in (
        results["output"])


# --- -o: never the command's own input, never a folder ---------------------------------------------
@pytest.fixture
def out(tmp_path, capsys) -> Path:
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "correct.yaml").write_bytes(CORRECT)
    (folder / "typical.yaml").write_bytes(TYPICAL)
    assert batch(capsys, folder, tmp_path / "OUT")[0] == 0
    return tmp_path / "OUT"


@pytest.mark.parametrize("target", ["results.jsonl", "problems.jsonl", "gradebook.csv", ".grade-manifest.json"])
def test_export_o_at_its_own_input_is_refused(out, capsys, target):
    before = (out / target).read_bytes()
    assert main(["export", "csv", str(out), "-o", str(out / target)]) == 2
    assert capsys.readouterr().err == (
        f"error: {out / target}: this is a file the export reads or `grade batch` wrote; writing there would "
        f"destroy it\n  fix: choose another -o FILE, e.g. {out / 'grades.csv'}\n")
    assert (out / target).read_bytes() == before


def test_export_o_at_the_roster_is_refused(out, capsys, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("Student,ID,SIS User ID,SIS Login ID,Section\n", "utf-8")
    assert main(["export", "canvas", str(out), "--assignment", "HW", "--roster", str(roster), "-o", str(roster)]) == 2
    assert "this is a file the export reads" in capsys.readouterr().err


@pytest.mark.parametrize("command", [
    ["export", "csv", "{out}", "-o", "{folder}"],
    ["export", "canvas", "{out}", "--assignment", "HW", "-o", "{folder}"],
    ["export", "gradescope-zip", str(RUBRIC_PATH), "-o", "{folder}"],
    [str(SUBMISSIONS / "correct.yaml"), "-o", "{folder}"],
    ["sheet", str(RUBRIC_PATH), "-o", "{folder}"],
])
def test_o_at_a_folder_is_a_message(out, capsys, tmp_path, command):
    folder = tmp_path / "somewhere"
    folder.mkdir()
    assert main([part.format(out=out, folder=folder) for part in command]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {folder}: ") and "folder" in err and "Traceback" not in err
    assert list(folder.iterdir()) == []


def test_grade_file_o_at_its_own_submission_is_refused(tmp_path, capsys):
    submission = tmp_path / "submit.yaml"
    submission.write_bytes(CORRECT)
    assert main([str(submission), "-o", str(submission)]) == 2
    assert capsys.readouterr().err == (f"error: {submission}: this is the command's own input; writing there "
                                       "would destroy it\n  fix: choose another file name for -o\n")
    assert submission.read_bytes() == CORRECT


def test_export_default_file_is_replaced_only_when_it_is_our_export(out, capsys):
    (out / "moodle.csv").write_text("my own moodle file\n")
    assert main(["export", "moodle", str(out), "--item", "HW"]) == 2
    assert capsys.readouterr().err == (
        f"error: {out / 'moodle.csv'}: this file exists and was not written by `grade export`; it is left as it is\n"
        "  fix: pass -o FILE to choose where to write (an explicit -o FILE may replace an existing file)\n")
    assert (out / "moodle.csv").read_text() == "my own moodle file\n"
    assert main(["export", "moodle", str(out), "--item", "HW", "-o", str(out / "moodle.csv")]) == 0  # explicit
    assert main(["export", "moodle", str(out), "--item", "HW"]) == 0  # now it is ours
    assert main(["export", "csv", str(out)]) == 0 and main(["export", "csv", str(out)]) == 0


def test_unmatched_csv_beside_an_export_is_not_someone_elses(out, capsys, tmp_path):
    (out / "unmatched.csv").write_text("a list I keep\n")
    roster = tmp_path / "roster.csv"
    roster.write_text("Student,ID,SIS User ID,SIS Login ID,Section\nNobody,1,s9,s9,A\n", "utf-8")
    assert main(["export", "canvas", str(out), "--assignment", "HW", "--roster", str(roster)]) == 2
    assert capsys.readouterr().err.startswith(f"error: {out / 'unmatched.csv'}: this file exists and was not "
                                              "written by `grade export`")
    assert (out / "unmatched.csv").read_text() == "a list I keep\n"


def test_the_default_zip_replaces_only_a_zip_we_built(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "autograder.zip").write_bytes(b"somebody's zip")
    assert main(["export", "gradescope-zip", str(RUBRIC_PATH)]) == 2
    assert "autograder.zip: this file exists and is not an autograder.zip built by `grade export`" in (
        capsys.readouterr().err)
    (tmp_path / "autograder.zip").unlink()
    assert main(["export", "gradescope-zip", str(RUBRIC_PATH)]) == 0
    assert main(["export", "gradescope-zip", str(RUBRIC_PATH)]) == 0
    assert main(["export", "gradescope-zip", str(RUBRIC_PATH), "-o", str(RUBRIC_PATH)]) == 2


def test_gradescope_leaves_a_results_json_it_did_not_write(tmp_path, capsys):
    root = tmp_path / "ag"
    (root / "submission").mkdir(parents=True)
    (root / "submission" / "submit.yaml").write_bytes(CORRECT)
    (root / "results").mkdir()
    (root / "results" / "results.json").write_text("my notes")
    assert main(["gradescope", "--root", str(root), "--rubric", str(RUBRIC_PATH)]) == 2
    assert (root / "results" / "results.json").read_text() == "my notes"
    (root / "results" / "results.json").unlink()
    assert main(["gradescope", "--root", str(root), "--rubric", str(RUBRIC_PATH)]) == 0
    assert main(["gradescope", "--root", str(root), "--rubric", str(RUBRIC_PATH)]) == 0  # its own: replaced


# --- permissions -----------------------------------------------------------------------------------
@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_every_written_file_is_0644_under_umask_022(tmp_path, capsys, monkeypatch):
    previous = os.umask(0o022)
    try:
        folder = tmp_path / "class"
        folder.mkdir()
        (folder / "correct.yaml").write_bytes(CORRECT)
        out = tmp_path / "out"
        assert batch(capsys, folder, out)[0] == 0
        roster = tmp_path / "roster.csv"
        roster.write_text("Student,ID,SIS User ID,SIS Login ID,Section\nNobody,1,s9,s9,A\n", "utf-8")
        assert main(["export", "canvas", str(out), "--assignment", "HW", "--roster", str(roster)]) == 0
        assert main(["export", "moodle", str(out), "--item", "HW"]) == 0
        assert main(["export", "csv", str(out), "-o", str(tmp_path / "grades.csv")]) == 0
        monkeypatch.chdir(tmp_path)
        assert main(["export", "gradescope-zip", str(RUBRIC_PATH)]) == 0
        assert main([str(SUBMISSIONS / "correct.yaml"), "--format", "html", "-o", str(tmp_path / "one.html")]) == 0
        root = tmp_path / "ag"
        (root / "submission").mkdir(parents=True)
        (root / "submission" / "submit.yaml").write_bytes(CORRECT)
        assert main(["gradescope", "--root", str(root), "--rubric", str(RUBRIC_PATH)]) == 0
    finally:
        os.umask(previous)
    files = [path for path in out.rglob("*")] + [
        tmp_path / name for name in ("grades.csv", "autograder.zip", "one.html")] + [root / "results" / "results.json"]
    modes = {path.relative_to(tmp_path).as_posix(): oct(stat.S_IMODE(path.stat().st_mode)) for path in files}
    assert {name for name in modes} >= {"out/canvas.csv", "out/unmatched.csv", "out/moodle.csv", "out/results.jsonl",
                                        "out/.grade-manifest.json", "out/reports/s1001.html"}
    assert modes == {name: "0o755" if (tmp_path / name).is_dir() else "0o644" for name in modes}


def test_a_fifo_roster_is_refused_without_blocking(tmp_path):
    import os

    from grader.errors import UsageError
    from grader.files.roster import read_students

    fifo = tmp_path / "roster.csv"
    os.mkfifo(fifo)
    with pytest.raises(UsageError, match="not a regular file"):
        read_students(fifo)


def test_an_open_file_is_read_to_its_end_even_when_it_grew_and_never_past_the_limit(tmp_path):
    from grader.files.safe_files import read_open_file

    path = tmp_path / "growing.yaml"
    path.write_bytes(b"a" * 10)
    descriptor = os.open(path, os.O_RDONLY)
    try:
        size = os.fstat(descriptor).st_size
        with open(path, "ab") as stream:  # it grows after its size was taken
            stream.write(b"b" * 3_000_000)
        assert read_open_file(descriptor, size) == b"a" * 10 + b"b" * 3_000_000
        os.lseek(descriptor, 0, os.SEEK_SET)
        assert len(read_open_file(descriptor, size, max_bytes=1_500_000)) == 1_500_001  # the caller sees "too big"
    finally:
        os.close(descriptor)
