"""Tables the tokenizer reads: unicode maths characters, Greek letters and the LaTeX subset."""

from __future__ import annotations

GREEK_LETTERS: dict[str, str] = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ϵ": "epsilon",
    "ζ": "zeta", "η": "eta", "θ": "theta", "ϑ": "theta", "ι": "iota", "κ": "kappa",
    "λ": "lambda", "μ": "mu", "µ": "mu", "ν": "nu", "ξ": "xi", "ο": "omicron", "π": "pi",
    "ρ": "rho", "ϱ": "rho", "σ": "sigma", "ς": "sigma", "τ": "tau", "υ": "upsilon",
    "φ": "phi", "ϕ": "phi", "χ": "chi", "ψ": "psi", "ω": "omega",
}  # "µ" is the micro sign, which phones and some keyboards produce for mu

LATEX_GREEK: dict[str, str] = {
    **{name: name for name in set(GREEK_LETTERS.values()) if name != "omicron"},
    "varepsilon": "epsilon", "vartheta": "theta", "varrho": "rho", "varsigma": "sigma",
    "varphi": "phi",
}

VULGAR_FRACTIONS: dict[str, float] = {
    "½": 1 / 2, "⅓": 1 / 3, "⅔": 2 / 3, "¼": 1 / 4, "¾": 3 / 4, "⅕": 1 / 5, "⅖": 2 / 5,
    "⅗": 3 / 5, "⅘": 4 / 5, "⅙": 1 / 6, "⅚": 5 / 6, "⅛": 1 / 8, "⅜": 3 / 8, "⅝": 5 / 8,
    "⅞": 7 / 8,
}

SUPERSCRIPT_DIGITS: dict[str, str] = {
    "⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6", "⁷": "7", "⁸": "8",
    "⁹": "9",
}
SUPERSCRIPT_SIGNS: dict[str, str] = {"⁻": "-", "⁺": "+"}
SUBSCRIPT_DIGITS: dict[str, str] = {
    "₀": "0", "₁": "1", "₂": "2", "₃": "3", "₄": "4", "₅": "5", "₆": "6", "₇": "7", "₈": "8",
    "₉": "9",
}

OPERATORS: dict[str, str] = {
    "+": "+", "＋": "+",
    "-": "-", "−": "-", "–": "-", "—": "-", "‐": "-", "‑": "-", "﹣": "-", "－": "-",
    "*": "*", "×": "*", "·": "*", "⋅": "*", "∗": "*",
    "/": "/", "÷": "/", "∕": "/",
    "^": "^",
}

OPENING: dict[str, str] = {"(": ")", "[": "]", "{": "}"}  # opening bracket -> its closing one
CLOSING: frozenset[str] = frozenset(OPENING.values())

FUNCTION_ALIASES: dict[str, str] = {
    "log": "log", "ln": "log", "exp": "exp", "sqrt": "sqrt", "abs": "abs",
    "sin": "sin", "cos": "cos", "tan": "tan", "cot": "cot", "sec": "sec", "csc": "csc",
    "arcsin": "arcsin", "asin": "arcsin", "arccos": "arccos", "acos": "arccos",
    "arctan": "arctan", "atan": "arctan",
    "sinh": "sinh", "cosh": "cosh", "tanh": "tanh", "coth": "coth", "sech": "sech", "csch": "csch",
    "arcsinh": "arcsinh", "asinh": "arcsinh", "arsinh": "arcsinh",
    "arccosh": "arccosh", "acosh": "arccosh", "arcosh": "arccosh",
    "arctanh": "arctanh", "atanh": "arctanh", "artanh": "arctanh",
    "log2": "log2", "log10": "log10",
    "sigmoid": "sigmoid", "logistic": "sigmoid", "softplus": "softplus", "erf": "erf",
    "max": "max", "min": "min",
}  # matched case-insensitively: phones capitalise `Log`

LATEX_FUNCTIONS: dict[str, str] = {
    "log": "log", "ln": "log", "exp": "exp", "sqrt": "sqrt",
    "sin": "sin", "cos": "cos", "tan": "tan", "cot": "cot", "sec": "sec", "csc": "csc",
    "arcsin": "arcsin", "arccos": "arccos", "arctan": "arctan",
    "sinh": "sinh", "cosh": "cosh", "tanh": "tanh", "coth": "coth",
    "max": "max", "min": "min",
}  # LaTeX's own operator names; any other is written \operatorname{sigmoid} or \mathrm{erf}
LOG_NAMES: frozenset[str] = frozenset({"log", "ln"})  # they may take a base: log_2, \log_{10}
LATEX_OPERATORS: dict[str, str] = {"cdot": "*", "times": "*", "ast": "*", "div": "/"}
LATEX_FRACTIONS: frozenset[str] = frozenset({"frac", "dfrac", "tfrac"})
LATEX_SIZING: frozenset[str] = frozenset(
    {"left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl",
     "biggr", "Biggl", "Biggr"}
)  # they only size the delimiter that follows
LATEX_SPACES: frozenset[str] = frozenset({",", ";", ":", "!", " ", "quad", "qquad"})
LATEX_WRAPPERS: frozenset[str] = frozenset({"mathrm", "operatorname", "text", "textrm", "mathit"})
LATEX_BARS: frozenset[str] = frozenset({"lvert", "rvert", "vert"})
MATH_DELIMITERS: tuple[tuple[str, str], ...] = (
    ("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]"),
)  # stripped when they surround the whole answer
