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


def resolve_answers(answers: dict[str, Any], question_ids: list[str]) -> ResolvedAnswers:
    """The raw answer of every question id, and warnings for keys that none of them used."""
    resolved = ResolvedAnswers()
    consumed: set[Path_] = set()
    ids = set(question_ids)
    for qid in question_ids:
        has_children = any(other.startswith(qid + ".") for other in ids)
        found = _find(answers, qid.split("."), ())
        if not found:
            resolved.values[qid] = MISSING
            continue
        if len(found) > 1:
            resolved.values[qid] = Twice(tuple(".".join(path) for _, path in found))
            consumed.update(path for _, path in found)
            continue
        value, path = found[0]
        if isinstance(value, dict) and ("answer" in value or has_children):
            if "answer" in value:
                path = path + ("answer",)
            value = value.get("answer")
        consumed.add(path)
        resolved.values[qid] = MISSING if value is None or (isinstance(value, str) and not value.strip()) else value
    for path in _leaves(answers, ()):
        if any(path[:len(used)] == used for used in consumed):
            continue
        dotted = ".".join(path)
        if path[-1].casefold() in SCORE_WORDS:
            resolved.warnings.append(f"`answers.{dotted}` is ignored: scores are computed by the grader, "
                                     "never read from your file")
        else:
            resolved.warnings.append(f"`answers.{dotted}` is not a question of this assignment"
                                     f"{did_you_mean(dotted, question_ids)}; it was not graded")
    return resolved


def _find(node: Any, segments: list[str], path: Path_) -> list[tuple[Any, Path_]]:
    """Every place `segments` can be read in `node`, trying longer dotted keys and shorter ones."""
    if not segments:
        return [(node, path)]
    if not isinstance(node, dict):
        return []
    found: list[tuple[Any, Path_]] = []
    for length in range(len(segments), 0, -1):
        key = ".".join(segments[:length])
        for actual in node:
            if str(actual) == key:
                found.extend(_find(node[actual], segments[length:], path + (str(actual),)))
    return found


def _leaves(node: Any, path: Path_) -> list[Path_]:
    if isinstance(node, dict) and node:
        return [leaf for key, value in node.items() for leaf in _leaves(value, path + (str(key),))]
    return [path] if path else []
