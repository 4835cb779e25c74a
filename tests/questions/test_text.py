"""Free text: concept patterns give a provisional score; always needs_review."""

import pytest

from grader.errors import AnswerError
from grader.questions import AnswerKey, TextQuestion

Q = TextQuestion.model_validate({
    "id": "p4.b", "type": "text", "points": 2,
    "concepts": [
        {"name": "posterior collapse", "points": 1, "patterns": ["posterior collapse", "collapses? to the prior"]},
        {"name": "no information in z", "points": 0.5, "patterns": ["no information", "uninformative"]},
        {"name": "blurry output", "points": 0.5, "patterns": ["blurr?y", "average"]},
    ],
})


@pytest.mark.parametrize("answer, score, concepts", [
    ("The approximate posterior COLLAPSES TO THE PRIOR.", 1.0, ["posterior collapse"]),
    ("Posterior collapse: z is uninformative and outputs are blury.", 2.0,
     ["posterior collapse", "no information in z", "blurry output"]),
    ("The outputs look like an average image.", 0.5, ["blurry output"]),
    ("The model trains faster and better.", 0.0, []),
])
def test_concepts_score(answer, score, concepts):
    verdict = Q.grade(Q.parse(answer), AnswerKey(answer=None))
    assert verdict.status == "needs_review"
    assert verdict.credit * Q.points == pytest.approx(score)
    assert list(verdict.concepts) == concepts
    assert "TA" in verdict.feedback


@pytest.mark.parametrize("raw", ["yes", ["a", "b"], {"text": "x"}, None])
def test_not_a_sentence(raw):
    with pytest.raises(AnswerError):
        Q.parse(raw)


def test_bad_pattern_is_a_rubric_error():
    with pytest.raises(ValueError, match="not a valid regular expression"):
        TextQuestion.model_validate({"id": "q", "type": "text", "points": 1,
                                     "concepts": [{"name": "x", "points": 1, "patterns": ["(unclosed"]}]})


def test_concepts_must_reach_the_points():
    with pytest.raises(ValueError, match="add up to less"):
        TextQuestion.model_validate({"id": "q", "type": "text", "points": 3,
                                     "concepts": [{"name": "x", "points": 1, "patterns": ["x"]}]})
