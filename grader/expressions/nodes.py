"""The expression tree: a small whitelist of immutable node types and nothing else."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal, Union, get_args

__all__ = [
    "BINARY_OPERATORS",
    "CONSTANTS",
    "FUNCTIONS",
    "VARIADIC_FUNCTIONS",
    "Applied",
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
    "post_order",
    "variable_names",
]

BinaryOperator = Literal["+", "-", "*", "/", "^"]
FunctionName = Literal[
    "log", "exp", "sqrt", "abs", "sin", "cos", "tan", "cot", "sec", "csc",
    "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "coth", "sech", "csch",
    "arcsinh", "arccosh", "arctanh", "log2", "log10", "sigmoid", "softplus", "erf", "max", "min",
]
ConstantName = Literal["pi", "e"]

BINARY_OPERATORS: tuple[str, ...] = get_args(BinaryOperator)
FUNCTIONS: tuple[str, ...] = get_args(FunctionName)  # log is the natural logarithm
VARIADIC_FUNCTIONS: frozenset[str] = frozenset({"max", "min"})  # two or more arguments
CONSTANTS: tuple[str, ...] = get_args(ConstantName)


@dataclass(frozen=True)
class Number:
    """A literal number (the parser only makes non-negative ones; a sign is a Unary)."""

    value: float


@dataclass(frozen=True)
class Variable:
    """One of the question's declared variables (or a parameter inside a function's definition)."""

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
    """A whitelisted function applied to `argument` (and, for max and min, to `more`)."""

    function: FunctionName
    argument: Node
    more: tuple[Node, ...] = ()

    def __post_init__(self) -> None:
        if self.function not in FUNCTIONS:
            raise ValueError(f"unknown function {self.function!r}")
        if (self.function in VARIADIC_FUNCTIONS) != bool(self.more):
            raise ValueError(f"{self.function} takes "
                             + ("two or more arguments" if self.function in VARIADIC_FUNCTIONS
                                else "one argument"))

    @property
    def arguments(self) -> tuple[Node, ...]:
        return (self.argument, *self.more)


@dataclass(frozen=True)
class Applied:
    """A function the rubric defined (`relu: "max(x, 0)"`), applied to `arguments`.

    `body` is the definition's tree over the `parameters` (as Variables); it is evaluated with
    each parameter bound to its argument, so the tree stays as small as what was typed.
    """

    name: str
    parameters: tuple[str, ...]
    body: Node
    arguments: tuple[Node, ...]

    def __post_init__(self) -> None:
        if len(self.parameters) != len(self.arguments) or not self.arguments:
            raise ValueError(f"{self.name} takes {len(self.parameters)} argument(s), "
                             f"got {len(self.arguments)}")


Node = Union[Number, Variable, Constant, Unary, Binary, Call, Applied]


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-expressions of `node`, left to right (a definition's body is not one)."""
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Call):
        return node.arguments
    if isinstance(node, Applied):
        return node.arguments
    return ()


def post_order(root: Node) -> Iterator[Node]:
    """Every distinct node of `root`'s tree, each after its children, with an explicit stack: no recursion
    however deep a hand-built tree is, and a subtree shared by a hand-built tree comes once."""
    done: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        current, children_done = stack.pop()
        if id(current) in done:
            continue
        parts = children(current)
        if parts and not children_done:
            stack.append((current, True))
            stack.extend((part, False) for part in parts)
            continue
        done.add(id(current))
        yield current


def variable_names(node: Node) -> frozenset[str]:
    """The variables `node` uses (inside a rubric's function only its arguments count: its body
    is over its own parameters)."""
    return frozenset(current.name for current in post_order(node) if isinstance(current, Variable))
