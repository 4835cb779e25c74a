"""Find each question's answer in a submission's `answers` (nested, flat or mixed keys).

`p3.b.h1` is found as `answers.p3.b.h1`, as a flat key `"p3.b.h1"`, or any mix (`p3.b: {h1: …}`).
Where an id resolves to a mapping with an `answer` key, the value is that `answer`, and
`p2.a.why` finds the `why` beside it. Keys that no question uses become warnings. A list where
a mapping of sub-answers belongs (`p3.b: [0.77, 0.22]`) is one problem, reported on each question
under it, not a stray key plus a "missing" per question.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from grader.errors import did_you_mean
from grader.submission import SCORE_WORDS

Path_ = tuple[str, ...]


class Missing:
    """No answer was given (absent, null or blank)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING = Missing()


@dataclass(frozen=True)
class Twice:
    """The same question was answered in two places: neither is trusted."""

    places: tuple[str, ...]


@dataclass(frozen=True)
class Misplaced:
    """The question sits under a key whose value is a list, where a mapping of sub-answers belongs."""

    message: str


@dataclass
class ResolvedAnswers:
    values: dict[str, Any] = field(default_factory=dict)  # question id -> raw answer, MISSING, Twice or Misplaced
    warnings: list[str] = field(default_factory=list)


def parent_ids(question_ids: list[str]) -> frozenset[str]:
    """Every proper prefix of a question id (`p2.a` for `p2.a.why`): ids that other ids sit under."""
    return frozenset(".".join(qid.split(".")[:n]) for qid in question_ids for n in range(1, qid.count(".") + 1))


def resolve_answers(answers: dict[str, Any], question_ids: list[str],
                    prefixes: frozenset[str] | None = None) -> ResolvedAnswers:
    """The raw answer of every question id, and warnings for keys that none of them used."""
    resolved = ResolvedAnswers()
    consumed: set[Path_] = set()
    places = _index(answers)
    prefixes = parent_ids(question_ids) if prefixes is None else prefixes
    listed = any(isinstance(value, list) for found in places.values() for value, _ in found)
    for qid in question_ids:
        found = places.get(qid)
        if not found:
            resolved.values[qid] = (listed and _misplaced(qid, places, question_ids, consumed)) or MISSING
            continue
        if len(found) > 1:
            resolved.values[qid] = Twice(tuple(".".join(path) for _, path in found))
            consumed.update(path for _, path in found)
            continue
        value, path = found[0]
        if isinstance(value, dict) and ("answer" in value or qid in prefixes):
            if "answer" in value:
                path = path + ("answer",)
            value = value.get("answer")
        consumed.add(path)
        resolved.values[qid] = MISSING if value is None or (isinstance(value, str) and not value.strip()) else value
    for path in _leaves(answers, ()):
        if any(path[:length] in consumed for length in range(1, len(path) + 1)):
            continue
        dotted = ".".join(path)
        if path[-1].casefold() in SCORE_WORDS:
            resolved.warnings.append(f"`answers.{dotted}` is ignored: scores are computed by the grader, "
                                     "never read from your file")
        else:
            resolved.warnings.append(f"`answers.{dotted}` is not a question of this assignment"
                                     f"{did_you_mean(dotted, question_ids)}; it was not graded")
    return resolved


def _misplaced(qid: str, places: dict[str, list[tuple[Any, Path_]]], question_ids: list[str],
               consumed: set[Path_]) -> Misplaced | None:
    """A Misplaced when a parent of `qid` (not itself a question) was answered with a list."""
    parts = qid.split(".")
    for length in range(len(parts) - 1, 0, -1):
        parent = ".".join(parts[:length])
        for value, path in places.get(parent, []):
            if isinstance(value, list) and parent not in question_ids:
                consumed.add(path)
                children = list(dict.fromkeys(q.split(".")[length] for q in question_ids if q.startswith(parent + ".")))
                shown = ", ".join(f"`{child}: …`" for child in children[:4]) + (", …" if len(children) > 4 else "")
                return Misplaced(f"`answers.{'.'.join(path)}` is a list, but it holds the answers to "
                                 f"{len(children)} sub-question{'s' if len(children) != 1 else ''}; write them as a "
                                 f"mapping with one key each ({shown}) so each answer is found")
    return None


def _index(answers: dict[str, Any]) -> dict[str, list[tuple[Any, Path_]]]:
    """Every node of the answers tree by its dotted id (`p3.b.h1` for `p3: {b: {h1: …}}` or `"p3.b": {h1: …}`)."""
    places: dict[str, list[tuple[Any, Path_]]] = {}
    stack: list[tuple[Any, Path_]] = [(answers, ())]
    while stack:
        node, path = stack.pop()
        if path:
            places.setdefault(".".join(path), []).append((node, path))
        if isinstance(node, dict):
            stack.extend((value, path + (str(key),)) for key, value in reversed(list(node.items())))
    return places


def _leaves(node: Any, path: Path_) -> list[Path_]:
    if isinstance(node, dict) and node:
        return [leaf for key, value in node.items() for leaf in _leaves(value, path + (str(key),))]
    return [path] if path else []
