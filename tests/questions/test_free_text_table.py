"""Hand-written answers to every shipped free-text question (issue 21, item 7's acceptance table): right
ones, right ones with a harmless "not", negated concepts, keyword lists, opposite claims made without
a "not", and off-topic ones, with the provisional score and the flag each gets. Provisional only: a TA
decides every one of them."""

from __future__ import annotations

import pytest

from grader.questions import AnswerKey
from grader.rubric import load_rubric
from tests_support import REPO

RIGHT, HARMLESS_NOT, NEGATED, LIST, OPPOSITE, OFF_TOPIC = (
    "right", "right, harmless not", "negated", "keyword list", "opposite claim", "off-topic")
NEGATED_FLAG, LIST_FLAG = "negated", "keyword_list"

ANSWERS = [
    # (rubric, question, kind, answer, provisional score, flag)
    # ---- p2.a.why (1 point)
    ("hw-lstm-vae-gan", "p2.a.why", RIGHT, "False: with x_t = 0 the gates and the candidate still depend on h_{t-1} "
     "and on the biases, so h_t changes.", 1, None),
    ("hw-lstm-vae-gan", "p2.a.why", HARMLESS_NOT, "It is not true. Every gate still sees h_{t-1} through U, so h_t "
     "differs from h_{t-1}.", 1, None),
    ("hw-lstm-vae-gan", "p2.a.why", NEGATED, "With x_t = 0 the gates no longer depend on h_{t-1}, so h_t stays "
     "equal to h_{t-1}.", 0, NEGATED_FLAG),
    ("hw-lstm-vae-gan", "p2.a.why", LIST, "hidden state, bias, counterexample", 0, LIST_FLAG),
    ("hw-lstm-vae-gan", "p2.a.why", OPPOSITE, "True: with x_t = 0 nothing new comes in, so h_t just equals the "
     "previous hidden state.", 0, None),
    ("hw-lstm-vae-gan", "p2.a.why", OFF_TOPIC, "LSTMs were introduced by Hochreiter and Schmidhuber in 1997.", 0, None),
    # ---- p2.b.why (1 point)
    ("hw-lstm-vae-gan", "p2.b.why", RIGHT, "False: even with f_t ≈ 0 the error still flows back through the input "
     "gate, the candidate and the output gate, which all depend on h_{t-1}; only the path through c_{t-1} is cut.",
     1, None),
    ("hw-lstm-vae-gan", "p2.b.why", HARMLESS_NOT, "No. The forget gate only cuts the cell path through c_{t-1}; the "
     "gradient still reaches h_{t-1} through i_t and o_t.", 1, None),
    ("hw-lstm-vae-gan", "p2.b.why", NEGATED, "The gradient does not reach h_{t-1} through the input or output gate "
     "either.", 0, NEGATED_FLAG),
    ("hw-lstm-vae-gan", "p2.b.why", OPPOSITE, "the gradient through the input gate is zero too", 0, None),
    ("hw-lstm-vae-gan", "p2.b.why", LIST, "input gate, output gate, candidate", 0, LIST_FLAG),
    # ---- p2.c.why (1 point)
    ("hw-lstm-vae-gan", "p2.c.why", RIGHT, "They are outputs of the sigmoid, whose range is (0, 1), so every entry "
     "is positive.", 1, None),
    ("hw-lstm-vae-gan", "p2.c.why", HARMLESS_NOT, "Yes, because a sigmoid never outputs a negative number.", 1, None),
    ("hw-lstm-vae-gan", "p2.c.why", NEGATED, "The gates are not sigmoids, so their entries can be negative.",
     0, NEGATED_FLAG),
    ("hw-lstm-vae-gan", "p2.c.why", NEGATED, "the discriminator is not a sigmoid", 0, NEGATED_FLAG),
    ("hw-lstm-vae-gan", "p2.c.why", LIST, "sigmoid (0,1)", 0, LIST_FLAG),
    ("hw-lstm-vae-gan", "p2.c.why", OPPOSITE, "The gates use tanh, so their entries lie between -1 and 1 and can be "
     "negative.", 0, None),
    # ---- p2.d.why (1 point)
    ("hw-lstm-vae-gan", "p2.d.why", RIGHT, "False: the sigmoid acts element-wise, so the entries need not sum to 1.",
     1, None),
    ("hw-lstm-vae-gan", "p2.d.why", HARMLESS_NOT, "It is not a distribution: each entry is squashed independently "
     "and the entries do not sum to one in general.", 1, None),
    ("hw-lstm-vae-gan", "p2.d.why", OPPOSITE, "the entries sum to 1", 0, None),
    ("hw-lstm-vae-gan", "p2.d.why", OPPOSITE, "The gates apply a softmax over the entries, so they sum to 1.", 0, None),
    ("hw-lstm-vae-gan", "p2.d.why", NEGATED, "The entries are not computed element-wise, they are normalised to "
     "sum to 1.", 0, NEGATED_FLAG),
    ("hw-lstm-vae-gan", "p2.d.why", LIST, "element-wise, sum to one", 0, LIST_FLAG),
    # ---- p4.b (2 points)
    ("hw-lstm-vae-gan", "p4.b", RIGHT, "The KL term dominates, so the approximate posterior collapses to the prior; "
     "the latent code carries no information about x and the decoder outputs the same blurry average image for "
     "every input.", 2, None),
    ("hw-lstm-vae-gan", "p4.b", HARMLESS_NOT, "The posterior collapses to the prior, so z does not depend on the "
     "input and reconstructions become blurry.", 2, None),
    ("hw-lstm-vae-gan", "p4.b", NEGATED, "The posterior does not collapse to the prior; the reconstructions just "
     "get sharper.", 0, NEGATED_FLAG),
    ("hw-lstm-vae-gan", "p4.b", LIST, "posterior collapse, blurry, uninformative", 0, LIST_FLAG),
    ("hw-lstm-vae-gan", "p4.b", OPPOSITE, "With a large β the encoder ignores the prior and the reconstructions "
     "become sharper.", 0, None),
    ("hw-lstm-vae-gan", "p4.b", OFF_TOPIC, "β is a Greek letter used for many hyperparameters.", 0, None),
    # ---- p4.c (3 points)
    ("hw-lstm-vae-gan", "p4.c", RIGHT, "PCA is linear while an autoencoder can be non-linear; PCA's components are "
     "orthogonal; a VAE is generative, so we can sample new data; and PCA has a closed-form solution.", 3, None),
    ("hw-lstm-vae-gan", "p4.c", HARMLESS_NOT, "An autoencoder is not restricted to linear maps, its learned features "
     "need not be orthogonal, and a VAE can generate new samples from the prior.", 3, None),
    ("hw-lstm-vae-gan", "p4.c", NEGATED, "A VAE is not generative and cannot sample anything new; otherwise it is "
     "the same as PCA.", 0, NEGATED_FLAG),
    ("hw-lstm-vae-gan", "p4.c", LIST, "linear, orthogonal, generative, eigenvectors", 0, LIST_FLAG),
    ("hw-lstm-vae-gan", "p4.c", OPPOSITE, "Both are linear methods and both find the same orthogonal components.",
     0, None),
    ("hw-lstm-vae-gan", "p4.c", OFF_TOPIC, "Autoencoders are popular in industry and easy to train with PyTorch.",
     0, None),
    # ---- p5.a.why (1 point)
    ("hw-lstm-vae-gan", "p5.a.why", RIGHT, "False: G only learns through D's gradient. If D is not updated it "
     "becomes stale, and G exploits it until mode collapse; the usual recipe updates D at least as often as G.",
     1, None),
    ("hw-lstm-vae-gan", "p5.a.why", NEGATED, "Updating the generator more often does not cause mode collapse or "
     "instability.", 0, NEGATED_FLAG),
    ("hw-lstm-vae-gan", "p5.a.why", LIST, "mode collapse, instability", 0, LIST_FLAG),
    ("hw-lstm-vae-gan", "p5.a.why", OPPOSITE, "True: more generator steps let G catch up with D, so training "
     "converges faster.", 0, None),
    # ---- p5.b.why (1 point)
    ("hw-lstm-vae-gan", "p5.b.why", RIGHT, "Early on G produces poor samples, so D easily tells them apart from "
     "real data and D(G(z)) is close to 0.", 1, None),
    ("hw-lstm-vae-gan", "p5.b.why", HARMLESS_NOT, "D is not fooled yet: early samples are unrealistic and easy to "
     "distinguish from real ones.", 1, None),
    ("hw-lstm-vae-gan", "p5.b.why", NEGATED, "The early samples are not obviously fake, so D cannot easily reject "
     "them.", 0, NEGATED_FLAG),
    ("hw-lstm-vae-gan", "p5.b.why", OPPOSITE, "the generator maps noise z to an image", 0, None),
    ("hw-lstm-vae-gan", "p5.b.why", LIST, "poor samples, easily rejected", 0, LIST_FLAG),
    # ---- p5.c.why (1 point)
    ("hw-lstm-vae-gan", "p5.c.why", RIGHT, "When D(G(z)) ≈ 0 the saturating cost is flat, so its gradient vanishes, "
     "while the non-saturating cost is steep there and G learns faster.", 1, None),
    ("hw-lstm-vae-gan", "p5.c.why", OPPOSITE, "I pick the non-saturating cost", 0, None),
    ("hw-lstm-vae-gan", "p5.c.why", HARMLESS_NOT, "I pick the non-saturating cost rather than the saturating one "
     "because its gradients do not vanish early on.", 0.5, None),
    ("hw-lstm-vae-gan", "p5.c.why", NEGATED, "The saturating cost does not saturate, its gradient is never small.",
     0, NEGATED_FLAG),
    ("hw-lstm-vae-gan", "p5.c.why", LIST, "vanishing gradient, steep", 0, LIST_FLAG),
    ("hw-lstm-vae-gan", "p5.c.why", OFF_TOPIC, "GANs were proposed by Goodfellow in 2014.", 0, None),
    # ---- hw-logreg q5.a.why and q5.b.why (1 point each)
    ("hw-logreg", "q5.a.why", RIGHT, "The Hessian is XᵀSX/n with positive weights p(1-p), so it is positive "
     "semi-definite and L is convex.", 1, None),
    ("hw-logreg", "q5.a.why", NEGATED, "The Hessian is not positive semi-definite, so L is not convex.",
     0, NEGATED_FLAG),
    ("hw-logreg", "q5.a.why", LIST, "Hessian, PSD, softplus", 0, LIST_FLAG),
    ("hw-logreg", "q5.b.why", RIGHT, "False: with x = 1, y = 1 and b = 0 the midpoint f(-3.5) lies above the "
     "chord, a counterexample, since the sigmoid saturates.", 1, None),
    ("hw-logreg", "q5.b.why", OPPOSITE, "It is convex because it is the square of a smooth function.", 0, None),
]


def provisional(rubric_name: str, qid: str, answer: str) -> tuple[float, str | None]:
    question = load_rubric(REPO / "rubrics" / f"{rubric_name}.yaml").questions[qid]
    verdict = question.grade(question.parse(answer), AnswerKey(answer=None))
    assert verdict.status == "needs_review"  # provisional only: a TA decides
    return round(verdict.credit * question.points, 4), verdict.note


@pytest.mark.parametrize(("rubric_name", "qid", "kind", "answer", "score", "flag"), ANSWERS,
                         ids=[f"{qid}-{kind}-{number}" for number, (_, qid, kind, *_) in enumerate(ANSWERS)])
def test_each_hand_written_answer_gets_its_provisional_score_and_flag(rubric_name, qid, kind, answer, score, flag):
    assert provisional(rubric_name, qid, answer) == (score, flag)


def test_the_table_covers_every_shipped_free_text_question_and_kind():
    assert len(ANSWERS) >= 40
    covered = {(name, qid) for name, qid, *_ in ANSWERS}
    for name in ("hw-lstm-vae-gan", "hw-logreg"):
        rubric = load_rubric(REPO / "rubrics" / f"{name}.yaml")
        assert {(name, qid) for qid, q in rubric.questions.items() if q.type == "text"} <= covered
    assert {kind for _, _, kind, *_ in ANSWERS} == {RIGHT, HARMLESS_NOT, NEGATED, LIST, OPPOSITE, OFF_TOPIC}
