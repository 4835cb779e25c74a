"""Precision that does not lie (issue 21, item 3): where float64 says two forms differ at a point, the
point is checked again at about 50 significant digits (mpmath) before the answer is called wrong;
the exact rational path stays first, and agreeing answers never pay for the recheck."""

from __future__ import annotations

import pytest

from grader.expressions import Domain, compare, parse
from grader.expressions import equivalence

QUESTION = {"rel": 1e-3, "abs": 1e-6}  # an expression question's default tolerance
STRICT = {"rel": 1e-6, "abs": 1e-9}  # compare()'s own default

SAME = [
    # (answer, reference, variable, domain, tolerance): equal functions that float64 cancels or overflows apart
    ("cosh(h)^2 - sinh(h)^2", "1", "h", (1, 25), QUESTION),
    ("log(1 - sigmoid(r))", "-softplus(r)", "r", (-40, 40), QUESTION),
    ("sqrt(x^2 + 1) - x", "1/(sqrt(x^2 + 1) + x)", "x", (1e3, 1e8), STRICT),
    ("2*exp(t/2)*sinh(t/2)/t", "(exp(t) - 1)/t", "t", (1e-15, 1e-12), QUESTION),
    ("(1 - cos(x))/x^2", "2*sin(x/2)^2/x^2", "x", (1e-9, 1e-3), QUESTION),
]

DIFFERENT = [
    # the same cancellations, with a real difference: still wrong, with a diagnosis
    ("cosh(h)^2 - sinh(h)^2", "2", "h", (1, 25), QUESTION),
    ("cosh(h)^2 - sinh(h)^2 + 1/100", "1", "h", (1, 25), QUESTION),
    ("log(1 - sigmoid(r))", "-softplus(r) - 1/1000", "r", (-40, 40), QUESTION),
    ("log(1 - sigmoid(r))", "softplus(r)", "r", (-40, 40), QUESTION),
    ("sqrt(x^2 + 1) - x", "1/(sqrt(x^2 + 1) + 2*x)", "x", (1e3, 1e8), STRICT),
    ("(1 - cos(x))/x^2", "sin(x/2)^2/x^2", "x", (1e-9, 1e-3), QUESTION),
]


@pytest.mark.parametrize(("answer", "reference", "name", "bounds", "tolerance"), SAME)
def test_float_cancellation_does_not_make_a_right_answer_wrong(answer, reference, name, bounds, tolerance) -> None:
    domains = {name: Domain(*bounds)}
    verdict = compare(parse(answer, [name]), parse(reference, [name]), domains, **tolerance)
    assert verdict.equivalent, verdict.message


@pytest.mark.parametrize(("answer", "reference", "name", "bounds", "tolerance"), DIFFERENT)
def test_a_real_difference_is_still_found(answer, reference, name, bounds, tolerance) -> None:
    domains = {name: Domain(*bounds)}
    verdict = compare(parse(answer, [name]), parse(reference, [name]), domains, **tolerance)
    assert not verdict.equivalent and verdict.message


def test_agreeing_answers_never_reach_the_high_precision_recheck(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("the high-precision recheck ran for answers that agree in float64")

    monkeypatch.setattr(equivalence, "recheck_point", refuse)
    names = ["mu", "sigma"]
    domains = {"mu": Domain(-2, 2), "sigma": Domain(0.1, 3)}
    for answer in ("½(μ² + σ² − 1 − ln σ²)", "0.5*(mu^2+sigma^2-1) - log(sigma)", "mu^2/2 + sigma^2/2 - 1/2 - ln(sigma)"):
        assert compare(parse(answer, names), parse("(mu^2 + sigma^2 - 1 - log(sigma^2))/2", names), domains).equivalent
    # the exact path for rational functions never needs it either
    assert not compare(parse("x/3", ["x"]), parse("0.333*x", ["x"]), {"x": Domain(0, 1)}).equivalent


def test_the_recheck_stops_at_the_first_confirmed_difference(monkeypatch) -> None:
    calls = []
    original = equivalence.recheck_point

    def counted(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(equivalence, "recheck_point", counted)
    verdict = compare(parse("exp(x) + 1", ["x"]), parse("exp(x)", ["x"]), {"x": Domain(-3, 3)})
    assert not verdict.equivalent and verdict.diagnosis == "offset"
    assert len(calls) == 1  # a wrong answer costs one high-precision point, not one per point


def test_hostile_growth_is_refused_quickly_at_high_precision() -> None:
    import time

    started = time.perf_counter()
    verdict = compare(parse("10^10^10^10 + x", ["x"]), parse("x", ["x"]), {"x": Domain(-3, 3)})
    assert not verdict.equivalent
    verdict = compare(parse("exp(exp(exp(exp(x)))) - exp(exp(exp(exp(x)))) + x", ["x"]), parse("x", ["x"]),
                      {"x": Domain(2, 3)})
    assert time.perf_counter() - started < 2.0


# ---- the high-precision evaluation keeps evaluate.py's whitelist and domain rules ----------------

import math  # noqa: E402

import numpy as np  # noqa: E402

from grader.expressions import FUNCTIONS, evaluate  # noqa: E402
from grader.expressions.precise import recheck_point  # noqa: E402

POINTS = [-3.0, -1.0, -0.5, 0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 7.0]


@pytest.mark.parametrize("function", [name for name in FUNCTIONS if name not in ("max", "min")])
def test_each_function_agrees_with_float64_where_both_are_defined(function) -> None:
    tree = parse(f"{function}(x)", ["x"])
    floats = evaluate(tree, {"x": np.array(POINTS)})
    for point, value in zip(POINTS, floats):
        precise = recheck_point(tree, parse("0", ["x"]), {"x": point}, 0.0, 0.0).student
        if math.isnan(value):
            assert math.isnan(precise), (function, point)  # undefined in both: log(-1), arcsin(2), 1/tan(0)
        else:
            assert precise == pytest.approx(value, rel=1e-12, abs=1e-300), (function, point)


@pytest.mark.parametrize(("expression", "point", "defined"), [
    ("(-8)^(1/3)", 0.0, False),  # a negative number to a fractional power
    ("(-2)^3", 0.0, True),
    ("0^(-1)", 0.0, False),
    ("1/(x - x)", 1.0, False),
    ("exp(-x)", 5000.0, True),  # merely small
    ("exp(x)", 5000.0, False),  # past 2^4096: too large
    ("10^10^10^10", 0.0, False),
    ("cosh(x)", -5000.0, False),
])
def test_domain_and_growth_at_high_precision(expression, point, defined) -> None:
    found = recheck_point(parse(expression, ["x"]), parse("0", ["x"]), {"x": point}, 0.0, 0.0)
    assert (not math.isnan(found.student)) is defined
