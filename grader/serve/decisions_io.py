"""review.yaml in and out of the course service: the page's decisions and review.yaml's are one store.

Out: the counted attempts' review entries written by `grader.batch.review` (the very entries
`grade batch` writes: decided ones with their score, comment and `answer_sha256`, undecided ones
empty, stale ones with their previous score), so `grade batch --overrides` applies the file
unchanged. In: a review.yaml (or any override file) read and validated by
`grader.batch.overrides.load_overrides`, the reader `grade batch` uses, then planned against the
decisions that hold (a dry run: new, changed, unchanged, stale) before anything is recorded.
The same rules as in `grade batch`: a decision binds to its `answer_sha256`, and one made for an
answer the student has changed since is recorded as it is and puts that answer back in the
queue, marked stale - unless a decision for the student's current answer already holds, which
an older file never replaces.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from grader.batch.overrides import MAX_OVERRIDE_BYTES, StaleNote, answer_hash, load_overrides
from grader.batch.review import review_entries, write_review
from grader.errors import OverridesError
from grader.results import format_points
from grader.serve.class_view import ClassView
from grader.serve.errors import ServiceError
from grader.serve.service import counted_score_may_have_changed
from grader.serve.storage import Storage
from grader.serve.storage_desk import AuditEntry, DecisionEntry

PLAN_STATES = ("new", "changed", "unchanged", "stale", "kept")  # what an entry of an imported file would do


def review_yaml(view: ClassView) -> str:
    """The assignment's review.yaml: every counted answer to review, decided or whose decision went stale."""
    rubric = view.rubric
    by_question: list[list[tuple[bytes, None]]] = [[] for _ in rubric.questions]
    for standing in view.counted:
        notes = {question: StaleNote(previous_score=decision.score, previous_comment=decision.comment)
                 for question, decision in standing.stale.items()}
        for index, text, _read_back in review_entries(standing.provisional, standing.result,  # type: ignore[arg-type]
                                                      rubric, notes):
            by_question[index].append((text.encode("utf-8"), None))  # (the entry, nothing for a result cache)
    chunks: list[bytes] = []
    write_review(chunks.append, rubric, by_question, lambda entry: entry)
    return b"".join(chunks).decode("utf-8")


@dataclass(frozen=True)
class PlannedDecision:
    student_id: str
    question_id: str
    state: str  # one of PLAN_STATES
    before: str  # what holds now, in words
    after: str  # what the file says
    entry: DecisionEntry


@dataclass(frozen=True)
class ImportPlan:
    name: str
    planned: list[PlannedDecision]

    @property
    def recorded(self) -> list[PlannedDecision]:
        """The entries that applying records (not the unchanged ones, nor those a newer decision keeps out)."""
        return [item for item in self.planned if item.state not in ("unchanged", "kept")]

    def count(self, state: str) -> int:
        return sum(1 for item in self.planned if item.state == state)


def plan_import(view: ClassView, data: bytes, name: str) -> ImportPlan:
    """What importing the override file `data` (called `name`) would do; 422 with every bad entry otherwise."""
    if len(data) > MAX_OVERRIDE_BYTES:
        raise ServiceError(413, f"{name} is larger than {MAX_OVERRIDE_BYTES // 2**20} MiB", "a review.yaml is text")
    with tempfile.TemporaryDirectory(prefix="grade-import-") as folder:  # load_overrides reads a file
        path = Path(folder) / "review.yaml"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with open(descriptor, "wb") as stream:
            stream.write(data)
        try:
            overrides = load_overrides(path, view.rubric)
            overrides.check_students({standing.student.id for standing in view.counted}, {})
        except OverridesError as exc:
            raise ServiceError(422, f"{name}: {exc.message}".replace(str(path), name),
                               exc.hint or "fix the file and upload it again") from None
    planned = []
    counted = {standing.student.id: standing for standing in view.counted}
    questions = list(view.rubric.questions)
    for student_id, decisions in sorted(overrides.by_student.items()):
        standing = counted[student_id]
        for question_id, decision in sorted(decisions.items(), key=lambda item: questions.index(item[0])):
            graded = standing.provisional.questions[questions.index(question_id)]  # type: ignore[union-attr]
            current = answer_hash(graded.answer)
            holding = standing.decisions.get(question_id)
            holds = holding is not None and question_id not in standing.stale
            entry = DecisionEntry(student_id, question_id, decision.answer_hash, decision.score, decision.comment)
            if holds:
                before = f"decided {format_points(holding.entry.score or 0)}" + (  # type: ignore[union-attr]
                    f" ({holding.entry.comment})" if holding.entry.comment else "")  # type: ignore[union-attr]
            else:
                before = f"provisional {format_points(graded.score)}"
            after = f"{format_points(decision.score)}" + (f" ({decision.comment})" if decision.comment else "")
            if decision.answer_hash is not None and decision.answer_hash != current:
                state = "kept" if holds else "stale"
            elif holds and (holding.entry.score, holding.entry.comment, holding.entry.answer_sha256) == (  # type: ignore[union-attr]
                    decision.score, decision.comment, decision.answer_hash or holding.entry.answer_sha256):  # type: ignore[union-attr]
                state = "unchanged"
            else:
                state = "changed" if holds else "new"
            planned.append(PlannedDecision(student_id, question_id, state, before, after, entry))
    return ImportPlan(name, planned)


def apply_import(storage: Storage, view: ClassView, plan: ImportPlan, actor: str, now: dt.datetime) -> int:
    """Record the plan's decisions (source `import`), each with its audit entry; how many were recorded."""
    recorded = plan.recorded
    entries = [AuditEntry(actor, "import", view.assignment_id, item.student_id,
                          f"{item.question_id}: {item.before} -> {item.after} ({item.state}, from {plan.name})")
               for item in recorded]
    storage.record_decisions(view.assignment_id, [item.entry for item in recorded], actor, "import", now, entries)
    counted_score_may_have_changed(storage, view.assignment_id, [item.student_id for item in recorded], now)
    return len(recorded)


def describe_plan(plan: ImportPlan) -> str:
    """The dry run as text (`grade decisions import`): one line per entry, then the counts."""
    lines = [f"  {item.student_id} {item.question_id}: {item.before} -> {item.after}  [{item.state}]"
             for item in plan.planned]
    counts = ", ".join(f"{plan.count(state)} {state}" for state in PLAN_STATES if plan.count(state))
    lines.append(f"{plan.name}: {len(plan.planned)} decisions ({counts or 'none'})")
    return "\n".join(lines)
