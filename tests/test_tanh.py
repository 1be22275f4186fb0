"""tanh_decay: timm's TanhLRScheduler curve against a float64 reference."""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import INT32_MAX, VARIANT_IDS, VARIANTS, assert_matches, assert_traced_construction, key_steps

import jaxsched


def reference(init, T, end=0.0, lower=-7.0, upper=3.0):
    def ref(t):
        t = np.maximum(np.asarray(t, dtype=np.float64), 0)
        tr = np.minimum(t, T) / T
        x = lower * (1 - tr) + upper * tr
        # timm: lr_min + 0.5 * (lr_max - lr_min) * (1 - tanh(x)); 0.5 * (1 - tanh(x)) = 1 / (1 + exp(2x))
        return np.where(t < T, end + (init - end) / (1 + np.exp(2 * x)), end)

    return ref


CASES = [
    dict(init_value=0.5, total_steps=100),
    dict(init_value=0.5, total_steps=100, end_value=0.01),
    dict(init_value=3e-4, total_steps=250_000, end_value=1e-6, lower=-6.0, upper=4.0),
    dict(init_value=1.0, total_steps=1),
    dict(init_value=1.0, total_steps=7, lower=-1.0, upper=1.0, end_value=0.2),
    dict(init_value=2.0, total_steps=INT32_MAX),
]


@pytest.mark.parametrize("kwargs", CASES)
def test_matches_reference(kwargs):
    s = jaxsched.tanh_decay(**kwargs)
    T = kwargs["total_steps"]
    steps = np.unique(np.concatenate([key_steps(T), [T // 2, T // 3, (7 * T) // 10]]))
    steps = steps[steps <= INT32_MAX]
    ref = reference(kwargs["init_value"], T, kwargs.get("end_value", 0.0), kwargs.get("lower", -7.0),
                    kwargs.get("upper", 3.0))  # fmt: skip
    # x (up to |2x| = 8) is rounded to float32 once: 1 / (1 + exp(2x)) inherits |2x| * 6e-8.
    assert_matches(s, ref, steps, rtol=1e-6)


def test_timm_shape():
    s = jaxsched.tanh_decay(init_value=1.0, total_steps=100)
    np.testing.assert_allclose(float(s(0)), 0.5 * (1 - math.tanh(-7)), rtol=1e-7)
    np.testing.assert_allclose(float(s(70)), 0.5, rtol=1e-6)  # x = 0 at 70% with the default bounds
    assert float(s(100)) == 0.0 and float(s(10**9)) == 0.0
    x = np.asarray(s(np.arange(101)))
    assert np.all(np.diff(x) < 0)


@pytest.mark.parametrize("variant", VARIANTS, ids=VARIANT_IDS)
def test_variants(variant):
    s = jaxsched.tanh_decay(init_value=1.0, total_steps=10, end_value=0.5)
    got = np.asarray(variant(lambda t: s(t))(np.arange(12, dtype=np.int32)))
    np.testing.assert_allclose(got, reference(1.0, 10, 0.5)(np.arange(12)), rtol=1e-6)


@pytest.mark.parametrize("kwargs", CASES[:5])
def test_traced_construction(kwargs):
    assert_traced_construction(jaxsched.tanh_decay, kwargs, key_steps(kwargs["total_steps"]))


@pytest.mark.parametrize("kwargs", CASES)
def test_round_trips(kwargs):
    s = jaxsched.tanh_decay(**kwargs)
    assert jaxsched.parse(repr(s)) == s
    assert jaxsched.from_config(s.to_config()) == s


def test_repr():
    assert repr(jaxsched.tanh_decay(init_value=0.1, total_steps=10)) == "tanh_decay(init_value=0.1, total_steps=10)"


def test_positional_arguments_are_refused():
    with pytest.raises(TypeError):
        jaxsched.tanh_decay(1.0, 10)  # type: ignore[misc]
