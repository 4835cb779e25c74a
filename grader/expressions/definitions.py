"""Functions a question adds to the built-in ones: another name for one (σ → sigmoid) or a
definition in the whitelisted syntax (`relu: "max(x, 0)"`), parsed like any answer, never run.

A definition's parameters are named by it: a plain string has the one parameter `x`; the long
form names them, `{parameters: [a, b], expression: "a*b + 1"}`. A body may use its parameters,
the constants, the built-in functions and the functions defined before it, nothing else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping, Sequence

from . import symbols
from .nodes import CONSTANTS, Node

__all__ = ["DEFAULT_PARAMETER", "Definition", "FunctionTable", "canonical_name", "define_functions"]

DEFAULT_PARAMETER = "x"  # `relu: "max(x, 0)"`: a one-line definition is a function of x
_PLAIN_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*\Z")


@dataclass(frozen=True)
class Definition:
    """A rubric's own function: its name, its parameters and its body over them."""

    name: str
    parameters: tuple[str, ...]
    body: Node


@dataclass(frozen=True)
class FunctionTable:
    """The question's extra function names (hashable, so parses can be cached per table).

    `aliases` maps a name to a built-in function (`sigma` → `sigmoid`); `definitions` are
    the rubric's own functions, in the order they were defined.
    """

    aliases: tuple[tuple[str, str], ...] = ()
    definitions: tuple[Definition, ...] = ()
    _index: dict[str, str | Definition] = field(default_factory=dict, init=False, compare=False,
                                                hash=False, repr=False)

    def __post_init__(self) -> None:
        index: dict[str, str | Definition] = dict(self.aliases)
        index.update({definition.name: definition for definition in self.definitions})
        object.__setattr__(self, "_index", index)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._index)

    def target(self, name: str) -> str | Definition | None:
        """The built-in function name or the Definition that `name` stands for, if any."""
        return self._index.get(name)


EMPTY_TABLE = FunctionTable()


def canonical_name(name: str) -> str:
    """`σ` → `sigma`, `relu` → `relu`; raises ValueError for anything else."""
    stripped = name.strip()
    if stripped in symbols.GREEK_LETTERS:
        return symbols.GREEK_LETTERS[stripped]
    if stripped.startswith("\\") and stripped[1:] in symbols.LATEX_GREEK:
        return symbols.LATEX_GREEK[stripped[1:]]
    if _PLAIN_NAME.match(stripped):
        return stripped
    raise ValueError(f"`{name}` is not a function name: use letters then digits (relu, f2) "
                     "or one Greek letter (σ)")


def define_functions(spec: Mapping[str, str | tuple[Sequence[str], str]],
                     variables: Sequence[str] = ()) -> FunctionTable:
    """Build a table from a rubric's `functions:` mapping, in order; raises ValueError.

    Each value is a built-in function's name (an alias), the name of a function defined
    earlier (another alias), an expression in `x`, or a (parameters, expression) pair.
    """
    from .parser import parse  # the parser needs tables itself: import when building one
    from .errors import ExpressionError

    aliases: list[tuple[str, str]] = []
    definitions: list[Definition] = []
    taken = {name.lower() for name in variables}
    for raw_name, value in spec.items():
        name = canonical_name(raw_name)
        where = f"function `{raw_name}`"
        if name.lower() in symbols.FUNCTION_ALIASES or name in CONSTANTS:
            raise ValueError(f"{where}: `{name}` is already a built-in name; choose another")
        if name.lower() in taken:
            raise ValueError(f"{where}: `{name}` is already a variable or function of this "
                             "question; a name is either a variable or a function")
        taken.add(name.lower())
        parameters, text = ((DEFAULT_PARAMETER,), value) if isinstance(value, str) else value
        parameters = tuple(parameters)
        word = text.strip()
        builtin = symbols.FUNCTION_ALIASES.get(word.lower())
        earlier = next((d for d in definitions if d.name == word), None)
        if isinstance(value, str) and builtin is not None:
            aliases.append((name.lower(), builtin))
            continue
        if isinstance(value, str) and earlier is not None:
            definitions.append(Definition(name.lower(), earlier.parameters, earlier.body))
            continue
        if not parameters:
            raise ValueError(f"{where}: a function needs at least one parameter")
        for parameter in parameters:
            if not _PLAIN_NAME.match(parameter) or parameter.lower() in symbols.FUNCTION_ALIASES:
                raise ValueError(f"{where}: `{parameter}` cannot be a parameter name (letters "
                                 "then digits, and not a function's name)")
        if len(set(parameters)) != len(parameters):
            raise ValueError(f"{where}: a parameter is named twice")
        table = FunctionTable(tuple(aliases), tuple(definitions))
        try:
            body = parse(text, parameters, table)
        except ExpressionError as exc:
            raise ValueError(f"{where}: its definition {text!r} does not parse: {exc.message} "
                             f"(a definition may use only its parameters, "
                             f"{', '.join(parameters)})") from None
        definitions.append(Definition(name.lower(), parameters, body))
    return FunctionTable(tuple(aliases), tuple(definitions))
