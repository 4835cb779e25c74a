"""A TA's decisions: read an override file (review.yaml's shape), validate it, apply it to Results.

The file is a YAML list of `{student, question, score, comment?}`; any other field (review.yaml
also carries the answer, the concepts, the provisional score...) is read past. An entry whose
`score` is empty (null) is not a decision yet and is read past too (review.yaml's undecided
entries). Every other entry is a final decision: its score replaces the grader's, the question's status follows from the score
(full points: correct, zero: incorrect, in between: partial), the total is recomputed, and the
report shows "TA decision". Only this file sets an override; nothing a student writes can.

An entry may carry `answer_sha256` (review.yaml writes it): the decision then holds only for that
answer, and `apply_decisions` hands back, instead of applying, a decision whose answer changed
(it goes back to the review queue as stale). An undecided `stale: true` entry keeps its
`previous_score` and `previous_comment` visible until a TA decides again. Several files merge
(`merge_overrides`), a later file winning: OUT/review.yaml first, then each --overrides file.

Validation is strict and reports every bad entry at once (index, student, question, line): an
unknown question, a score that is not a number within 0..points (NaN, inf and a 400-digit
integer included, never echoed whole), an answer overridden twice, a key given twice in one entry.
Whether each student exists is known only after grading, so the pipeline calls `check_students`
at the end, before anything is written.
"""

from __future__ import annotations

import gc
import hashlib
import math
import re
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from grader.errors import OverridesError, did_you_mean
from grader.files.safe_files import read_regular_file, shown
from grader.results import SCORE_SLACK, Override, Result, round_score
from grader.rubric import LoadedRubric
from grader.safe_yaml import load_yaml_entries

MAX_OVERRIDE_BYTES = 64 * 1024 * 1024  # a review.yaml for 10,000 students is ~30 MiB; more is not a TA's file
MAX_OVERRIDE_NODES = 5_000_000  # ~12 values an entry, a handful of entries per student, 10,000 students
REVIEWED_FEEDBACK = "A TA read this answer and decided its score."
MAX_LISTED = 10  # bad entries named in one message; more would scroll the first ones away
MAX_SCORE_DIGITS = 15  # a score is a few digits; a longer integer is a typo (and would not format as a float)
ECHO_CHARS = 40  # a bad value is echoed in a message up to this many characters
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def answer_hash(answer: str | None) -> str:
    """The sha256 of an answer's text, as review.yaml's `answer_sha256` binds a decision to it."""
    return hashlib.sha256((answer or "").encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Decision:
    """One TA decision, with where it came from (for messages)."""

    score: float
    comment: str | None
    entry: int  # 1-based position in the file
    line: int
    answer_hash: str | None = None  # the sha256 of the answer it judged (review.yaml); None: any answer

    def as_override(self) -> Override:
        return Override(score=self.score, comment=self.comment)


@dataclass(frozen=True)
class StaleNote:
    """A decision that went stale (the answer changed), kept visible in review.yaml until a TA decides again."""

    previous_score: float
    previous_comment: str | None


@dataclass(frozen=True)
class Overrides:
    """All decisions of one file (or of several, merged), by student id and question id."""

    path: str
    by_student: dict[str, dict[str, Decision]]
    stale_notes: dict[str, dict[str, StaleNote]] = field(default_factory=dict)
    sha256: str | None = None  # of the file's bytes as they were read (None: several files, merged)

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


class RecordedReview(NamedTuple):
    """The entries of a review.yaml the grader wrote that hold a decision or a stale note, as they read back
    (number, entry, line), recorded beside it in the result cache with the file's sha256."""

    sha256: str
    entries: list[tuple[int, Any, int]]


def load_overrides(path: str | Path, rubric: LoadedRubric, recorded: RecordedReview | None = None) -> Overrides:
    """Read and validate the override file at `path` against `rubric`. `recorded`: what the review.yaml the
    grader last wrote there holds (used while the file is unchanged)."""
    name = shown(path)
    entries, sha256 = _read_entries(Path(path), name, recorded)
    by_student: dict[str, dict[str, Decision]] = {}
    problems: list[str] = []
    stale_notes: dict[str, dict[str, StaleNote]] = {}
    for index, entry, line in entries:
        if isinstance(entry, dict) and "score" in entry and entry["score"] is None:
            if entry.get("comment"):  # a comment with no score is a decision half-written
                problems.append(f"{_where(index, entry.get('student'), entry.get('question'), line)}: "
                                "there is a comment but no score; write the score too")
            elif entry.get("stale") is True:
                try:
                    student_id, question_id, note = _stale_note(entry, index, line, rubric)
                except ValueError as exc:
                    problems.append(str(exc))
                    continue
                stale_notes.setdefault(student_id, {})[question_id] = note
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
    return Overrides(path=name, by_student=by_student, stale_notes=stale_notes, sha256=sha256)


def merge_overrides(sources: list[Overrides]) -> tuple[Overrides | None, int]:
    """One set of decisions from several files, a later file winning; and how many decisions it replaced."""
    if not sources:
        return None, 0
    by_student: dict[str, dict[str, Decision]] = {}
    stale_notes: dict[str, dict[str, StaleNote]] = {}
    replaced = 0
    for source in sources:
        for student_id, decisions in source.by_student.items():
            mine = by_student.setdefault(student_id, {})
            replaced += sum(1 for question_id in decisions if question_id in mine)
            mine.update(decisions)
        for student_id, notes in source.stale_notes.items():
            stale_notes.setdefault(student_id, {}).update(notes)
    for student_id, decisions in by_student.items():  # a decision made since replaces the stale note
        for question_id in decisions:
            stale_notes.get(student_id, {}).pop(question_id, None)
    paths = " and ".join(source.path for source in sources)
    return Overrides(path=paths, by_student=by_student,
                     stale_notes={key: value for key, value in stale_notes.items() if value}), replaced


def apply_decisions(result: Result, decisions: Mapping[str, Decision] | None, rubric: LoadedRubric,
                    ) -> tuple[Result, dict[str, Decision]]:
    """`result` with the TA's decisions applied (a new Result; `result` is not changed), and the stale ones.

    A decision bound to an answer (`answer_sha256`) that is no longer the student's answer is not
    applied: it comes back by question id, for the review queue to show it as stale.
    """
    if not decisions:
        return result, {}
    questions = []
    stale: dict[str, Decision] = {}
    for graded in result.questions:
        decision = decisions.get(graded.id)
        if decision is not None and decision.answer_hash is not None and decision.answer_hash != answer_hash(
                graded.answer):
            stale[graded.id] = decision
            decision = None
        if decision is None:
            questions.append(graded)
            continue
        points = rubric.questions[graded.id].points
        update = {"score": round_score(decision.score), "status": status_for_score(decision.score, points),
                  "override": decision.as_override()}
        if graded.status == "needs_review":  # the "provisional, a TA will read it" text is out of date now
            update["feedback"] = REVIEWED_FEEDBACK
        questions.append(graded.model_copy(update=update))
    if len(stale) == len(decisions):
        return result, stale
    total = round_score(sum(question.score for question in questions))
    return result.model_copy(update={"questions": questions, "score": total}), stale


def status_for_score(score: float, points: float) -> str:
    """A decided answer is correct at full points, incorrect at zero, partial in between."""
    if score >= points - SCORE_SLACK:
        return "correct"
    return "incorrect" if score <= SCORE_SLACK else "partial"


def _decision(entry: Any, index: int, line: int, rubric: LoadedRubric) -> tuple[str, str, Decision]:
    student_id, question, where = _who(entry, index, line, rubric)
    if "score" not in entry:
        raise ValueError(f"{where}: `score` is missing")
    score = _score(entry["score"], "score", where, question, rubric.questions[question].points)
    comment = entry.get("comment")
    if comment is not None and not isinstance(comment, str):
        raise ValueError(f"{where}: `comment` must be text (put it in quotes)")
    comment = comment.strip() if comment and comment.strip() else None
    bound = entry.get("answer_sha256")
    if bound is not None and (not isinstance(bound, str) or not _SHA256.match(bound)):
        raise ValueError(f"{where}: `answer_sha256` is not the hash `grade batch` wrote; remove the line "
                         "(the decision then holds for any answer) or restore it")
    return student_id, question, Decision(score=score, comment=comment, entry=index, line=line, answer_hash=bound)


def _who(entry: Any, index: int, line: int, rubric: LoadedRubric) -> tuple[str, str, str]:
    """The entry's student id and question id, and where it is (for messages)."""
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
    return str(student).strip(), question, where


def _score(value: Any, key: str, where: str, question: str, points: float) -> float:
    """A score within 0..points, or a ValueError that never echoes more than a few characters of it."""
    if isinstance(value, int) and not isinstance(value, bool) and len(str(abs(value))) > MAX_SCORE_DIGITS:
        raise ValueError(f"{where}: `{key}` must be a number from 0 to {points:g}, not a "
                         f"{len(str(abs(value)))}-digit number")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{where}: `{key}` must be a number from 0 to {points:g}, not `{_echo(value)}`")
    if not -SCORE_SLACK <= value <= points + SCORE_SLACK:
        raise ValueError(f"{where}: {key.replace('_', ' ')} {value:g} is outside 0 to {points:g} "
                         f"(the points of {question})")
    return min(max(float(value), 0.0), float(points))


def _echo(value: Any) -> str:
    text = str(value)
    return text if len(text) <= ECHO_CHARS else f"{text[:ECHO_CHARS]}… ({len(text):,} characters)"


def _stale_note(entry: dict, index: int, line: int, rubric: LoadedRubric) -> tuple[str, str, StaleNote]:
    """An undecided `stale: true` entry: its previous score and comment, to show again."""
    student_id, question, where = _who(entry, index, line, rubric)
    points = rubric.questions[question].points
    previous = _score(entry.get("previous_score"), "previous_score", where, question, points)
    comment = entry.get("previous_comment")
    if comment is not None and not isinstance(comment, str):
        raise ValueError(f"{where}: `previous_comment` must be text (put it in quotes)")
    return student_id, question, StaleNote(previous_score=previous, previous_comment=comment or None)


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


def _read_entries(path: Path, name: str, recorded: RecordedReview | None,
                  ) -> tuple[list[tuple[int, Any, int]], str | None]:
    """The file's entries, numbered from 1, with their line numbers (safe YAML: no tags, no key twice, bounded
    size), and the sha256 of its bytes. A review.yaml exactly as the grader wrote it is not parsed: its
    decisions and stale notes are the `recorded` ones."""
    try:
        data = read_regular_file(path, OverridesError, max_bytes=MAX_OVERRIDE_BYTES, name=name)
    except OverridesError:
        data = None  # load_yaml_entries reads it again and says why
    sha256 = hashlib.sha256(data).hexdigest() if data is not None else None
    if recorded is not None and sha256 == recorded.sha256:
        # Parsing is what a TA waits for: the YAML loader takes 3.4 s (gc paused) for the review.yaml of a
        # class of 10,000 (78,592 entries, 30 MB) on 2 cores, most of a rerun; the record takes 0.01 s.
        return recorded.entries, sha256
    # A hand-written reader of the layout review.yaml is written in (regular expressions beside the YAML
    # parser) reads an edited file a few times faster: weighed and left out, a second YAML reader to keep
    # in step with the first.
    with _collector_paused():
        parsed = load_yaml_entries(path, OverridesError, max_bytes=MAX_OVERRIDE_BYTES, max_nodes=MAX_OVERRIDE_NODES)
    return [(number, entry, line) for number, (entry, line) in enumerate(parsed, start=1)], sha256


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector paused while a big file is parsed. PyYAML makes a million nodes for a class of
    10,000, none of them in a cycle, and the collector went through them again and again: measured, 13.3 s to
    read that review.yaml with it, 3.4 s without."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
