"""exponential, step_decay and multistep_decay against NumPy float64 references."""

from __future__ import annotations

import jax
import numpy as np
import pytest
from helpers import INT32_MAX, assert_matches, assert_traced_construction, key_steps
from references import f32, ref_exponential

import jaxsched


def ref_step_decay(t, init_value, period, decay_rate):
    return f32(init_value) * f32(decay_rate) ** np.floor(t / period)


def ref_multistep_decay(t, init_value, boundaries, decay_rate):
    passed = np.searchsorted(np.asarray(boundaries), t, side="right")
    return f32(init_value) * f32(decay_rate) ** passed


EXPONENTIAL = [
    {"init_value": 1.0, "decay_rate": 0.5, "period": 10},
    {"init_value": 0.1, "decay_rate": 0.96, "period": 1000, "staircase": True},
    {"init_value": 3e-4, "decay_rate": 0.9, "period": 100, "end_value": 1e-4},
    {"init_value": 3e-4, "decay_rate": 0.9, "period": 100, "staircase": True, "end_value": 1e-4},
    {"init_value": 1e-3, "decay_rate": 1.5, "period": 7, "end_value": 0.05},
    {"init_value": 1e-3, "decay_rate": 2.0, "period": 1, "staircase": True, "end_value": 1.0},
    {"init_value": 0.5, "decay_rate": 0.999, "period": 1},
    {"init_value": 0.25, "decay_rate": 1.0, "period": 5, "end_value": 0.1},
    {"init_value": 0.25, "decay_rate": 1.0, "period": 5, "end_value": 0.5},
]


def _decay_boundaries(kw):
    d = kw["period"]
    return (d, 2 * d, 7 * d + 3, 50 * d)


@pytest.mark.parametrize("kwargs", EXPONENTIAL)
def test_exponential(kwargs):
    s = jaxsched.exponential(**kwargs)
    # atol: below float32's smallest normal number the reference underflows to 0 in float32.
    assert_matches(s, lambda t: ref_exponential(t, **kwargs), key_steps(*_decay_boundaries(kwargs)), atol=1e-37)
    # A traced decay_rate is a float32 tracer (jit's conversion of a Python float): compare
    # with the schedule built from that float32 rate.
    rounded = {**kwargs, "decay_rate": f32(kwargs["decay_rate"])}
    assert_traced_construction(jaxsched.exponential, rounded, key_steps(*_decay_boundaries(kwargs)))


# Rates and periods whose products with the step need more than float32 (x = t * log(rate) / period).
DENSE = [(0.5, 1), (0.5, 7), (0.99994, 1), (0.96, 10_000), (1.5, 100), (0.1, 3)]
DENSE_STEPS = np.unique(np.geomspace(1, INT32_MAX, 3000).astype(np.int64))


@pytest.mark.parametrize(("rate", "period"), DENSE)
def test_exponential_float32_precision_at_every_step(rate, period):
    """float32 relative precision at any step; a float32 ``step * log(rate) / period``
    would be off by up to 5e-6 where the value nears float32's range."""
    s = jaxsched.exponential(init_value=1.0, decay_rate=rate, period=period)
    expected = ref_exponential(DENSE_STEPS.astype(np.float64), 1.0, rate, period)
    normal = (expected > 1e-37) & (expected < 1e38)
    got = np.asarray(s(DENSE_STEPS.astype(np.int32)), np.float64)
    np.testing.assert_allclose(got[normal], expected[normal], rtol=3e-7)
    # built inside jit the logarithm of the rate is float32: within ~1.2e-7 * |x| of the above
    traced = jax.jit(lambda r, t: jaxsched.exponential(init_value=1.0, decay_rate=r, period=period)(t))
    rounded = jaxsched.exponential(init_value=1.0, decay_rate=f32(rate), period=period)
    want = np.asarray(rounded(DENSE_STEPS.astype(np.int32)), np.float64)
    got = np.asarray(traced(f32(rate), DENSE_STEPS.astype(np.int32)), np.float64)[normal]
    assert np.all(np.abs(got / want[normal] - 1) <= 3e-7 + 1.5e-7 * np.abs(np.log(want[normal])))


def test_exponential_gradient_stays_finite_past_float32():
    for end in (None, 100.0):
        value = lambda r, e=end: jaxsched.exponential(init_value=1.0, decay_rate=r, period=1, end_value=e)(10**6)  # noqa: E731
        assert jax.grad(value)(2.0) == 0.0


def test_exponential_rate_one_is_constant():
    # A rate of exactly 1 neither decays nor grows: end_value is no bound in either direction.
    for end in (0.1, 0.5):
        s = jaxsched.exponential(init_value=0.25, decay_rate=1.0, period=5, end_value=end)
        np.testing.assert_array_equal(np.asarray(s(np.array([0, 3, 100, INT32_MAX]))), np.float32(0.25))


def test_unbounded_growth_as_optax():
    """Optax's own exponential test: a growth with no ceiling (issue 10, item 15)."""
    import optax

    ours = jaxsched.optax_compat.exponential_decay(1.0, 2, 2.0)
    theirs = optax.exponential_decay(1.0, 2, 2.0)
    steps = np.arange(0, 100, dtype=np.int32)
    np.testing.assert_allclose(np.asarray(ours(steps)), np.asarray(theirs(steps)), rtol=1e-6)
    s = jaxsched.exponential(init_value=1.0, decay_rate=2.0, period=1)
    values = np.asarray(s(np.array([0, 10, 200, INT32_MAX])))
    np.testing.assert_allclose(values[:2], [1.0, 1024.0], rtol=1e-6)
    np.testing.assert_array_equal(values[2:], np.finfo(np.float32).max)  # saturates: never inf * 0 = NaN
    zero = jaxsched.exponential(init_value=0.0, decay_rate=2.0, period=1)
    np.testing.assert_array_equal(np.asarray(zero(np.array([0, 200, INT32_MAX]))), 0.0)


def test_exponential_growth_never_overflows():
    s = jaxsched.exponential(init_value=2.0, decay_rate=3.0, period=1, end_value=7.0)
    values = np.asarray(s(np.array([0, 1, 2, 100, 10_000, INT32_MAX])))
    np.testing.assert_allclose(values, [2.0, 6.0, 7.0, 7.0, 7.0, 7.0], rtol=1e-6)
    zero = jaxsched.exponential(init_value=0.0, decay_rate=3.0, period=1, end_value=7.0)
    np.testing.assert_array_equal(np.asarray(zero(np.array([0, 100, INT32_MAX]))), 0.0)


def test_exponential_matches_optax():
    import optax

    for kw in EXPONENTIAL[:6]:
        theirs = optax.exponential_decay(
            init_value=kw["init_value"],
            transition_steps=kw["period"],
            decay_rate=kw["decay_rate"],
            staircase=kw.get("staircase", False),
            end_value=kw.get("end_value"),
        )
        if kw["decay_rate"] == 1.0:
            continue  # optax takes end_value as a ceiling at rate 1
        ours = jaxsched.exponential(**kw)
        steps = np.arange(0, 60 * kw["period"], max(1, kw["period"] // 3), dtype=np.int32)
        np.testing.assert_allclose(np.asarray(ours(steps)), np.asarray(theirs(steps)), rtol=1e-5, atol=1e-30)


STEP_DECAY = [
    {"init_value": 0.1, "period": 30, "decay_rate": 0.1},
    {"init_value": 1.0, "period": 1, "decay_rate": 0.5},
    {"init_value": 3e-4, "period": 20_000_000, "decay_rate": 0.3},
    {"init_value": 2.0, "period": 7, "decay_rate": 1.0},
]


@pytest.mark.parametrize("kwargs", STEP_DECAY)
def test_step_decay(kwargs):
    s = jaxsched.step_decay(**kwargs)
    n = kwargs["period"]
    steps = key_steps(n, 2 * n, 3 * n, 10 * n)
    # Past ~150 periods the float32 value underflows: compare where the reference is a normal float32.
    ref = ref_step_decay(steps.astype(np.float64), **kwargs)
    steps = steps[(ref == 0) | (ref > 1e-30)]
    assert_matches(s, lambda t: ref_step_decay(t, **kwargs), steps, atol=1e-37)
    assert_traced_construction(jaxsched.step_decay, kwargs, steps)


MULTISTEP = [
    {"init_value": 1.0, "boundaries": [10, 20], "decay_rate": 0.5},
    {"init_value": 0.1, "boundaries": [0, 5, 30_000_000], "decay_rate": 0.1},
    {"init_value": 1e-3, "boundaries": [100], "decay_rate": 2.0},
    {"init_value": 0.3, "boundaries": list(range(1, 60, 3)), "decay_rate": 0.9},
    {"init_value": 0.3, "boundaries": list(range(1, 200, 3)), "decay_rate": 0.99},  # > 32: a binary search
]


@pytest.mark.parametrize("kwargs", MULTISTEP)
def test_multistep_decay(kwargs):
    s = jaxsched.multistep_decay(**kwargs)
    assert_matches(s, lambda t: ref_multistep_decay(t, **kwargs), key_steps(*kwargs["boundaries"]))
    assert_traced_construction(jaxsched.multistep_decay, kwargs, key_steps(*kwargs["boundaries"]))


def test_multistep_traced_boundaries():
    ms = np.array([10, 20], np.int32)
    steps = np.arange(0, 30, dtype=np.int32)
    got = jax.jit(lambda m: jaxsched.multistep_decay(init_value=1.0, boundaries=m, decay_rate=0.5)(steps))(ms)
    np.testing.assert_allclose(np.asarray(got), ref_multistep_decay(steps, 1.0, ms, 0.5), rtol=1e-6)


def test_multistep_repeated_boundaries_apply_twice():
    s = jaxsched.multistep_decay(init_value=1.0, boundaries=[1, 1, 5], decay_rate=0.5)
    np.testing.assert_array_equal(np.asarray(s(np.arange(7))), [1.0, 0.25, 0.25, 0.25, 0.25, 0.125, 0.125])
    with pytest.raises(ValueError, match=r"^multistep_decay: boundaries must be sorted, got \[5, 1\]"):
        jaxsched.multistep_decay(init_value=1.0, boundaries=[5, 1], decay_rate=0.5)
