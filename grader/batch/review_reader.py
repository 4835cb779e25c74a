"""Read back a review.yaml in the layout the grader writes it, without building a YAML node per value.

A rerun reads OUT/review.yaml (grader.batch.overrides): for a class of 10,000 that is tens of
thousands of entries, and PyYAML spends seconds building and checking a node for every value.
Yet the file is almost always as the grader wrote it (grader.batch.review) plus a few scores
typed in: every entry a block of `key: value` lines, each value a JSON-style double-quoted string,
a plain number, `true`/`false`/`null`, nothing (null), or a flow list of such strings.

A TA's own override file, written by hand or by `yaml.safe_dump`, is the same but for plain
(unquoted) values, such as `student: s1001` or `comment: Read and accepted.`: a plain value that
starts with a letter and holds only letters, digits, spaces and `_.,;!?()'/-` is read as that text,
as YAML reads it, unless it is one of the words YAML 1.1 reads as true, false or null.

`grader_layout_entries` reads exactly that subset, where YAML and JSON agree on every value, and
gives the same entries, numbers and line numbers `safe_yaml.load_yaml_entries` gives; anything
outside it (another indentation, a comment after a value, `.5`, `1e3`, `yes`, a key twice, an
anchor, a character YAML reads differently) makes it return None, and the caller parses the whole
file with the YAML parser, whose messages say what is wrong. The tests compare the two.

The entries the loader reads past (score empty, no comment, not stale: most of a review.yaml) are
left out, a run of them at a time, by one match of a regular expression. A review.yaml that is byte
for byte the one the grader wrote (its sha256 is the one OUT's manifest records) is not matched at
all: `written_entries` goes straight to the entries that hold a decision or a stale note, the only
lines in such a file that start with `  score: ` followed by a value or are `  stale: true`.
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
# such entries, so they are left out without a value being decoded, a run of them per match.
_UNDECIDED = (
    rf"- student: {_STRING}\n  name: (?:null|{_STRING})\n  question: {_STRING}\n  points: {_PLAIN_NUMBER}\n"
    rf"  answer: (?:null|{_STRING})\n  answer_sha256: (?:null|{_STRING})\n"
    rf"  concepts: \[(?:{_STRING}(?:, {_STRING})*)?\]\n  provisional: {_PLAIN_NUMBER}\n  score:\n"
    r"(?:(?:#[^\n]*)?\n)*")
RUN = 200  # entries a match takes at most: the regular expression engine keeps a little state for each
_UNDECIDED_RUN = re.compile(f"(?:{_UNDECIDED}){{1,{RUN}}}")
# An entry as the grader writes a decided one (a TA's score kept from an earlier round): only what the
# loader reads of it is decoded; other fields (name, answer, concepts, ...) are read past, as it reads past them.
_DECIDED = re.compile(
    rf"- student: (?P<student>{_STRING})\n  name: (?:null|{_STRING})\n  question: (?P<question>{_STRING})\n"
    rf"  points: {_PLAIN_NUMBER}\n  answer: (?:null|{_STRING})\n  answer_sha256: (?P<answer_sha256>null|{_STRING})\n"
    rf"  concepts: \[(?:{_STRING}(?:, {_STRING})*)?\]\n  provisional: {_PLAIN_NUMBER}\n"
    rf"  score: (?P<score>{_PLAIN_NUMBER})\n  reviewed: true\n(?:  comment: (?P<comment>{_STRING})\n)?"
    r"(?:(?:#[^\n]*)?\n)*")
# A plain value read as its text: it starts with a letter (no YAML 1.1 type but true/false/null starts
# with one) and holds nothing that starts or ends a token inside a block (`: `, ` #`, quotes first, ...).
_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9_ .,;!?()'/-]*(?<! )")
_YAML_WORDS = frozenset("y Y yes Yes YES n N no No NO true True TRUE false False FALSE on On ON off Off OFF "
                        "null Null NULL".split())  # plain words YAML 1.1 reads as something else than text


def grader_layout_entries(data: bytes, max_nodes: int) -> list[tuple[int, Any, int]] | None:
    """The (number, entry, line) list of a review.yaml in the grader's layout, numbered from 1 as the file
    has them, without the entries the loader reads past (see the module doc); None when the file is not in
    that layout, or holds no entry at all."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if (text.startswith("\ufeff") or "\r" in text or _DIFFERENT.search(text)
            or ("\\u" in text and _ESCAPED_SURROGATE.search(text))):
        return None
    if text.count("\n") + text.count('"') + 2 > max_nodes:  # a bound on the values; near the limit, YAML decides
        return None
    first = 0 if text.startswith("- ") else text.find("\n- ") + 1
    if first == 0 and not text.startswith("- "):
        return None  # no entry (or not a list): YAML says what it is
    if not _comments_only(text[:first].split("\n")):
        return None
    entries: list[tuple[int, Any, int]] = []
    number, line, start = 1, text.count("\n", 0, first) + 1, first
    while start < len(text):
        run = _UNDECIDED_RUN.match(text, start)
        if run is not None:
            stop = run.end()
            if stop != len(text) and not text.startswith("- ", stop):  # its last entry goes on (a comment typed in)
                stop = text.rfind("\n- ", start, stop) + 1  # where that entry starts (0: the run was only it)
            if stop > start:
                number += 1 + text.count("\n- ", start, stop)
                line += text.count("\n", start, stop)
                start = stop
                continue
        end = text.find("\n- ", start) + 1 or len(text)  # this entry ends where the next one starts
        decided = _DECIDED.fullmatch(text, start, end)
        entry = _decided(decided) if decided is not None else _entry(text[start:end].split("\n"))
        if entry is None:
            return None
        entries.append((number, entry, line))
        number += 1
        line += text.count("\n", start, end)
        start = end
    return entries


_MARKERS = re.compile(rb"\n  s(?:core: |tale: true\n)")  # a decision or a stale note (found in one pass)


def written_entries(data: bytes) -> list[tuple[int, Any, int]] | None:
    """`grader_layout_entries` of a review.yaml exactly as grader.batch.review wrote it (the caller checked its
    sha256): only the entries with a decision or a stale note are read; None when one of them is not in the
    grader's layout after all (then the caller reads the whole file)."""
    first = 0 if data.startswith(b"- ") else data.find(b"\n- ") + 1
    if first == 0 and not data.startswith(b"- "):
        return None
    markers = [found.start() for found in _MARKERS.finditer(data, first)]
    entries: list[tuple[int, Any, int]] = []
    number, line, start = 1, data.count(b"\n", 0, first) + 1, first  # of the entry that starts at `start`
    for marker in markers:
        entry_start = data.rfind(b"\n- ", 0, marker) + 1
        if entry_start < start:
            continue  # (an entry with both markers: read already)
        number += data.count(b"\n- ", start, entry_start + 2)
        line += data.count(b"\n", start, entry_start)
        start = entry_start
        end = data.find(b"\n- ", start) + 1 or len(data)
        try:
            text = data[start:end].decode("utf-8")
        except UnicodeDecodeError:
            return None
        decided = _DECIDED.fullmatch(text)
        entry = _decided(decided) if decided is not None else _entry(text.split("\n"))
        if entry is None:
            return None
        entries.append((number, entry, line))
        number, line, start = number + 1, line + text.count("\n"), end
    return entries


def _decided(match: re.Match[str]) -> dict[str, Any]:
    """The fields the loader reads of a decided entry in the grader's layout."""
    entry = {key: _value(match[key]) for key in ("student", "question", "answer_sha256", "score")}
    if match["comment"] is not None:
        entry["comment"] = _value(match["comment"])
    return entry


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
    if _PLAIN.fullmatch(written) is not None:
        return written if written not in _YAML_WORDS else _NOT_READ
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
