"""Lengths up to 2**53 and steps beyond int32 (schedules counted in samples or tokens).

Such schedules and steps are evaluated wide (int64 steps and lengths); the
values agree with float64 references to float32 precision, integer boundaries
stay exact. That the narrow (int32) and wide paths agree to the bit is
checked for every example in ``test_core.py::test_output_float32_strong_and_shaped``.
"""

from __future__ import annotations

import copy
import pickle

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from cases import EXAMPLES, params
from helpers import INT32_MAX, enable_x64
from references import ref_cosine, ref_exponential
from test_cyclic import one_cycle_ref
from test_exponential import ref_step_decay
from test_noam import reference as noam_reference
from test_warmup import ref_rsqrt

import jaxsched as js
from jaxsched import optax_compat as oc

K = 2**22  # every length times K: a schedule of the same shape, lengths beyond int32
UNITS = np.array([0, 1, 5, 9, 10, 11, 30, 99, 100, 101, 499, 500, 1000, 4999, 10_000, 20_001, 123_457, 2**21 + 3])
# noam and noise are not functions of step / length; one_cycle's phases end one step early (PyTorch's
# a - 1), which does not scale: it has a float64 reference below.
# per_step-1 counts samples: it has no steps_per_unit form.
RESCALABLE = [p for p in params() if p.id.split("-")[0] not in ("noam", "noise", "one_cycle") and p.id != "per_step-1"]


def test_optax_giant_int_steps():
    """Optax's own ``test_with_giant_int_steps``: 975.52826 at step 1e9 of 1e10."""
    s = oc.cosine_decay_schedule(init_value=1000.0, decay_steps=int(1e10))
    paths = [s(int(1e9)), s(1e9), s(np.int64(1e9)), s(np.float64(1e9)), jax.jit(s)(jnp.float32(1e9))]
    paths.append(jax.jit(lambda sched, t: sched(t))(s, jnp.float32(1e9)))
    with enable_x64():
        paths.append(jax.jit(s)(jnp.asarray(int(1e9), jnp.int64)))
    np.testing.assert_allclose([float(v) for v in paths], 975.52826, rtol=1e-6)
    assert len({float(v) for v in paths}) == 1


@pytest.mark.parametrize("make", RESCALABLE)
def test_lengths_beyond_int32_keep_the_shape(make):
    """A schedule with every length times 2**22 takes at step ``t * 2**22`` the value it took at ``t``."""
    short = make()
    long = js.per_step(short, steps_per_unit=K)
    want = np.asarray(short(UNITS), np.float64)
    wide_steps = UNITS.astype(np.int64) * K
    got = np.asarray(long(wide_steps), np.float64)
    scale = np.max(np.abs(want)) or 1.0
    np.testing.assert_allclose(got, want, rtol=2e-6, atol=1e-6 * scale)


@pytest.mark.parametrize("three_phase", [False, True])
def test_one_cycle_beyond_int32(three_phase):
    T = 3 * 10**11 + 7
    s = js.one_cycle(peak_value=1e-3, total_steps=T, three_phase=three_phase)
    a = int(0.3 * T)
    steps = np.array([0, 1, 10**9, a - 2, a - 1, a, a + 1, 2 * a - 3, 2 * a - 2, 2 * a, T // 2, T - 2, T - 1, T + 5])
    want = one_cycle_ref(1e-3, T, three_phase=three_phase)(steps)
    np.testing.assert_allclose(np.asarray(s(steps)), want, rtol=2e-6, atol=1e-12)


def test_integer_boundaries_stay_exact():
    s = js.piecewise_constant(boundaries=[20_000_001, 2**40 + 1, 2**53], values=[1.0, 2.0, 3.0, 4.0])
    steps = np.array([20_000_000, 20_000_001, 2**40, 2**40 + 1, 2**53 - 1, 2**53, 2**62])
    np.testing.assert_array_equal(np.asarray(s(steps)), [1, 2, 2, 3, 3, 4, 4])
    assert [float(s(int(t))) for t in steps] == [1, 2, 2, 3, 3, 4, 4]
    with enable_x64():
        np.testing.assert_array_equal(np.asarray(jax.jit(s)(jnp.asarray(steps))), [1, 2, 2, 3, 3, 4, 4])


FAR = np.array([2**31, 3_000_000_007, 2**40 + 5, 2**52 + 1])


@pytest.mark.parametrize(
    ("schedule", "reference"),
    [
        (js.rsqrt(peak_value=1e-3, warmup_steps=4000), lambda t: ref_rsqrt(t, 1e-3, 4000)),
        (js.noam(d_model=512, warmup_steps=4000), noam_reference(512, 4000)),
        (js.exponential(init_value=1.0, decay_rate=0.5, period=2**36), lambda t: ref_exponential(t, 1.0, 0.5, 2**36)),
        (js.step_decay(init_value=1.0, period=10**9, decay_rate=0.5), lambda t: ref_step_decay(t, 1.0, 10**9, 0.5)),
        (js.offset(js.rsqrt(peak_value=1.0, warmup_steps=100), steps=2**40), lambda t: ref_rsqrt(t + 2**40, 1.0, 100)),
    ],
    ids=["rsqrt", "noam", "exponential", "step_decay", "offset"],
)
def test_unbounded_schedules_past_int32(schedule, reference):
    np.testing.assert_allclose(np.asarray(schedule(FAR)), reference(FAR.astype(np.float64)), rtol=2e-6)
    as_float = FAR.astype(np.float32)  # float steps, under jit: the float32 step's own value
    got = np.asarray(jax.jit(schedule)(as_float))
    np.testing.assert_allclose(got, reference(as_float.astype(np.float64)), rtol=2e-6)


@pytest.mark.parametrize(
    "schedule",
    [
        js.cyclic(min_value=0.1, max_value=1.0, up_steps=1000, down_steps=24),
        js.sgdr(peak_value=1.0, cycle_steps=1024),
        js.repeat(js.cosine(init_value=1.0, total_steps=1024), period=1024),
        js.cosine_cycles(init_value=1.0, total_steps=2**36, cycles=16),
    ],
    ids=["cyclic", "sgdr", "repeat", "cosine_cycles"],
)
def test_periodic_schedules_past_int32(schedule):
    """Exact int64 steps keep the phase of a cycle: ``2**40`` is a whole number of cycles."""
    t = np.array([0, 1, 7, 500, 1000, 1023])
    np.testing.assert_array_equal(np.asarray(schedule(t + 2**34)), np.asarray(schedule(t)))


def test_growing_restarts_past_int32():
    s = js.sgdr(peak_value=1.0, cycle_steps=100, cycle_mult=2.0)
    starts = [100 * (2**i - 1) for i in range(40)]  # cycle i starts at 100 (2**i - 1)
    for i in (25, 30, 39):
        start, length = starts[i], 100 * 2**i
        steps = np.array([start - 1, start, start + length // 3])
        want = [0.0, 1.0, ref_cosine(length // 3, 1.0, length)]
        np.testing.assert_allclose(np.asarray(s(steps)), [float(s(int(t))) for t in steps], rtol=0)
        np.testing.assert_allclose(np.asarray(s(steps))[1:], want[1:], rtol=1e-6)
        assert float(s(int(steps[0]))) < 1e-6


def test_long_schedules_round_trip_and_flatten():
    s = js.warmup_cosine(peak_value=3e-4, warmup_steps=10**9 + 1, total_steps=3 * 10**11 + 7)
    assert js.parse(repr(s)) == s and js.from_config(s.to_config()) == s
    assert pickle.loads(pickle.dumps(s)) == s and copy.deepcopy(s) == s and hash(jax.device_put(s)) == hash(s)
    leaves = jax.tree_util.tree_leaves(s)
    assert all(np.asarray(x).dtype in (np.float32, np.int32) for x in leaves)  # two int32 words, never narrowed
    other = js.warmup_cosine(peak_value=1e-3, warmup_steps=10**9 + 1, total_steps=3 * 10**11 + 7)
    stack = jax.tree_util.tree_map(lambda *xs: jnp.stack(xs), s, other)
    got = jax.vmap(lambda member: member(jnp.float32(2e11)))(stack)
    np.testing.assert_allclose(np.asarray(got), [float(s(2 * 10**11)), float(s(2 * 10**11)) / 0.3], rtol=1e-6)


def test_every_example_is_covered():
    assert {p.id.split("-")[0] for p in RESCALABLE} | {"noam", "noise", "one_cycle"} == set(EXAMPLES)
    assert INT32_MAX < K * UNITS[-1] <= 2**53


def test_noise_repeats_every_2_to_the_32_steps():
    """``fold_in`` takes the step modulo 2**32 (documented): past it the draws repeat."""
    s = js.noise(js.constant(value=1.0), std=0.1, seed=3)
    steps = np.array([0, 5, 2**31 - 1])
    np.testing.assert_array_equal(np.asarray(s(steps + 2**32)), np.asarray(s(steps)))
    assert float(s(5)) != float(s(6))
