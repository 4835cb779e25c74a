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

import json
import re
from functools import lru_cache
from collections.abc import Callable, Mapping, Sequence
from json.encoder import encode_basestring  # type: ignore[attr-defined]  # json.dumps(s, ensure_ascii=False), in C
from typing import Any

from grader.batch.overrides import StaleNote, answer_hash
from grader.reports import points
from grader.results import Result
from grader.rubric import LoadedRubric


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


@lru_cache(maxsize=4096)  # a class repeats its question ids, concepts and many answers
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
                   stale: Mapping[str, StaleNote] | None = None) -> tuple[tuple[int, str, str | None], ...]:
    """(question index, YAML entry, what a rerun reads back of it) for every answer to review, already decided,
    or whose decision went stale.

    Every entry carries `answer_sha256`, the hash of the answer shown: a score typed into the
    entry holds for that answer only. A stale entry (`stale: true`) shows the decision it had
    as `previous_score` and `previous_comment`, with `score:` empty again. A decided or stale entry
    also comes with its fields as grader.batch.overrides reads them back (JSON): while review.yaml
    is unchanged, a rerun takes them from the result cache instead of parsing the file.
    """
    entries = []
    student = final.student
    stale = stale or {}
    who = {"student": yaml_string(student.id)}
    head = f"- student: {who['student']}\n  name: {_scalar(student.name)}\n"
    for index, (before, after) in enumerate(zip(provisional.questions, final.questions)):
        if before.status != "needs_review" and after.override is None and after.id not in stale:
            continue
        concepts = ", ".join(map(yaml_string, before.concepts or []))
        read = {**who, "question": yaml_string(after.id), "answer_sha256": f'"{answer_hash(after.answer)}"'}
        text = (f"{head}  question: {read['question']}\n  points: {points(rubric.questions[after.id].points)}\n"
                f"  answer: {_scalar(after.answer)}\n  answer_sha256: {read['answer_sha256']}\n"
                f"  concepts: [{concepts}]\n  provisional: {points(before.score)}\n")
        if after.override is not None:
            read["score"] = _scalar(after.override.score)
            text += f"  score: {read['score']}\n  reviewed: true\n"
            if after.override.comment:
                read["comment"] = _scalar(after.override.comment)
                text += f"  comment: {read['comment']}\n"
        elif after.id in stale:
            note = stale[after.id]
            read.update(score="null", stale="true", previous_score=_scalar(note.previous_score))
            text += f"  score:\n  stale: true\n  previous_score: {read['previous_score']}\n"
            if note.previous_comment:
                read["previous_comment"] = _scalar(note.previous_comment)
                text += f"  previous_comment: {read['previous_comment']}\n"
        else:
            entries.append((index, text + "  score:\n", None))
            continue
        # What grader.batch.overrides reads of the entry: the scalars as written, which read alike in YAML and JSON.
        entries.append((index, text, json.dumps({key: json.loads(value) for key, value in read.items()})))
    return tuple(entries)


def write_review(write: Callable[[bytes], None], rubric: LoadedRubric,
                 by_question: Sequence[Sequence[tuple[Any, Any]]], read: Callable[[Any], bytes]) -> list[str]:
    """Write review.yaml with `write`: the header, then for each question that has entries (in rubric order) its
    heading and its entries in student-id order, each (text, read back) as references that `read` reads. The
    entries that read back, as the result cache records them (`[number, fields, line]`, JSON)."""
    count = sum(map(len, by_question))
    lines = 0
    number = 0
    recorded: list[str] = []

    def put(data: bytes) -> None:
        nonlocal lines
        write(data)
        lines += data.count(b"\n")

    put(HEADER.format(assignment=rubric.id, count=count).encode("utf-8"))
    for question, entries in zip(rubric.questions.values(), by_question):
        if not entries:
            continue
        title = f": {' '.join(question.title.split())}" if question.title else ""
        put(f"\n# ---- {question.id}{title} ({points(question.points)} point{'' if question.points == 1 else 's'})\n"
            .encode("utf-8"))
        texts = []  # one question's entries, written at once
        for text, read_back in entries:
            number += 1
            if read_back is not None:
                recorded.append(f"[{number}, {read(read_back).decode('utf-8')}, {lines + 1}]")
            texts.append(read(text))
            lines += texts[-1].count(b"\n")
        write(b"".join(texts))
    if count == 0:
        put(b"[]\n")
    return recorded
