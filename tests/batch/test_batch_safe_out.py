"""Nothing a user owns is lost: OUT is replaced only as far as the grader wrote it, and TA decisions stay.

Each test is one guarantee of issue 9 (items 1 and 2): a folder without the grader's manifest is
refused untouched; a rerun keeps every file the grader did not write and says so; decisions
typed into OUT/review.yaml survive a rerun without --overrides; --discard-decisions drops them;
a decision whose answer changed goes back to the queue, marked stale; a hostile score in a
decision file is a message with the file and the line.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
import yaml

from batch_support import read_tree
from grader.files.out_folder import MANIFEST_NAME
from grader.batch.overrides import answer_hash
from grader.results import Result


def results_by_id(out: Path) -> dict[str, Result]:
    lines = (out / "results.jsonl").read_text("utf-8").splitlines()
    return {result.student.id: result for result in map(Result.model_validate_json, lines)}


def question(result: Result, question_id: str):
    return next(q for q in result.questions if q.id == question_id)


def decide(review: Path, student: str, question_id: str, score: float | str, comment: str | None = None) -> None:
    """Type a score (and a comment) into review.yaml's entry, in place, as a TA does in an editor."""
    lines = review.read_text("utf-8").splitlines(keepends=True)
    current = None
    for number, line in enumerate(lines):
        if line.startswith("- student: "):
            current = [yaml.safe_load(line[len("- student: "):]), None]
        elif line.startswith("  question: ") and current is not None:
            current[1] = yaml.safe_load(line[len("  question: "):])
        elif line.startswith("  score:") and current == [student, question_id]:
            lines[number] = f"  score: {score}\n" + (f"  comment: {json.dumps(comment)}\n" if comment else "")
            review.write_text("".join(lines), "utf-8")
            return
    raise AssertionError(f"no entry for {student} {question_id}")


def position(review: Path, student: str, question_id: str) -> tuple[int, int]:
    """(entry number, line) of an entry of review.yaml, counted as the grader's messages count them."""
    index, start = 0, 0
    for number, line in enumerate(review.read_text("utf-8").splitlines(), start=1):
        if line.startswith("- student: "):
            index, start = index + 1, number
            who = yaml.safe_load(line[len("- student: "):])
        elif line.startswith("  question: ") and (who, yaml.safe_load(line[len("  question: "):])) == (
                student, question_id):
            return index, start
    raise AssertionError(f"no entry for {student} {question_id}")


def entries(out: Path) -> dict[tuple[str, str], dict]:
    return {(e["student"], e["question"]): e for e in yaml.safe_load((out / "review.yaml").read_text("utf-8"))}


# --- item 1: the output folder ---------------------------------------------------------------------
def test_a_folder_with_notes_and_an_empty_results_file_is_refused_untouched(small_class, tmp_path, grade_batch):
    out = tmp_path / "home"
    out.mkdir()
    (out / "notes.txt").write_text("my thesis notes")
    (out / "results.jsonl").write_text("")  # a marker name alone proves nothing
    (out / "Documents").mkdir()
    (out / "Documents" / "cv.pdf").write_bytes(b"%PDF")
    before = read_tree(tmp_path)
    status, stdout, stderr = grade_batch(small_class, out)
    assert status == 2 and stdout == ""
    assert stderr == (f"error: {out}: this folder is not empty and has no .grade-manifest.json, so `grade batch` "
                      "did not write it; nothing in it was changed\n"
                      "  fix: choose a new --out folder, or move its files elsewhere first\n")
    assert read_tree(tmp_path) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["class", "home"]  # no lock or temporary left


def test_the_manifest_lists_every_file_written_with_its_sha256(small_class, tmp_path, grade_batch):
    import hashlib

    out = tmp_path / "out"
    assert grade_batch(small_class, out)[0] == 0
    manifest = json.loads((out / MANIFEST_NAME).read_text("utf-8"))
    assert manifest["tool"] == "grade" and manifest["exports"] == {}
    tree = read_tree(out)
    del tree[MANIFEST_NAME]
    assert manifest["files"] == {name: hashlib.sha256(data).hexdigest() for name, data in tree.items()}


def test_a_rerun_keeps_every_file_it_did_not_write_and_says_so(small_class, tmp_path, grade_batch):
    out = tmp_path / "out"
    assert grade_batch(small_class, out)[0] == 0
    mine = {"canvas.csv": "Student,ID\n", "moodle.csv": "ID number,HW\n", "roster.csv": "student_id,name\n",
            "notes/week1.txt": "ask about p4.b", "reports/s1001-feedback-by-hand.txt": "well done"}
    for name, text in mine.items():
        (out / name).parent.mkdir(exist_ok=True)
        (out / name).write_text(text)
    (out / "empty-folder").mkdir()
    (small_class / "correct.yaml").unlink()  # the new run differs: s1001's reports go
    status, stdout, _ = grade_batch(small_class, out)
    assert status == 0
    for name, text in mine.items():
        assert (out / name).read_text() == text, name
    assert (out / "empty-folder").is_dir()
    assert not (out / "reports" / "s1001.html").exists()
    assert ("Kept 6 files that grade batch did not write: canvas.csv, empty-folder/, moodle.csv, notes/, "
            "reports/s1001-feedback-by-hand.txt, roster.csv.") in stdout
    fresh = tmp_path / "fresh"
    assert grade_batch(small_class, fresh)[0] == 0
    kept = set(mine) | {"reports/s1001-feedback-by-hand.txt"}
    assert {name: data for name, data in read_tree(out).items() if name not in kept} == read_tree(fresh)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["class", "fresh", "out"]


def test_exports_in_out_are_kept_and_named_stale_after_a_regrade(small_class, tmp_path, grade_batch, capsys):
    from grader.cli import main

    out = tmp_path / "out"
    assert grade_batch(small_class, out)[0] == 0
    assert main(["export", "csv", str(out)]) == 0
    capsys.readouterr()
    exported = (out / "grades.csv").read_bytes()
    status, stdout, _ = grade_batch(small_class, out)
    assert status == 0
    assert (out / "grades.csv").read_bytes() == exported
    assert ("Kept 1 file that grade batch did not write: grades.csv. grades.csv was exported from the previous "
            "results: run `grade export` again.") in stdout
    assert main(["export", "csv", str(out)]) == 0  # the export still knows the file is its own


def test_a_file_the_grader_wrote_and_someone_changed_is_not_replaced(small_class, tmp_path, grade_batch):
    out = tmp_path / "out"
    assert grade_batch(small_class, out)[0] == 0
    with open(out / "gradebook.csv", "a", encoding="utf-8") as stream:
        stream.write("s9999,Added By Hand,,36,36\n")
    before = read_tree(tmp_path)
    status, _, stderr = grade_batch(small_class, out)
    assert status == 2
    assert stderr == (f"error: {out}: gradebook.csv changed after `grade batch` wrote it; a new run would replace "
                      "it\n  fix: to keep your changes, move the file(s) out of this folder (or delete them), "
                      "then run again\n")
    assert read_tree(tmp_path) == before


def test_out_may_not_be_a_link(small_class, tmp_path, grade_batch):
    real = tmp_path / "real"
    assert grade_batch(small_class, real)[0] == 0
    (tmp_path / "link").symlink_to(real)
    status, _, stderr = grade_batch(small_class, tmp_path / "link")
    assert status == 2 and "--out is a link; the grader replaces only a folder it wrote" in stderr


# --- item 2: decisions -----------------------------------------------------------------------------
def test_a_rerun_applies_the_decisions_typed_into_review_yaml(small_class, tmp_path, grade_batch):
    out = tmp_path / "out"
    assert grade_batch(small_class, out)[0] == 0
    decide(out / "review.yaml", "s1002", "p4.b", 2, "Blurry is right.")
    decide(out / "review.yaml", "s1001", "p2.a.why", 0.5)
    status, stdout, _ = grade_batch(small_class, out)  # no --overrides
    assert status == 0
    assert f"2 TA decisions applied (from {out / 'review.yaml'})." in stdout
    after = results_by_id(out)
    assert question(after["s1002"], "p4.b").override.model_dump() == {"score": 2.0, "comment": "Blurry is right."}
    assert question(after["s1001"], "p2.a.why").score == 0.5
    kept = entries(out)
    assert (kept[("s1002", "p4.b")]["score"], kept[("s1002", "p4.b")]["reviewed"]) == (2, True)
    once = read_tree(out)
    assert grade_batch(small_class, out)[0] == 0  # and again: nothing changes
    assert read_tree(out) == once


def test_discard_decisions_drops_them(small_class, tmp_path, grade_batch):
    out = tmp_path / "out"
    assert grade_batch(small_class, out)[0] == 0
    fresh = read_tree(out)
    decide(out / "review.yaml", "s1002", "p4.b", 2)
    status, stdout, _ = grade_batch(small_class, out, "--discard-decisions")
    assert status == 0 and "TA decisions applied" not in stdout
    assert all(q.override is None for result in results_by_id(out).values() for q in result.questions)
    assert read_tree(out) == fresh


def test_overrides_files_add_to_review_yaml_and_win_over_it(small_class, tmp_path, grade_batch):
    out = tmp_path / "out"
    assert grade_batch(small_class, out)[0] == 0
    decide(out / "review.yaml", "s1002", "p4.b", 2)
    decide(out / "review.yaml", "s1002", "p2.a.why", 0.5)
    extra = tmp_path / "extra.yaml"
    extra.write_text("- {student: s1002, question: p4.b, score: 0.5}\n- {student: s1001, question: p3.c, score: 1}\n")
    status, stdout, _ = grade_batch(small_class, out, "--overrides", str(extra))
    assert status == 0
    assert f"3 TA decisions applied (from {out / 'review.yaml'}, {extra})." in stdout
    after = results_by_id(out)
    assert [question(after["s1002"], "p4.b").score, question(after["s1002"], "p2.a.why").score,
            question(after["s1001"], "p3.c").score] == [0.5, 0.5, 1]


def test_a_changed_answer_sends_its_decision_back_to_the_queue_marked_stale(small_class, tmp_path, grade_batch):
    out = tmp_path / "out"
    assert grade_batch(small_class, out)[0] == 0
    decide(out / "review.yaml", "s1002", "p4.b", 2, "Blurry is right.")
    decide(out / "review.yaml", "s1001", "p2.a.why", 0.5)
    assert grade_batch(small_class, out)[0] == 0
    submission = small_class / "typical-mistakes.yaml"
    submission.write_text(submission.read_text("utf-8").replace(
        '    b: "The reconstructions get blurry."', '    b: "Nothing happens to the reconstructions."'), "utf-8")

    status, stdout, _ = grade_batch(small_class, out)
    assert status == 0
    assert ("1 TA decision no longer matches the student's answer and is back in the review queue, marked stale: "
            "s1002 p4.b.") in stdout
    assert f"1 TA decision applied (from {out / 'review.yaml'})." in stdout  # s1001's still holds
    p4b = question(results_by_id(out)["s1002"], "p4.b")
    assert p4b.override is None and p4b.status == "needs_review"
    entry = entries(out)[("s1002", "p4.b")]
    assert entry["answer"] == "Nothing happens to the reconstructions."
    assert entry["answer_sha256"] == answer_hash("Nothing happens to the reconstructions.")
    assert (entry["score"], entry["stale"], entry["previous_score"], entry["previous_comment"]) == (
        None, True, 2, "Blurry is right.")
    assert "reviewed" not in entry

    assert "marked stale: s1002 p4.b." in grade_batch(small_class, out)[1]  # still listed until a TA decides
    decide(out / "review.yaml", "s1002", "p4.b", 0, "Not what happens.")
    status, stdout, _ = grade_batch(small_class, out)
    assert status == 0 and "stale" not in stdout
    assert question(results_by_id(out)["s1002"], "p4.b").override.model_dump() == {
        "score": 0.0, "comment": "Not what happens."}


@pytest.mark.parametrize("score, message", [
    ("1" + "0" * 400, "`score` must be a number from 0 to 2, not a 401-digit number"),
    (".nan", "`score` must be a number from 0 to 2, not `nan`"),
    ("1e400", "`score` must be a number from 0 to 2, not `1e400`"),
])
def test_a_hostile_score_in_review_yaml_is_refused_with_its_line(small_class, tmp_path, grade_batch, score, message):
    out = tmp_path / "out"
    assert grade_batch(small_class, out)[0] == 0
    decide(out / "review.yaml", "s1002", "p4.b", score)
    index, entry_line = position(out / "review.yaml", "s1002", "p4.b")
    before = read_tree(tmp_path)
    status, stdout, stderr = grade_batch(small_class, out)
    assert status == 2 and stdout == ""
    assert stderr == (f"error: {out / 'review.yaml'}: entry {index} (student s1002, question p4.b, line {entry_line}): "
                      f"{message}\n  fix: each entry needs `student`, `question` and a `score` between 0 and the "
                      f"question's points; or run with --discard-decisions to drop the decisions in "
                      f"{out / 'review.yaml'}\n")
    assert read_tree(tmp_path) == before


def test_a_huge_score_in_an_overrides_file_is_refused_with_its_line(small_class, tmp_path, grade_batch):
    overrides = tmp_path / "decisions.yaml"
    overrides.write_text("- {student: s1001, question: p4.b, score: 1}\n"
                         "- {student: s1002, question: p4.b, score: 1" + "0" * 400 + "}\n")
    status, _, stderr = grade_batch(small_class, tmp_path / "out", "--overrides", str(overrides))
    assert status == 2
    assert stderr.startswith(f"error: {overrides}: entry 2 (student s1002, question p4.b, line 2): `score` must be "
                             "a number from 0 to 2, not a 401-digit number\n")
    assert not (tmp_path / "out").exists()


def test_a_decision_bound_to_a_hash_that_is_not_one_is_refused(small_class, tmp_path, grade_batch):
    overrides = tmp_path / "decisions.yaml"
    overrides.write_text("- {student: s1002, question: p4.b, score: 1, answer_sha256: abc}\n")
    status, _, stderr = grade_batch(small_class, tmp_path / "out", "--overrides", str(overrides))
    assert status == 2 and re.search(r"line 1\): `answer_sha256` is not the hash `grade batch` wrote", stderr)


def test_a_folder_of_ones_own_in_a_place_the_grader_writes_is_merged_or_refused(small_class, tmp_path, grade_batch):
    out = tmp_path / "out"
    assert grade_batch(small_class, out, "--no-reports")[0] == 0
    (out / "reports").mkdir()
    (out / "reports" / "notes.txt").write_text("mine")
    status, stdout, _ = grade_batch(small_class, out)  # now with reports/: the folder is shared
    assert status == 0 and "Kept 1 file that grade batch did not write: reports/notes.txt." in stdout
    assert (out / "reports" / "notes.txt").read_text() == "mine" and (out / "reports" / "s1001.html").is_file()

    other = tmp_path / "other"
    assert grade_batch(small_class, other, "--no-reports")[0] == 0
    (other / "reports").mkdir()
    (other / "reports" / "s1001.html").write_text("a page I wrote")
    before = read_tree(tmp_path)
    status, _, stderr = grade_batch(small_class, other)
    assert status == 2
    assert stderr == (f"error: {other}: reports/s1001.html in this folder was not written by `grade batch`, and "
                      "this run writes a file of the same name\n  fix: move the file(s) out of this folder, then "
                      "run again\n")
    assert read_tree(tmp_path) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["class", "other", "out"]


def test_a_swap_that_fails_half_way_puts_everything_back(small_class, tmp_path, grade_batch, monkeypatch):
    import grader.batch.staging as staging

    out = tmp_path / "out"
    assert grade_batch(small_class, out)[0] == 0
    (out / "roster.csv").write_text("student_id\n")
    (out / "notes").mkdir()
    (out / "notes" / "a.txt").write_text("mine")
    (small_class / "correct.yaml").unlink()  # the new run would differ
    before = read_tree(tmp_path)
    real_rename = os.rename

    def rename(source, target):
        if Path(target) == out and Path(source).name.startswith(".out.tmp-"):  # the new folder into place
            raise OSError(5, "Input/output error")
        real_rename(source, target)

    monkeypatch.setattr(staging.os, "rename", rename)
    with pytest.raises(OSError, match="Input/output error"):
        grade_batch(small_class, out)
    assert read_tree(tmp_path) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["class", "out"]


def test_out_may_not_be_the_current_folder(small_class, tmp_path, grade_batch, monkeypatch):
    out = tmp_path / "out"
    assert grade_batch(small_class, out)[0] == 0
    before = read_tree(tmp_path)
    monkeypatch.chdir(out)
    status, _, stderr = grade_batch(small_class, Path("."))
    assert status == 2
    assert stderr == ("error: .: --out is the current folder (or holds it); a run replaces it as a whole\n"
                      "  fix: run from the folder above it, e.g. `cd ..` and --out with its name\n")
    assert read_tree(tmp_path) == before


def test_stale_notes_survive_a_rerun_when_no_decision_is_left(small_class, tmp_path, grade_batch):
    """A review.yaml whose only TA data is a stale note (no decision at all) keeps it in the next one."""
    out = tmp_path / "out"
    assert grade_batch(small_class, out)[0] == 0
    decide(out / "review.yaml", "s1002", "p4.b", 2, "Blurry is right.")
    submission = small_class / "typical-mistakes.yaml"
    submission.write_text(submission.read_text("utf-8").replace(
        '    b: "The reconstructions get blurry."', '    b: "Nothing happens to the reconstructions."'), "utf-8")
    assert "marked stale: s1002 p4.b." in grade_batch(small_class, out)[1]  # the decision went stale

    status, stdout, _ = grade_batch(small_class, out)  # review.yaml: one stale note, zero decisions
    assert status == 0
    assert "marked stale: s1002 p4.b." in stdout
    entry = entries(out)[("s1002", "p4.b")]
    assert (entry["score"], entry.get("stale"), entry.get("previous_score"), entry.get("previous_comment")) == (
        None, True, 2, "Blurry is right.")
