"""Class statistics for summary.html, computed from the compact rows (never from whole Results).

Per question: the mean, the share of each status, how many answers await review, and the
discrimination index — the mean fraction of the points earned by the top 27% of the class (by
total) minus that of the bottom 27% (Kelley's groups; near 0 or negative: the question does not
separate strong from weak students). For numeric questions the most common wrong values,
clustered within the question's own tolerance — or, when the rubric gives each student their own
numbers (variants), the wrong answers grouped by the known mistake they match. And pairs of
students who share three or more identical wrong answers: for a TA to look at, never an accusation.
"""

from __future__ import annotations

import bisect
import statistics
from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from grader.batch.histogram import Histogram, histogram
from grader.batch.records import StudentRow
from grader.results import STATUSES
from grader.questions import NumericQuestion
from grader.rubric import LoadedRubric

KELLEY_FRACTION = 0.27  # the classic top/bottom group size for the discrimination index
TOP_WRONG_VALUES = 5  # wrong-value clusters shown per numeric question
SHARED_MINIMUM = 3  # identical wrong answers that make a pair worth a look (the threshold)
COMMON_WRONG_ANSWER = 10  # a wrong answer more students gave is a common mistake: sharing it says nothing
MAX_PAIRS = 100  # pairs listed; the rest are counted
UNEXPLAINED = "unexplained"  # the group of wrong answers that match no known mistake (variants rubrics)


@dataclass(frozen=True)
class WrongCluster:
    value: str  # the cluster's first (most frequent) value, as the question shows numbers
    count: int
    share: float  # of the graded students
    variants: int  # distinct values in the cluster
    note: str | None  # the known mistake most of them matched


@dataclass(frozen=True)
class QuestionStats:
    id: str
    title: str | None
    type: str
    points: float
    mean: float
    shares: dict[str, float]  # status -> fraction of the graded students
    needs_review: int
    discrimination: float | None
    wrong_values: list[WrongCluster]


@dataclass(frozen=True)
class SharedPair:
    first: StudentRow
    second: StudentRow
    questions: list[str]


@dataclass(frozen=True)
class ClassSummary:
    graded: int
    max_score: float
    mean: float | None
    median: float | None
    stdev: float | None
    lowest: float | None
    highest: float | None
    needs_review: int
    histogram: Histogram
    questions: list[QuestionStats]
    pairs: list[SharedPair]
    more_pairs: int
    wrong_by_mistake: bool = False  # variants: wrong answers grouped by the mistake they match, not by value


def summarise(rows: Sequence[StudentRow], rubric: LoadedRubric) -> ClassSummary:
    """Everything summary.html shows, from the rows sorted by student id."""
    totals = [row.total for row in rows]
    max_score = rubric.rubric.max_score
    questions = list(rubric.questions.values())
    top, bottom = _kelley_groups(rows)
    # With variants every student has other numbers, so equal raw values of different students mean
    # nothing: group by the known mistake an answer matched instead ("unexplained" when none).
    by_mistake = bool(rubric.solver and rubric.solver.has_variants)
    stats: list[QuestionStats] = []
    width = len(questions)
    scores, top_scores, bottom_scores = _table(rows, width), _table(top, width), _table(bottom, width)
    codes = b"".join(row.statuses for row in rows)  # row after row: question `index` is every width-th code
    for index, question in enumerate(questions):
        column = codes[index::width]
        statuses = {status: column.count(code) for code, status in enumerate(STATUSES)}
        count = len(rows) or 1
        discrimination = None
        if top:
            discrimination = (sum(top_scores[index::width]) / (len(top) * question.points)
                              - sum(bottom_scores[index::width]) / (len(bottom) * question.points))
        stats.append(QuestionStats(
            id=question.id, title=question.title, type=question.type,  # type: ignore[attr-defined]
            points=question.points, mean=sum(scores[index::width]) / count,
            shares={status: statuses[status] / count for status in
                    ("correct", "partial", "incorrect", "missing", "invalid", "needs_review")},
            needs_review=statuses["needs_review"], discrimination=discrimination,
            wrong_values=(_mistake_groups(rows, index) if by_mistake else _wrong_clusters(rows, index, question))
            if isinstance(question, NumericQuestion) else []))
    pairs, more = _shared_wrong_answers(rows, questions)
    return ClassSummary(
        graded=len(rows), max_score=max_score,
        mean=statistics.fmean(totals) if totals else None, median=statistics.median(totals) if totals else None,
        stdev=statistics.pstdev(totals) if totals else None, lowest=min(totals, default=None),
        highest=max(totals, default=None), needs_review=sum(q.needs_review for q in stats),
        histogram=histogram(totals, max_score), questions=stats, pairs=pairs, more_pairs=more,
        wrong_by_mistake=by_mistake)


def _kelley_groups(rows: Sequence[StudentRow]) -> tuple[list[StudentRow], list[StudentRow]]:
    size = round(KELLEY_FRACTION * len(rows))
    if size < 1:
        return [], []
    ranked = sorted(rows, key=lambda row: (row.total, row.id))
    return ranked[-size:], ranked[:size]


def _table(rows: Sequence[StudentRow], width: int) -> array:
    """Every row's scores, row after row: question `index` is every width-th value from `index` on (summed in
    row order, as a loop over the rows would)."""
    table = array("d")
    for row in rows:
        table.extend(row.scores)
    if len(table) != len(rows) * width:
        raise ValueError("a row does not have one score per question")
    return table


def _wrong_clusters(rows: Sequence[StudentRow], index: int, question: NumericQuestion) -> list[WrongCluster]:
    """Wrong values grouped within the tolerance of each cluster's first value; the largest first."""
    counts: Counter[float] = Counter()
    notes: dict[float, Counter[str]] = {}
    for row in rows:
        for wrong in row.wrong:
            if wrong.question == index:
                counts[wrong.value] += 1
                if wrong.note:
                    notes.setdefault(wrong.value, Counter())[wrong.note] += 1
    if any(not isinstance(value, float) for value in counts):  # vector answers: equal ones grouped
        return _equal_values(counts, notes, len(rows), question)
    ordered = sorted(counts, key=lambda value: (-counts[value], value))
    by_value = sorted(counts)
    taken: set[float] = set()
    clusters: list[tuple[int, float, WrongCluster]] = []
    for center in ordered:
        if center in taken:
            continue
        reach = question.tolerance.allowed_error(center) * (1 + 1e-9)
        window = by_value[bisect.bisect_left(by_value, center - reach):bisect.bisect_right(by_value, center + reach)]
        members = [value for value in window if value not in taken and question.matches(value, center)]
        members = members or [center]
        taken.update(members)
        cluster_notes: Counter[str] = Counter()
        for value in members:
            cluster_notes.update(notes.get(value, {}))
        total = sum(counts[value] for value in members)
        note = min(cluster_notes.items(), key=lambda item: (-item[1], item[0]))[0] if cluster_notes else None
        clusters.append((total, center, WrongCluster(value=question.describe(center), count=total,
                                                     share=total / len(rows), variants=len(members), note=note)))
    clusters.sort(key=lambda item: (-item[0], item[1]))
    return [cluster for _, _, cluster in clusters[:TOP_WRONG_VALUES]]


def _mistake_groups(rows: Sequence[StudentRow], index: int) -> list[WrongCluster]:
    """Wrong answers grouped by the known mistake they matched, "unexplained" for the rest; the largest first.
    `value` is the group's name and `variants` the number of distinct raw values in it."""
    counts: Counter[str] = Counter()
    values: dict[str, set[Any]] = {}
    for row in rows:
        for wrong in row.wrong:
            if wrong.question == index:
                group = wrong.note or UNEXPLAINED
                counts[group] += 1
                values.setdefault(group, set()).add(_hashable(wrong.value))
    ordered = sorted(counts, key=lambda group: (-counts[group], group == UNEXPLAINED, group))
    return [WrongCluster(value=group, count=counts[group], share=counts[group] / len(rows),
                         variants=len(values[group]), note=None if group == UNEXPLAINED else group)
            for group in ordered[:TOP_WRONG_VALUES]]


def _hashable(value: Any) -> Any:
    return tuple(_hashable(item) for item in value) if isinstance(value, (list, tuple)) else value


def _equal_values(counts: Counter[Any], notes: dict[Any, Counter[str]], students: int,
                  question: NumericQuestion) -> list[WrongCluster]:
    """Wrong vector (or matrix) answers grouped when they are written the same, the most common first."""
    shown = sorted(counts, key=lambda value: (-counts[value], question.describe(value)))
    return [WrongCluster(value=question.describe(value), count=counts[value], share=counts[value] / students,
                         variants=1, note=min(notes[value].items(), key=lambda item: (-item[1], item[0]))[0]
                         if value in notes else None) for value in shown[:TOP_WRONG_VALUES]]


def _shared_wrong_answers(rows: Sequence[StudentRow], questions: list[Any]) -> tuple[list[SharedPair], int]:
    """Pairs with SHARED_MINIMUM or more identical uncommon wrong answers, most shared first."""
    groups: dict[tuple[int, Any], list[int]] = {}
    for position, row in enumerate(rows):
        for wrong in row.wrong:
            groups.setdefault((wrong.question, wrong.value), []).append(position)
    shared: Counter[tuple[int, int]] = Counter()
    for members in groups.values():
        if 2 <= len(members) <= COMMON_WRONG_ANSWER:
            shared.update(combinations(members, 2))
    flagged = sorted((pair for pair, count in shared.items() if count >= SHARED_MINIMUM),
                     key=lambda pair: (-shared[pair], pair))
    pairs = []
    for first, second in flagged[:MAX_PAIRS]:
        common = {(w.question, w.value) for w in rows[first].wrong} & {(w.question, w.value) for w in rows[second].wrong}
        indexes = sorted(index for index, value in common if 2 <= len(groups[(index, value)]) <= COMMON_WRONG_ANSWER)
        pairs.append(SharedPair(rows[first], rows[second], [questions[index].id for index in indexes]))
    return pairs, max(0, len(flagged) - MAX_PAIRS)
