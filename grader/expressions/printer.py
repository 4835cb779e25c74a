"""Print a tree back in plain calculator notation, for "we read your answer as: …" feedback."""

from __future__ import annotations

from .nodes import Applied, Binary, Call, Constant, Node, Number, Unary, Variable

__all__ = ["to_plain"]

_BINARY_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "^": 4}
_NEGATION = 3
_ATOM = 5


def to_plain(node: Node) -> str:
    """`node` in calculator notation with the fewest parentheses that keep its structure.

    Parsing the result gives the same tree back (for trees the parser makes), e.g.
    `(mu^2 + sigma^2 - 1 - log(sigma^2))/2`. A sign that does not start the text is
    parenthesised for readability: `mu*(-sigma)`, `2^(-1)`.
    """
    return _format(node, leading=True)


def _precedence(node: Node) -> int:
    if isinstance(node, Binary):
        return _BINARY_PRECEDENCE[node.op]
    if isinstance(node, Unary) or (isinstance(node, Number) and node.value < 0):
        return _NEGATION
    return _ATOM


def _format(node: Node, leading: bool) -> str:
    """`leading`: the text starts the whole expression or a parenthesised part of it."""
    if isinstance(node, Number):
        text = _number(node.value)
        return text if leading or node.value >= 0 else f"({text})"
    if isinstance(node, (Variable, Constant)):
        return node.name
    if isinstance(node, Call):
        return f"{node.function}({', '.join(_format(part, True) for part in node.arguments)})"
    if isinstance(node, Applied):
        return f"{node.name}({', '.join(_format(part, True) for part in node.arguments)})"
    if isinstance(node, Unary):
        operand = node.operand
        inner = (f"({_format(operand, True)})" if _precedence(operand) < _BINARY_PRECEDENCE["^"]
                 else _format(operand, False))
        return f"-{inner}" if leading else f"(-{inner})"
    left, right = _precedence(node.left), _precedence(node.right)
    mine = _BINARY_PRECEDENCE[node.op]
    if node.op == "^":
        left_parens, right_parens = left <= mine, right < _NEGATION
    else:
        left_parens, right_parens = left < mine, right <= mine
    left_text = f"({_format(node.left, True)})" if left_parens else _format(node.left, leading)
    right_text = f"({_format(node.right, True)})" if right_parens else _format(node.right, False)
    separator = f" {node.op} " if node.op in "+-" else node.op
    return f"{left_text}{separator}{right_text}"


def _number(value: float) -> str:
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text
