"""Parse a student's expression into a whitelisted tree, never evaluating any of the text.

Grammar, loosest binding first (implicit multiplication binds exactly like `*`):

    expression := product (("+" | "-") product)*
    product    := signed (("*" | "/") signed | power)*       a following factor multiplies: 2mu
    signed     := ("-" | "+")* power                         -x^2 is -(x^2)
    power      := primary ("^" signed)?                      right-associative: a^b^c = a^(b^c)
    primary    := number | variable | constant | "(" expression ")" | "|" expression "|"
                | function argument | \\frac arg arg
    function   := name ("^" power-on-a-name)? argument              sin^2 x, \\sin^{-1} x = arcsin x
    argument   := "(" expression ("," expression)* ")" | power power*  sin 2x = sin(2x); ln σ² = ln(σ²)

A function followed by brackets takes their content, so `log(x)^2` is (log x)², and
`sin^2 x` is (sin x)². Without brackets the argument is the implicit product up to the next
function name or operator, so `sin x cos x` is sin(x)·cos(x) (calls.py). `max` and `min` take
two or more arguments, a rubric's own function as many as its definition names, every other
function one. `log_2 x` is log2(x), `log_10` is log10, any other base b is log(x)/log(b).
Nesting, size and length are bounded (MAX_DEPTH, MAX_NODES, MAX_LENGTH).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from . import symbols
from .calls import CallParsing, ReadingNote
from .definitions import EMPTY_TABLE, FunctionTable
from .errors import ExpressionError
from .nodes import Binary, Call, Constant, Node, Number, Unary, Variable, children
from .tokenizer import Token, tokenize

__all__ = ["MAX_DEPTH", "MAX_LENGTH", "MAX_NODES", "Reading", "ReadingNote", "parse", "read"]

MAX_LENGTH = 1000  # a closed form is a line or two; capping the text first bounds all later work
MAX_DEPTH = 100  # far beyond real answers, inside Python's recursion limit (≤ 5 frames a level)
MAX_NODES = 400  # ten times the general KL's tree; bounds evaluation and printing work

_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}
_FACTOR_STARTS = frozenset({"number", "variable", "constant", "open", "function", "frac"})
_DIGITS = frozenset("0123456789")


@dataclass(frozen=True)
class Reading:
    """A parsed answer: its tree, and the notes on how notations in it were read (calls.py)."""

    tree: Node
    notes: tuple[ReadingNote, ...] = ()


def parse(text: str, variables: Sequence[str], functions: FunctionTable = EMPTY_TABLE) -> Node:
    """Parse `text` into a tree over the declared `variables`; raises ExpressionError.

    `functions` adds the question's own function names (σ as sigmoid, a rubric's `relu`).
    Raises ValueError if a variable name is not a plain identifier or is a function's name.
    """
    return read(text, variables, functions).tree


def read(text: str, variables: Sequence[str], functions: FunctionTable = EMPTY_TABLE) -> Reading:
    """`parse`, with the notes on how `sin 2x` or `\\sin^{-1} x` were read, for feedback."""
    if not isinstance(text, str):
        raise TypeError(f"expected the answer as a string, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the answer is too long ({len(text)} characters; at most "
                              f"{MAX_LENGTH})", text, MAX_LENGTH)
    parser = _Parser(text, tokenize(text, variables, functions), functions)
    return Reading(parser.parse(), tuple(parser.notes))


class _Parser(CallParsing):
    def __init__(self, text: str, tokens: list[Token], functions: FunctionTable) -> None:
        self.text = text
        self.tokens = tokens
        self.functions = functions
        self.index = 0
        self.depth = 0
        self.abs_depth = 0  # inside |…|, a bar in operator position closes rather than multiplies
        self.node_count = 0
        self.heights: dict[int, int] = {}
        self.notes: list[ReadingNote] = []

    def parse(self) -> Node:
        if self.peek().kind == "end":
            raise self.error("the answer is empty", 0)
        node = self.expression()
        token = self.peek()
        if token.kind != "end":
            raise self.unexpected(token)
        return node

    # -- token helpers and errors ---------------------------------------------------------------

    def peek(self) -> Token:
        return self.tokens[self.index]

    def previous(self) -> Token | None:
        return self.tokens[self.index - 1] if self.index else None

    def advance(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def is_op(self, token: Token, texts: str) -> bool:
        return token.kind == "op" and token.text in texts

    def error(self, message: str, position: int) -> ExpressionError:
        return ExpressionError(message, self.text, position)

    def unexpected(self, token: Token) -> ExpressionError:
        at = token.position + 1
        if token.kind == "comma":
            around = self.text[token.position - 1:token.position] \
                + self.text[token.position + 1:token.position + 2]
            if len(around) == 2 and set(around) <= _DIGITS:
                return self.error(f"use a decimal point, not a comma, in the number at {at}",
                                  token.position)
            return self.error(f"unexpected ',' at {at}: a comma only separates the arguments "
                              "of max, min or a function of the rubric, as in max(x, 0)",
                              token.position)
        if token.kind == "close":
            return self.error(f"unexpected '{token.source}' at {at}; there is no opening bracket "
                              "for it to close", token.position)
        return self.error(f"unexpected '{token.source}' at {at}", token.position)

    def missing_operand(self, token: Token) -> ExpressionError:
        """The error for `token` standing where a number, name or bracket should be."""
        before = self.previous()
        if before is not None and before.kind in ("op", "comma") and token.kind in ("end", "close"):
            return self.error(f"'{before.source}' at {before.position + 1} has nothing after it",
                              before.position)
        if before is not None and before.kind in ("open", "bar"):
            if token.kind == "end":
                return self.unclosed(before)
            if token.kind == "close":
                return self.error(f"nothing between '{before.source}' at {before.position + 1} "
                                  f"and '{token.source}' at {token.position + 1}", before.position)
        if before is None and token.kind == "op":
            return self.error(f"'{token.source}' at 1 has nothing before it", token.position)
        return self.unexpected(token)

    def unclosed(self, opener: Token) -> ExpressionError:
        return self.error(f"this '{opener.source}' at {opener.position + 1} is never closed",
                          opener.position)

    def enter(self, token: Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"the expression is nested too deeply at {token.position + 1} "
                             f"(more than {MAX_DEPTH} levels)", token.position)

    def build(self, node: Node, position: int) -> Node:
        """Count `node` against MAX_NODES and its height against MAX_DEPTH."""
        self.node_count += 1
        if self.node_count > MAX_NODES:
            raise self.error(f"the expression is too long at {position + 1} (more than "
                             f"{MAX_NODES} numbers, names and operations)", position)
        height = 1 + max((self.heights.get(id(child), 1) for child in children(node)), default=0)
        if height > MAX_DEPTH:
            raise self.error(f"the expression is nested too deeply at {position + 1} "
                             f"(more than {MAX_DEPTH} levels)", position)
        if height > 1:
            self.heights[id(node)] = height
        return node

    def starts_factor(self, token: Token) -> bool:
        return token.kind in _FACTOR_STARTS or (token.kind == "bar" and self.abs_depth == 0)

    # -- grammar --------------------------------------------------------------------------------

    def expression(self) -> Node:
        """Sums and products (explicit or implicit), left-associative, without recursion."""
        operands = [self.signed()]
        operators: list[Token] = []
        while True:
            token = self.peek()
            if self.is_op(token, "+-*/"):
                self.advance()
                operand = self.signed()
            elif self.starts_factor(token):
                before = self.previous()
                if token.kind == "number" and before is not None and before.kind == "number":
                    raise self.error(f"two numbers in a row at {token.position + 1}; put an "
                                     "operator between them", token.position)
                operand = self.power()
                token = Token("op", "*", token.position, "")
            else:
                break
            while operators and _PRECEDENCE[operators[-1].text] >= _PRECEDENCE[token.text]:
                self.reduce(operands, operators)
            operators.append(token)
            operands.append(operand)
        while operators:
            self.reduce(operands, operators)
        return operands[0]

    def reduce(self, operands: list[Node], operators: list[Token]) -> None:
        operator = operators.pop()
        right, left = operands.pop(), operands.pop()
        node = Binary(operator.text, left, right)  # type: ignore[arg-type]
        operands.append(self.build(node, operator.position))

    def signed(self) -> Node:
        signs: list[Token] = []
        while self.is_op(self.peek(), "+-"):
            signs.append(self.advance())
        node = self.power()
        for sign in reversed(signs):
            if sign.text == "-":
                node = self.build(Unary("-", node), sign.position)
        return node

    def power(self) -> Node:
        base = self.primary()
        caret = self.peek()
        if not self.is_op(caret, "^"):
            return base
        self.advance()
        self.enter(caret)
        exponent = self.signed()
        self.depth -= 1
        return self.build(Binary("^", base, exponent), caret.position)

    def primary(self) -> Node:
        token = self.peek()
        if token.kind == "number":
            self.advance()
            return self.build(Number(token.value), token.position)
        if token.kind == "variable":
            self.advance()
            return self.build(Variable(token.text), token.position)
        if token.kind == "constant":
            self.advance()
            return self.build(Constant(token.text), token.position)  # type: ignore[arg-type]
        if token.kind == "open":
            return self.group()
        if token.kind == "bar":
            return self.absolute()
        if token.kind == "function":
            return self.function()
        if token.kind == "frac":
            return self.fraction()
        raise self.missing_operand(token)

    def group(self) -> Node:
        opener = self.advance()
        self.enter(opener)
        outer_abs, self.abs_depth = self.abs_depth, 0
        inner = self.expression()
        self.abs_depth = outer_abs
        self.depth -= 1
        self.close(opener)
        return inner

    def close(self, opener: Token) -> None:
        """Take the bracket that closes `opener`; a missing, wrong or mismatched closer is a parse error."""
        closer = self.peek()
        if closer.kind == "end":
            raise self.unclosed(opener)
        if closer.kind != "close":
            raise self.unexpected(closer)
        if symbols.OPENING[opener.text] != closer.text:
            raise self.error(f"'{closer.source}' at {closer.position + 1} does not match "
                             f"'{opener.source}' at {opener.position + 1}", closer.position)
        self.advance()

    def absolute(self) -> Node:
        opener = self.advance()
        self.enter(opener)
        self.abs_depth += 1
        inner = self.expression()
        self.abs_depth -= 1
        self.depth -= 1
        closer = self.peek()
        if closer.kind == "end":
            raise self.unclosed(opener)
        if closer.kind == "close":
            raise self.error(f"'{closer.source}' at {closer.position + 1} does not match "
                             f"'|' at {opener.position + 1}", closer.position)
        if closer.kind != "bar":
            raise self.unexpected(closer)
        self.advance()
        return self.build(Call("abs", inner), opener.position)

    def fraction(self) -> Node:
        """`\\frac{a}{b}`, and LaTeX's short forms `\\frac12` and `\\frac1x`."""
        token = self.advance()
        self.enter(token)
        numerator = self.fraction_argument(token)
        denominator = self.fraction_argument(token)
        self.depth -= 1
        return self.build(Binary("/", numerator, denominator), token.position)

    def fraction_argument(self, frac: Token) -> Node:
        token = self.peek()
        if token.kind == "open":
            return self.group()
        if token.kind == "number" and len(token.source) > 1 and token.source.isdigit():
            # In LaTeX an unbraced argument is one character: \frac12 is 1/2.
            rest = token.source[1:]
            self.tokens[self.index] = Token("number", rest, token.position + 1, rest, float(rest))
            return self.build(Number(float(token.source[0])), token.position)
        if token.kind in ("number", "variable", "constant"):
            return self.primary()
        raise self.error(f"{frac.source} at {frac.position + 1} needs two arguments in braces, "
                         "e.g. \\frac{1}{2}", frac.position)
