"""Numeric answers: rel+abs like numpy.isclose, sigfigs and decimals with eps = 0.51·10^-n."""

import pytest

from grader.questions import AnswerKey, NumericQuestion, Tolerance


def question(**tolerance):
    return NumericQuestion(id="q", type="numeric", points=1, answer=0.2174146, tolerance=Tolerance(**tolerance))


@pytest.mark.parametrize("tolerance, answer, right", [
    # HOMEWORK.md's rule: |a - r| <= 0.001 + 0.01 |r|  (here 0.003174)
    ({"rel": 0.01, "abs": 0.001}, 0.2174, True),
    ({"rel": 0.01, "abs": 0.001}, 0.2205, True),
    ({"rel": 0.01, "abs": 0.001}, 0.2143, True),
    ({"rel": 0.01, "abs": 0.001}, 0.2210, False),
    ({"rel": 0.01, "abs": 0.001}, -0.2174, False),
    # relative only
    ({"rel": 1e-3}, 0.21763, True),
    ({"rel": 1e-3}, 0.2177, False),
    # significant figures: 3 -> eps = 0.51e-3 around 0.217
    ({"sigfigs": 3}, 0.217, True),
    ({"sigfigs": 3}, 0.2181, False),
    ({"sigfigs": 2}, 0.22, True),
    ({"sigfigs": 2}, 0.21, False),
    # decimals: 2 -> eps = 0.0051
    ({"decimals": 2}, 0.22, True),
    ({"decimals": 2}, 0.21, False),
    ({"decimals": 4}, 0.2174, True),
    ({"decimals": 4}, 0.2175, False),
])
def test_tolerance(tolerance, answer, right):
    q = question(**tolerance)
    assert q.matches(q.parse(answer), q.answer) is right


@pytest.mark.parametrize("tolerance", [{}, {"rel": 0.1, "sigfigs": 2}, {"sigfigs": 2, "decimals": 2}])
def test_tolerance_needs_exactly_one_kind(tolerance):
    with pytest.raises(ValueError, match="exactly one kind"):
        Tolerance(**tolerance)


@pytest.mark.parametrize("answer, fragment", [
    (-0.2174, "Check the sign"),
    (21.74, "100 times too large"),
    (0.5, "not within the tolerance"),
])
def test_wrong_feedback_helps_without_revealing(answer, fragment):
    q = question(rel=0.01, abs=0.001)
    verdict = q.grade(q.parse(answer), AnswerKey(answer=0.2174146))
    assert verdict.status == "incorrect"
    assert fragment in verdict.feedback
    assert "0.217" not in verdict.feedback  # never the reference value
