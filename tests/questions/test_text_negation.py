"""Free text that notices "not" (issue 21, item 7): a concept mentioned only under a negation or a
contradiction in its clause ("not", "no", "never", "isn't", "cannot", "instead of", "rather than", …)
does not count and flags the answer for the TA; a bare list of concept words gets no provisional
credit and a flag; authors list answers a concept must NOT match, and `grade validate` checks them."""

from __future__ import annotations

import textwrap

import pytest

from grader.questions import AnswerKey, TextQuestion
from grader.authoring.selftest import self_test

SIGMOID = TextQuestion.model_validate({
    "id": "p2.c.why", "type": "text", "points": 1,
    "concepts": [{"name": "they are sigmoids", "points": 1, "patterns": ["sigmoid", "logistic"]},
                 {"name": "so non-negative", "points": 0.5, "patterns": ["non-?negative", "positive"]}],
})


def graded(question: TextQuestion, text: str):
    return question.grade(question.parse(text), AnswerKey(answer=None))


@pytest.mark.parametrize(("text", "credit", "flag"), [
    # the sentence, and each cue
    ("the discriminator is not a sigmoid", 0.0, "negated"),
    ("The gates are no sigmoids at all.", 0.0, "negated"),
    ("The gates are never sigmoids.", 0.0, "negated"),
    ("A gate isn't a sigmoid.", 0.0, "negated"),
    ("The gates aren't logistic functions.", 0.0, "negated"),
    ("A gate cannot be a sigmoid here.", 0.0, "negated"),
    ("The gates use tanh instead of a sigmoid.", 0.0, "negated"),
    ("The gates use tanh rather than the logistic function.", 0.0, "negated"),
    ("They are not really sigmoid functions.", 0.0, "negated"),
    # a negation elsewhere in the sentence, or in another clause, is harmless
    ("It is not a softmax: the gates are sigmoids.", 1.0, None),
    ("Not a softmax, the gates are sigmoids.", 1.0, None),
    ("No. Each gate is a sigmoid.", 1.0, None),
    ("Each gate is a sigmoid, so it is never negative.", 1.0, None),
    ("The gates are sigmoids and cannot be negative.", 1.0, None),
    ("If a gate were not squashed it could be negative, but it is a sigmoid.", 1.0, None),
    ("It is not true that the gates are linear: they are sigmoids.", 1.0, None),
    # one plain mention is enough, even beside a negated one
    ("The candidate is not a sigmoid, but the gates are sigmoids.", 1.0, None),
    # a concept negated while another counts: the count stands, the answer is flagged
    ("The gates are positive, they are not sigmoids.", 0.5, "negated"),
    # a list of concept words is no sentence
    ("sigmoid, positive", 0.0, "keyword_list"),
    ("sigmoid; logistic; non-negative", 0.0, "keyword_list"),
    ("Sigmoid range", 0.0, "keyword_list"),
    # short but a sentence
    ("They are sigmoids.", 1.0, None),
    ("Sigmoid outputs lie in (0, 1).", 1.0, None),
    ("σ(x) ∈ (0, 1) for a sigmoid", 1.0, None),
])
def test_negation_and_keyword_lists(text, credit, flag):
    verdict = graded(SIGMOID, text)
    assert verdict.status == "needs_review"
    assert (verdict.credit, verdict.note) == (credit, flag), verdict
    if flag == "negated":
        assert "not counted" in " ".join(verdict.concepts) and "negat" in verdict.feedback
    if flag == "keyword_list":
        assert "sentence" in verdict.feedback


NEGATIVE_CONCEPT = TextQuestion.model_validate({
    "id": "p2.d.why", "type": "text", "points": 1,
    "concepts": [{"name": "the entries need not sum to 1", "points": 1,
                  "patterns": ["(do|does|need) not (necessarily )?sum to (1|one)", "not normali[sz]ed"]}],
})


@pytest.mark.parametrize(("text", "credit", "flag"), [
    ("The entries do not sum to 1 in general.", 1.0, None),  # the negation is the concept itself
    ("They need not sum to one.", 1.0, None),
    ("The gates are not normalised.", 1.0, None),
    ("It is not true that they do not sum to 1.", 1.0, None),  # "that" ends the first negation's reach
    ("Nothing says the entries do not sum to 1.", 0.0, "negated"),
])
def test_a_pattern_that_holds_its_own_negation(text, credit, flag):
    verdict = graded(NEGATIVE_CONCEPT, text)
    assert (verdict.credit, verdict.note) == (credit, flag), verdict


# ---- the shipped rubrics: the opposite claims the issue found, and their counter-examples ----------

OPPOSITE_CLAIMS = [
    # (question, answer, concept that must not be earned)
    ("p2.d.why", "the entries sum to 1", "the entries need not sum to 1"),
    ("p5.c.why", "I pick the non-saturating cost", "the saturating cost is flat near D(G(z)) ≈ 0 (vanishing gradient)"),
    ("p5.b.why", "the generator maps noise z to an image", "early samples are poor and D easily rejects them"),
    ("p2.a.why", "True: with x_t = 0 nothing new comes in, so h_t just equals the previous hidden state.",
     "the gates and the candidate still depend on h_{t-1}"),
    ("p2.b.why", "the gradient through the input gate is zero too",
     "the gradient still reaches h_{t-1} through i_t, c̃_t and o_t"),
]


@pytest.mark.parametrize(("qid", "answer", "concept"), OPPOSITE_CLAIMS)
def test_the_shipped_patterns_do_not_reward_the_opposite_claim(rubric, qid, answer, concept):
    question = rubric.questions[qid]
    assert concept in [c.name for c in question.concepts]
    verdict = graded(question, answer)
    assert concept not in verdict.concepts and verdict.credit == 0.0, verdict
    listed = next(c for c in question.concepts if c.name == concept)
    assert answer in listed.must_not_match  # the rubric keeps the counter-example, so validate checks it


def test_the_shipped_rubrics_pass_their_counter_examples(rubric):
    checks = [check for check in self_test(rubric) if rubric.questions[check.id].type == "text"]
    assert all(not check.failures for check in checks), [check.failures for check in checks]
    assert any("counter-examples" in passed for check in checks for passed in check.passed)


COUNTER_RUBRIC = """\
    id: counter-examples
    title: "Counter-examples of a concept"
    questions:
      - id: q1
        type: text
        points: 1
        concepts:
          - name: "they are sigmoids"
            points: 1
            patterns: ['sigmoid', 'between 0 and 1']
            must_not_match:
              - "the gates are not sigmoids"
              - "the outputs are NOT between 0 and 1"
              - "a sigmoid is used nowhere in an LSTM gate"
"""


def test_validate_fails_a_concept_that_matches_one_of_its_counter_examples(tmp_path):
    from grader.rubric import load_rubric

    path = tmp_path / "counter-examples.yaml"
    path.write_text(textwrap.dedent(COUNTER_RUBRIC), encoding="utf-8")
    check = self_test(load_rubric(path))[0]
    assert len(check.failures) == 1, check.failures
    failure = check.failures[0]
    assert "they are sigmoids" in failure and "a sigmoid is used nowhere in an LSTM gate" in failure
    assert "must not" in failure
