"""Killed runs and runs at once: the lock beside OUT, SIGTERM, and the temporary folders a kill -9 leaves.

The concurrent and SIGTERM cases run `grade batch` as subprocesses (with timeouts), as a TA's
shell would; nothing they print may be a traceback.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # file_safety_support

from batch_support import generated_submission, read_tree  # noqa: E402
from file_safety_support import RUBRIC_PATH, TIMEOUT, environment, grade_command  # noqa: E402
from grader.files import out_folder as lock_module  # noqa: E402
from grader.files.out_folder import MARKER_TEXT, STAGING_MARKER  # noqa: E402

import yaml  # noqa: E402


def big_class(folder: Path, count: int) -> Path:
    """`count` generated submissions: enough work for a run to be caught in the middle."""
    folder.mkdir()
    for number in range(count):
        document = generated_submission(number)
        document["student"]["id"] = f"s{5000 + number}"
        (folder / f"student-{number:04d}.yaml").write_text(yaml.safe_dump(document, sort_keys=False), "utf-8")
    return folder


def start_batch(folder: Path, out: Path, *options: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(grade_command("batch", str(folder), "--rubric", str(RUBRIC_PATH), "--out", str(out),
                                          "--quiet", *options),
                            env=environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def beside(out: Path) -> list[str]:
    return sorted(path.name for path in out.parent.iterdir() if path.name.startswith(f".{out.name}."))


# --- leftovers of a kill -9 ------------------------------------------------------------------------
def test_leftovers_of_a_killed_run_are_removed_but_a_foreign_folder_stays(small_class, tmp_path, grade_batch):
    out = tmp_path / "out"
    assert grade_batch(small_class, out)[0] == 0
    # killed while grading: the staging folder with its marker and half the reports
    staging = tmp_path / ".out.tmp-k1ll3d"
    (staging / "reports").mkdir(parents=True)
    (staging / STAGING_MARKER).write_text(MARKER_TEXT)
    (staging / "reports" / "s1001.html").write_text("half a report")
    # killed during the swap: the previous OUT renamed away, its manifest still listing its files
    old = tmp_path / ".out.old-s3cond"
    shutil.copytree(out, old)
    # a folder of the same shape that the grader cannot prove is its own
    foreign = tmp_path / ".out.tmp-x"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("keep me")
    # a kept file that was being moved when the run died: never deleted with the grader's own files
    moving = tmp_path / ".out.old-m0ving"
    shutil.copytree(out, moving)
    (moving / "roster.csv").write_text("student_id\n")

    status, stdout, _ = grade_batch(small_class, out)
    assert status == 0
    assert stdout.startswith("Removed 2 temporary folders that a killed run had left: .out.old-s3cond, "
                             ".out.tmp-k1ll3d. Graded 2 of 2")
    assert beside(out) == [".out.old-m0ving", ".out.tmp-x"]
    assert (foreign / "thesis.tex").read_text() == "keep me"
    assert read_tree(moving) == {"roster.csv": b"student_id\n"}


def test_a_marker_with_other_text_proves_nothing(small_class, tmp_path, grade_batch):
    out = tmp_path / "out"
    staging = tmp_path / ".out.tmp-abc"
    staging.mkdir()
    (staging / STAGING_MARKER).write_text("not ours\n")
    (staging / "data.csv").write_text("1,2\n")
    assert grade_batch(small_class, out)[0] == 0
    assert read_tree(staging) == {STAGING_MARKER: b"not ours\n", "data.csv": b"1,2\n"}


# --- SIGTERM ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("first_run", [True, False])
def test_sigterm_leaves_no_temporary_folder_and_the_previous_out(tmp_path, first_run):
    folder = big_class(tmp_path / "class", 400)
    out = tmp_path / "out"
    if not first_run:
        out.mkdir()
        run = start_batch(folder, out, "--jobs", "2")
        assert run.wait(TIMEOUT) == 0
        before = read_tree(out)
        for path in folder.rglob("*.yaml"):  # every file changed, so the run is not over at once (result cache)
            path.write_text(path.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    process = start_batch(folder, out, "--jobs", "2")
    deadline = time.monotonic() + TIMEOUT
    while not any(name.startswith(".out.tmp-") for name in beside(out)):  # grading has begun
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.005)
    time.sleep(0.2)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=TIMEOUT)
    assert process.returncode == 130, stderr
    assert stderr.decode("utf-8") == "interrupted\n"
    assert beside(out) == []
    if first_run:
        assert not out.exists()
    else:
        assert read_tree(out) == before


# --- two runs at once ------------------------------------------------------------------------------
def test_two_runs_at_once_on_one_new_out_never_trace_back(tmp_path):
    folder = big_class(tmp_path / "class", 150)
    out = tmp_path / "out"
    runs = [start_batch(folder, out, "--jobs", "1") for _ in range(2)]
    outcomes = [(run.wait(TIMEOUT), *(stream.decode("utf-8") for stream in run.communicate())) for run in runs]
    for status, stdout, stderr in outcomes:
        assert "Traceback" not in stderr and "Error:" not in stderr, stderr
        assert status in (0, 2), stderr
        if status == 2:  # refused after waiting: the message says why and what to do
            assert stderr.endswith(f"error: {out}: another run is writing this folder (it holds .out.lock)\n"
                                   "  fix: wait until it has finished, then run `grade batch` again; or choose "
                                   "another output folder\n"), stderr
    assert 0 in [status for status, _, _ in outcomes]
    assert len((out / "results.jsonl").read_text("utf-8").splitlines()) == 150
    assert beside(out) == []


def test_a_run_waits_for_the_lock_then_is_refused_with_a_message(small_class, tmp_path, grade_batch, monkeypatch):
    import fcntl

    out = tmp_path / "out"
    monkeypatch.setattr(lock_module, "LOCK_WAIT_SECONDS", 0.3)
    with open(tmp_path / ".out.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # another run is writing OUT
        status, stdout, stderr = grade_batch(small_class, out)
    assert status == 2 and stdout == ""
    assert stderr == (f"waiting for another run that is writing {out} ...\n"
                      f"error: {out}: another run is writing this folder (it holds .out.lock)\n"
                      "  fix: wait until it has finished, then run `grade batch` again; or choose another "
                      "output folder\n")
    assert not out.exists()
    assert grade_batch(small_class, out)[0] == 0  # released: the lock a dead run held is no obstacle
    assert sorted(path.name for path in tmp_path.iterdir()) == ["class", "out"]


def test_a_lock_file_that_is_a_link_is_refused(small_class, tmp_path, grade_batch):
    target = tmp_path / "victim.txt"
    target.write_text("keep me")
    (tmp_path / ".out.lock").symlink_to(target)
    status, _, stderr = grade_batch(small_class, tmp_path / "out")
    assert status == 2 and f"error: {tmp_path / '.out.lock'}: cannot create the lock file" in stderr
    assert target.read_text() == "keep me"


def test_the_sigterm_handler_is_the_callers_again_after_a_run(small_class, tmp_path, grade_batch):
    def mine(signum, frame):
        raise AssertionError("not called")

    before = signal.signal(signal.SIGTERM, mine)
    try:
        assert grade_batch(small_class, tmp_path / "out", "--jobs", "2")[0] == 0
        assert signal.getsignal(signal.SIGTERM) is mine
    finally:
        signal.signal(signal.SIGTERM, before)
