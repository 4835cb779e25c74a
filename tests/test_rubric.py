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
