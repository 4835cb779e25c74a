"""Property-based tests: printed trees read back, rewrites stay equivalent, no other exception."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.expressions import (
    Binary,
    Call,
    Constant,
    Domain,
    ExpressionError,
    Node,
    Number,
    Unary,
    Variable,
    compare,
    evaluate,
    parse,
    to_plain,
)

VARIABLES = ("mu", "sigma")
DOMAINS = {"mu": Domain(-2, 2), "sigma": Domain(0.1, 3)}
SETTINGS = settings(max_examples=200, derandomize=True, database=None, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

LEAVES = st.one_of(
    st.sampled_from([Variable("mu"), Variable("sigma"), Constant("pi"), Constant("e")]),
    st.sampled_from([0.5, 1.0, 2.0, 3.0, 0.25, 1.5, 10.0]).map(Number),
)


def _compound(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    """Operations whose values stay moderate and defined on DOMAINS (no poles, no log of ≤ 0)."""
    one = Number(1.0)
    return st.one_of(
        st.builds(Binary, st.sampled_from(["+", "-", "*"]), children, children),
        # divide only by something at least 1 or by sigma (at least 0.1)
        st.builds(lambda a, b: Binary("/", a, Binary("+", one, Binary("^", b, Number(2.0)))),
                  children, children),
        children.map(lambda a: Binary("/", a, Variable("sigma"))),
        children.map(lambda a: Binary("^", a, Number(2.0))),
        children.map(lambda a: Unary("-", a)),
        st.builds(Call, st.sampled_from(["sin", "cos", "abs", "tanh", "arctan", "sigmoid", "erf",
                                         "softplus"]), children),
        st.builds(lambda name, a, b: Call(name, a, (b,)), st.sampled_from(["max", "min"]),
                  children, children),
        children.map(lambda a: Call("log", Binary("+", one, Binary("^", a, Number(2.0))))),
        children.map(lambda a: Call("sqrt", Binary("+", one, Call("abs", a)))),
        children.map(lambda a: Call("exp", Call("sin", a))),
    )


TREES = st.recursive(LEAVES, _compound, max_leaves=6)


def expand(node: Node) -> Node:
    """Distribute every product over a sum: a*(b+c) -> a*b + a*c, (a-b)*c -> a*c - b*c."""
    if isinstance(node, Binary):
        left, right = expand(node.left), expand(node.right)
        if node.op == "*" and isinstance(right, Binary) and right.op in "+-":
            return Binary(right.op, expand(Binary("*", left, right.left)),
                          expand(Binary("*", left, right.right)))
        if node.op == "*" and isinstance(left, Binary) and left.op in "+-":
            return Binary(left.op, expand(Binary("*", left.left, right)),
                          expand(Binary("*", left.right, right)))
        return Binary(node.op, left, right)
    if isinstance(node, Unary):
        return Unary("-", expand(node.operand))
    if isinstance(node, Call):
        return Call(node.function, expand(node.argument), tuple(expand(part) for part in node.more))
    return node


def reread(node: Node) -> Node:
    return parse(to_plain(node), VARIABLES)


@SETTINGS
@given(TREES)
def test_printed_tree_reads_back_as_itself(tree: Node) -> None:
    assert reread(tree) == tree
    assert compare(reread(tree), tree, DOMAINS).equivalent


@SETTINGS
@given(TREES)
def test_expanded_products_are_equivalent(tree: Node) -> None:
    assert compare(reread(expand(tree)), tree, DOMAINS).equivalent


@SETTINGS
@given(TREES)
def test_scaling_by_two_halves_is_equivalent(tree: Node) -> None:
    scaled = Binary("/", Binary("*", Number(2.0), tree), Number(2.0))
    assert compare(reread(scaled), tree, DOMAINS).equivalent


@SETTINGS
@given(TREES, TREES)
def test_adding_and_subtracting_a_term_is_equivalent(tree: Node, term: Node) -> None:
    rewritten = Binary("-", Binary("+", tree, term), term)
    assert compare(reread(rewritten), tree, DOMAINS).equivalent


@SETTINGS
@given(TREES)
def test_doubling_is_a_factor_two(tree: Node) -> None:
    values = evaluate(tree, {"mu": np.linspace(-2, 2, 7), "sigma": np.linspace(0.1, 3, 7)})
    if np.ptp(values) < 1e-3:  # a (nearly) constant reference gets no factor diagnosis
        return
    result = compare(reread(Binary("*", Number(2.0), tree)), tree, DOMAINS)
    assert not result.equivalent
    assert result.diagnosis == "factor"
    assert "2 times" in result.message


SNIPPETS = st.sampled_from([
    "mu", "sigma", "2", ".5", "1e-3", "+", "-", "*", "/", "^", "**", "(", ")", "[", "]", "{", "}",
    "|", " ", "log", "ln", "sqrt", "exp", "e", "pi", "½", "²", "⁻", "σ", "μ", "₂", "_", "_{2}",
    "\\frac", "\\left(", "\\right)", "\\sigma", "\\mu", "\\cdot", "\\sqrt", "[3]", "$", ",", ".",
    "\\", "=", "x", "sigma2", "'", "\x00", "−", "×", "max(", "tanh", "log_2", "\\log_{10}",
    "sigmoid", "arctan", "σ(",
])


# Snippets that often combine into valid input, so the success path is exercised too.
FRIENDLY_SNIPPETS = st.sampled_from([
    "mu", "sigma", "2", ".5", "+", "-", "*", "/", "^", "(", ")", " ", "log ", "sqrt", "e", "pi",
    "½", "²", "σ", "μ", "\\frac12", "\\sigma ", "\\cdot ", "|",
])


@SETTINGS
@given(st.one_of(st.lists(SNIPPETS, max_size=30), st.lists(FRIENDLY_SNIPPETS, max_size=8))
       .map("".join))
def test_token_soup_raises_only_expression_error(text: str) -> None:
    try:
        tree = parse(text, VARIABLES)
    except ExpressionError as error:
        assert error.message and 0 <= error.position <= len(text)
        str(error)
        return
    assert reread(tree) == tree
    evaluate(tree, {"mu": np.array([0.5]), "sigma": np.array([1.5])})


@SETTINGS
@given(st.text(max_size=60))
def test_random_text_raises_only_expression_error(text: str) -> None:
    try:
        parse(text, VARIABLES)
    except ExpressionError as error:
        assert 0 <= error.position <= len(text)
        str(error)
