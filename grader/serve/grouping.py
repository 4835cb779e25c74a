"""Answer groups for the review queue: a TA reads each distinct answer once and scores its group at once.

Pure functions over (student, answer, how it was graded). Free text is grouped in two steps:
answers identical after normalising (Unicode NFKC, case, punctuation, whitespace), then
near-duplicates, whose normalised texts are at least `threshold` similar by rapidfuzz's
`fuzz.ratio` (the Indel similarity, 0-100: a typo or two in a sentence stays above 90, two
different sentences about the same thing fall well below 85). The threshold is the TA's to move;
100 groups identical answers only. Each group's leader is its largest identical set, and an
answer joins the most similar leader, so groups never chain unrelated answers (single linkage
would). Numbers and expressions are grouped by how they were graded: right, the known mistake
they match, else by value within the question's tolerance (numbers) or by written form.

Members of a group are listed in a stable pseudo-random order (a hash of the question and the
student id), so no student is always read first or last and the same page shows the same order.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process

from grader.questions import ExpressionQuestion, NumericQuestion, TextQuestion

DEFAULT_THRESHOLD = 85  # fuzz.ratio; measured in benchmarks/review_grouping.py (typos stay above, other answers below)
EXACT_ONLY = 100
_PUNCTUATION_OR_SPACE = re.compile(r"[\W_]+")  # after NFKC and casefold: anything but letters and digits


@dataclass(frozen=True)
class Member:
    """One student's answer to the question, as graded (before any TA decision)."""

    student_id: str
    answer: str | None
    status: str
    note: str | None  # the known mistake it matched
    score: float  # the grader's (provisional) score


@dataclass(frozen=True)
class Form:
    """Answers that are identical after normalising: the group's parts, which a TA may score apart (a split)."""

    text: str  # the normalised answer (or the value/mistake label for numbers)
    members: list[Member]


@dataclass(frozen=True)
class AnswerGroup:
    key: str  # stable within one grouping (same answers, same threshold): used in addresses
    label: str  # how its members belong together, for the page
    forms: list[Form]
    members: list[Member] = field(default_factory=list)  # every member, in the stable pseudo-random order

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def example(self) -> str | None:
        """The answer to show first: the one most members wrote."""
        return self.forms[0].members[0].answer if self.forms and self.forms[0].members else None


def normalise(text: str | None) -> str:
    """Case, punctuation, whitespace and Unicode forms folded: `The Gradient, vanishes!` -> `the gradient vanishes`."""
    if not text:
        return ""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _PUNCTUATION_OR_SPACE.sub(" ", folded).strip()


def member_order(seed: str, student_id: str) -> str:
    """The stable pseudo-random position of a student in a group (same seed and id, same place)."""
    return hashlib.sha256(f"{seed}\0{student_id}".encode("utf-8", "surrogatepass")).hexdigest()


def group_answers(members: Sequence[Member], question: Any, *, threshold: int = DEFAULT_THRESHOLD,
                  seed: str = "") -> list[AnswerGroup]:
    """The groups of one question's answers, the largest first (ties by label)."""
    if isinstance(question, TextQuestion):
        groups = _text_groups(members, threshold, seed)
    else:
        if isinstance(question, NumericQuestion):
            parts = _numeric_parts(members, question)
        else:  # expressions by written form; true/false, choice, shape as written (few distinct answers)
            written = normalise_form if isinstance(question, ExpressionQuestion) else normalise
            parts = {}
            for member in members:
                parts.setdefault(_graded_label(member) or f"{member.status}: {written(member.answer)}",
                                 []).append(member)
        groups = [_group([_form(label, held)], label, seed) for label, held in parts.items()]
    return sorted(groups, key=lambda group: (-group.size, group.label))


def normalise_form(text: str | None) -> str:
    """An expression as written, without spaces and case: `0.5*(Mu^2 + 1)` and `0.5*(mu^2+1)` are one form."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).casefold()


def _text_groups(members: Sequence[Member], threshold: int, seed: str) -> list[AnswerGroup]:
    identical: dict[str, list[Member]] = {}
    for member in members:
        identical.setdefault(normalise(member.answer), []).append(member)
    # leaders first: the largest identical sets, then alphabetical, so the grouping is the same every time
    ordered = sorted(identical.items(), key=lambda item: (-len(item[1]), item[0]))
    leaders: list[str] = []
    joined: dict[str, list[tuple[str, list[Member]]]] = {}
    for text, held in ordered:
        match = (process.extractOne(text, leaders, scorer=fuzz.ratio, score_cutoff=threshold)
                 if threshold < EXACT_ONLY and text and leaders else None)
        if match is None:
            leaders.append(text)
            joined[text] = [(text, held)]
        else:
            joined[match[0]].append((text, held))
    groups = []
    for leader in leaders:
        forms = [_form(text, held) for text, held in joined[leader]]
        label = ("no answer" if not leader else "identical after normalising" if len(forms) == 1
                 else f"{len(forms)} near-identical answers (similarity ≥ {threshold})")
        groups.append(_group(forms, label, seed, key_text=leader))
    return groups


def _graded_label(member: Member) -> str | None:
    """What the grader already knows the answer to be: right, a known mistake, missing or unreadable."""
    if member.status == "correct":
        return "right (matches the key)"
    if member.note:
        return f"matches the known mistake {member.note}"
    if member.status in ("missing", "invalid"):
        return "no answer" if member.status == "missing" else "could not be read"
    return None


def _numeric_parts(members: Sequence[Member], question: NumericQuestion) -> dict[str, list[Member]]:
    """By grading, then the other answers by value: within the question's tolerance of a part's first value
    (the most frequent answer leads), as the class summary clusters wrong values."""
    parts: dict[str, list[Member]] = {}
    written: dict[tuple[str, str], list[Member]] = {}
    for member in members:
        label = _graded_label(member)
        if label is not None:
            parts.setdefault(label, []).append(member)
        else:
            written.setdefault((member.status, normalise_form(member.answer)), []).append(member)
    clusters: list[tuple[str, Any, str, list[Member]]] = []  # status, leading value, label, members
    for (status, text), held in sorted(written.items(), key=lambda item: (-len(item[1]), item[0])):
        value = _numeric_value(question, held[0])
        home = next((cluster for cluster in clusters if cluster[0] == status and _close(question, value, cluster[1])),
                    None)
        if home is not None:
            home[3].extend(held)
            continue
        shown = question.describe(value) if not isinstance(value, str) else text
        clusters.append((status, value, f"{status}: {shown}", list(held)))
    for _, _, label, held in clusters:
        parts.setdefault(label, []).extend(held)
    return parts


def _numeric_value(question: NumericQuestion, member: Member) -> Any:
    try:
        return question.parse(member.answer)
    except Exception:  # noqa: BLE001 - an answer the question cannot read again is grouped by its text
        return normalise_form(member.answer)


def _close(question: NumericQuestion, value: Any, leader: Any) -> bool:
    if isinstance(value, str) or isinstance(leader, str):
        return value == leader
    try:
        return question.matches(value, leader if isinstance(leader, float) else leader.nested())
    except Exception:  # noqa: BLE001 - values of different shapes are simply not the same answer
        return False


def _form(text: str, members: list[Member]) -> Form:
    return Form(text, sorted(members, key=lambda member: member.student_id))


def _group(forms: list[Form], label: str, seed: str, key_text: str | None = None) -> AnswerGroup:
    forms = sorted(forms, key=lambda form: (-len(form.members), form.text))
    members = sorted((member for form in forms for member in form.members),
                     key=lambda member: member_order(seed, member.student_id))
    key = hashlib.sha256(f"{label}\0{key_text if key_text is not None else forms[0].text}".encode(
        "utf-8", "surrogatepass")).hexdigest()[:16]
    return AnswerGroup(key=key, label=label, forms=forms, members=members)
