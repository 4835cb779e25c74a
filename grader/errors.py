"""The one exceptions module.

Two error channels (STYLE.md): a problem with a *file* (a rubric, a submission, an override file,
the command line) raises a `GraderError` subclass whose message names the file, the place and the
fix; a problem with one *answer* is data on the result (`status: invalid`), never an exception
that escapes grading. `AnswerError` is how a question type reports the latter to the engine.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class GraderError(Exception):
    """A file or command the user must fix. `str()` gives the whole message."""

    def __init__(self, message: str, *, path: str | None = None, where: str | None = None,
                 hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.where = where
        self.hint = hint

    def __str__(self) -> str:
        place = ": ".join(part for part in (self.path, self.where) if part)
        text = f"{place}: {self.message}" if place else self.message
        if self.hint:
            text += f"\n  fix: {self.hint}"
        return text


class SubmissionError(GraderError):
    """A submit.yaml that cannot be graded at all (not YAML, no student id, wrong assignment...)."""


class RubricError(GraderError):
    """A rubric or solver problem: staff must fix the rubric."""


class OverridesError(GraderError):
    """A TA's override file that does not match the graded results."""


class UsageError(GraderError):
    """A command line that cannot be carried out."""


class RunStopped(GraderError):
    """A run that could not finish for a reason outside every file (a grading process was killed): exit status 1,
    with nothing half-written."""


class AnswerError(Exception):
    """One student answer cannot be read; the question becomes `invalid` with this message."""


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A ' (did you mean `x`?)' suffix when a close match exists, else ''."""
    matches = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean `{matches[0]}`?)" if matches else ""
