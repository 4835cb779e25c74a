"""Choice (synonyms, case/space/hyphen-insensitive), true/false and shape answers."""

import pytest

from grader.errors import AnswerError
from grader.questions import AnswerKey, ChoiceQuestion, ShapeQuestion, TrueFalseQuestion

CHOICE = ChoiceQuestion.model_validate({
    "id": "p5.c", "type": "choice", "points": 1, "answer": "non-saturating",
    "options": [{"value": "saturating", "synonyms": ["J_sat"], "feedback": "Look at the gradient near 0."},
                {"value": "non-saturating", "synonyms": ["J_ns", "-log D(G(z))"]}],
})


@pytest.mark.parametrize("raw, expected", [
    ("non-saturating", "non-saturating"),
    ("Non Saturating", "non-saturating"),
    ("NONSATURATING", "non-saturating"),
    ("  non_saturating. ", "non-saturating"),
    ("j_ns", "non-saturating"),
    ("-log D(G(z))", "non-saturating"),
    ("saturating", "saturating"),
    ("J-SAT", "saturating"),
])
def test_choice_spellings(raw, expected):
    assert CHOICE.parse(raw) == expected


@pytest.mark.parametrize("raw", ["both", "", ["saturating"], None, True])
def test_choice_not_an_option(raw):
    with pytest.raises(AnswerError, match="choose one of: saturating / non-saturating"):
        CHOICE.parse(raw)


def test_choice_wrong_option_feedback():
    verdict = CHOICE.grade("saturating", AnswerKey(answer="non-saturating"))
    assert verdict.status == "incorrect" and "gradient near 0" in verdict.feedback


def test_choice_options_must_not_overlap():
    with pytest.raises(ValueError, match="would match both"):
        ChoiceQuestion.model_validate({"id": "q", "type": "choice", "points": 1, "answer": "a",
                                       "options": [{"value": "a"}, {"value": "b", "synonyms": ["A"]}]})


TF = TrueFalseQuestion(id="p2.a", type="true_false", points=1, answer=False)


@pytest.mark.parametrize("raw, expected", [
    (True, True), (False, False), ("true", True), ("False", False), ("T", True), ("f", False),
    ("yes", True), ("no", False), (" TRUE. ", True),
])
def test_true_false_forms(raw, expected):
    assert TF.parse(raw) is expected


@pytest.mark.parametrize("raw, message", [
    ("maybe", "expected true or false"),
    ("false, because the gates see h", "put your reasoning in `why`"),
    (3, "expected true or false"),
    ([True], "expected true or false"),
])
def test_true_false_invalid(raw, message):
    with pytest.raises(AnswerError, match=message):
        TF.parse(raw)


def test_true_false_feedback_shows_the_counterexample():
    verdict = TF.grade(True, AnswerKey(answer=False, evidence="Counterexample: h_t = 0.12 ≠ h_{t-1} = 0.31."))
    assert verdict.status == "incorrect" and "Counterexample" in verdict.feedback


SHAPE = ShapeQuestion(id="p3.a.f", type="shape", points=0.5, answer=[1, 1])


@pytest.mark.parametrize("raw", ["1", 1, "1x1", "1X1", "1×1", "1 x 1", "(1, 1)", "(1,1)", "[1, 1]", [1, 1],
                                 "scalar", "Scalar", "a scalar", "1 by 1", "1*1"])
def test_shape_scalar_forms(raw):
    assert SHAPE.matches(SHAPE.parse(raw), [1, 1])


@pytest.mark.parametrize("raw, answer, right", [
    ("2x1", [2, 1], True), ("2", [2, 1], True), ("(2,)", [2, 1], True), ("2x1", [1, 1], False),
    ("3x2", [2, 3], False), ("2x2", [2, 1], False),
])
def test_shape_sizes(raw, answer, right):
    assert SHAPE.matches(SHAPE.parse(raw), answer) is right


@pytest.mark.parametrize("raw", ["big", "1x", "x1", "0x1", "-1", True, "1.5x1", {"rows": 1}])
def test_shape_invalid(raw):
    with pytest.raises(AnswerError):
        SHAPE.parse(raw)
