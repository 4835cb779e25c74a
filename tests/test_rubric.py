"""Rubrics are validated strictly: every mistake names the file, the place and the fix."""

import textwrap

import pytest

from grader.errors import RubricError
from grader.rubric import load_rubric

HEAD = "id: demo\ntitle: Demo\n"


def write(tmp_path, body, name="demo.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


@pytest.mark.parametrize("body, message", [
    (HEAD + "questions:\n  - {id: q1, type: numeric, points: 1, answer: 0.5, tolerance: {rell: 0.1}}\n",
     "unknown key `rell` (did you mean `rel`?)"),
    (HEAD + "questionz: []\n", "unknown key `questionz` (did you mean `questions`?)"),
    (HEAD + "questions:\n  - {id: q1, type: numerik, points: 1, answer: 0.5}\n", "unknown question type `numerik`"),
    (HEAD + "questions:\n  - {id: q1, type: numeric, points: 1, answer: 0.5}\n  - {id: q1, type: numeric, points: 1, answer: 0.5}\n",
     "question id `q1` is used twice"),
    (HEAD + "total: 3\nquestions:\n  - {id: q1, type: numeric, points: 1, answer: 0.5}\n",
     "add up to 1, not the total 3"),
    (HEAD + "questions:\n  - {id: q1, type: numeric, points: 1, answer: {ref: x}}\n",
     "uses `ref: x` but the rubric names no solver"),
    (HEAD + "solver: no_such_module_here\nquestions:\n  - {id: q1, type: numeric, points: 1, answer: 1}\n",
     "cannot import the solver module `no_such_module_here`"),
    (HEAD + "questions:\n  - {id: q1, type: numeric, points: 0, answer: 1}\n", "greater than 0"),
    (HEAD + "questions:\n  - {id: q1, type: choice, points: 1, answer: c, options: [{value: a}, {value: b}]}\n",
     "the answer `c` is not one of the options"),
    ("- not a mapping\n", "a rubric is a mapping"),
])
def test_rubric_errors(tmp_path, body, message):
    with pytest.raises(RubricError) as info:
        load_rubric(write(tmp_path, body))
    assert message in str(info.value)
    assert "demo.yaml" in str(info.value)


CHAIN = """\
id: demo
title: Demo
solver: reference.hw_lstm_vae_gan
parameters: {parameters}
questions:
  - {{id: a, type: numeric, points: 1, answer: {{ref: lstm.h1}}, carry_forward: {{{a_inputs}}}}}
  - {{id: b, type: numeric, points: 1, answer: {{ref: lstm.f2}}, carry_forward: {{{b_inputs}}}}}
"""


@pytest.mark.parametrize("a_inputs, b_inputs, message", [
    ("c1: b", "h1: a", "carry_forward goes round in a circle: a -> b -> a"),
    ("c1: nowhere", "h1: a", "`nowhere` is not a question id"),
    ("cc1: b", "h1: a", "`cc1` is not an input the solver accepts (did you mean `c1`?)"),
])
def test_carry_forward_chain_is_validated(tmp_path, rubric, a_inputs, b_inputs, message):
    import json

    body = CHAIN.format(parameters=json.dumps(rubric.rubric.parameters), a_inputs=a_inputs, b_inputs=b_inputs)
    with pytest.raises(RubricError) as info:
        load_rubric(write(tmp_path, body))
    assert message in str(info.value)


def test_unknown_ref(tmp_path, rubric):
    import json

    body = (HEAD + f"solver: reference.hw_lstm_vae_gan\nparameters: {json.dumps(rubric.rubric.parameters)}\n"
            "questions:\n  - {id: q1, type: numeric, points: 1, answer: {ref: lstm.hh1}}\n")
    with pytest.raises(RubricError) as info:
        load_rubric(write(tmp_path, body))
    assert "question q1: `ref: lstm.hh1` is not a value the solver computes (did you mean `lstm.h1`?)" in str(info.value)


def test_solver_failure_names_the_rubric(tmp_path):
    body = HEAD + "solver: reference.hw_lstm_vae_gan\nquestions:\n  - {id: q1, type: numeric, points: 1, answer: {ref: lstm.h1}}\n"
    with pytest.raises(RubricError, match="the solver `reference.hw_lstm_vae_gan` failed: .*missing 'lstm'"):
        load_rubric(write(tmp_path, body))


def test_shipped_rubric_points(rubric):
    assert rubric.rubric.max_score == rubric.rubric.total
    assert len(rubric.questions) >= 33


# --- Line and column, and messages in words instead of pydantic's (issue 10, items 8 and "smaller") ---

def at(body: str, token: str) -> str:
    """`line L, column C` of the first `token` in `body` (1-based, as editors count)."""
    offset = body.index(token)
    line = body.count("\n", 0, offset) + 1
    return f"line {line}, column {offset - (body.rfind(chr(10), 0, offset) + 1) + 1}"


TRUE_AS_TEXT = HEAD + "questions:\n  - id: q1\n    type: true_false\n    points: 1\n    answer: \"true\"\n"
ROWS = [
    (TRUE_AS_TEXT, "answer", 'questions[0] (q1).answer: expected true or false, or `{ref: NAME}` (a solver value), '
     'got the text "true"; write true without quotes'),
    (HEAD + "questions:\n  - {id: q1, type: numeric, points: 1, answer: 0.5, tolerance: {rell: 0.1}}\n",
     "rell", "questions[0] (q1).tolerance: unknown key `rell` (did you mean `rel`?)"),
    (HEAD + "questions:\n  - {id: q1, type: numeric, points: two, answer: 0.5}\n",
     "points", 'questions[0] (q1).points: expected a number, got the text "two"'),
    (HEAD + "questions:\n  - {id: q1, type: numeric, points: 1, answer: 0.5, tolerance: 0.01}\n",
     "tolerance", "questions[0] (q1).tolerance: expected a mapping (`key: value`), got `0.01`"),
    (HEAD + "questions:\n  - {id: q1, type: numeric, points: 1, answer: {reff: x}}\n",
     "reff", "questions[0] (q1).answer: unknown key `reff` (did you mean `ref`?)"),
    (HEAD + "questions:\n  - {id: q1, type: numeric, points: -1, answer: 0.5}\n",
     "points", "questions[0] (q1).points: must be greater than 0, got `-1`"),
    (HEAD + "questions:\n  - {id: \"q 1\", type: numeric, points: 1, answer: 0.5}\n",
     "id: \"q", "questions[0] (q 1).id: `q 1` is not allowed here; use letters, digits and `_`, in parts joined by dots"),
    (HEAD + "questions: []\n", "questions", "questions: needs at least 1 item"),
    (HEAD + "questions:\n  - {id: q1, points: 1, answer: 0.5}\n", "{id: q1",
     "questions[0] (q1): this question needs a `type:`"),
    (HEAD + "questions:\n  - {id: q1, type: choice, points: 1, answer: 3, options: [{value: a}, {value: b}]}\n",
     "answer", "questions[0] (q1).answer: expected text, or `{ref: NAME}` (a solver value), got `3`"),
    (HEAD + "questions:\n  - {id: q1, type: numeric, points: 1, answer: [0.5, 1], partial: per_comp}\n",
     "partial", "questions[0] (q1).partial: expected 'per_component', got the text \"per_comp\""),
    ("id: demo\ntitle: Demo\nvariants: {generator: 1}\nquestions:\n  - {id: q1, type: numeric, points: 1, answer: 0.5}\n",
     "generator", "variants.generator: expected text, got `1`"),
]


@pytest.mark.parametrize("body, token, message", ROWS)
def test_rubric_errors_name_line_column_and_say_what_to_write(tmp_path, body, token, message):
    with pytest.raises(RubricError) as info:
        load_rubric(write(tmp_path, body))
    text = str(info.value)
    assert f"{at(body, token)}: {message}" in text
    assert "Input should" not in text and "Value error" not in text and "pydantic" not in text


def test_errors_found_after_loading_carry_the_line_too(tmp_path, rubric):
    import json

    body = (HEAD + f"solver: reference.hw_lstm_vae_gan\nparameters: {json.dumps(rubric.rubric.parameters)}\n"
            "questions:\n  - {id: q0, type: numeric, points: 1, answer: 1}\n"
            "  - {id: q1, type: numeric, points: 1, answer: {ref: lstm.hh1}}\n")
    with pytest.raises(RubricError, match=r"line 7, column 5: question q1: `ref: lstm.hh1` is not a value"):
        load_rubric(write(tmp_path, body))


def test_carry_forward_errors_point_at_the_entry(tmp_path, rubric):
    import json

    body = CHAIN.format(parameters=json.dumps(rubric.rubric.parameters), a_inputs="cc1: b", b_inputs="h1: a")
    with pytest.raises(RubricError, match=r"line 6, column \d+: question a: carry_forward: cc1: `cc1` is not an input"):
        load_rubric(write(tmp_path, body))
