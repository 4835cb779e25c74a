"""The expression tree: a small whitelist of immutable node types and nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Union, get_args

__all__ = [
    "BINARY_OPERATORS",
    "CONSTANTS",
    "FUNCTIONS",
    "Binary",
    "BinaryOperator",
    "Call",
    "Constant",
    "ConstantName",
    "FunctionName",
    "Node",
    "Number",
    "Unary",
    "Variable",
    "children",
]

BinaryOperator = Literal["+", "-", "*", "/", "^"]
FunctionName = Literal["log", "exp", "sqrt", "abs", "sin", "cos", "tan"]
ConstantName = Literal["pi", "e"]

BINARY_OPERATORS: tuple[str, ...] = get_args(BinaryOperator)
FUNCTIONS: tuple[str, ...] = get_args(FunctionName)  # log is the natural logarithm
CONSTANTS: tuple[str, ...] = get_args(ConstantName)


@dataclass(frozen=True)
class Number:
    """A literal number (the parser only makes non-negative ones; a sign is a Unary)."""

    value: float


@dataclass(frozen=True)
class Variable:
    """One of the question's declared variables."""

    name: str


@dataclass(frozen=True)
class Constant:
    """A named mathematical constant, kept by name so feedback can print `pi`, not 3.14159…."""

    name: ConstantName

    def __post_init__(self) -> None:
        if self.name not in CONSTANTS:
            raise ValueError(f"unknown constant {self.name!r}")


@dataclass(frozen=True)
class Unary:
    """Negation (a unary plus is dropped by the parser)."""

    op: Literal["-"]
    operand: Node

    def __post_init__(self) -> None:
        if self.op != "-":
            raise ValueError(f"unknown unary operator {self.op!r}")


@dataclass(frozen=True)
class Binary:
    """An arithmetic operation; `^` is exponentiation."""

    op: BinaryOperator
    left: Node
    right: Node

    def __post_init__(self) -> None:
        if self.op not in BINARY_OPERATORS:
            raise ValueError(f"unknown binary operator {self.op!r}")


@dataclass(frozen=True)
class Call:
    """A whitelisted one-argument function applied to an expression."""

    function: FunctionName
    argument: Node

    def __post_init__(self) -> None:
        if self.function not in FUNCTIONS:
            raise ValueError(f"unknown function {self.function!r}")


Node = Union[Number, Variable, Constant, Unary, Binary, Call]


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-expressions of `node`, left to right."""
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Call):
        return (node.argument,)
    return ()
