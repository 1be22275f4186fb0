"""tri_stage: fairseq's TriStageLRSchedule against a float64 reference."""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import INT32_MAX, assert_matches, assert_traced_construction, key_steps

import jaxsched


def reference(peak, w, h, d, init=None, end=None):
    """fairseq's step_update, stage by stage (None: fairseq's default scale 0.01 of the peak)."""
    init = 0.01 * peak if init is None else init
    end = 0.01 * peak if end is None else end
    rate = (peak - init) / w if w else 0.0
    decay = -math.log(end / peak) / d

    def one(t):
        t = max(int(t), 0)
        if t < w:
            return init + rate * t
        if t < w + h:
            return peak
        if t <= w + h + d:
            return peak * math.exp(-decay * (t - w - h))
        return end

    return lambda ts: np.array([one(t) for t in np.asarray(ts)])


CASES = [
    dict(peak_value=1.0, warmup_steps=10, hold_steps=20, decay_steps=100),
    dict(peak_value=5e-4, warmup_steps=8000, hold_steps=32000, decay_steps=40000, init_value=5e-6, end_value=2.5e-5),
    dict(peak_value=1.0, warmup_steps=0, hold_steps=0, decay_steps=1),
    dict(peak_value=1.0, warmup_steps=0, hold_steps=5, decay_steps=10, end_value=1.0),
    dict(peak_value=2.0, warmup_steps=3, hold_steps=0, decay_steps=7, init_value=0.0, end_value=2e-6),
    dict(peak_value=-2.0, warmup_steps=4, hold_steps=2, decay_steps=9, init_value=-0.5, end_value=-0.1),
    dict(peak_value=1.0, warmup_steps=1_000_000, hold_steps=20_000_000, decay_steps=INT32_MAX - 21_000_000),
]


@pytest.mark.parametrize("kwargs", CASES)
def test_matches_reference(kwargs):
    s = jaxsched.tri_stage(**kwargs)
    w, h, d = kwargs["warmup_steps"], kwargs["hold_steps"], kwargs["decay_steps"]
    steps = key_steps(*[b for b in (w, w + h, w + h + d) if b > 0])
    steps = np.unique(np.concatenate([steps, [w // 2, w + h + d // 3, w + h + d // 2]]))
    steps = steps[steps <= INT32_MAX]
    peak = kwargs["peak_value"]
    end = kwargs.get("end_value", 0.01 * peak)
    ref = reference(peak, w, h, d, kwargs.get("init_value"), kwargs.get("end_value"))
    # value = peak * exp(x * log(end / peak)): rounding the float32 exponent
    # costs |log(end / peak)| * 6e-8 (8e-7 for 1e-6), the condition of exp.
    assert_matches(s, ref, steps, rtol=max(1e-6, 1.5e-7 * abs(math.log(end / peak))))


def test_stages():
    s = jaxsched.tri_stage(peak_value=1.0, warmup_steps=10, hold_steps=20, decay_steps=100)
    x = np.asarray(s(np.arange(200)), dtype=np.float64)
    assert x[0] == np.float32(0.01)
    assert np.all(np.diff(x[:11]) > 0)
    assert np.all(x[10:30] == 1.0)
    assert np.all(np.diff(x[30:131]) < 0)
    assert np.all(x[130:] == np.float32(0.01))


def test_defaults_are_fairseqs_scales():
    """None means 0.01 * peak_value, stored as an absolute value (repr and configs show it)."""
    kwargs = dict(peak_value=0.5, warmup_steps=10, hold_steps=20, decay_steps=100)
    s = jaxsched.tri_stage(**kwargs)
    assert s == jaxsched.tri_stage(**kwargs, init_value=0.005, end_value=0.005)
    assert s != jaxsched.tri_stage(**kwargs, init_value=0.005, end_value=0.006)
    assert float(s(0)) == np.float32(0.005) and float(s(10**6)) == np.float32(0.005)
    assert repr(s).endswith("init_value=0.005, end_value=0.005)")
    flat = jaxsched.tri_stage(peak_value=0.0, warmup_steps=2, hold_steps=2, decay_steps=3)
    np.testing.assert_array_equal(np.asarray(flat(np.arange(10))), np.zeros(10, np.float32))


@pytest.mark.parametrize("kwargs", CASES[:5] + CASES[6:])
def test_traced_construction(kwargs):
    w, h, d = kwargs["warmup_steps"], kwargs["hold_steps"], kwargs["decay_steps"]
    assert_traced_construction(jaxsched.tri_stage, kwargs, key_steps(*[b for b in (w, w + h, w + h + d) if b > 0]))


@pytest.mark.parametrize("kwargs", CASES)
def test_round_trips(kwargs):
    s = jaxsched.tri_stage(**kwargs)
    assert jaxsched.parse(repr(s)) == s
    assert jaxsched.from_config(s.to_config()) == s


def test_positional_arguments_are_refused():
    with pytest.raises(TypeError):
        jaxsched.tri_stage(1.0, 1, 1, 1)  # type: ignore[misc]
