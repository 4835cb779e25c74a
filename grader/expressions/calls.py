"""The parser's handling of function applications: arguments, arity, powers, log bases, definitions.

`sin x`, `log(x)^2`, `sin^2 x`, `\\sin^{2}(x)`, `sin²x`, `\\sin^{-1} x` (arcsin), `max(a, b, c)`,
`log_2 x` (log2), `log_3 x` (log(x)/log(3)), `\\sqrt[3]{x}` (x^(1/3)) and a rubric's own `relu(z)`
(an Applied node that keeps its name).

An argument without brackets runs as people read it: `sin 2x` is sin(2x) and `sin x cos x` is
sin(x)·cos(x). It is the implicit product of the factors that follow, up to the next function name,
an operator (`+ − * /`: `ln σ²/2` is ln(σ²)/2, as on a calculator), a comma or a closing bracket.
Roots keep LaTeX's one-token argument (`\\sqrt 2x` is √2·x, as LaTeX typesets it). Each such reading,
and each inverse function written as a power, is recorded as a ReadingNote for feedback and
`grade validate`. A mixin of the parser (parser.py): it uses the parser's token helpers and grammar.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from .definitions import Definition, FunctionTable
from .nodes import VARIADIC_FUNCTIONS, Applied, Binary, Call, Node, Number, Unary
from .printer import to_plain

if TYPE_CHECKING:
    from .errors import ExpressionError
    from .tokenizer import Token

__all__ = ["CallParsing", "ReadingNote"]

_NAMED_BASES = {2.0: "log2", 10.0: "log10"}
# `\\sin^{-1} x` is arcsin x, as in every textbook; on other names a power of -1 is ambiguous.
_INVERSES = {"sin": "arcsin", "cos": "arccos", "tan": "arctan",
             "sinh": "arcsinh", "cosh": "arccosh", "tanh": "arctanh"}
_INVERSE = Unary("-", Number(1.0))
_ONE_TOKEN = frozenset({"sqrt"})  # LaTeX's \\sqrt takes one token; √ is read the same way


@dataclass(frozen=True)
class ReadingNote:
    """How one notation was read: `typed` (as written) means `reading` (calculator notation).

    `kind` is "argument" for a function's argument without brackets (`factors` of them, so
    `sin 2x` has 2) or "inverse" for an inverse function written as a power (`sin^-1 x`)."""

    kind: Literal["argument", "inverse"]
    typed: str
    reading: str
    factors: int = 1


class CallParsing:
    """Function applications, for the parser that mixes this in."""

    functions: FunctionTable
    depth: int
    abs_depth: int
    text: str
    tokens: list[Token]
    index: int
    notes: list[ReadingNote]

    if TYPE_CHECKING:  # provided by the parser
        def advance(self) -> Token: ...
        def previous(self) -> Token | None: ...
        def peek(self) -> Token: ...
        def is_op(self, token: Token, texts: str) -> bool: ...
        def error(self, message: str, position: int) -> ExpressionError: ...
        def unexpected(self, token: Token) -> ExpressionError: ...
        def unclosed(self, opener: Token) -> ExpressionError: ...
        def close(self, opener: Token) -> None: ...
        def enter(self, token: Token) -> None: ...
        def build(self, node: Node, position: int) -> Node: ...
        def starts_factor(self, token: Token) -> bool: ...
        def expression(self) -> Node: ...
        def power(self) -> Node: ...
        def primary(self) -> Node: ...
        def group(self) -> Node: ...

    def function(self) -> Node:
        token = self.advance()
        name = token.text
        self.enter(token)
        exponent = self.function_power(token) if self.is_op(self.peek(), "^") else None
        index = None
        if name == "sqrt" and token.latex and self.peek().text == "[":  # \\sqrt[3]{x}
            index = self.group()
        definition = self.functions.target(name)
        arity = (len(definition.parameters) if isinstance(definition, Definition)
                 else 2 if name in VARIADIC_FUNCTIONS else 1)
        start = self.peek()
        factors = 0  # factors of an argument without brackets
        if start.kind == "open":
            arguments = self.arguments(token, arity, variadic=name in VARIADIC_FUNCTIONS)
        elif arity > 1:
            raise self.error(f"{token.source} at {token.position + 1} takes {arity} "
                             + ("or more " if name in VARIADIC_FUNCTIONS else "")
                             + f"arguments in brackets, e.g. {name}({self.example(arity)})",
                             token.position)
        elif self.starts_factor(start) or start.kind == "bar":
            argument, factors = self.bracketless_argument(one_token=name in _ONE_TOKEN)
            arguments = [argument]
        else:
            raise self.error(f"{token.source} at {token.position + 1} needs an argument, "
                             f"e.g. {name}(x)", token.position)
        self.depth -= 1
        if exponent == _INVERSE:
            node = self.build(Call(_INVERSES[name], arguments[0]), token.position)  # type: ignore[arg-type]
        else:
            node = self.apply(token, definition, arguments, index)
            if exponent is not None:
                node = self.build(Binary("^", node, exponent), token.position)
        if exponent == _INVERSE or factors:
            self.note("inverse" if exponent == _INVERSE else "argument", token, node, factors)
        return node

    def function_power(self, function: Token) -> Node:
        """The power written on a function's name: `sin^2`, `\\sin^{2}`, `sin²`, `\\cos^{n}`; a
        power of -1 (`\\sin^{-1}`, `sin⁻¹`) stands for the inverse function (the `_INVERSE` node)."""
        caret = self.advance()
        name, typed = function.text, function.source
        following = self.peek()
        if following.kind in ("number", "variable"):
            exponent = self.primary()
        elif following.kind == "open":
            exponent = self.group()
        elif self.is_op(following, "-") and self.tokens[self.index + 1].kind == "number":
            sign = self.advance()
            exponent = self.build(Unary("-", self.primary()), sign.position)
        else:
            raise self.error(f"write a power of {name} as {name}(x)^2 (at {caret.position + 1})",
                             caret.position)
        negative = isinstance(exponent, Unary) and isinstance(exponent.operand, Number)
        if negative and exponent != _INVERSE:
            raise self.error(f"write {name}(x)^({to_plain(exponent)}) for a negative power of {name} "
                             f"(at {caret.position + 1})", caret.position)
        if exponent == _INVERSE and name not in _INVERSES:
            inverse = " or exp(x) for its inverse" if name == "log" else ""
            raise self.error(f"`{typed}^-1` at {function.position + 1} is ambiguous: write 1/{name}(x) for "
                             f"its reciprocal{inverse}", function.position)
        return exponent

    def bracketless_argument(self, *, one_token: bool) -> tuple[Node, int]:
        """`sin 2x`: the factors up to the next function name or operator, multiplied; and how many."""
        node = self.power()
        factors = 1
        while not one_token:
            token = self.peek()
            if token.kind == "function" or not self.starts_factor(token):
                break
            if token.kind == "number" and self.previous().kind == "number":  # type: ignore[union-attr]
                raise self.error(f"two numbers in a row at {token.position + 1}; put an operator "
                                 "between them", token.position)
            node = self.build(Binary("*", node, self.power()), token.position)
            factors += 1
        return node, factors

    def note(self, kind: Literal["argument", "inverse"], function: Token, node: Node, factors: int) -> None:
        last = self.previous()
        assert last is not None
        typed = self.text[function.position:last.position + len(last.source)]
        self.notes.append(ReadingNote(kind, typed, to_plain(node), factors))

    @staticmethod
    def example(arity: int) -> str:
        return ", ".join(["x", "0", "y", "z"][:arity]) if arity <= 4 else "x, y, …"

    def arguments(self, function: Token, arity: int, *, variadic: bool) -> list[Node]:
        """`(a)`, `(a, b, …)` after a function: as many as it takes, each a whole expression."""
        opener = self.advance()
        self.enter(opener)
        outer_abs, self.abs_depth = self.abs_depth, 0
        found = [self.expression()]
        while self.peek().kind == "comma":
            comma = self.advance()
            if arity == 1 and not variadic:
                raise self.error(f"unexpected ',' at {comma.position + 1}: {function.text} takes "
                                 "one argument", comma.position)
            found.append(self.expression())
        self.abs_depth = outer_abs
        self.depth -= 1
        self.close(opener)
        if len(found) < arity or (len(found) > arity and not variadic):
            expected = f"{arity} or more" if variadic else str(arity)
            raise self.error(f"{function.source} at {function.position + 1} takes {expected} "
                             f"argument{'s' if expected != '1' else ''}, not {len(found)}",
                             function.position)
        return found

    def apply(self, token: Token, definition: str | Definition | None, arguments: list[Node],
              index: Node | None) -> Node:
        """The node for `token`'s function applied to `arguments` (a root, a base, a definition)."""
        name, position = token.text, token.position
        if index is not None:  # \sqrt[n]{x} = x^(1/n)
            one = self.build(Number(1.0), position)
            root = self.build(Binary("/", one, index), position)
            return self.build(Binary("^", arguments[0], root), position)
        if isinstance(definition, Definition):
            return self.build(Applied(definition.name, definition.parameters, definition.body,
                                      tuple(arguments)), position)
        if token.base and token.base in _NAMED_BASES:
            return self.build(Call(_NAMED_BASES[token.base], arguments[0]), position)  # type: ignore[arg-type]
        if token.base:  # log_b x = log(x)/log(b)
            numerator = self.build(Call("log", arguments[0]), position)
            base = self.build(Call("log", self.build(Number(token.base), position)), position)
            return self.build(Binary("/", numerator, base), position)
        return self.build(Call(name, arguments[0], tuple(arguments[1:])), position)  # type: ignore[arg-type]
