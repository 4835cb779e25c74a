"""`grade batch` over a whole class: every output file exists and says the right thing."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from batch_support import BAD_IN_REPO, EXAMPLES, GENERATED, MALFORMED, SUBMISSIONS, read_tree, write_class
from grader.results import Result


@pytest.fixture
def graded(class_folder: Path, tmp_path: Path, grade_batch):
    out = tmp_path / "out"
    status, stdout, stderr = grade_batch(class_folder, out, "--jobs", "2")
    assert status == 0, stderr
    return out, stdout


def load_results(out: Path) -> list[Result]:
    return [Result.model_validate_json(line) for line in (out / "results.jsonl").read_text("utf-8").splitlines()]


def test_every_output_is_written(graded):
    out, _ = graded
    names = {path.name for path in out.iterdir()}
    assert names == {"results.jsonl", "gradebook.csv", "reports", "summary.html", "review.yaml", "problems.jsonl",
                     ".grade-manifest.json", ".grade-cache.jsonl"}


def test_results_hold_one_result_per_good_file_sorted_by_id(graded):
    out, _ = graded
    results = load_results(out)
    good = len(EXAMPLES) - len(BAD_IN_REPO) + GENERATED
    ids = [result.student.id for result in results]
    assert len(results) == good
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert "s1001" in ids and "s2059" in ids


def test_malformed_files_are_only_in_problems(graded):
    out, _ = graded
    problems = [json.loads(line) for line in (out / "problems.jsonl").read_text("utf-8").splitlines()]
    assert [problem["file"] for problem in problems] == sorted(set(MALFORMED) | BAD_IN_REPO)
    for problem in problems:
        assert problem["message"].startswith(problem["file"] + ": ")  # names the file, like `grade FILE`
    ids = {result.student.id for result in load_results(out)}
    assert not ids & {"s9001", "s9004", "s9005", "s1003"}
    messages = {problem["file"]: problem["message"] for problem in problems}
    assert "the key `p3` is given twice" in messages["invalid.yaml"]
    assert "not valid YAML" in messages["broken/not-yaml.yaml"]
    assert "is for assignment `hw-other`" in messages["broken/other-assignment.yaml"]
    assert "python/object" in messages["broken/python-tag.yaml"]


def test_problem_message_is_what_grade_file_prints(graded, capsys):
    from grader.cli import main

    out, _ = graded
    problems = {json.loads(line)["file"]: json.loads(line)["message"]
                for line in (out / "problems.jsonl").read_text("utf-8").splitlines()}
    assert main([str(SUBMISSIONS / "invalid.yaml")]) == 2
    printed = capsys.readouterr().err
    assert printed == f"error: {problems['invalid.yaml']}\n".replace("invalid.yaml", str(SUBMISSIONS / "invalid.yaml"), 1)


def test_gradebook_matches_results(graded, rubric):
    out, _ = graded
    rows = list(csv.reader(io.StringIO((out / "gradebook.csv").read_text("utf-8"), newline="")))
    assert rows[0] == ["student_id", "name", "email", "total", "max", *rubric.questions]
    results = load_results(out)
    assert [row[0] for row in rows[1:]] == [result.student.id for result in results]
    for row, result in zip(rows[1:], results):
        assert float(row[3]) == result.score and float(row[4]) == result.max_score
        assert [float(cell) for cell in row[5:]] == [question.score for question in result.questions]


def test_every_graded_student_has_both_reports(graded):
    out, _ = graded
    ids = [result.student.id for result in load_results(out)]
    expected = {f"{student_id}{suffix}" for student_id in ids for suffix in (".html", ".md")}
    assert {path.name for path in (out / "reports").iterdir()} == expected
    assert "Charles Babbage" in (out / "reports" / "s1002.html").read_text("utf-8")
    assert "**Score:**" in (out / "reports" / "s1002.md").read_text("utf-8")


def test_review_lists_every_answer_to_review(graded, rubric):
    out, _ = graded
    entries = yaml.safe_load((out / "review.yaml").read_text("utf-8"))
    expected = [(question.id, result.student.id, question.answer, question.score, question.concepts)
                for result in load_results(out) for question in result.questions if question.status == "needs_review"]
    order = list(rubric.questions)
    expected.sort(key=lambda item: (order.index(item[0]), item[1]))
    assert [(e["question"], e["student"], e["answer"], e["provisional"], e["concepts"]) for e in entries] == expected
    assert all(entry["score"] is None and "reviewed" not in entry for entry in entries)  # nothing decided yet


def test_end_of_run_paragraph(graded):
    _, stdout = graded
    assert re.fullmatch(r"Graded 62 of 69 submission files into .*out\. 7 could not be graded: see .*problems\.jsonl\. "
                        r"[\d,]+ answers need review \(.*review\.yaml\)\. Mean score [\d.]+ / \d+ \([\d.]+%\)\.\n",
                        stdout)


def test_no_reports_skips_the_folder(class_folder, tmp_path, grade_batch):
    status, _, _ = grade_batch(class_folder, tmp_path / "out", "--no-reports")
    assert status == 0
    assert not (tmp_path / "out" / "reports").exists()
    assert 'href="reports/' not in (tmp_path / "out" / "summary.html").read_text("utf-8")


@pytest.mark.parametrize("bad_files, status", [(True, 1), (False, 0)])
def test_strict_exits_1_only_when_there_were_problems(tmp_path, grade_batch, bad_files, status):
    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copyfile(SUBMISSIONS / "correct.yaml", folder / "correct.yaml")
    if bad_files:
        shutil.copyfile(SUBMISSIONS / "invalid.yaml", folder / "invalid.yaml")
    assert grade_batch(folder, tmp_path / "out", "--strict")[0] == status
    assert grade_batch(folder, tmp_path / "out")[0] == 0  # without --strict, problems are not a failure


def test_shared_student_id_is_a_problem_for_every_file(tmp_path, grade_batch):
    copy = (SUBMISSIONS / "correct.yaml").read_text("utf-8")
    folder = write_class(tmp_path / "class", extra={"late/again.yaml": copy, "late/shouting.yaml":
                                                    copy.replace('id: "s1001"', 'id: "S1001"')})
    out = tmp_path / "out"
    assert grade_batch(folder, out)[0] == 0
    problems = {json.loads(line)["file"]: json.loads(line)["message"]
                for line in (out / "problems.jsonl").read_text("utf-8").splitlines()}
    for name, others in [("correct.yaml", ["late/again.yaml", "late/shouting.yaml (as `S1001`)"]),
                         ("late/again.yaml", ["correct.yaml", "late/shouting.yaml"]),
                         ("late/shouting.yaml", ["correct.yaml (as `s1001`)", "late/again.yaml (as `s1001`)"])]:
        assert problems[name].startswith(f"{name}: student.id: the student id")
        for other in others:
            assert other in problems[name]
    ids = {result.student.id.casefold() for result in load_results(out)}
    assert "s1001" not in ids
    assert "s1001" not in (out / "gradebook.csv").read_text("utf-8").casefold()
    assert not list((out / "reports").glob("s1001.*")) and not list((out / "reports").glob("S1001.*"))


def test_a_student_cannot_set_an_override_or_a_score(tmp_path, grade_batch):
    folder = tmp_path / "class"
    folder.mkdir()
    text = (SUBMISSIONS / "typical-mistakes.yaml").read_text("utf-8")
    text = text.replace("  p4:\n", "  p4:\n    override: {score: 2, comment: mine}\n    b: {answer: 'It is blurry.', score: 2, override: {score: 2}}\n    c:\n")
    (folder / "sneaky.yaml").write_text(text.replace('    b: "The reconstructions get blurry."\n', ""), "utf-8")
    out = tmp_path / "out"
    assert grade_batch(folder, out)[0] == 0
    result = load_results(out)[0]
    assert all(question.override is None for question in result.questions)
    assert "TA decision" not in (out / "reports" / "s1002.html").read_text("utf-8")


def test_an_output_folder_inside_the_submissions_is_not_graded(class_folder, grade_batch):
    first = grade_batch(class_folder, class_folder / "graded")
    second = grade_batch(class_folder, class_folder / "graded")
    assert first[0] == second[0] == 0
    assert "review.yaml" not in (class_folder / "graded" / "problems.jsonl").read_text("utf-8")
    assert first[1] == second[1]


@pytest.mark.parametrize("setup, message", [
    ("out-is-input", "the output folder holds the submissions"),
    ("out-is-a-file", "--out names a file"),
    ("out-is-foreign", "not empty and has no .grade-manifest.json, so `grade batch` did not write it"),
    ("no-files", "no .yaml or .yml files"),
    ("not-a-folder", "not a folder of submissions"),
])
def test_refuses_what_would_destroy_something(tmp_path, grade_batch, setup, message):
    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copyfile(SUBMISSIONS / "correct.yaml", folder / "correct.yaml")
    out = tmp_path / "out"
    if setup == "out-is-input":
        out = folder
    elif setup == "out-is-a-file":
        out.write_text("keep me")
    elif setup == "out-is-foreign":
        out.mkdir()
        (out / "thesis.tex").write_text("keep me")
    elif setup == "no-files":
        (folder / "correct.yaml").unlink()
    elif setup == "not-a-folder":
        folder = tmp_path / "missing"
    before = read_tree(tmp_path)
    status, _, stderr = grade_batch(folder, out)
    assert status == 2
    assert stderr.startswith("error: ") and message in stderr
    assert read_tree(tmp_path) == before
