"""What a worker hands back for one file: small, picklable, and only what the parent needs.

A graded file becomes a `Graded`: where the Result's JSON line and the student's review-queue
entries (YAML text) are, and a `StudentRow` — the few numbers per question that the gradebook and
the class summary need. The worker writes the texts into its spill file and hands over only where
they are (grader.batch.collect); Results never cross the process boundary and the parent keeps
only the rows, so memory stays flat however large the class.
"""

from __future__ import annotations

from array import array
from typing import Any, NamedTuple

from grader.errors import AnswerError
from grader.results import STATUSES, Result
from grader.rubric import LoadedRubric

STATUS_CODE = {status: code for code, status in enumerate(STATUSES)}
WRONG_STATUSES = frozenset({"incorrect", "partial"})
COMPARED_TYPES = frozenset({"numeric", "choice", "true_false"})  # types whose wrong answers the summary compares


class WrongAnswer(NamedTuple):
    """A wrong answer the summary clusters and compares: question index, parsed value, mistake note."""

    question: int
    value: Any  # float for numeric, the option's value for choice, bool for true_false
    note: str | None


class StudentRow(NamedTuple):
    """One student's result, compacted: what the gradebook and the summary read."""

    id: str
    name: str | None
    email: str | None
    total: float
    scores: array  # per question, in rubric order ('d')
    statuses: bytes  # per question, an index into results.STATUSES
    wrong: tuple[WrongAnswer, ...]

    def status(self, index: int) -> str:
        return STATUSES[self.statuses[index]]


class Graded(NamedTuple):
    """A file that was graded."""

    file: str  # path relative to the batch folder, with forward slashes
    row: StudentRow
    at: tuple[int, int]  # where the student's texts are (`pack_texts`): spill file, offset (grader.batch.collect)
    sizes: tuple[int, ...]  # the length of each of them
    questions: tuple[int, ...]  # the question index of each review.yaml entry among them
    decided: int = 0  # TA decisions applied
    stale: tuple[str, ...] = ()  # question ids whose decision no longer matches the answer (back in review)
    cache_key: str | None = None  # the file's key in the result cache (grader.batch.result_cache)
    final_digest: str | None = None  # sha256 of the final JSON line, for the cache
    reports: tuple[tuple[str, str], ...] = ()  # (file name, sha256) of the reports written


def pack_texts(json_line: str, reviews: tuple[tuple[int, str, str | None], ...],
               provisional: str | None) -> tuple[bytes, tuple[int, ...], tuple[int, ...]]:
    """A student's texts as one UTF-8 blob, for one write: the final JSON line and its newline, then each review
    entry and what a rerun reads back of it ("" for none), then the Result before decisions ("" when it is the
    final one); the lengths, and each entry's question index."""
    parts = [(json_line + "\n").encode("utf-8")]
    for _, text, read_back in reviews:
        parts += [text.encode("utf-8"), (read_back or "").encode("utf-8")]
    parts.append((provisional or "").encode("utf-8"))
    return b"".join(parts), tuple(map(len, parts)), tuple(index for index, _, _ in reviews)


class Problem(NamedTuple):
    """A file that could not be graded, with the message `grade FILE` prints for it."""

    file: str
    message: str
    cache_key: str | None = None  # the file's key in the result cache, when the message may be cached


def compact_row(result: Result, rubric: LoadedRubric) -> StudentRow:
    """The StudentRow of a (final, overridden) Result."""
    questions = list(rubric.questions.values())
    wrong: list[WrongAnswer] = []
    for index, (question, graded) in enumerate(zip(questions, result.questions)):
        if graded.status not in WRONG_STATUSES or graded.answer is None:
            continue
        if question.type not in COMPARED_TYPES:  # type: ignore[attr-defined]
            continue
        try:
            value = question.parse(graded.answer)
        except (AnswerError, ValueError, TypeError):
            continue  # a reading that does not round-trip is simply not compared
        wrong.append(WrongAnswer(index, value, graded.note))
    student = result.student
    return StudentRow(id=student.id, name=student.name, email=student.email, total=result.score,
                      scores=array("d", (q.score for q in result.questions)),
                      statuses=bytes(STATUS_CODE[q.status] for q in result.questions), wrong=tuple(wrong))
