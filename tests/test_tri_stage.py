"""tri_stage: fairseq's TriStageLRSchedule against a float64 reference."""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import INT32_MAX, assert_matches, assert_traced_construction, key_steps

import jaxsched


def reference(peak, w, h, d, init_scale=0.01, final_scale=0.01):
    """fairseq's step_update, stage by stage."""
    init, final = peak * init_scale, peak * final_scale
    rate = (peak - init) / w if w else 0.0
    decay = -math.log(final_scale) / d

    def one(t):
        t = max(int(t), 0)
        if t < w:
            return init + rate * t
        if t < w + h:
            return peak
        if t <= w + h + d:
            return peak * math.exp(-decay * (t - w - h))
        return final

    return lambda ts: np.array([one(t) for t in np.asarray(ts)])


CASES = [
    dict(peak_value=1.0, warmup_steps=10, hold_steps=20, decay_steps=100),
    dict(peak_value=5e-4, warmup_steps=8000, hold_steps=32000, decay_steps=40000, init_scale=0.01, final_scale=0.05),
    dict(peak_value=1.0, warmup_steps=0, hold_steps=0, decay_steps=1),
    dict(peak_value=1.0, warmup_steps=0, hold_steps=5, decay_steps=10, final_scale=1.0),
    dict(peak_value=2.0, warmup_steps=3, hold_steps=0, decay_steps=7, init_scale=0.0, final_scale=1e-6),
    dict(peak_value=1.0, warmup_steps=1_000_000, hold_steps=20_000_000, decay_steps=INT32_MAX - 21_000_000),
]


@pytest.mark.parametrize("kwargs", CASES)
def test_matches_reference(kwargs):
    s = jaxsched.tri_stage(**kwargs)
    w, h, d = kwargs["warmup_steps"], kwargs["hold_steps"], kwargs["decay_steps"]
    steps = key_steps(*[b for b in (w, w + h, w + h + d) if b > 0])
    steps = np.unique(np.concatenate([steps, [w // 2, w + h + d // 3, w + h + d // 2]]))
    steps = steps[steps <= INT32_MAX]
    final_scale = kwargs.get("final_scale", 0.01)
    ref = reference(kwargs["peak_value"], w, h, d, kwargs.get("init_scale", 0.01), final_scale)
    # value = peak * exp(x * log(final_scale)): rounding the float32 exponent
    # costs |log(final_scale)| * 6e-8 (8e-7 for 1e-6), the condition of exp.
    assert_matches(s, ref, steps, rtol=max(1e-6, 1.5e-7 * abs(math.log(final_scale))))


def test_stages():
    s = jaxsched.tri_stage(peak_value=1.0, warmup_steps=10, hold_steps=20, decay_steps=100)
    x = np.asarray(s(np.arange(200)), dtype=np.float64)
    assert x[0] == np.float32(0.01)
    assert np.all(np.diff(x[:11]) > 0)
    assert np.all(x[10:30] == 1.0)
    assert np.all(np.diff(x[30:131]) < 0)
    assert np.all(x[130:] == np.float32(0.01))


@pytest.mark.parametrize("kwargs", CASES[:5])
def test_traced_construction(kwargs):
    w, h, d = kwargs["warmup_steps"], kwargs["hold_steps"], kwargs["decay_steps"]
    assert_traced_construction(jaxsched.tri_stage, kwargs, key_steps(*[b for b in (w, w + h, w + h + d) if b > 0]))


@pytest.mark.parametrize("kwargs", CASES)
def test_round_trips(kwargs):
    s = jaxsched.tri_stage(**kwargs)
    assert jaxsched.parse(repr(s)) == s
    assert jaxsched.from_config(s.to_config()) == s


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(peak_value=1.0, warmup_steps=-1, hold_steps=0, decay_steps=1), "warmup_steps must be non-negative"),
        (dict(peak_value=1.0, warmup_steps=0, hold_steps=-2, decay_steps=1), "hold_steps must be non-negative, got -2"),
        (dict(peak_value=1.0, warmup_steps=0, hold_steps=0, decay_steps=0), "decay_steps must be at least 1, got 0"),
        (
            dict(peak_value=1.0, warmup_steps=2**30, hold_steps=2**30, decay_steps=1),
            "warmup_steps + hold_steps + decay_steps (1073741824 + 1073741824 + 1) must fit in int32",
        ),
        (dict(peak_value=float("nan"), warmup_steps=1, hold_steps=1, decay_steps=1), "peak_value must be finite"),
        (
            dict(peak_value=1.0, warmup_steps=1, hold_steps=1, decay_steps=1, init_scale=-0.1),
            "init_scale must be in [0, 1], got -0.1",
        ),
        (
            dict(peak_value=1.0, warmup_steps=1, hold_steps=1, decay_steps=1, init_scale=2.0),
            "init_scale must be in [0, 1], got 2.0",
        ),
        (
            dict(peak_value=1.0, warmup_steps=1, hold_steps=1, decay_steps=1, final_scale=0.0),
            "final_scale must be in (0, 1], got 0.0",
        ),
        (
            dict(peak_value=1.0, warmup_steps=1, hold_steps=1, decay_steps=1, final_scale=1.5),
            "final_scale must be in (0, 1], got 1.5",
        ),
    ],
)
def test_bad_inputs(kwargs, message):
    with pytest.raises(ValueError, match=r"^tri_stage: ") as e:
        jaxsched.tri_stage(**kwargs)
    assert message in str(e.value)


def test_positional_arguments_are_refused():
    with pytest.raises(TypeError):
        jaxsched.tri_stage(1.0, 1, 1, 1)  # type: ignore[misc]
