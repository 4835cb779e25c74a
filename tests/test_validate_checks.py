"""`grade validate` catches authoring slips (issue 10, item 8): a carry-forward input the solver
ignores, and known mistakes that fall within the tolerance for some students' numbers."""

from __future__ import annotations

import numpy as np
import pytest

from course_support import write_course
from grader.authoring.selftest import DRAWN_VARIANTS, self_test

STEP_SOLVER = """
{given_names}

def solve(parameters, given=None):
    given = given or {{}}
    dw1 = given.get("dw1", parameters["x"] * 3)
    return {{"q3.dw1": dw1, "q4.w": parameters["w"] - 0.1 * dw1}}
"""

STEP_RUBRIC = """
id: steps
title: Steps
solver: {solver}
parameters: {x: 1.5, w: 2.0}
questions:
  - {id: q3, type: numeric, points: 1, answer: {ref: q3.dw1}}
  - {id: q4, type: numeric, points: 1, answer: {ref: q4.w}, carry_forward: {CARRY}}
"""


@pytest.mark.parametrize("given_names, carry, failure", [
    # the typo, with a solver that does not list its given names: it silently ignores `dw`
    ("", "dw: q3", "carry_forward `dw: q3`: changing `dw` does not change `q4.w`, so the solver ignores it "
                   "(did you mean `dw1`?)"),
    # the right name passes
    ("", "dw1: q3", None),
    ("GIVEN_NAMES = {'dw1'}", "dw1: q3", None),
])
def test_an_input_the_solver_ignores_fails_validation(tmp_path, given_names, carry, failure):
    rubric = write_course(tmp_path, STEP_SOLVER.format(given_names=given_names), STEP_RUBRIC.replace("CARRY", carry))
    check = next(c for c in self_test(rubric) if c.id == "q4")
    if failure is None:
        assert check.failures == [] and "carried forward from q3" in check.passed
    else:
        assert any(failure in text for text in check.failures), check.failures


def test_a_listed_input_that_does_not_matter_is_a_note(rubric):
    """c1 = f1·c0 + i1·c̃1 with c0 = 0: `f1` is a real input of the solver that cannot change c1."""
    check = next(c for c in self_test(rubric) if c.id == "p3.b.c1")
    assert check.failures == []
    assert any("changing `f1` does not change `lstm.c1` with the rubric's parameters" in note for note in check.notes)


def test_a_mistake_within_tolerance_names_whose_numbers(rubric):
    check = next(c for c in self_test(rubric) if c.id == "p3.b.h2")
    assert ["mistake `h2_no_tanh` is within the tolerance of the key with the rubric's parameters, "
            "so students who make it get full credit"] == check.notes


VARIANT_SOLVER = """
def solve(parameters, given=None):
    a = parameters["a"]
    return {"square": a * a, "mistake.plus_half": a * a + 0.5}


def draw_parameters(parameters, rng, **options):
    return {"a": float(rng.integers(1, 11))}
"""

VARIANT_RUBRIC = """
id: squares
title: Squares
solver: {solver}
parameters: {a: 2.0}
variants: {generator: draw_parameters}
questions:
  - id: q1
    type: numeric
    points: 1
    answer: {ref: square}
    tolerance: {rel: 0.01}
    mistakes: [{ref: mistake.plus_half, credit: 0, feedback: "Half too much."}]
"""


def test_a_mistake_within_tolerance_is_summarised_over_drawn_students(tmp_path):
    """0.5 is within 1% of a² when a ≥ 8 (a drawn from 1..10): some students get full credit for it."""
    rubric = write_course(tmp_path, VARIANT_SOLVER, VARIANT_RUBRIC)
    expected = sum(rubric.solver.parameters_for(f"variant-{n:03d}")["a"] >= 8 for n in range(1, DRAWN_VARIANTS + 1))
    assert 0 < expected < DRAWN_VARIANTS
    check = self_test(rubric)[0]
    note = " ".join(check.notes)
    assert f"within tolerance for {expected} of {DRAWN_VARIANTS} drawn students (e.g. `variant-" in note
    assert "mistake `plus_half`" in note
    own = rubric.solver.parameters_for("selftest")["a"] >= 8
    assert ("with the numbers of student `selftest`" in note) is own


def test_no_note_when_no_drawn_student_is_within_tolerance(tmp_path):
    rubric = write_course(tmp_path, VARIANT_SOLVER.replace("+ 0.5", "+ 5"), VARIANT_RUBRIC)
    check = self_test(rubric)[0]
    assert check.notes == [] and "mistake plus_half" in check.passed
    assert np.isfinite(rubric.key("selftest")["square"])
