"""Find each question's answer in a submission's `answers` (nested, flat or mixed keys).

`p3.b.h1` is found as `answers.p3.b.h1`, as a flat key `"p3.b.h1"`, or any mix (`p3.b: {h1: …}`).
Where an id resolves to a mapping with an `answer` key, the value is that `answer`, and
`p2.a.why` finds the `why` beside it. Keys that no question uses become warnings.
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


@dataclass
class ResolvedAnswers:
    values: dict[str, Any] = field(default_factory=dict)  # question id -> raw answer, MISSING or Twice
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
    for qid in question_ids:
        found = places.get(qid)
        if not found:
            resolved.values[qid] = MISSING
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
