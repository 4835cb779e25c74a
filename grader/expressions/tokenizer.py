"""Turn answer text (calculator style, unicode or LaTeX) into a flat list of tokens.

Every token keeps the 0-based position of its first character in the original text, so errors
can point at it. Anything that is not on the whitelist below is an ExpressionError. Choices:

- `2e-3` is the number 0.002 (a number's exponent wins); `2e` and `2e^x` use the constant e.
- `**` is `^`; `σ²` is σ^2 and `σ⁻¹` is σ^-1; `½` is 0.5 (but `2½` is an error).
- A name's subscript joins it: `sigma_2`, `sigma_{2}`, `\\sigma_2`, `σ₂` and `σ2` are sigma2.
- A run of letters is resolved by names.Vocabulary: `musigma` is mu·sigma, `sigma3` an error.
- LaTeX commands end at the first non-letter, as in LaTeX: `\\sigmax` is an unknown command.
- A logarithm may carry its base as a subscript: `log_2`, `log_{10}`, `log₂`, `\\log_{2}`.
- A comma separates a function's arguments (`max(x, 0)`); the parser says when one is misplaced.
"""

from __future__ import annotations

import math
import re
import string
from dataclasses import dataclass
from typing import Literal, Sequence

from . import symbols
from .definitions import EMPTY_TABLE, FunctionTable
from .errors import ExpressionError
from .log_bases import LogBaseReading
from .names import AmbiguousName, UnknownName, Vocabulary

__all__ = ["Token", "TokenKind", "tokenize"]

TokenKind = Literal[
    "number", "variable", "constant", "function", "op", "open", "close", "bar", "frac", "comma",
    "end"
]

_NUMBER = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_COMMAND = re.compile(r"\\([A-Za-z]+|.)", re.DOTALL)
_LETTERS = frozenset(string.ascii_letters)
_DIGITS = frozenset(string.digits)
_LONGEST_NAME_SHOWN = 24  # a 999-letter "name" should not fill the error message


@dataclass(frozen=True)
class Token:
    """One token. `text` is canonical (`*` for `×`, `log` for `\\ln`), `source` what was typed."""

    kind: TokenKind
    text: str
    position: int
    source: str = ""
    value: float = 0.0
    latex: bool = False  # `\sqrt` may take an index: `\sqrt[3]{x}`
    base: float = 0.0  # a logarithm's base from `log_2`; 0 when none was written


def tokenize(text: str, variables: Sequence[str],
             functions: FunctionTable = EMPTY_TABLE) -> list[Token]:
    """The tokens of `text`, ending with an `end` token; raises ExpressionError."""
    return _Tokenizer(text, Vocabulary(variables, functions)).run()


def _mask_math_delimiters(text: str) -> str:
    """Blank out surrounding `$…$`, `$$…$$`, `\\(…\\)` or `\\[…\\]`, keeping every position."""
    start = len(text) - len(text.lstrip())
    end = len(text.rstrip())
    for opening, closing in symbols.MATH_DELIMITERS:
        inner = text[start:end]
        if len(inner) >= len(opening) + len(closing) and inner.startswith(opening) \
                and inner.endswith(closing):
            inside = text[start + len(opening):end - len(closing)]
            return (text[:start] + " " * len(opening) + inside + " " * len(closing)
                    + text[end:])
    return text


class _Tokenizer(LogBaseReading):
    def __init__(self, text: str, vocabulary: Vocabulary) -> None:
        self.text = text
        self.source = _mask_math_delimiters(text)
        self.vocabulary = vocabulary
        self.tokens: list[Token] = []
        self.index = 0

    def run(self) -> list[Token]:
        source = self.source
        if "=" in source:  # "KL = …": say so first, rather than that KL is not a variable
            raise self.unexpected("=", source.index("="))
        while self.index < len(source):
            character = source[self.index]
            start = self.index
            if character.isspace():
                self.index += 1
            elif character in _DIGITS or (character == "." and source[start + 1:start + 2]
                                          in _DIGITS):
                self.number()
            elif character in _LETTERS or character in symbols.GREEK_LETTERS:
                self.word()
            elif character == "\\":
                self.command()
            elif character in symbols.VULGAR_FRACTIONS:
                self.vulgar_fraction()
            elif character in symbols.SUPERSCRIPT_DIGITS or character in symbols.SUPERSCRIPT_SIGNS:
                self.superscript()
            elif source.startswith("**", start):
                self.emit("op", "^", start, 2)
            elif character in symbols.OPERATORS:
                self.emit("op", symbols.OPERATORS[character], start, 1)
            elif character in symbols.OPENING:
                self.emit("open", character, start, 1)
            elif character in symbols.CLOSING:
                self.emit("close", character, start, 1)
            elif character == "|":
                self.emit("bar", "|", start, 1)
            elif character == ",":
                self.emit("comma", ",", start, 1)
            elif character == "√":
                self.emit("function", "sqrt", start, 1)
            else:
                raise self.unexpected(character, start)
        self.tokens.append(Token("end", "", len(source)))
        return self.tokens

    def error(self, message: str, position: int) -> ExpressionError:
        return ExpressionError(message, self.text, position)

    def emit(self, kind: TokenKind, text: str, start: int, length: int, *, value: float = 0.0,
             latex: bool = False) -> None:
        source = self.source[start:start + length]
        self.tokens.append(Token(kind, text, start, source, value, latex))
        self.index = start + length

    def unexpected(self, character: str, position: int) -> ExpressionError:
        column = position + 1
        if character == "=":
            return self.error(f"unexpected '=' at {column}: type only the expression, "
                              "without a name or '='", position)
        if character == "_":
            return self.error(f"unexpected '_' at {column}: a subscript must follow a name, "
                              "as in sigma_1", position)
        if character in symbols.SUBSCRIPT_DIGITS:
            return self.error(f"unexpected subscript at {column}: it must follow a name, as in σ₁",
                              position)
        return self.error(f"unexpected {character!r} at {column}", position)

    def number(self) -> None:
        start = self.index
        match = _NUMBER.match(self.source, start)
        assert match is not None
        end = match.end()
        if self.source[end:end + 1] == ".":
            raise self.error(f"unexpected '.' at {end + 1}: a number has at most one decimal point",
                             end)
        value = float(match.group())
        if not math.isfinite(value):
            raise self.error(f"the number at {start + 1} is too large", start)
        self.emit("number", match.group(), start, end - start, value=value)

    def vulgar_fraction(self) -> None:
        start = self.index
        if self.source[start - 1:start] in _DIGITS:
            raise self.error(f"write a mixed number like 2½ as 2.5 or 5/2 (at {start + 1})", start)
        character = self.source[start]
        self.emit("number", character, start, 1, value=symbols.VULGAR_FRACTIONS[character])

    def superscript(self) -> None:
        """`σ²` is σ^2 and `σ⁻¹` is σ^-1: emit `^`, an optional `-`, and the number."""
        start = self.index
        sign = symbols.SUPERSCRIPT_SIGNS.get(self.source[start], "")
        digits_start = start + (1 if sign else 0)
        end = digits_start
        while end < len(self.source) and self.source[end] in symbols.SUPERSCRIPT_DIGITS:
            end += 1
        if end == digits_start:
            raise self.error(f"the superscript sign at {start + 1} needs a superscript number "
                             "after it", start)
        digits = "".join(symbols.SUPERSCRIPT_DIGITS[c] for c in self.source[digits_start:end])
        self.tokens.append(Token("op", "^", start, self.source[start:end]))
        if sign == "-":
            self.tokens.append(Token("op", "-", start, self.source[start]))
        self.tokens.append(Token("number", digits, digits_start, digits, value=float(digits)))
        self.index = end

    def word(self) -> None:
        start = self.index
        characters: list[str] = []
        positions: list[int] = []
        first = self.source[start]
        greek = first in symbols.GREEK_LETTERS
        found = None if greek else self.logarithm_with_base(start)
        if found is not None:  # log_2 x: one `log` token that carries its base
            base, end = found
            self.tokens.append(Token("function", "log", start, self.source[start:end], base=base))
            self.index = end
            return
        name = symbols.GREEK_LETTERS.get(first, first)
        characters.extend(name)
        positions.extend([start] * len(name))
        self.index += 1
        # An ASCII word goes on with letters and digits; `σ2` is sigma2, but `σx` is σ then x.
        self.read_tail(characters, positions, letters=not greek, digits=True)
        self.resolve(characters, positions, start)

    def read_tail(self, characters: list[str], positions: list[int], *, letters: bool,
                  digits: bool) -> None:
        source = self.source
        while self.index < len(source):
            character = source[self.index]
            if (letters and character in _LETTERS) or (digits and character in _DIGITS):
                characters.append(character)
                positions.append(self.index)
                self.index += 1
            elif character in symbols.SUBSCRIPT_DIGITS:
                characters.append(symbols.SUBSCRIPT_DIGITS[character])
                positions.append(self.index)
                self.index += 1
            elif character == "_":
                self.subscript(characters, positions)
            else:
                return

    def subscript(self, characters: list[str], positions: list[int]) -> None:
        """`_1`, `_12`, `_q` or `_{12}` appended to the name: `sigma_{2}` is `sigma2`."""
        source, underscore = self.source, self.index
        start = underscore + 1
        if source[start:start + 1] == "{":
            end = source.find("}", start)
            inner = range(start + 1, end)
            if end < 0 or not any(not source[i].isspace() for i in inner) or not all(
                    source[i] in _LETTERS or source[i] in _DIGITS or source[i].isspace()
                    for i in inner):
                raise self.error(f"the subscript at {underscore + 1} must be letters or digits in "
                                 "braces, as in sigma_{1}", underscore)
            taken = [i for i in inner if not source[i].isspace()]
            self.index = end + 1
        elif source[start:start + 1] in _DIGITS:
            end = start
            while end < len(source) and source[end] in _DIGITS:
                end += 1
            taken = list(range(start, end))
            self.index = end
        elif source[start:start + 1] in _LETTERS:
            taken = [start]
            self.index = start + 1
        else:
            raise self.error(f"'_' at {underscore + 1} must be followed by a subscript, as in "
                             "sigma_1", underscore)
        characters.extend(source[i] for i in taken)
        positions.extend(taken)

    def resolve(self, characters: list[str], positions: list[int], start: int) -> None:
        word = "".join(characters)
        typed = self.text[start:self.index]
        if len(typed) > _LONGEST_NAME_SHOWN:
            typed = typed[:_LONGEST_NAME_SHOWN] + "…"
        try:
            pieces = self.vocabulary.resolve(word)
        except UnknownName:
            variables = self.vocabulary.variables
            # Used like a function (followed by a bracket): suggest only functions, else variables.
            called = self.source[self.index:].lstrip()[:1] in symbols.OPENING
            what = "a function or variable" if called else "a variable"
            message = f"`{typed}` is not {what} of this question; " + (
                f"the variables are {', '.join(variables)}" if variables else "it has no variables")
            suggestion = self.vocabulary.suggestion(word, "function" if called else "variable")
            if suggestion:
                message += f" (did you mean {suggestion}?)"
            raise self.error(message, start) from None
        except AmbiguousName:
            raise self.error(f"`{typed}` at {start + 1} can be read as names in more than one way; "
                             "put * between them", start) from None
        for piece in pieces:
            position = positions[piece.offset]
            self.tokens.append(Token(piece.kind, piece.name, position, self.text[start:self.index]))

    def command(self) -> None:
        start = self.index
        match = _COMMAND.match(self.source, start)
        if match is None:
            raise self.error(f"unexpected '\\' at {start + 1}", start)
        name = match.group(1)
        self.index = match.end()
        if name in symbols.LATEX_SPACES:
            return
        if name in symbols.LATEX_SIZING:
            if self.source[self.index:self.index + 1] == ".":  # `\right.` sizes nothing
                self.index += 1
            return
        if name in ("{", "}"):
            self.emit("open" if name == "{" else "close", name, start, 2)
        elif name in symbols.LATEX_GREEK:
            greek = symbols.LATEX_GREEK[name]
            characters, positions = list(greek), [start] * len(greek)
            self.read_tail(characters, positions, letters=False, digits=False)
            self.resolve(characters, positions, start)
        elif name in symbols.LATEX_FUNCTIONS:
            base = 0.0
            if name in symbols.LOG_NAMES and self.source[self.index:self.index + 1] == "_":
                base, end = self.logarithm_base(self.index, start)  # \log_{2} x
                self.index = end
            self.tokens.append(Token("function", symbols.LATEX_FUNCTIONS[name], start,
                                     self.source[start:self.index], latex=True, base=base))
        elif name in symbols.LATEX_FRACTIONS:
            self.emit("frac", "frac", start, len(name) + 1)
        elif name in symbols.LATEX_OPERATORS:
            self.emit("op", symbols.LATEX_OPERATORS[name], start, len(name) + 1)
        elif name in symbols.LATEX_BARS:
            self.emit("bar", "|", start, len(name) + 1)
        elif name in symbols.LATEX_WRAPPERS:
            self.wrapped_name(name, start)
        else:
            raise self.error(f"unknown LaTeX command \\{name} at {start + 1}", start)

    def wrapped_name(self, command: str, start: int) -> None:
        """`\\operatorname{log}`, `\\mathrm{e}`: the braces hold one name."""
        source = self.source
        opening = self.index
        while opening < len(source) and source[opening].isspace():
            opening += 1
        end = source.find("}", opening)
        if source[opening:opening + 1] != "{" or end < 0 or end == opening + 1 \
                or not all(c in _LETTERS or c in _DIGITS for c in source[opening + 1:end]):
            raise self.error(f"\\{command} at {start + 1} must be followed by a name in braces, "
                             f"as in \\{command}{{log}}", start)
        self.index = end + 1
        characters = list(source[opening + 1:end])
        self.resolve(characters, list(range(opening + 1, end)), start)
