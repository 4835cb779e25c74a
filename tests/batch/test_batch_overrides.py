"""The review round trip (review.yaml -> --overrides) and the validation of override files."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
import yaml

from batch_support import read_tree
from grader.batch.overrides import answer_hash, load_overrides, status_for_score
from grader.errors import OverridesError
from grader.results import Result


def results_by_id(out: Path) -> dict[str, Result]:
    lines = (out / "results.jsonl").read_text("utf-8").splitlines()
    return {result.student.id: result for result in map(Result.model_validate_json, lines)}


def gradebook_by_id(out: Path) -> dict[str, dict[str, str]]:
    return {row["student_id"]: row for row in csv.DictReader(io.StringIO((out / "gradebook.csv").read_text("utf-8")))}


def edit_review(review: Path, edits: dict[tuple[str, str], tuple[float, str | None]], target: Path) -> None:
    """Change `score:` (and add `comment:`) of the given entries in the review.yaml text, as a TA would."""
    lines = review.read_text("utf-8").splitlines(keepends=True)
    current: tuple[str, str] | None = None
    student = None
    for number, line in enumerate(lines):
        if line.startswith("- student: "):
            student = yaml.safe_load(line[len("- student: "):])
        elif line.startswith("  question: "):
            current = (student, yaml.safe_load(line[len("  question: "):]))
        elif line.startswith("  score:") and current in edits:
            score, comment = edits[current]
            lines[number] = f"  score: {score}\n" + (f"  comment: {comment}\n" if comment else "")
    target.write_text("".join(lines), "utf-8")


def test_review_round_trip(class_folder, tmp_path, grade_batch):
    first = tmp_path / "first"
    assert grade_batch(class_folder, first)[0] == 0
    before = results_by_id(first)
    review = tmp_path / "review.yaml"
    edit_review(first / "review.yaml", {("s1002", "p4.b"): (2, "Blurry is right, and you said why."),
                                        ("s1001", "p2.a.why"): (0.5, None)}, review)

    second = tmp_path / "second"
    status, stdout, _ = grade_batch(class_folder, second, "--overrides", str(review))
    assert status == 0
    after = results_by_id(second)
    changed = {student_id for student_id in before if before[student_id].score != after[student_id].score}
    assert changed == {"s1001", "s1002"}
    decided = [(result.student.id, question.id) for result in after.values() for question in result.questions
               if question.override is not None]
    assert sorted(decided) == [("s1001", "p2.a.why"), ("s1002", "p4.b")]  # entries left empty are not decisions
    p4b = next(question for question in after["s1002"].questions if question.id == "p4.b")
    assert (p4b.score, p4b.status, p4b.override.score, p4b.override.comment) == (
        2, "correct", 2, "Blurry is right, and you said why.")
    assert after["s1002"].score == before["s1002"].score - 0.5 + 2
    assert after["s1001"].score == before["s1001"].score - 0.5
    why = next(question for question in after["s1001"].questions if question.id == "p2.a.why")
    assert (why.status, why.override.comment) == ("partial", None)

    gradebook = gradebook_by_id(second)
    assert float(gradebook["s1002"]["total"]) == after["s1002"].score and gradebook["s1002"]["p4.b"] == "2"
    assert float(gradebook["s1001"]["total"]) == after["s1001"].score and gradebook["s1001"]["p2.a.why"] == "0.5"
    html = (second / "reports" / "s1002.html").read_text("utf-8")
    assert "TA decision: 2 / 2 — Blurry is right, and you said why." in html
    assert "**TA decision:** 2 — Blurry is right" in (second / "reports" / "s1002.md").read_text("utf-8")
    assert "TA decision" not in (second / "reports" / "s2000.html").read_text("utf-8")
    assert "TA decisions applied" in stdout

    # the next review.yaml lists the same answers, and keeps the two decisions
    entries = yaml.safe_load((second / "review.yaml").read_text("utf-8"))
    assert [(e["student"], e["question"]) for e in entries] == [
        (e["student"], e["question"]) for e in yaml.safe_load(review.read_text("utf-8"))]
    by_answer = {(entry["student"], entry["question"]): entry for entry in entries}
    assert all(entry.pop("answer_sha256") == answer_hash(entry["answer"]) for entry in entries)
    assert by_answer[("s1002", "p4.b")] | {"answer": None} == {
        "student": "s1002", "name": "Charles Babbage", "question": "p4.b", "points": 2, "answer": None,
        "concepts": ["the decoder outputs the same blurry average"], "provisional": 0.5, "score": 2,
        "reviewed": True, "comment": "Blurry is right, and you said why."}
    assert by_answer[("s1001", "p2.a.why")]["score"] == 0.5
    assert sum(1 for entry in entries if entry["score"] is not None) == 2
    assert sum(1 for entry in entries if entry.get("reviewed")) == 2

    # passing the new review.yaml back changes nothing: the round trip is idempotent
    third = tmp_path / "third"
    assert grade_batch(class_folder, third, "--overrides", str(second / "review.yaml"))[0] == 0
    assert read_tree(third) == read_tree(second)
    # ... also when OUT is replaced by the run that reads its own review.yaml
    assert grade_batch(class_folder, second, "--overrides", str(second / "review.yaml"))[0] == 0
    assert read_tree(second) == read_tree(third)


def test_an_override_of_any_question_is_final(class_folder, tmp_path, grade_batch):
    overrides = tmp_path / "decisions.yaml"
    overrides.write_text("- {student: s1002, question: p3.b.h1, score: 1.5, comment: 'Method right, slip in tanh.'}\n"
                         "- {student: s1002, question: p3.b.h2, score: 0}\n", "utf-8")
    out = tmp_path / "out"
    assert grade_batch(class_folder, out, "--overrides", str(overrides))[0] == 0
    result = results_by_id(out)["s1002"]
    h1, h2 = (next(q for q in result.questions if q.id == qid) for qid in ("p3.b.h1", "p3.b.h2"))
    assert (h1.score, h1.status, h2.score, h2.status) == (1.5, "partial", 0, "incorrect")
    assert result.score == sum(question.score for question in result.questions)
    entries = yaml.safe_load((out / "review.yaml").read_text("utf-8"))
    assert {"student": "s1002", "question": "p3.b.h1", "score": 1.5} .items() <= next(
        entry for entry in entries if entry["question"] == "p3.b.h1").items()


ENTRY = "- {student: s1002, question: p4.b, score: 1}\n"


@pytest.mark.parametrize("text, message", [
    # who and what
    ("- {student: s7777, question: p4.b, score: 1}\n",
     r"entry 1 \(student s7777, question p4.b, line 1\): there is no graded submission from student `s7777`"),
    ("- {student: s1002, question: p4.z, score: 1}\n",
     r"entry 1 \(student s1002, question p4.z, line 1\): `p4.z` is not a question of hw-lstm-vae-gan \(did you mean `p4.\w`\?\)"),
    ("- {question: p4.b, score: 1}\n", r"entry 1 \(student None, question p4.b, line 1\): `student` is missing"),
    ("- {student: s1002, question: 4.5, score: 1}\n", r"`question` is missing or is not a question id"),
    # the score
    ("- {student: s1002, question: p4.b, score: 3}\n",
     r"entry 1 \(student s1002, question p4.b, line 1\): score 3 is outside 0 to 2 \(the points of p4.b\)"),
    ("- {student: s1002, question: p4.b, score: -0.5}\n", r"score -0.5 is outside 0 to 2"),
    ("- {student: s1002, question: p4.b, score: '1.5'}\n", r"`score` must be a number from 0 to 2, not `1.5`"),
    ("- {student: s1002, question: p4.b, score: .nan}\n", r"`score` must be a number"),
    ("- {student: s1002, question: p4.b}\n", r"`score` is missing"),
    ("- {student: s1002, question: p4.b, score: 1, comment: [a]}\n", r"`comment` must be text"),
    ("- {student: s1002, question: p4.b, score: null, comment: Good}\n", r"there is a comment but no score"),
    # the file
    (ENTRY + "- {student: s1002, question: p4.b, score: 2}\n",
     r"entry 2 \(student s1002, question p4.b, line 2\): this answer was already decided by entry 1 \(line 1\)"),
    ("- student: s1002\n  question: p4.b\n  score: 1\n  score: 2\n", r"line 4, column 3: the key `score` is given twice"),
    ("student: s1002\n", r"expected a list of entries"),
    ("- [s1002, p4.b, 1]\n", r"entry 1 \(line 1\): expected a mapping"),
    ("- {student: s1002\n", r"not valid YAML"),
    ("- !!python/object:os.system {student: s1002}\n", r"tag `!!python/object:os.system` is not allowed"),
    # several at once
    ("- {student: s1002, question: p4.z, score: 1}\n- {student: s1002, question: p4.b, score: 9}\n",
     r"2 entries cannot be used:\n  entry 1 .*p4.z.*\n  entry 2 .*score 9 is outside"),
])
def test_bad_override_files_are_clear_errors(class_folder, tmp_path, grade_batch, text, message):
    overrides = tmp_path / "overrides.yaml"
    overrides.write_text(text, "utf-8")
    out = tmp_path / "out"
    assert grade_batch(class_folder, out)[0] == 0
    before = read_tree(out)
    status, _, stderr = grade_batch(class_folder, out, "--overrides", str(overrides))
    assert status == 2
    assert stderr.startswith(f"error: {overrides}: ")
    assert re.search(message, stderr), stderr
    assert read_tree(out) == before


def test_an_override_for_a_student_whose_id_is_shared(tmp_path, grade_batch, class_folder):
    (class_folder / "copy.yaml").write_bytes((class_folder / "correct.yaml").read_bytes())
    overrides = tmp_path / "overrides.yaml"
    overrides.write_text("- {student: s1001, question: p4.b, score: 1}\n", "utf-8")
    status, _, stderr = grade_batch(class_folder, tmp_path / "out", "--overrides", str(overrides))
    assert status == 2
    assert "student `s1001` was not graded: copy.yaml and correct.yaml use the same student id" in stderr


def test_loading_keeps_each_decision(rubric, tmp_path):
    path = tmp_path / "o.yaml"
    path.write_text("# a comment\n- {student: 1024, question: p4.b, score: 1, comment: '  '}\n"
                    "- {student: s1, question: p4.c, score: 3, comment: Good., name: extra fields are fine}\n", "utf-8")
    overrides = load_overrides(path, rubric)
    assert len(overrides) == 2
    assert overrides.by_student["1024"]["p4.b"].comment is None
    assert overrides.by_student["s1"]["p4.c"].as_override().model_dump() == {"score": 3.0, "comment": "Good."}
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing decided yet\n", "utf-8")
    assert len(load_overrides(empty, rubric)) == 0
    with pytest.raises(OverridesError, match="file not found"):
        load_overrides(tmp_path / "missing.yaml", rubric)


@pytest.mark.parametrize("score, points, status", [
    (2, 2, "correct"), (0, 2, "incorrect"), (0.5, 2, "partial"), (1.9999999999999, 2, "correct"), (1e-12, 1, "incorrect"),
])
def test_status_follows_the_score(score, points, status):
    assert status_for_score(score, points) == status
