"""Reading a run of letters: a declared variable, a function, a constant, or several of them.

A word that is exactly a known name is that name (so `pi` is the constant even if `p` and `i` are
variables). Otherwise it is split into known names, e.g. `musigma` into mu and sigma, but only if
there is exactly one way to do so; `sigma3` for a question without a variable sigma3 is an error.
A question may add function names (`σ` as sigmoid, its own `relu`): see definitions.py.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Literal, Sequence

from .definitions import EMPTY_TABLE, FunctionTable
from .nodes import CONSTANTS
from .symbols import FUNCTION_ALIASES

__all__ = ["AmbiguousName", "NameKind", "Piece", "UnknownName", "Vocabulary"]

NameKind = Literal["variable", "function", "constant"]
# Letters then digits: subscripts are read into the name, so `sigma_2` is the variable sigma2.
_VARIABLE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*\Z")
_SIMILARITY = 0.6  # difflib's default: `sigm` finds sigma, `xyz` finds nothing


@dataclass(frozen=True)
class Piece:
    """One known name found in a word: its kind, canonical name and offset in the word."""

    kind: NameKind
    name: str
    offset: int


class UnknownName(Exception):
    """The word is no known name and cannot be split into known names."""


class AmbiguousName(Exception):
    """The word splits into known names in more than one way."""


class Vocabulary:
    """The names a question's answers may use: its variables, the functions and the constants."""

    def __init__(self, variables: Sequence[str], functions: FunctionTable = EMPTY_TABLE) -> None:
        """Raises TypeError/ValueError for a declaration that is not a list of plain names."""
        if isinstance(variables, str):
            raise TypeError("variables must be a sequence of names, not one string")
        for name in variables:
            if not _VARIABLE_NAME.match(name) or name.lower() in FUNCTION_ALIASES:
                raise ValueError(f"{name!r} cannot be a variable name: use letters then digits, "
                                 "and not a function's name")
            if functions.target(name.lower()) is not None:
                raise ValueError(f"{name!r} is declared both as a variable and as a function")
        self.variables = tuple(variables)
        # typed name (lower case) -> canonical function name; the question's own names win
        self.functions: dict[str, str] = dict(FUNCTION_ALIASES)
        for name in functions.names:
            target = functions.target(name)
            self.functions[name] = target if isinstance(target, str) else name
        # Variables shadow constants: a question may call a variable `e`.
        self._exact: dict[str, Piece] = {name: Piece("constant", name, 0) for name in CONSTANTS}
        self._exact.update({name: Piece("variable", name, 0) for name in self.variables})

    def resolve(self, word: str) -> list[Piece]:
        """The names `word` stands for, in order; raises UnknownName or AmbiguousName."""
        if word in self._exact:
            return [self._exact[word]]
        if word.lower() in self.functions:
            return [Piece("function", self.functions[word.lower()], 0)]
        return self._split(word)

    def suggestion(self, word: str, kind: Literal["variable", "function"]) -> str | None:
        """The closest name of the same kind, for a "did you mean" hint, or None.

        Never a shorter name the word starts with (`sinc` is not "sin?": it names another
        function), except a doubled last letter (`tanhh`) or, for a variable, digits after
        it (`sigma3` for sigma), which is how a typo or a missing subscript looks.
        """
        if kind == "variable":
            candidates = list(self.variables)
        else:  # canonical names and the question's own: `atanh` is no better a hint than tanh
            candidates = list(dict.fromkeys(self.functions.values()))
            candidates += [name for name in self.functions if name not in FUNCTION_ALIASES]
        lowered = word.lower()

        def allowed(name: str) -> bool:
            rest = lowered[len(name):]
            if not lowered.startswith(name.lower()) or not rest:
                return True
            return rest == name[-1].lower() or (kind == "variable" and rest.isdigit())

        candidates = [name for name in candidates if allowed(name)]
        matches = difflib.get_close_matches(word, candidates, n=1, cutoff=_SIMILARITY)
        if not matches:
            matches = [name for name in candidates if name.lower() == lowered]
        return matches[0] if matches else None

    def _split(self, word: str) -> list[Piece]:
        names = [*self._exact, *self.functions]
        length = len(word)
        # ways[i]: number of splits of word[i:], capped at 2 (all we need is "exactly one").
        ways = [0] * (length + 1)
        ways[length] = 1
        first_name: list[str | None] = [None] * (length + 1)
        for start in range(length - 1, -1, -1):
            for name in names:
                if ways[start] < 2 and word.startswith(name, start) and ways[start + len(name)]:
                    ways[start] = min(2, ways[start] + ways[start + len(name)])
                    first_name[start] = first_name[start] or name
        if ways[0] == 0:
            raise UnknownName(word)
        if ways[0] > 1:
            raise AmbiguousName(word)
        pieces, offset = [], 0
        while offset < length:
            name = first_name[offset]
            assert name is not None
            exact = self._exact.get(name)
            pieces.append(Piece(exact.kind, name, offset) if exact
                          else Piece("function", self.functions[name], offset))
            offset += len(name)
        return pieces
