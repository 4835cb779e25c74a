"""The output is byte-identical for any --jobs and any file order, and appears atomically."""

from __future__ import annotations

import os
import random
import shutil
import signal
from pathlib import Path

import pytest

from batch_support import read_tree
from grader.batch import pipeline, runner


def shuffled_copy(source: Path, target: Path, seed: int) -> Path:
    """The same files, created in a random order (so the directory listing order differs)."""
    files = [path for path in source.rglob("*") if path.is_file()]
    random.Random(seed).shuffle(files)
    for path in files:
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)
    return target


def test_byte_identical_for_any_jobs_and_file_order(class_folder, tmp_path, grade_batch):
    outputs = []
    for name, folder, jobs in [("one", class_folder, "1"), ("two", class_folder, "2"),
                               ("shuffled", shuffled_copy(class_folder, tmp_path / "copy", seed=7), "2"),
                               ("three", class_folder, "3")]:
        status, _, _ = grade_batch(folder, tmp_path / name, "--jobs", jobs)
        assert status == 0
        outputs.append(read_tree(tmp_path / name))
    assert len(outputs[0]) > 100
    for other in outputs[1:]:
        assert other.keys() == outputs[0].keys()
        assert other == outputs[0]


def test_rerun_replaces_what_the_previous_run_wrote(class_folder, tmp_path, grade_batch):
    out = tmp_path / "out"
    assert grade_batch(class_folder, out)[0] == 0
    (out / "reports" / "by-hand.html").write_text("a TA's page, not the grader's")
    shutil.rmtree(class_folder / "section-1")
    status, stdout, _ = grade_batch(class_folder, out)
    assert status == 0
    assert not (out / "reports" / "s2001.html").exists()  # section-1 held student 1: its report was the grader's
    assert (out / "reports" / "by-hand.html").read_text() == "a TA's page, not the grader's"
    assert "Kept 1 file that grade batch did not write: reports/by-hand.html." in stdout
    assert sorted(path.name for path in tmp_path.iterdir()) == ["class", "out"]  # no temporary folder left


class Crash(Exception):
    pass


def crash_after(calls: int, error: BaseException):
    original = runner.write_report
    count = {"calls": 0}

    def write_report(path: Path, text: str) -> None:
        count["calls"] += 1
        if count["calls"] > calls:
            raise error
        original(path, text)

    return write_report


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_crash_mid_run_leaves_the_old_output_untouched(class_folder, tmp_path, grade_batch, monkeypatch, jobs):
    out = tmp_path / "out"
    assert grade_batch(class_folder, out)[0] == 0
    before = read_tree(out)
    (class_folder / "correct.yaml").unlink()  # the new run would differ
    monkeypatch.setattr(runner, "_link_previous", lambda *args: False)  # every report written again
    monkeypatch.setattr(runner, "write_report", crash_after(10, Crash("disk full")))
    with pytest.raises(Crash):
        grade_batch(class_folder, out, "--jobs", jobs)
    assert read_tree(out) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["class", "out"]


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="kill -9 is POSIX")
def test_a_worker_killed_mid_run_is_a_message_and_leaves_the_old_output_untouched(class_folder, tmp_path, grade_batch,
                                                                                monkeypatch):
    out = tmp_path / "out"
    assert grade_batch(class_folder, out)[0] == 0
    before = read_tree(out)
    (class_folder / "correct.yaml").unlink()  # the new run would differ
    parent = os.getpid()
    original = runner.write_report

    def killed_in_a_worker(path: Path, text: str):
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)  # as the OOM killer or a `kill -9` would
        return original(path, text)

    monkeypatch.setattr(runner, "CHUNK_FILES", 4)  # several chunks, so the pool runs
    monkeypatch.setattr(runner, "_link_previous", lambda *args: False)  # every report written again
    monkeypatch.setattr(runner, "write_report", killed_in_a_worker)
    status, _, stderr = grade_batch(class_folder, out, "--jobs", "2")
    assert status == 1
    assert "a process grading the class ended before it finished" in stderr and "Traceback" not in stderr
    assert read_tree(out) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["class", "out"]


def test_ctrl_c_leaves_the_old_output_untouched(class_folder, tmp_path, grade_batch, monkeypatch):
    out = tmp_path / "out"
    assert grade_batch(class_folder, out)[0] == 0
    before = read_tree(out)
    monkeypatch.setattr(runner, "_link_previous", lambda *args: False)  # every report written again
    monkeypatch.setattr(runner, "write_report", crash_after(25, KeyboardInterrupt()))
    status, _, stderr = grade_batch(class_folder, out, "--jobs", "1")
    assert status == 130 and "interrupted" in stderr
    assert read_tree(out) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["class", "out"]


def test_a_gradebook_that_cannot_be_written_leaves_the_old_output_untouched(class_folder, tmp_path, grade_batch,
                                                                            monkeypatch):
    out = tmp_path / "out"
    assert grade_batch(class_folder, out)[0] == 0
    before = read_tree(out)
    (class_folder / "correct.yaml").unlink()  # the new run would differ

    def full_disk(stream, rows, rubric):
        stream.write("id,name\n")
        raise Crash("no space left on device")

    monkeypatch.setattr(pipeline, "write_gradebook", full_disk)
    with pytest.raises(Crash, match="no space left"):
        grade_batch(class_folder, out)
    assert read_tree(out) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["class", "out"]


def test_a_first_run_that_crashes_leaves_nothing(class_folder, tmp_path, grade_batch, monkeypatch):
    monkeypatch.setattr(runner, "write_report", crash_after(3, Crash("no space")))
    with pytest.raises(Crash):
        grade_batch(class_folder, tmp_path / "out", "--jobs", "1")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["class"]


def test_one_unexpected_exception_is_one_problem(class_folder, tmp_path, grade_batch, monkeypatch):
    import grader.batch.runner as module

    original = module.grade_submission

    def flaky(submission, rubric, **options):
        if submission.student.id == "s2007":
            raise ZeroDivisionError("a bug")
        return original(submission, rubric, **options)

    monkeypatch.setattr(module, "grade_submission", flaky)
    out = tmp_path / "out"
    assert grade_batch(class_folder, out, "--jobs", "2")[0] == 0
    problems = (out / "problems.jsonl").read_text("utf-8")
    assert ('"file": "section-1/student-07.yaml", "message": "section-1/student-07.yaml: the grader failed on '
            'this file (ZeroDivisionError: a bug)') in problems
    assert '"s2008"' in (out / "results.jsonl").read_text("utf-8")
