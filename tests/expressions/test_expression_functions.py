"""Functions in expressions: every built-in function and spelling, their domains, a question's
own functions (σ as the sigmoid, a rubric's relu), and the "did you mean" hints."""

from __future__ import annotations

import math

import numpy as np
import pytest

from grader.expressions import (
    Applied,
    Call,
    Domain,
    ExpressionError,
    FunctionTable,
    compare,
    define_functions,
    evaluate,
    parse,
    to_plain,
)

X = ("x",)
POINTS = np.array([-2.5, -0.7, -0.1, 0.3, 0.9, 1.7, 4.0])


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


# (what the student types, the reading printed back, the value as math computes it; nan: undefined)
TABLE = [
    # logistic family
    ("sigmoid(x)", "sigmoid(x)", sigmoid),
    ("logistic(x)", "sigmoid(x)", sigmoid),
    ("Sigmoid(x)", "sigmoid(x)", sigmoid),
    (r"\operatorname{sigmoid}(x)", "sigmoid(x)", sigmoid),
    (r"\mathrm{logistic}\left(x\right)", "sigmoid(x)", sigmoid),
    ("softplus(x)", "softplus(x)", lambda x: math.log1p(math.exp(x))),
    (r"\operatorname{softplus}(x)", "softplus(x)", lambda x: math.log1p(math.exp(x))),
    ("erf(x)", "erf(x)", math.erf),
    (r"\mathrm{erf}(x)", "erf(x)", math.erf),
    # hyperbolic
    ("tanh(x)", "tanh(x)", math.tanh),
    ("tanh x", "tanh(x)", math.tanh),
    (r"\tanh x", "tanh(x)", math.tanh),
    (r"\tanh\left(x\right)", "tanh(x)", math.tanh),
    ("sinh(x)", "sinh(x)", math.sinh),
    (r"\sinh x", "sinh(x)", math.sinh),
    ("cosh(x)", "cosh(x)", math.cosh),
    (r"\cosh x", "cosh(x)", math.cosh),
    ("coth(x)", "coth(x)", lambda x: 1 / math.tanh(x)),
    (r"\coth x", "coth(x)", lambda x: 1 / math.tanh(x)),
    ("sech(x)", "sech(x)", lambda x: 1 / math.cosh(x)),
    ("csch(x)", "csch(x)", lambda x: 1 / math.sinh(x)),
    ("arcsinh(x)", "arcsinh(x)", math.asinh),
    ("asinh(x)", "arcsinh(x)", math.asinh),
    ("arsinh(x)", "arcsinh(x)", math.asinh),
    ("arccosh(x)", "arccosh(x)", lambda x: math.acosh(x) if x >= 1 else math.nan),
    ("acosh(x)", "arccosh(x)", lambda x: math.acosh(x) if x >= 1 else math.nan),
    ("arctanh(x)", "arctanh(x)", lambda x: math.atanh(x) if abs(x) < 1 else math.nan),
    ("atanh(x)", "arctanh(x)", lambda x: math.atanh(x) if abs(x) < 1 else math.nan),
    # inverse trigonometric, with their domains
    ("arcsin(x)", "arcsin(x)", lambda x: math.asin(x) if abs(x) <= 1 else math.nan),
    ("asin(x)", "arcsin(x)", lambda x: math.asin(x) if abs(x) <= 1 else math.nan),
    (r"\arcsin x", "arcsin(x)", lambda x: math.asin(x) if abs(x) <= 1 else math.nan),
    ("arccos(x)", "arccos(x)", lambda x: math.acos(x) if abs(x) <= 1 else math.nan),
    ("acos(x)", "arccos(x)", lambda x: math.acos(x) if abs(x) <= 1 else math.nan),
    (r"\arccos x", "arccos(x)", lambda x: math.acos(x) if abs(x) <= 1 else math.nan),
    ("arctan(x)", "arctan(x)", math.atan),
    ("atan(x)", "arctan(x)", math.atan),
    ("ATAN x", "arctan(x)", math.atan),
    (r"\arctan x", "arctan(x)", math.atan),
    # reciprocal trigonometric
    ("cot(x)", "cot(x)", lambda x: 1 / math.tan(x)),
    (r"\cot x", "cot(x)", lambda x: 1 / math.tan(x)),
    ("sec(x)", "sec(x)", lambda x: 1 / math.cos(x)),
    (r"\sec x", "sec(x)", lambda x: 1 / math.cos(x)),
    ("csc(x)", "csc(x)", lambda x: 1 / math.sin(x)),
    (r"\csc x", "csc(x)", lambda x: 1 / math.sin(x)),
    # logarithms to a base
    ("log10(x)", "log10(x)", lambda x: math.log10(x) if x > 0 else math.nan),
    ("log_10(x)", "log10(x)", lambda x: math.log10(x) if x > 0 else math.nan),
    ("log_{10} x", "log10(x)", lambda x: math.log10(x) if x > 0 else math.nan),
    (r"\log_{10} x", "log10(x)", lambda x: math.log10(x) if x > 0 else math.nan),
    ("log2(x)", "log2(x)", lambda x: math.log2(x) if x > 0 else math.nan),
    ("log_2(x)", "log2(x)", lambda x: math.log2(x) if x > 0 else math.nan),
    ("log_2 x", "log2(x)", lambda x: math.log2(x) if x > 0 else math.nan),
    ("log₂ x", "log2(x)", lambda x: math.log2(x) if x > 0 else math.nan),
    (r"\log_2 x", "log2(x)", lambda x: math.log2(x) if x > 0 else math.nan),
    (r"\log_{2}\left(x\right)", "log2(x)", lambda x: math.log2(x) if x > 0 else math.nan),
    ("log_3(x)", "log(x)/log(3)", lambda x: math.log(x, 3) if x > 0 else math.nan),
    (r"\log_{3} x", "log(x)/log(3)", lambda x: math.log(x, 3) if x > 0 else math.nan),
    ("log_{0.5} x", "log(x)/log(0.5)", lambda x: math.log(x, 0.5) if x > 0 else math.nan),
    ("log_e x", "log(x)", lambda x: math.log(x) if x > 0 else math.nan),
    ("ln x", "log(x)", lambda x: math.log(x) if x > 0 else math.nan),
    # max, min, abs
    ("max(x, 0)", "max(x, 0)", lambda x: max(x, 0.0)),
    ("MAX(x,0)", "max(x, 0)", lambda x: max(x, 0.0)),
    (r"\max\{x, 0\}", "max(x, 0)", lambda x: max(x, 0.0)),
    (r"\max\left(x, 0\right)", "max(x, 0)", lambda x: max(x, 0.0)),
    ("max(x, x^2, 1)", "max(x, x^2, 1)", lambda x: max(x, x * x, 1.0)),
    ("min(x, 0)", "min(x, 0)", lambda x: min(x, 0.0)),
    (r"\min(x, 1 - x)", "min(x, 1 - x)", lambda x: min(x, 1 - x)),
    ("min(max(x, -1), 1)", "min(max(x, -1), 1)", lambda x: min(max(x, -1.0), 1.0)),
    ("abs(x)", "abs(x)", abs),
    ("|x|", "abs(x)", abs),
    (r"\left|x\right|", "abs(x)", abs),
    # the existing ones keep working beside them
    ("exp(x)", "exp(x)", math.exp),
    (r"\exp x", "exp(x)", math.exp),
    ("sqrt(x)", "sqrt(x)", lambda x: math.sqrt(x) if x >= 0 else math.nan),
    ("sin x + cos x + tan x", "sin(x) + cos(x) + tan(x)", lambda x: math.sin(x) + math.cos(x) + math.tan(x)),
    # compositions, powers of calls, implicit multiplication
    ("tanh^2 x", "tanh(x)^2", lambda x: math.tanh(x) ** 2),
    ("2sigmoid(x)(1 - sigmoid(x))", "2*sigmoid(x)*(1 - sigmoid(x))", lambda x: 2 * sigmoid(x) * (1 - sigmoid(x))),
    ("arctan(tanh x)", "arctan(tanh(x))", lambda x: math.atan(math.tanh(x))),
    ("max(x, 0) - min(x, 0)", "max(x, 0) - min(x, 0)", abs),
]


@pytest.mark.parametrize(("text", "reading", "reference"), TABLE, ids=[row[0] for row in TABLE])
def test_function_reading_and_values(text, reading, reference) -> None:
    tree = parse(text, X)
    assert to_plain(tree) == reading
    assert parse(to_plain(tree), X) == tree  # the printed form reads back as the same tree
    got = evaluate(tree, {"x": POINTS})
    expected = []
    for point in POINTS:
        try:
            expected.append(float(reference(float(point))))
        except (ValueError, ZeroDivisionError, OverflowError):
            expected.append(math.nan)
    assert np.allclose(got, expected, rtol=1e-12, atol=1e-15, equal_nan=True), (got, expected)


def test_sigmoid_and_softplus_stay_accurate_far_out() -> None:
    far = {"x": np.array([-800.0, -40.0, 40.0, 800.0])}
    assert evaluate(parse("sigmoid(x)", X), far).tolist() == pytest.approx(
        [0.0, math.exp(-40) / (1 + math.exp(-40)), 1 / (1 + math.exp(-40)), 1.0], rel=1e-12)
    assert evaluate(parse("softplus(x)", X), far).tolist() == pytest.approx(
        [0.0, math.log1p(math.exp(-40)), 40.0, 800.0], rel=1e-12)


@pytest.mark.parametrize(("text", "fragment", "column"), [
    ("max(x)", "max at 1 takes 2 or more arguments, not 1", 0),
    ("max x", "max at 1 takes 2 or more arguments in brackets, e.g. max(x, 0)", 0),
    ("tanh(x, 2)", "unexpected ',' at 7: tanh takes one argument", 6),
    ("log(x, 2)", "unexpected ',' at 6: log takes one argument", 5),
    ("x, 2", "unexpected ',' at 2: a comma only separates the arguments", 1),
    ("2,5 x", "use a decimal point, not a comma", 1),
    ("max(x, )", "',' at 6 has nothing after it", 5),
    ("max(x, 0]", "']' at 9 does not match '(' at 4", 8),
    ("max(x, 0", "this '(' at 4 is never closed", 3),
    ("log_a(x)", "the base of the logarithm at 1 must be a positive number other than 1", 0),
    ("log_1(x)", "must be a positive number other than 1", 0),
    ("log_{0}(x)", "must be a positive number other than 1", 0),
    (r"\log_{x} x", "must be a positive number other than 1", 0),
    ("log_{2 x", "must be a number in braces", 3),
])
def test_function_errors(text, fragment, column) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse(text, X)
    assert fragment in caught.value.message
    assert caught.value.position == column


# ---- a question's own functions: σ as the sigmoid, a rubric's definitions ----------------------

SIGMOID_TABLE = define_functions({"σ": "sigmoid"}, ["z"])
DERIVATIVE = "sigmoid(z)*(1 - sigmoid(z))"


@pytest.mark.parametrize("answer", [
    "σ(z)(1 − σ(z))",
    "σ(z) - σ(z)^2",
    "sigma(z)*(1 - sigma(z))",
    r"\sigma(z)\left(1-\sigma(z)\right)",
    r"\sigma\left(z\right)\cdot\left(1-\sigma\left(z\right)\right)",
    "σ(z)σ(-z)",
    "sigmoid(z)(1 - sigmoid(z))",
    "logistic(z) * logistic(-z)",
    "e^(-z)/(1 + e^(-z))^2",
    "1/(4cosh(z/2)^2)",
    "(1 - tanh(z/2)^2)/4",
])
def test_sigma_as_a_function_reads_the_derivative_of_the_sigmoid(answer: str) -> None:
    student = parse(answer, ["z"], SIGMOID_TABLE)
    reference = parse(DERIVATIVE, ["z"], SIGMOID_TABLE)
    assert compare(student, reference, {"z": Domain(-4, 4)}).equivalent


def test_sigma_is_a_variable_where_no_function_is_declared() -> None:
    # The KL questions: σ is the standard deviation, so σ(z) is σ·z, as it always was.
    tree = parse("σ(z)(1 − σ(z))", ["mu", "sigma", "z"])
    assert to_plain(tree) == "sigma*z*(1 - sigma*z)"
    # ...and the same text where σ is declared a function is the sigmoid.
    assert to_plain(parse("σ(z)(1 − σ(z))", ["z"], SIGMOID_TABLE)) == "sigmoid(z)*(1 - sigmoid(z))"
    with pytest.raises(ExpressionError, match="`σ` is not a function or variable of this question"):
        parse("σ(z)", ["z"])


def test_a_rubric_function_is_kept_by_name_and_evaluated_from_its_definition() -> None:
    table = define_functions({"relu": "max(x, 0)",
                              "huber": (["r", "d"], "min(r^2/2, d*(abs(r) - d/2))"),
                              "leaky": (["x"], "relu(x) - relu(-x)/10")}, ["z"])
    tree = parse("relu(z) + huber(z, 1) + leaky z", ["z"], table)
    assert to_plain(tree) == "relu(z) + huber(z, 1) + leaky(z)"
    assert isinstance(tree, type(parse("1 + 1", []))) and isinstance(tree.right, Applied)
    assert parse(to_plain(tree), ["z"], table) == tree
    points = np.array([-3.0, -0.5, 0.0, 0.5, 3.0])
    expected = [max(z, 0) + min(z * z / 2, abs(z) - 0.5) + (max(z, 0) - max(-z, 0) / 10)
                for z in points]
    assert np.allclose(evaluate(tree, {"z": points}), expected, rtol=1e-12)
    assert compare(parse("relu(z) - relu(-z)", ["z"], table), parse("z", ["z"], table),
                   {"z": Domain(-2, 2)}).equivalent
    assert not compare(parse("relu(z)", ["z"], table), parse("z", ["z"], table),
                       {"z": Domain(-2, 2)}).equivalent


@pytest.mark.parametrize(("spec", "variables", "fragment"), [
    ({"tanh": "x"}, [], "`tanh` is already a built-in name"),
    ({"pi": "x"}, [], "`pi` is already a built-in name"),
    ({"σ": "sigmoid"}, ["sigma"], "already a variable or function of this question"),
    ({"relu": "max(x, 0)", "Relu": "x"}, [], "already a variable or function"),
    ({"relu": "max(y, 0)"}, [], "a definition may use only its parameters, x"),
    ({"relu": "max(x, 0"}, [], "does not parse"),
    ({"f": (["a", "a"], "a")}, [], "a parameter is named twice"),
    ({"f": (["log"], "1")}, [], "`log` cannot be a parameter name"),
    ({"f": ([], "1")}, [], "at least one parameter"),
    ({"f(x)": "x"}, [], "is not a function name"),
    ({"g": "f(x)", "f": "x"}, [], "`f` is not a function or variable"),  # only earlier ones
])
def test_bad_definitions_are_rubric_errors(spec, variables, fragment) -> None:
    with pytest.raises(ValueError) as caught:
        define_functions(spec, variables)
    assert fragment in str(caught.value)


def test_an_alias_of_an_earlier_definition_and_the_table_is_hashable() -> None:
    table = define_functions({"relu": "max(x, 0)", "rectifier": "relu"})
    assert evaluate(parse("rectifier(x)", X, table), {"x": np.array([-1.0, 2.0])}).tolist() == [0, 2]
    assert hash(table) == hash(define_functions({"relu": "max(x, 0)", "rectifier": "relu"}))
    assert table != FunctionTable()


def test_a_parameter_is_not_a_variable_of_the_question() -> None:
    # the definition's x is its own; the question's variable z is what the student writes
    table = define_functions({"relu": "max(x, 0)"}, ["z"])
    with pytest.raises(ExpressionError, match="`x` is not a variable of this question"):
        parse("relu(x)", ["z"], table)


# ---- suggestions: same kind only, never a prefix ---------------------------------------------

@pytest.mark.parametrize(("text", "variables", "hint"), [
    ("sigm(z)", ("z",), "did you mean sigmoid?"),
    ("tnah(z)", ("z",), "did you mean tanh?"),
    ("tanhh(z)", ("z",), "did you mean tanh?"),  # a doubled key is a typo
    ("expp(z)", ("z",), "did you mean exp?"),
    ("sigma3", ("sigma", "z"), "did you mean sigma?"),  # a variable and a missing subscript
    ("Sigma", ("sigma",), "did you mean sigma?"),
    ("zet + 1", ("zeta",), "did you mean zeta?"),
])
def test_suggestions(text, variables, hint) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse(text, variables)
    assert caught.value.message.endswith(f"({hint})")


@pytest.mark.parametrize(("text", "variables", "not_suggested"), [
    ("sinc(x)", ("x",), "did you mean sin?"),  # a longer name is another function, not a typo
    ("arcsinc(x)", ("x",), "did you mean arcsin?"),
    ("logit(x)", ("x",), "did you mean log?"),
    ("tans(x)", ("x", "tans1"), "did you mean tans1?"),  # used as a function: no variable
    ("tanz + 1", ("x",), "did you mean tan"),  # used as a variable: no function
    ("sigmoidd + 1", ("x",), "did you mean sigmoid?"),
    ("relu(x)", ("x", "relux"), "did you mean relux?"),
])
def test_no_prefix_and_no_other_kind_in_suggestions(text, variables, not_suggested) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse(text, variables)
    assert not_suggested not in caught.value.message


def test_tanh_is_a_function_now_not_a_typo_of_tan() -> None:
    assert parse("tanh(x)", X) == Call("tanh", parse("x", X))
