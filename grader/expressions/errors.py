"""The one exception a student's expression can raise: what is wrong, and where."""

from __future__ import annotations

__all__ = ["ExpressionError"]

EXCERPT_WIDTH = 72  # wide enough for a whole typical answer, narrow enough for one terminal line


class ExpressionError(Exception):
    """A student's expression cannot be read.

    `message` names the problem (positions in it count from 1, like an editor's column),
    `text` is the whole input and `position` the 0-based index the problem is at.
    `str()` gives the message, the input on one line and a caret under the position.
    """

    def __init__(self, message: str, text: str, position: int) -> None:
        super().__init__(message, text, position)
        self.message = message
        self.text = text
        self.position = position

    def __str__(self) -> str:
        line, column = excerpt(self.text, self.position)
        return f"{self.message}\n{line}\n{' ' * column}^"


def excerpt(text: str, position: int) -> tuple[str, int]:
    """The part of `text` around `position` as one printable line, and the caret's column in it."""
    start, end = 0, len(text)
    if len(text) > EXCERPT_WIDTH:
        start = max(0, min(position - EXCERPT_WIDTH // 2, len(text) - EXCERPT_WIDTH))
        end = start + EXCERPT_WIDTH
    # One displayed character per input character keeps the caret aligned.
    shown = "".join(_printable(character) for character in text[start:end])
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return prefix + shown + suffix, len(prefix) + position - start


def _printable(character: str) -> str:
    if character.isprintable():
        return character
    return " " if character.isspace() else "?"
