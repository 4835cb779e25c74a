"""grader.answer_memo: a class's repeated answers are graded once, and every Result is the same as without it."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

import grader.grading as grading
from grader.answer_memo import answer_key, memo_for
from grader.grading import grade_submission
from grader.rubric import load_rubric
from grader.submission import parse_submission

REPO = Path(__file__).resolve().parent.parent
RUBRIC = REPO / "rubrics" / "hw-lstm-vae-gan.yaml"


@pytest.mark.parametrize(("first", "second"), [
    (1, 1.0), (1, True), (1, "1"), (0.0, -0.0), ("1x1", "1X1"), ([1, 2], [1.0, 2]), ([1, 2], (1, 2)),
])
def test_answers_that_read_differently_have_different_keys(first: object, second: object) -> None:
    assert answer_key(first) != answer_key(second)


def test_answers_written_alike_share_a_key_and_mappings_have_none() -> None:
    assert answer_key([0.5, "≈ 0.2"]) == answer_key([0.5, "≈ 0.2"])
    assert answer_key({"answer": True}) is None
    assert answer_key([1, {"a": 2}]) is None


def class_of_answers() -> list[dict]:
    """Students who share answers but not the inputs those answers are carried forward from."""
    correct = yaml.safe_load((REPO / "submissions" / "correct.yaml").read_text(encoding="utf-8"))
    students = []
    for number, (h1, f2, c1) in enumerate([(0.2174, 0.5, None), (0.2174, 0.5, 0.3), (0.3, 0.5, 0.3),
                                           (0.3, 0.5, 0.3), (0.2211, 0.6, -0.0), (0.2211, 0.6, 0.0),
                                           ("0.3", "0.5", 0.3), (True, 0.5, 0.3)]):
        document = copy.deepcopy(correct)
        document["student"] = {"id": f"m{number}", "name": f"Memo {number}"}
        b = document["answers"]["p3"]["b"]
        b["h1"], b["f2"] = h1, f2
        if c1 is None:
            del b["c1"]
        else:
            b["c1"] = c1
        students.append(document)
    return students * 2  # every answer again, now from the memo


def test_grading_with_the_memo_gives_the_same_results_as_without(monkeypatch: pytest.MonkeyPatch) -> None:
    rubric = load_rubric(RUBRIC)
    documents = class_of_answers()
    b = documents[0]["answers"]["p3"]["b"]
    carried = round(rubric.solver.solve(None, {"o1": float(b["o1"]), "c1": 0.3})["lstm.h1"], 4)
    for number, c1 in enumerate((0.3, 0.6)):  # the same h1: right for c1 = 0.3 only
        document = copy.deepcopy(documents[0])
        document["student"]["id"] = f"cf{number}"
        document["answers"]["p3"]["b"].update(h1=carried, c1=c1)
        documents.append(document)
    submissions = [parse_submission(document, "memo.yaml") for document in documents]
    with_memo = [grade_submission(submission, rubric, warnings=warnings).to_json()
                 for submission, warnings in submissions]
    assert memo_for(rubric).graded  # the memo was used
    monkeypatch.setattr(grading, "memo_for", lambda rubric: None)
    without = [grade_submission(submission, rubric, warnings=warnings).to_json()
               for submission, warnings in submissions]
    assert with_memo == without
    h1 = [next(q for q in grade_submission(*submissions[index][:1], rubric).questions if q.id == "p3.b.h1")
          for index in (-2, -1)]
    assert h1[0].carried_forward and h1[0].status == "correct" and h1[1].status != "correct"
    assert len(set(with_memo)) > 2  # students with the same h1 but other inputs are graded differently


def test_no_memo_when_every_student_has_own_numbers(tmp_path: Path) -> None:
    text = RUBRIC.read_text(encoding="utf-8").replace(
        "# variants:\n#   generator: draw_parameters", "variants:\n  generator: draw_parameters")
    rubric_path = tmp_path / "rubrics" / RUBRIC.name
    rubric_path.parent.mkdir()
    rubric_path.write_text(text, encoding="utf-8")  # the shipped solver, found as `reference.hw_lstm_vae_gan`
    (tmp_path / "rubrics" / "hw-lstm-vae-gan.sheet.md.j2").write_bytes(
        (RUBRIC.parent / "hw-lstm-vae-gan.sheet.md.j2").read_bytes())
    rubric = load_rubric(rubric_path)
    assert rubric.solver is not None and rubric.solver.has_variants
    assert memo_for(rubric) is None


def test_a_decision_for_one_student_leaves_the_others_who_wrote_the_same_answer_alone() -> None:
    from grader.batch.overrides import Decision, apply_decisions

    rubric = load_rubric(RUBRIC)
    first, second = (parse_submission(document, "memo.yaml") for document in class_of_answers()[:2])
    results = [grade_submission(submission, rubric, warnings=warnings) for submission, warnings in (first, second)]
    before = results[1].to_json()
    shared = [q.id for q, other in zip(results[0].questions, results[1].questions) if q is other]
    assert shared  # the memo hands both students the same graded answers
    decided, _ = apply_decisions(results[0], {qid: Decision(score=0.0, comment="no", entry=1, line=1)
                                              for qid in shared}, rubric)
    assert all(q.override is not None for q in decided.questions if q.id in shared)
    assert results[1].to_json() == before  # the other student's result did not change
    assert all(q.override is None for q in results[0].questions)
