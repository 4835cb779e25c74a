"""Reading OUT/results.jsonl: sorted results, and errors that name the file, the line and the fix."""

from __future__ import annotations

import json

import pytest

from export_support import CORRECT, WRONG
from grader.cli import main
from grader.errors import UsageError
from grader.export.results_io import count_problems, read_results


def test_results_come_back_sorted_by_student(graded, out_dir):
    folder = out_dir([graded("s3", CORRECT), graded("s1", WRONG), graded("s2", CORRECT)])
    assert [result.student.id for result in read_results(folder)] == ["s1", "s2", "s3"]


def test_blank_lines_are_skipped(graded, tmp_path):
    (tmp_path / "results.jsonl").write_text("\n" + graded("s1", CORRECT).to_json() + "\n\n", encoding="utf-8")
    assert len(read_results(tmp_path)) == 1


@pytest.mark.parametrize("lines, match", [
    # not what `grade batch` writes
    (["{not json"], r"results\.jsonl: line 1: not a graded result"),
    (["@GOOD", '{"assignment": "hw-export"}'], r"line 2: not a graded result: student: Field required"),
    (["@GOOD", "[1, 2]"], r"line 2: not a graded result"),
    ([], r"holds no results.*\n  fix: run `grade batch"),
    # two results for one student, or two assignments in one folder
    (["@GOOD", "@GOOD"], r"line 2: student `s1` is graded twice \(lines 1 and 2\)"),
    (["@GOOD", "@OTHER"], r"line 2: this result is for assignment `hw-other`"),
])
def test_bad_results_files(graded, tmp_path, lines, match):
    good = graded("s1", CORRECT)
    other = good.model_copy(update={"assignment": "hw-other", "student": good.student.model_copy(update={"id": "s2"})})
    text = "\n".join({"@GOOD": good.to_json(), "@OTHER": other.to_json()}.get(line, line) for line in lines)
    (tmp_path / "results.jsonl").write_text(text, encoding="utf-8")
    with pytest.raises(UsageError, match=match):
        read_results(tmp_path)


def test_not_utf8(tmp_path):
    (tmp_path / "results.jsonl").write_bytes(b"\xff\xfe{}")
    with pytest.raises(UsageError, match="not UTF-8"):
        read_results(tmp_path)


@pytest.mark.parametrize("make, match", [
    (lambda tmp: tmp / "nowhere", r"nowhere: there is no such folder\n  fix: run `grade batch"),
    (lambda tmp: tmp, r"the folder has no results\.jsonl\n  fix: run `grade batch DIR --rubric FILE --out OUT` first"),
])
def test_missing_batch_output(tmp_path, make, match):
    with pytest.raises(UsageError, match=match):
        read_results(make(tmp_path))


@pytest.mark.parametrize("target", ["canvas", "moodle", "csv"])
def test_cli_says_run_grade_batch_first(tmp_path, capsys, target):
    extra = {"canvas": ["--assignment", "Homework 3"], "moodle": ["--item", "Homework 3"], "csv": []}[target]
    assert main(["export", target, str(tmp_path), *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "run `grade batch" in err


def test_count_problems(tmp_path):
    assert count_problems(tmp_path) == 0
    lines = [json.dumps({"file": "a.yaml", "message": "x"}), "not json", json.dumps({"file": "b.yaml", "message": "y"})]
    (tmp_path / "problems.jsonl").write_text("\n".join(lines), encoding="utf-8")
    assert count_problems(tmp_path) == 2
