"""A phrase that a concept's regular expression matches, for the self-test of text questions.

`grade validate` answers every text question with a sentence that mentions each concept. The
phrase is built from the pattern itself (one branch of each alternation, each optional part once,
a letter for a character class), then checked with the pattern: a phrase is only used when the
pattern really matches it. Patterns too unusual to build from (look-arounds, negated classes
only) need a plain-words pattern or an `example:` on the concept.
"""

from __future__ import annotations

import re
from typing import Any

try:  # the parser behind `re`; only used to read the rubric's own patterns, and verified below
    from re import _parser as regex_parser  # type: ignore[attr-defined]
except ImportError:  # Python 3.10
    import sre_parse as regex_parser  # type: ignore[no-redef]

MAX_PHRASE = 200  # a phrase longer than this is not a useful sample
CATEGORY_SAMPLES = {"CATEGORY_DIGIT": "1", "CATEGORY_SPACE": " ", "CATEGORY_WORD": "a",
                    "CATEGORY_NOT_DIGIT": "a", "CATEGORY_NOT_SPACE": "a", "CATEGORY_NOT_WORD": " "}


class _CannotBuild(Exception):
    """The pattern uses a construct no sample is built for."""


def sample_for(patterns: list[str]) -> str | None:
    """A phrase one of `patterns` matches (case-insensitively), trying them in order; None if none."""
    for pattern in patterns:
        try:
            phrase = _build(regex_parser.parse(pattern)).strip()
        except (_CannotBuild, re.error, RecursionError, TypeError, ValueError):
            continue
        if phrase and len(phrase) <= MAX_PHRASE and re.search(pattern, phrase, re.IGNORECASE):
            return phrase
    return None


def _build(items: Any) -> str:
    return "".join(_item(op, value) for op, value in items)


def _item(op: Any, value: Any) -> str:
    name = str(op)
    if name == "LITERAL":
        return chr(value)
    if name == "AT":
        return ""  # \b, ^, $: a phrase of words between spaces satisfies them
    if name == "ANY":
        return " "
    if name == "IN":
        return _in(value)
    if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        low, _high, sub = value
        return _build(sub) * max(low, 1)
    if name == "SUBPATTERN":
        return _build(value[-1])
    if name == "BRANCH":
        return _build(value[1][0])
    if name == "ATOMIC_GROUP":
        return _build(value)
    raise _CannotBuild(name)


def _in(members: list[tuple[Any, Any]]) -> str:
    for op, value in members:
        name = str(op)
        if name == "NEGATE":
            raise _CannotBuild(name)
        if name == "LITERAL":
            return chr(value)
        if name == "RANGE":
            return chr(value[0])
        if name == "CATEGORY" and str(value) in CATEGORY_SAMPLES:
            return CATEGORY_SAMPLES[str(value)]
    raise _CannotBuild("IN")
