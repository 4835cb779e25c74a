"""Parsing: how each form is read (shown through to_plain), errors, and hostile input."""

from __future__ import annotations

import time

import pytest

from grader.expressions import (
    MAX_DEPTH,
    MAX_LENGTH,
    Binary,
    Call,
    Constant,
    ExpressionError,
    Number,
    Unary,
    Variable,
    parse,
    to_plain,
)

KL = ("mu", "sigma")
GENERAL = ("mu1", "sigma1", "mu2", "sigma2")

READINGS = [
    # numbers
    ("2", KL, "2"),
    ("0.5", KL, "0.5"),
    (".5", KL, "0.5"),
    ("5.", KL, "5"),
    ("1e-3", KL, "0.001"),
    ("2.5E+2", KL, "250"),
    ("2e-3*mu", KL, "0.002*mu"),
    ("2e^mu", KL, "2*e^mu"),  # `e` without exponent digits is the constant
    # operators and precedence
    ("mu + sigma*2", KL, "mu + sigma*2"),
    ("mu - sigma - 1", KL, "mu - sigma - 1"),
    ("mu - (sigma - 1)", KL, "mu - (sigma - 1)"),
    ("mu/sigma/2", KL, "mu/sigma/2"),
    ("mu/(sigma*2)", KL, "mu/(sigma*2)"),
    ("mu**2", KL, "mu^2"),
    ("mu^sigma^2", KL, "mu^sigma^2"),  # right-associative
    ("(mu^sigma)^2", KL, "(mu^sigma)^2"),
    ("-mu^2", KL, "-mu^2"),  # -(mu^2)
    ("(-mu)^2", KL, "(-mu)^2"),
    ("-mu*sigma", KL, "-mu*sigma"),
    ("--mu", KL, "-(-mu)"),
    ("+mu", KL, "mu"),
    ("mu*-sigma", KL, "mu*(-sigma)"),
    ("mu - -sigma", KL, "mu - (-sigma)"),
    ("2^-1", KL, "2^(-1)"),
    ("e^-mu", KL, "e^(-mu)"),
    ("10^10^10^10", KL, "10^10^10^10"),
    ("[mu + 1]*{sigma - 1}", KL, "(mu + 1)*(sigma - 1)"),
    # implicit multiplication
    ("2mu", KL, "2*mu"),
    ("0.5(mu^2 + 1)", KL, "0.5*(mu^2 + 1)"),
    ("2log(sigma)", KL, "2*log(sigma)"),
    ("(mu+sigma)(mu-sigma)", KL, "(mu + sigma)*(mu - sigma)"),
    ("mu sigma", KL, "mu*sigma"),
    ("2 sigma^2", KL, "2*sigma^2"),
    ("1/2 mu", KL, "1/2*mu"),  # implicit multiplication binds like *: (1/2)*mu
    ("1/2mu", KL, "1/2*mu"),
    ("mu(sigma + 1)", KL, "mu*(sigma + 1)"),
    ("musigma", KL, "mu*sigma"),  # unique split into known names
    ("2musigma^2", KL, "2*mu*sigma^2"),
    ("mu_1sigma_2", GENERAL, "mu1*sigma2"),
    ("pimu", KL, "pi*mu"),
    ("-2mu", KL, "-2*mu"),
    ("2^3mu", KL, "2^3*mu"),
    # functions
    ("log(sigma)", KL, "log(sigma)"),
    ("ln(sigma)", KL, "log(sigma)"),
    ("Log(sigma)", KL, "log(sigma)"),
    ("LN sigma", KL, "log(sigma)"),
    ("log sigma^2", KL, "log(sigma^2)"),  # without brackets a function takes the power
    ("log(sigma)^2", KL, "log(sigma)^2"),  # with brackets, the power applies to the call
    ("log (sigma)^2", KL, "log(sigma)^2"),
    ("2 log sigma - 1", KL, "2*log(sigma) - 1"),
    ("log 2 sigma", KL, "log(2*sigma)"),  # an argument without brackets runs to the next operator
    ("log log sigma", KL, "log(log(sigma))"),
    ("logsigma", KL, "log(sigma)"),
    ("sin^2 mu + cos^2 mu", KL, "sin(mu)^2 + cos(mu)^2"),
    ("exp(-mu^2/2)", KL, "exp(-mu^2/2)"),
    ("sqrt(sigma)", KL, "sqrt(sigma)"),
    ("abs(mu)", KL, "abs(mu)"),
    ("tan(mu)", KL, "tan(mu)"),
    ("|mu|", KL, "abs(mu)"),
    ("2|mu|sigma", KL, "2*abs(mu)*sigma"),
    ("|mu|sigma|mu|", KL, "abs(mu)*sigma*abs(mu)"),
    ("|mu - |sigma||", KL, "abs(mu - abs(sigma))"),
    ("|(mu|sigma|)|", KL, "abs(mu*abs(sigma))"),
    ("pi sigma", KL, "pi*sigma"),
    ("e", KL, "e"),
    # unicode
    ("½", KL, "0.5"),
    ("¼μ + ¾σ", KL, "0.25*mu + 0.75*sigma"),
    ("μ²σ³", KL, "mu^2*sigma^3"),
    ("σ⁻¹", KL, "sigma^(-1)"),
    ("σ¹²", KL, "sigma^12"),
    ("μ × σ · μ ⋅ σ ∗ μ", KL, "mu*sigma*mu*sigma*mu"),
    ("μ ÷ σ ∕ 2", KL, "mu/sigma/2"),
    ("μ − σ – 1", KL, "mu - sigma - 1"),
    ("µ", KL, "mu"),  # the micro sign
    ("μσ", KL, "mu*sigma"),
    ("π", KL, "pi"),
    ("2πσ", KL, "2*pi*sigma"),
    ("√σ", KL, "sqrt(sigma)"),
    ("√(σ + 1)", KL, "sqrt(sigma + 1)"),
    ("√2σ", KL, "sqrt(2)*sigma"),
    ("ln σ²", KL, "log(sigma^2)"),
    ("σ₂", GENERAL, "sigma2"),
    ("σ2", GENERAL, "sigma2"),
    ("σ₁²", GENERAL, "sigma1^2"),
    ("α + β", ("alpha", "beta"), "alpha + beta"),
    ("mu\u00a0+\u2009sigma", KL, "mu + sigma"),  # no-break and thin spaces
    # latex
    (r"\frac{1}{2}", KL, "1/2"),
    (r"\frac12", KL, "1/2"),
    (r"\frac12\mu", KL, "1/2*mu"),
    (r"\frac1\sigma", KL, "1/sigma"),
    (r"\dfrac{\mu}{\sigma}", KL, "mu/sigma"),
    (r"\tfrac{1}{2}\sigma", KL, "1/2*sigma"),
    (r"\frac{\mu}{\sigma}^2", KL, "(mu/sigma)^2"),
    (r"\sqrt{\sigma}", KL, "sqrt(sigma)"),
    (r"\sqrt[3]{\sigma}", KL, "sigma^(1/3)"),
    (r"\log\sigma^2", KL, "log(sigma^2)"),
    (r"\ln\left(\sigma\right)", KL, "log(sigma)"),
    (r"\exp\left[-\mu\right]", KL, "exp(-mu)"),
    (r"\left\{\mu\right\}", KL, "mu"),
    (r"\left.\mu\right.", KL, "mu"),
    (r"\mu^{2}", KL, "mu^2"),
    (r"\mu^{-1}", KL, "mu^(-1)"),
    (r"e^{-\mu}", KL, "e^(-mu)"),
    (r"\mu \cdot \sigma \times 2", KL, "mu*sigma*2"),
    (r"\mu \div \sigma", KL, "mu/sigma"),
    (r"\mu\,\sigma", KL, "mu*sigma"),
    (r"\mu\ \sigma\;\mu\!\sigma\quad\mu", KL, "mu*sigma*mu*sigma*mu"),
    (r"\pi\sigma", KL, "pi*sigma"),
    (r"\sigma_2", GENERAL, "sigma2"),
    (r"\sigma_{2}", GENERAL, "sigma2"),
    (r"sigma_2", GENERAL, "sigma2"),
    (r"sigma_{ 2 }", GENERAL, "sigma2"),
    (r"\mu_1", GENERAL, "mu1"),
    (r"\sigma_1^2", GENERAL, "sigma1^2"),
    (r"\varsigma", KL, "sigma"),
    (r"\operatorname{log}(\sigma)", KL, "log(sigma)"),
    (r"\mathrm{e}^{\mu}", KL, "e^mu"),
    (r"\left|\mu\right|", KL, "abs(mu)"),
    (r"\lvert\mu\rvert", KL, "abs(mu)"),
    (r"$\mu$", KL, "mu"),
    (r"$$\mu + 1$$", KL, "mu + 1"),
    (r"  $ \mu $ ", KL, "mu"),
    (r"\(\mu\)", KL, "mu"),
    # declared variables shadow constants; exact names win over splits
    ("e", ("e", "x"), "e"),
    ("pi", ("p", "i"), "pi"),
]


@pytest.mark.parametrize(("text", "variables", "expected"), READINGS)
def test_reading(text: str, variables: tuple[str, ...], expected: str) -> None:
    assert to_plain(parse(text, variables)) == expected


@pytest.mark.parametrize(("text", "variables", "expected"), READINGS)
def test_plain_form_reads_back_as_the_same_tree(text: str, variables: tuple[str, ...],
                                                expected: str) -> None:
    tree = parse(text, variables)
    assert parse(to_plain(tree), variables) == tree


def test_tree_shape() -> None:
    mu, sigma = Variable("mu"), Variable("sigma")
    assert parse("-mu^2", KL) == Unary("-", Binary("^", mu, Number(2.0)))
    assert parse("½(μ² − ln σ²)", KL) == Binary(
        "*", Number(0.5),
        Binary("-", Binary("^", mu, Number(2.0)),
               Call("log", Binary("^", sigma, Number(2.0)))))
    assert parse("e^-mu", KL) == Binary("^", Constant("e"), Unary("-", mu))


def test_to_plain_of_the_standard_kl() -> None:
    tree = parse(r"\frac{\mu^2+\sigma^2-1-\log\sigma^2}{2}", KL)
    assert to_plain(tree) == "(mu^2 + sigma^2 - 1 - log(sigma^2))/2"


def test_to_plain_of_hand_built_negative_numbers() -> None:
    assert to_plain(Binary("^", Number(-2.0), Variable("mu"))) == "(-2)^mu"
    assert to_plain(Binary("*", Variable("mu"), Number(-2.0))) == "mu*(-2)"
    assert to_plain(Number(-2.0)) == "-2"


ERRORS = [
    # (input, message fragment, caret column)
    # brackets
    ("mu)", "unexpected ')' at 3", 2),
    ("(mu", "this '(' at 1 is never closed", 0),
    ("mu*(sigma + (mu)", "this '(' at 4 is never closed", 3),
    ("(mu]", "']' at 4 does not match '(' at 1", 3),
    ("()", "nothing between '(' at 1 and ')' at 2", 0),
    ("|mu", "this '|' at 1 is never closed", 0),
    ("(|mu)", "')' at 5 does not match '|' at 2", 4),
    # operators
    ("mu +", "'+' at 4 has nothing after it", 3),
    ("(mu * )", "'*' at 5 has nothing after it", 4),
    ("*mu", "'*' at 1 has nothing before it", 0),
    ("mu + * sigma", "unexpected '*' at 6", 5),
    ("mu // sigma", "unexpected '/' at 5", 4),
    ("mu^", "'^' at 3 has nothing after it", 2),
    ("2 3", "two numbers in a row at 3", 2),
    # names
    ("mu + x", "`x` is not a variable of this question; the variables are mu, sigma", 5),
    ("sigma3", "`sigma3` is not a variable of this question", 0),
    ("sigma3", "did you mean sigma?", 0),
    ("mu + σ3", "`σ3` is not a variable", 5),
    ("Sigma", "did you mean sigma?", 0),
    # functions
    ("log", "log at 1 needs an argument, e.g. log(x)", 0),
    ("mu + log + 1", "log at 6 needs an argument", 5),
    ("sqrt()", "nothing between '(' at 5 and ')' at 6", 4),
    (r"\sqrt", r"\sqrt at 1 needs an argument", 0),
    ("sin^mu", "sin at 1 needs an argument", 0),  # sin^mu x is sin(x)^mu
    ("sin^*mu", "write a power of sin as sin(x)^2", 3),
    # latex
    (r"\foo + \mu", r"unknown LaTeX command \foo at 1", 0),
    (r"\mu + \frac{1}", r"\frac at 7 needs two arguments", 6),
    (r"\mu + \frac", r"\frac at 7 needs two arguments", 6),
    (r"\mathrm{}", r"\mathrm at 1 must be followed by a name in braces", 0),
    ("mu\\", "unexpected '\\' at 3", 2),
    # characters and numbers
    ("", "the answer is empty", 0),
    ("   ", "the answer is empty", 0),
    ("$$", "the answer is empty", 0),
    ("mu; sigma", "unexpected ';' at 3", 2),
    ("mu.real", "unexpected '.' at 3", 2),
    ("1.2.3", "at most one decimal point", 3),
    ("sigma^2 + 2,5", "use a decimal point, not a comma", 11),
    ("log(mu, 2)", "unexpected ',' at 7", 6),
    ("KL = mu", "unexpected '=' at 4: type only the expression", 3),
    ("mu = 1", "unexpected '=' at 4: type only the expression", 3),
    ("mu_", "'_' at 3 must be followed by a subscript", 2),
    ("sigma_{x+1}", "the subscript at 6 must be letters or digits", 5),
    ("mu + ₂", "unexpected subscript at 6", 5),
    ("2½", "mixed number", 1),
    ("σ⁻", "superscript sign at 2 needs a superscript number", 1),
    ("1e999", "the number at 1 is too large", 0),
    ("mu + 'a'", "unexpected \"'\" at 6", 5),
    ("mu + `sigma`", "unexpected '`' at 6", 5),
    ("mu\x00", "unexpected '\\x00' at 3", 2),
    ("mu\n+ x", "`x` is not a variable", 5),
]


@pytest.mark.parametrize(("text", "fragment", "column"), ERRORS)
def test_error_message_and_caret(text: str, fragment: str, column: int) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse(text, KL)
    error = caught.value
    assert fragment in error.message
    assert error.position == column
    message, line, caret = str(error).split("\n")
    assert message == error.message
    assert caret == " " * column + "^"
    assert len(line) == len(text)  # one displayed character per input character
    if column < len(text) and text[column].isprintable():
        assert line[column] == text[column]


def test_caret_in_a_long_input_points_at_the_problem() -> None:
    text = "mu + " * 150 + "x + sigma" * 20
    with pytest.raises(ExpressionError) as caught:
        parse(text, KL)
    _, line, caret = str(caught.value).split("\n")
    column = caret.index("^")
    assert line[column] == "x"
    assert line.startswith("…") and line.endswith("…") and len(line) < 80


def test_unknown_name_messages_stay_short() -> None:
    with pytest.raises(ExpressionError) as caught:
        parse("q" * 999, KL)
    assert caught.value.message.startswith("`" + "q" * 24 + "…` is not a variable")
    with pytest.raises(ExpressionError, match="it has no variables"):
        parse("2x", ())


def test_ambiguous_split_is_an_error() -> None:
    with pytest.raises(ExpressionError, match="more than one way"):
        parse("abc", ("a", "b", "c", "ab", "bc"))


@pytest.mark.parametrize(("variables", "problem"), [
    (("mu", "log"), ValueError),
    (("mu", "sigma_1"), ValueError),
    (("1mu",), ValueError),
    ("mu", TypeError),
])
def test_bad_variable_declarations_are_programming_errors(variables, problem) -> None:
    with pytest.raises(problem):
        parse("1", variables)


HOSTILE = [
    # code
    "__import__('os').system('echo hi')",
    "().__class__",
    "().__class__.__bases__[0].__subclasses__()",
    "mu.real",
    "lambda: 1",
    "[x for x in y]",
    "import os",
    "exec('1')",
    "eval('mu')",
    "open('/etc/passwd').read()",
    "mu; sigma",
    "mu if sigma else 1",
    "{'a': 1}",
    "f'{mu}'",
    "`mu`",
    "mu @ sigma",
    "mu % sigma",
    "~mu",
    "mu < sigma",
    "sigma = 1",
    # structure
    "(mu",
    "mu)",
    "((((mu)))",
    "x",
    "sigma3",
    "mu\x00",
    "\x00",
    # limits
    "(" * 10_000,
    "(" * 10_000 + "mu" + ")" * 10_000,
    "(" * 499 + "mu" + ")" * 499,
    "(" * 200,
    "mu" + "^mu" * 300,
    "-" * 900 + "mu",
    "log " * 200 + "mu",
    "sqrt(" * 150 + "mu" + ")" * 150,
    "|" * 999,
    r"\frac{" * 150,
    "1+" * 300 + "1",
    "mu" * 400,
    "mu " * 300,
    "mu" * 500_000,
    "a" * 1_000_000,
    "9" * 1000,
]


@pytest.mark.parametrize("text", HOSTILE, ids=lambda text: repr(text[:30]))
def test_hostile_input_is_a_quick_expression_error(text: str) -> None:
    # The fastest of three tries: a machine busy with other work can stall any one of them.
    elapsed = []
    for _ in range(3):
        started = time.perf_counter()
        with pytest.raises(ExpressionError) as caught:
            parse(text, KL)
        elapsed.append(time.perf_counter() - started)
    assert min(elapsed) < 0.1  # typically well under 5 ms
    assert caught.value.message
    assert len(str(caught.value).split("\n")[1]) < 80


def test_limits_have_clear_messages() -> None:
    with pytest.raises(ExpressionError, match=f"too long .*at most {MAX_LENGTH}"):
        parse("mu+" * 1000, KL)
    with pytest.raises(ExpressionError, match=f"nested too deeply .*more than {MAX_DEPTH}"):
        parse("(" * 499 + "mu" + ")" * 499, KL)
    with pytest.raises(ExpressionError, match="nested too deeply"):
        parse("-" * 200 + "mu", KL)


def test_nesting_just_inside_the_limit_parses() -> None:
    depth = MAX_DEPTH - 1
    assert parse("(" * depth + "mu" + ")" * depth, KL) == Variable("mu")
