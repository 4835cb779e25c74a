"""The parser's handling of function applications: arguments, arity, log bases, definitions.

`sin x`, `log(x)^2`, `sin^2 x`, `max(a, b, c)`, `log_2 x` (log2), `log_3 x` (log(x)/log(3)),
`\\sqrt[3]{x}` (x^(1/3)) and a rubric's own `relu(z)` (an Applied node that keeps its name).
A mixin of the parser (parser.py): it uses the parser's token helpers, limits and grammar.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .definitions import Definition, FunctionTable
from .nodes import VARIADIC_FUNCTIONS, Applied, Binary, Call, Node, Number

if TYPE_CHECKING:
    from .errors import ExpressionError
    from .tokenizer import Token

__all__ = ["CallParsing"]

_NAMED_BASES = {2.0: "log2", 10.0: "log10"}


class CallParsing:
    """Function applications, for the parser that mixes this in."""

    functions: FunctionTable
    depth: int
    abs_depth: int

    if TYPE_CHECKING:  # provided by the parser
        def advance(self) -> Token: ...
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
        exponent = None
        if self.is_op(self.peek(), "^"):  # sin^2 x means (sin x)^2
            caret = self.advance()
            if self.peek().kind != "number":
                raise self.error(f"write a power of {name} as {name}(x)^2 "
                                 f"(at {caret.position + 1})", caret.position)
            exponent = self.primary()
        index = None
        if name == "sqrt" and token.latex and self.peek().text == "[":  # \sqrt[3]{x}
            index = self.group()
        definition = self.functions.target(name)
        arity = (len(definition.parameters) if isinstance(definition, Definition)
                 else 2 if name in VARIADIC_FUNCTIONS else 1)
        start = self.peek()
        if start.kind == "open":
            arguments = self.arguments(token, arity, variadic=name in VARIADIC_FUNCTIONS)
        elif arity > 1:
            raise self.error(f"{token.source} at {token.position + 1} takes {arity} "
                             + ("or more " if name in VARIADIC_FUNCTIONS else "")
                             + f"arguments in brackets, e.g. {name}({self.example(arity)})",
                             token.position)
        elif self.starts_factor(start) or start.kind == "bar":
            arguments = [self.power()]
        else:
            raise self.error(f"{token.source} at {token.position + 1} needs an argument, "
                             f"e.g. {name}(x)", token.position)
        self.depth -= 1
        node = self.apply(token, definition, arguments, index)
        if exponent is not None:
            node = self.build(Binary("^", node, exponent), token.position)
        return node

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
