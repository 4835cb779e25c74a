"""Sampling that finds small differences (issue 21, item 4): each declared interval is stratified, its
ends and the points just inside them are always compared, and so are zero and small values on either
side of it when the interval holds them. The README's guarantee is tested here: two expressions that
differ on an interval covering 2% of a variable's domain are told apart for every seed. Feedback names
only the variables that appear in the answer or the reference."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from grader.expressions import Domain, compare, parse, sample_points
from grader.questions.base import AnswerKey
from grader.questions.expression import ExpressionQuestion

QUESTION_IDS = [f"p{number}.a" for number in range(1, 21)]


def verdict(answer: str, reference: str, qid: str, low: float, high: float):
    asked = ExpressionQuestion.model_validate({
        "id": qid, "type": "expression", "points": 1, "answer": reference,
        "variables": {"v": {"min": low, "max": high}}})
    return asked.grade(asked.parse(answer), AnswerKey(answer=reference))


@pytest.mark.parametrize(("answer", "reference"), [("-abs(v)", "-v"), ("abs(v)", "v"), ("max(v, 0)", "v")])
@pytest.mark.parametrize("qid", QUESTION_IDS)
def test_a_difference_on_three_percent_of_the_domain_is_found_for_every_question_id(answer, reference, qid):
    found = verdict(answer, reference, qid, -0.1, 3)
    assert found.status == "incorrect", found.feedback
    assert "v = -" in found.feedback  # the point named is one where they differ: a negative v


def bump(name: str, start: float, width: float) -> str:
    """A tent over (start, start + width), zero elsewhere, steep enough to pass any tolerance inside it."""
    return f"1000*max(0, min({name} - ({start!r}), ({start + width!r}) - {name}))"


GUARANTEE_DOMAINS = [(-0.1, 3), (0, 1), (-5, 5), (0.1, 3), (1, 25)]


@pytest.mark.parametrize("reference", ["sin(v)", "v^2"])  # the floating-point and the exact paths
@pytest.mark.parametrize(("low", "high"), GUARANTEE_DOMAINS)
def test_the_readme_guarantee_two_percent_of_a_domain_is_always_found(reference, low, high):
    width = 0.02 * (high - low)
    starts = np.linspace(low, high - width, 60)
    names = ["v"]
    expected = parse(reference, names)
    missed = []
    for seed in (0, 1, 7, zlib.crc32(b"p4.a.standard"), 2**31 - 1):
        for start in starts:
            answer = parse(f"{reference} + {bump('v', float(start), width)}", names)
            if compare(answer, expected, {"v": Domain(low, high)}, rel=1e-3, abs=1e-6, seed=seed).equivalent:
                missed.append((seed, float(start)))
    assert missed == []


def test_the_guarantee_holds_for_each_variable_of_several():
    domains = {"v": Domain(-1, 1), "y": Domain(0, 2), "z": Domain(-3, 0)}
    names = list(domains)
    reference = parse("sin(v) + y*z", names)
    for name, domain in domains.items():
        width = 0.02 * (domain.high - domain.low)
        for start in np.linspace(domain.low, domain.high - width, 25):
            answer = parse(f"sin(v) + y*z + {bump(name, float(start), width)}", names)
            assert not compare(answer, reference, domains, rel=1e-3, abs=1e-6, seed=3).equivalent, (name, start)


def test_the_ends_the_points_just_inside_zero_and_small_values_are_sampled():
    values = sample_points({"v": Domain(-0.1, 3)}, 128, seed=5)["v"]
    assert -0.1 in values and 3.0 in values and 0.0 in values
    assert ((values > -0.1) & (values < -0.1 + 1e-5)).any() and ((values < 3) & (values > 3 - 1e-5)).any()
    assert ((values < 0) & (values > -0.01)).any() and ((values > 0) & (values < 0.01)).any()
    positive = sample_points({"s": Domain(0.1, 3)}, 128, seed=5)["s"]
    assert positive.min() == 0.1 and positive.max() == 3.0 and 0.0 not in positive
    whole = sample_points({"n": Domain(1, 9, integer=True)}, 128, seed=5)["n"]
    assert set(whole.tolist()) == set(range(1, 10))


def test_the_points_are_stratified_over_the_interval():
    values = sample_points({"v": Domain(0, 1)}, 128, seed=11)["v"]
    counts = np.histogram(values, bins=128, range=(0, 1))[0]
    assert (counts >= 1).all()  # no stratum of the interval is left without a point


def test_the_points_depend_only_on_the_seed():
    domains = {"mu": Domain(-2, 2), "sigma": Domain(0.1, 3)}
    first, again = sample_points(domains, 128, seed=42), sample_points(domains, 128, seed=42)
    assert all(np.array_equal(first[name], again[name]) for name in domains)
    assert not np.array_equal(first["mu"], sample_points(domains, 128, seed=43)["mu"])


def test_an_answer_undefined_only_at_zero_where_it_has_a_limit_is_not_wrong():
    domains = {"s": Domain(0, 3)}
    assert compare(parse("s^3/s", ["s"]), parse("s^2", ["s"]), domains).equivalent
    assert compare(parse("sin(s)/s", ["s"]), parse("sin(s)/s", ["s"]), domains).equivalent
    assert not compare(parse("1/s", ["s"]), parse("s^2", ["s"]), domains).equivalent


@pytest.mark.parametrize(("answer", "reference", "named", "unnamed"), [
    ("t^2", "t^3", "t = ", "x = "),
    ("2*sin(t) + t", "sin(t)", "t = ", "x = "),
    ("x*t + 2*t", "x*t", "", "y = "),
])
def test_feedback_names_only_the_variables_of_the_answer_or_the_reference(answer, reference, named, unnamed):
    asked = ExpressionQuestion.model_validate({
        "id": "q1", "type": "expression", "points": 1, "answer": reference,
        "variables": {"x": {"min": 0.5, "max": 3}, "t": {"min": 0.1, "max": 2}, "y": {"min": 1, "max": 2}}})
    feedback = asked.grade(asked.parse(answer), AnswerKey(answer=reference)).feedback
    assert named in feedback and unnamed not in feedback, feedback


def test_the_readme_states_the_guarantee_this_file_tests():
    from grader.expressions import SAMPLE_POINTS
    from tests_support import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert SAMPLE_POINTS == 100 and "(default 100)" in readme and "(2% by default)" in readme
