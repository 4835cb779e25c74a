"""A TA's decisions: read an override file (review.yaml's shape), validate it, apply it to Results.

The file is a YAML list of `{student, question, score, comment?}`; any other field (review.yaml
also carries the answer, the concepts, the provisional score...) is read past. An entry whose
`score` is empty (null) is not a decision yet and is read past too (review.yaml's undecided
entries). Every other entry is a final decision: its score replaces the grader's, the question's status follows from the score
(full points: correct, zero: incorrect, in between: partial), the total is recomputed, and the
report shows "TA decision". Only this file sets an override; nothing a student writes can.

Validation is strict and reports every bad entry at once (index, student, question, line): an
unknown question, a score that is not a number within 0..points, an answer overridden twice, a
key given twice in one entry. Whether each student exists is known only after grading, so the
pipeline calls `check_students` at the end, before anything is written.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


from grader.safe_yaml import load_yaml_entries
from grader.errors import OverridesError, did_you_mean
from grader.results import SCORE_SLACK, Override, Result, round_score
from grader.rubric import LoadedRubric

MAX_OVERRIDE_BYTES = 64 * 1024 * 1024  # a review.yaml for 10,000 students is ~30 MiB; more is not a TA's file
MAX_OVERRIDE_NODES = 5_000_000  # ~12 values an entry, a handful of entries per student, 10,000 students
REVIEWED_FEEDBACK = "A TA read this answer and decided its score."
MAX_LISTED = 10  # bad entries named in one message; more would scroll the first ones away


@dataclass(frozen=True)
class Decision:
    """One TA decision, with where it came from (for messages)."""

    score: float
    comment: str | None
    entry: int  # 1-based position in the file
    line: int

    def as_override(self) -> Override:
        return Override(score=self.score, comment=self.comment)


@dataclass(frozen=True)
class Overrides:
    """All decisions of one file, by student id and question id."""

    path: str
    by_student: dict[str, dict[str, Decision]]

    def __len__(self) -> int:
        return sum(len(decisions) for decisions in self.by_student.values())

    def check_students(self, graded: Collection[str], shared_ids: Mapping[str, list[str]]) -> None:
        """Raise OverridesError for decisions about students with no graded result in this batch.

        `shared_ids` maps a student id that several files used (so none was graded) to those files.
        """
        problems: list[str] = []
        for student_id, decisions in sorted(self.by_student.items()):
            if student_id in graded:
                continue
            first = min(decisions.values(), key=lambda decision: decision.entry)
            where = _where(first.entry, student_id, _question_of(decisions, first), first.line)
            if student_id in shared_ids:
                files = " and ".join(shared_ids[student_id])
                problems.append(f"{where}: student `{student_id}` was not graded: {files} use the same "
                                "student id (see problems.jsonl once they are fixed)")
            else:
                problems.append(f"{where}: there is no graded submission from student `{student_id}`"
                                f"{did_you_mean(student_id, graded)}")
        _raise_if_any(problems, self.path, "check the student ids against results.jsonl")


def load_overrides(path: str | Path, rubric: LoadedRubric) -> Overrides:
    """Read and validate the override file at `path` against `rubric`."""
    name = str(path)
    entries = _read_entries(Path(path), name)
    by_student: dict[str, dict[str, Decision]] = {}
    problems: list[str] = []
    for index, (entry, line) in enumerate(entries, start=1):
        if isinstance(entry, dict) and "score" in entry and entry["score"] is None:
            if entry.get("comment"):  # a comment with no score is a decision half-written
                problems.append(f"{_where(index, entry.get('student'), entry.get('question'), line)}: "
                                "there is a comment but no score; write the score too")
            continue  # not decided yet
        try:
            student_id, question_id, decision = _decision(entry, index, line, rubric)
        except ValueError as exc:
            problems.append(str(exc))
            continue
        earlier = by_student.setdefault(student_id, {}).get(question_id)
        if earlier is not None:
            problems.append(f"{_where(index, student_id, question_id, line)}: this answer was already decided "
                            f"by entry {earlier.entry} (line {earlier.line}); keep one of the two")
            continue
        by_student[student_id][question_id] = decision
    _raise_if_any(problems, name, "each entry needs `student`, `question` and a `score` between 0 and "
                                  "the question's points")
    return Overrides(path=name, by_student=by_student)


def apply_decisions(result: Result, decisions: Mapping[str, Decision] | None, rubric: LoadedRubric) -> Result:
    """`result` with the TA's decisions applied (a new Result; `result` is not changed)."""
    if not decisions:
        return result
    questions = []
    for graded in result.questions:
        decision = decisions.get(graded.id)
        if decision is None:
            questions.append(graded)
            continue
        points = rubric.questions[graded.id].points
        update = {"score": round_score(decision.score), "status": status_for_score(decision.score, points),
                  "override": decision.as_override()}
        if graded.status == "needs_review":  # the "provisional, a TA will read it" text is out of date now
            update["feedback"] = REVIEWED_FEEDBACK
        questions.append(graded.model_copy(update=update))
    total = round_score(sum(question.score for question in questions))
    return result.model_copy(update={"questions": questions, "score": total})


def status_for_score(score: float, points: float) -> str:
    """A decided answer is correct at full points, incorrect at zero, partial in between."""
    if score >= points - SCORE_SLACK:
        return "correct"
    return "incorrect" if score <= SCORE_SLACK else "partial"


def _decision(entry: Any, index: int, line: int, rubric: LoadedRubric) -> tuple[str, str, Decision]:
    if not isinstance(entry, dict):
        raise ValueError(f"entry {index} (line {line}): expected a mapping with student, question and score")
    student = entry.get("student")
    question = entry.get("question")
    where = _where(index, student, question, line)
    if isinstance(student, bool) or not isinstance(student, (str, int)) or not str(student).strip():
        raise ValueError(f"{where}: `student` is missing or is not a student id")
    if not isinstance(question, str) or not question.strip():
        raise ValueError(f"{where}: `question` is missing or is not a question id (quote it if it looks like a number)")
    question = question.strip()
    if question not in rubric.questions:
        raise ValueError(f"{where}: `{question}` is not a question of {rubric.id}{did_you_mean(question, rubric.questions)}")
    if "score" not in entry:
        raise ValueError(f"{where}: `score` is missing")
    score = entry["score"]
    points = rubric.questions[question].points
    if isinstance(score, bool) or not isinstance(score, (int, float)) or not math.isfinite(score):
        raise ValueError(f"{where}: `score` must be a number from 0 to {points:g}, not `{score}`")
    if not -SCORE_SLACK <= score <= points + SCORE_SLACK:
        raise ValueError(f"{where}: score {score:g} is outside 0 to {points:g} (the points of {question})")
    comment = entry.get("comment")
    if comment is not None and not isinstance(comment, str):
        raise ValueError(f"{where}: `comment` must be text (put it in quotes)")
    comment = comment.strip() if comment and comment.strip() else None
    score = min(max(float(score), 0.0), float(points))
    return str(student).strip(), question, Decision(score=score, comment=comment, entry=index, line=line)


def _where(index: int, student: Any, question: Any, line: int) -> str:
    return f"entry {index} (student {student}, question {question}, line {line})"


def _question_of(decisions: Mapping[str, Decision], decision: Decision) -> str:
    return next(qid for qid, item in decisions.items() if item is decision)


def _raise_if_any(problems: list[str], name: str, hint: str) -> None:
    if not problems:
        return
    if len(problems) == 1:
        raise OverridesError(problems[0], path=name, hint=hint)
    listed = "\n  ".join(problems[:MAX_LISTED])
    more = f"\n  ... and {len(problems) - MAX_LISTED} more" if len(problems) > MAX_LISTED else ""
    raise OverridesError(f"{len(problems)} entries cannot be used:\n  {listed}{more}", path=name, hint=hint)


def _read_entries(path: Path, name: str) -> list[tuple[Any, int]]:
    """The file's entries with their line numbers (safe YAML: no tags, no key twice, bounded size)."""
    return load_yaml_entries(path, OverridesError, max_bytes=MAX_OVERRIDE_BYTES, max_nodes=MAX_OVERRIDE_NODES)
