"""reference.lstm.forward_passes: several passes at once give forward's numbers, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from reference.lstm import GATES, STEP_FIELDS, LSTMParams, Mistakes, forward, forward_passes

EVERY_PASS = (Mistakes(), Mistakes(no_tanh_on_h=True), Mistakes(swap_candidate_activation=True),
              Mistakes(drop_recurrent=True), Mistakes(no_tanh_on_h=True, drop_recurrent=True))


def random_lstm(rng: np.random.Generator, hidden: int, inputs: int) -> LSTMParams:
    shapes = {"W": (hidden, inputs), "U": (hidden, hidden), "b": (hidden,)}
    return LSTMParams(**{f"{kind}_{gate}": rng.normal(scale=2.0, size=shape)
                         for gate in GATES for kind, shape in shapes.items()})


def random_pins(rng: np.random.Generator, steps: int, hidden: int) -> list[dict[str, object]]:
    """Some fields of some steps pinned: a scalar (fills the vector), a vector, or an extreme number."""
    pins: list[dict[str, object]] = []
    for _ in range(steps):
        chosen = rng.choice(STEP_FIELDS, size=rng.integers(0, 4), replace=False)
        pins.append({str(name): (float(rng.choice([0.0, -1e9, 1e300, rng.normal()])) if rng.random() < 0.5
                                 else rng.normal(size=hidden)) for name in chosen})
    return pins


@pytest.mark.parametrize("hidden", [1, 3])
@pytest.mark.parametrize("seed", range(40))
def test_every_pass_equals_forward_bit_for_bit(hidden: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    steps, inputs = int(rng.integers(1, 5)), int(rng.integers(1, 4))
    params = random_lstm(rng, hidden, inputs)
    xs = rng.normal(size=(steps, inputs))
    h0, c0 = (rng.normal(size=hidden), rng.normal(size=hidden)) if seed % 2 else (None, None)
    pins = random_pins(rng, steps, hidden) if seed % 3 else None
    with np.errstate(all="ignore"):
        together = forward_passes(params, xs, EVERY_PASS, h0, c0, pins=pins)
        for index, mistakes in enumerate(EVERY_PASS):
            alone = forward(params, xs, h0, c0, pins=pins, no_tanh_on_h=mistakes.no_tanh_on_h,
                            swap_candidate_activation=mistakes.swap_candidate_activation,
                            drop_recurrent=mistakes.drop_recurrent)
            expected = np.array([[getattr(step, name) for name in STEP_FIELDS] for step in alone])
            # array_equal with equal_nan: the same bits, where NaN stands for an overflowed student value
            assert np.array_equal(together[index], expected, equal_nan=True), (index, mistakes)


def test_shape_is_passes_steps_fields_hidden() -> None:
    params = random_lstm(np.random.default_rng(1), 2, 3)
    values = forward_passes(params, np.ones((4, 3)), EVERY_PASS[:2])
    assert values.shape == (2, 4, len(STEP_FIELDS), 2)


def test_bad_inputs_are_refused_like_forward() -> None:
    params = random_lstm(np.random.default_rng(2), 1, 2)
    with pytest.raises(ValueError, match=r"xs has shape \(3,\); expected \(T, 2\)"):
        forward_passes(params, np.ones(3), EVERY_PASS)
    with pytest.raises(ValueError, match="unknown name"):
        forward_passes(params, np.ones((1, 2)), EVERY_PASS, pins=[{"q": 1.0}])
