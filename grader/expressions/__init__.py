"""Expression answers: parse what a student typed, print it back, and compare it numerically.

    >>> tree = parse("½(μ² + σ² − 1 − ln σ²)", ["mu", "sigma"])
    >>> to_plain(tree)
    '0.5*(mu^2 + sigma^2 - 1 - log(sigma^2))'

Nothing here evaluates student text as code: the parser builds a whitelisted tree, and
`compare` evaluates trees with numpy at seeded random points (WeBWorK's method), or exactly
with fractions when both are rational functions. A question may add function names
(`define_functions`: σ as the sigmoid, a rubric's own relu) in the same whitelisted syntax.
"""

from .definitions import Definition, FunctionTable, define_functions
from .equivalence import (
    MIN_DEFINED_POINTS,
    SAMPLE_POINTS,
    Comparison,
    Diagnosis,
    Domain,
    check_defined,
    compare,
    describe_domains,
    sample_points,
)
from .errors import ExpressionError
from .evaluate import evaluate
from .nodes import (
    CONSTANTS,
    FUNCTIONS,
    Applied,
    Binary,
    Call,
    Constant,
    Node,
    Number,
    Unary,
    Variable,
)
from .parser import MAX_DEPTH, MAX_LENGTH, MAX_NODES, Reading, ReadingNote, parse, read
from .printer import to_plain

__all__ = [
    "CONSTANTS",
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "MAX_NODES",
    "MIN_DEFINED_POINTS",
    "SAMPLE_POINTS",
    "Applied",
    "Binary",
    "Call",
    "Comparison",
    "Constant",
    "Definition",
    "Diagnosis",
    "Domain",
    "ExpressionError",
    "FunctionTable",
    "Node",
    "Number",
    "Reading",
    "ReadingNote",
    "Unary",
    "Variable",
    "check_defined",
    "compare",
    "define_functions",
    "describe_domains",
    "evaluate",
    "parse",
    "read",
    "sample_points",
    "to_plain",
]
