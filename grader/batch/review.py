"""review.yaml: the queue of answers a TA must read, in the shape `--overrides` reads back.

It lists every answer the grader marked `needs_review` (the free-text answers) and every answer
that already carries a TA decision, grouped by question (a TA grades one question across the
class, which keeps the scores consistent), then by student id. For each: student, name,
question, points, the answer text, the concepts the patterns found, the grader's `provisional`
score, and `score` — left empty until a TA decides, or the TA's decision (then also
`reviewed: true` and the TA's `comment`). Each entry also holds `answer_sha256`, the hash of the
answer shown, which binds a decision to that answer: a decision whose answer has changed since
is not applied but listed again as `stale: true`, with its `previous_score` and `previous_comment`.

An entry with an empty `score:` is not a decision, so passing the file back after deciding two
answers changes exactly those two; the rest stay provisional (and `needs_review`). Decided
entries keep their TA score in the next review.yaml, so each round trip starts where the last
one ended and passing the new file back again changes nothing (idempotent).

Entries are rendered in the workers, one small YAML block each. Strings are written as
double-quoted YAML scalars via JSON escaping (fast, and exact: the test suite round-trips
arbitrary text), with the few characters YAML does not accept raw escaped as well.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from json.encoder import encode_basestring  # type: ignore[attr-defined]  # json.dumps(s, ensure_ascii=False), in C
from typing import Any, TypeVar

from grader.batch.overrides import StaleNote, answer_hash
from grader.reports import points
from grader.results import Result
from grader.rubric import LoadedRubric

Entry = TypeVar("Entry")

# Characters JSON leaves raw but YAML refuses (C1 controls, DEL, BOM, non-characters) or reads as line
# breaks inside quotes (NEL, LS, PS): written as \uXXXX, which both YAML and JSON understand.
_YAML_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")

HEADER = """\
# Review queue of {assignment}: {count} answers to read.
#
# Each entry is one student's answer to one question, with the grader's `provisional` score.
# To decide, write a score after `score:` (0 to `points`; the provisional one if you agree) and,
# if you like, add a line `comment: "..."` that the student will see. Then grade again with:
#
#   grade batch SUBMISSIONS --rubric RUBRIC --out OUT
#
# A decided score is final and shown in the student's report as a TA decision. Entries whose
# `score:` is empty stay provisional. The next `grade batch` into this folder reads this file
# again, so decisions are kept without --overrides (--discard-decisions drops them). A decision
# holds for the answer it judged (`answer_sha256`): when the student's answer changes, the entry
# comes back with `stale: true`, its `previous_score`, and `score:` empty. Other fields (name,
# answer, concepts, ...) are ignored on reading.
"""


def yaml_string(text: str) -> str:
    """`text` as a double-quoted YAML scalar that reads back exactly."""
    quoted = encode_basestring(text)
    if _YAML_UNSAFE.search(quoted) is None:
        return quoted
    return _YAML_UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", quoted)


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return points(value)
    return yaml_string(str(value))


def review_entries(provisional: Result, final: Result, rubric: LoadedRubric,
                   stale: Mapping[str, StaleNote] | None = None) -> tuple[tuple[int, str], ...]:
    """(question index, YAML entry) for every answer to review, already decided, or whose decision went stale.

    Every entry carries `answer_sha256`, the hash of the answer shown: a score typed into the
    entry holds for that answer only. A stale entry (`stale: true`) shows the decision it had
    as `previous_score` and `previous_comment`, with `score:` empty again.
    """
    entries = []
    student = final.student
    stale = stale or {}
    head = f"- student: {_scalar(student.id)}\n  name: {_scalar(student.name)}\n"
    for index, (before, after) in enumerate(zip(provisional.questions, final.questions)):
        if before.status != "needs_review" and after.override is None and after.id not in stale:
            continue
        lines = [head + _question_lines(after.id, rubric.questions[after.id].points) + _answer_lines(after.answer)]
        concepts = before.concepts or []
        lines.append("  concepts: [" + ", ".join(yaml_string(concept) for concept in concepts) + "]")
        lines.append(f"  provisional: {_scalar(before.score)}")
        if after.override is None:
            lines.append("  score:")
            if after.id in stale:
                note = stale[after.id]
                lines.append("  stale: true")
                lines.append(f"  previous_score: {_scalar(note.previous_score)}")
                if note.previous_comment:
                    lines.append(f"  previous_comment: {_scalar(note.previous_comment)}")
        else:
            lines.append(f"  score: {_scalar(after.override.score)}")
            lines.append("  reviewed: true")
            if after.override.comment:
                lines.append(f"  comment: {_scalar(after.override.comment)}")
        entries.append((index, "\n".join(lines) + "\n"))
    return tuple(entries)


# A class repeats its questions and many of its answers: their lines are made once per process.
_QUESTION_LINES: dict[tuple[str, float], str] = {}
_ANSWER_LINES: dict[str | None, str] = {}
ANSWER_LINES_KEPT = 20_000  # the memo of answer lines starts over when full (each a few hundred bytes)


def _question_lines(question_id: str, question_points: float) -> str:
    key = (question_id, question_points)
    text = _QUESTION_LINES.get(key)
    if text is None:
        text = _QUESTION_LINES[key] = f"  question: {_scalar(question_id)}\n  points: {_scalar(question_points)}\n"
    return text


def _answer_lines(answer: str | None) -> str:
    text = _ANSWER_LINES.get(answer)
    if text is None:
        if len(_ANSWER_LINES) >= ANSWER_LINES_KEPT:
            _ANSWER_LINES.clear()
        text = _ANSWER_LINES[answer] = f"  answer: {_scalar(answer)}\n  answer_sha256: {_scalar(answer_hash(answer))}"
    return text


def write_review(write: Callable[[str], None], rubric: LoadedRubric, questions: Iterable[tuple[int, list[Entry]]],
                 count: int, write_entries: Callable[[list[Entry]], None]) -> None:
    """Write review.yaml with `write`: the header, then for each question that has entries (in rubric order) its
    heading and its entries (sorted by student id), which `write_entries` writes (it has their texts)."""
    write(HEADER.format(assignment=rubric.id, count=count))
    listed = list(rubric.questions.values())
    for index, entries in questions:
        if not entries:
            continue
        question = listed[index]
        title = f": {' '.join(question.title.split())}" if question.title else ""
        write(f"\n# ---- {question.id}{title} ({points(question.points)} point{'' if question.points == 1 else 's'})\n")
        write_entries(entries)
    if count == 0:
        write("[]\n")
