"""Long student text cut to a limit, with a note that says how long it was.

Grading keeps at most a limit of each answer in a Result (results.jsonl is JSON for machines),
and every report cuts an echoed answer further (grader.reports); both use `cut`, so a text cut
twice keeps the first length in its note.
"""

from __future__ import annotations

import re

CUT_LEEWAY = 40  # the note costs about this much: cutting fewer characters would save nothing

_CUT_NOTE = re.compile(r"… \(cut: .{1,40} is ([\d,]+) characters\)$")


def cut(text: object, limit: int, what: str = "the answer") -> str:
    """`text`, or its first `limit` characters and a note saying how long it was when it is much longer."""
    text = str(text)
    if len(text) <= limit + CUT_LEEWAY:
        return text
    earlier = _CUT_NOTE.search(text)  # cut once already (a stored Result): the note keeps the first length
    length = earlier.group(1) if earlier else f"{len(text):,}"
    head = text[:min(limit, earlier.start()) if earlier else limit]
    space = head.rfind(" ", limit - CUT_LEEWAY // 2)  # end on a word when one ends near the limit
    return f"{head[:space] if space > 0 else head}… (cut: {what} is {length} characters)"
