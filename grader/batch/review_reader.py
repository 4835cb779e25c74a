"""Read back a review.yaml in the layout the grader writes it, without building a YAML node per value.

A rerun reads OUT/review.yaml (grader.batch.overrides): for a class of 10,000 that is tens of
thousands of entries, and PyYAML spends seconds building and checking a node for every value.
Yet the file is almost always as the grader wrote it (grader.batch.review) plus a few scores
typed in: every entry a block of `key: value` lines, each value a JSON-style double-quoted string,
a plain number, `true`/`false`/`null`, nothing (null), or a flow list of such strings.

`grader_layout_entries` reads exactly that subset, where YAML and JSON agree on every value, and
gives the same entries and line numbers `safe_yaml.load_yaml_entries` gives; anything outside it
(another indentation, a comment after a value, an unquoted word, `.5`, `1e3`, `yes`, a key twice,
an anchor, a character YAML reads differently) makes it return None, and the caller parses the
whole file with the YAML parser, whose messages say what is wrong. The tests compare the two.
"""

from __future__ import annotations

import json
import re
from typing import Any

KEYS = frozenset({"student", "name", "question", "points", "answer", "answer_sha256", "concepts", "provisional",
                  "score", "reviewed", "comment", "stale", "previous_score", "previous_comment"})
_LINE = re.compile(r"(- |  )([a-z_0-9]+):(?: (.*))?")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?")  # int or decimal: read alike by YAML 1.1 and JSON
# Characters YAML reads differently from JSON inside quotes, refuses raw, or that JSON escapes into
# something YAML does not take (surrogates): any of them sends the file to the YAML parser.
_DIFFERENT = re.compile("[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")  # looked for only when the text has a `\u` at all
_decode = json.JSONDecoder().decode


# Exactly the JSON strings, as an unrolled loop (normal* (escape normal*)*): linear time on any input.
_STRING = r'"[^"\\\x00-\x1f]*(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[^"\\\x00-\x1f]*)*"'
_PLAIN_NUMBER = r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?"
# An entry the grader wrote and no TA touched: score empty, no comment, not stale. The loader reads past
# such entries, so they come back as {"score": None} without a value being decoded.
_UNDECIDED = re.compile(
    rf"- student: {_STRING}\n  name: (?:null|{_STRING})\n  question: {_STRING}\n  points: {_PLAIN_NUMBER}\n"
    rf"  answer: (?:null|{_STRING})\n  answer_sha256: (?:null|{_STRING})\n"
    rf"  concepts: \[(?:{_STRING}(?:, {_STRING})*)?\]\n  provisional: {_PLAIN_NUMBER}\n  score:\n"
    r"(?:(?:#[^\n]*)?\n)*")
_ENTRY_START = re.compile(r"\n- ")  # an entry starts after the newline (or at the very start)


def grader_layout_entries(data: bytes, max_nodes: int) -> list[tuple[Any, int]] | None:
    """The (entry, line) list of a review.yaml in the grader's layout, an undecided entry as {"score": None}
    (all the loader reads of it); None when the file is not in that layout (see the module doc)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if (text.startswith("\ufeff") or "\r" in text or _DIFFERENT.search(text)
            or ("\\u" in text and _ESCAPED_SURROGATE.search(text))):
        return None
    if text.count("\n") + text.count('"') + 2 > max_nodes:  # a bound on the values; near the limit, YAML decides
        return None
    starts = ([0] if text.startswith("- ") else []) + [match.start() + 1 for match in _ENTRY_START.finditer(text)]
    starts.append(len(text))
    if not _comments_only(text[:starts[0]].split("\n")):
        return None
    entries: list[tuple[Any, int]] = []
    line = text.count("\n", 0, starts[0]) + 1
    for start, end in zip(starts, starts[1:]):
        if _UNDECIDED.fullmatch(text, start, end):  # (no slice of the text for the common entry)
            entries.append(({"score": None}, line))
        else:
            entry = _entry(text[start:end].split("\n"))
            if entry is None:
                return None
            entries.append((entry, line))
        line += text.count("\n", start, end)
    return entries or None


def _comments_only(lines: list[str]) -> bool:
    return all(not line or line.startswith("#") for line in lines)


def _entry(lines: list[str]) -> dict[str, Any] | None:
    """One entry's `- key: value` / `  key: value` lines (then blank or comment lines), or None."""
    entry: dict[str, Any] = {}
    for number, line in enumerate(lines):
        if not line or line.startswith("#"):
            continue
        match = _LINE.fullmatch(line)
        if match is None:
            return None
        start, key, written = match.groups()
        if key not in KEYS or (start == "- ") != (number == 0) or key in entry:
            return None
        value = _value(written)
        if value is _NOT_READ:
            return None
        entry[key] = value
    return entry


_NOT_READ = object()


def _value(written: str | None) -> Any:
    if written is None or written == "":
        return None
    if written in ("true", "false", "null"):
        return {"true": True, "false": False, "null": None}[written]
    number = _NUMBER.fullmatch(written)
    if number is not None:
        return float(written) if number.group(1) else int(written)
    if written.startswith('"') or written.startswith("["):
        try:
            value = _decode(written)
        except ValueError:
            return _NOT_READ
        if isinstance(value, str):
            return value
        if isinstance(value, list) and all(isinstance(item, str) for item in value) and _flow_list(written):
            return value
    return _NOT_READ


def _flow_list(written: str) -> bool:
    """A JSON array YAML reads the same way: strings separated by `, ` (no `[ "a" ]` spacing games, no
    empty items); the grader writes `["a", "b"]`."""
    return written == "[]" or (written.startswith('["') and written.endswith('"]'))
