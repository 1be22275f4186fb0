"""Hypothesis properties: bounded, monotone and continuous where documented; eager == jit == vmap."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from cases import params
from helpers import call_jit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from references import f32

import jaxsched

INT32_MAX = 2**31 - 1
SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
EPS = float(np.finfo(np.float32).eps)


@dataclass
class Case:
    """A schedule and what its documentation promises about it."""

    schedule: jaxsched.Schedule
    lo: float  # bounds of every value
    hi: float
    phases: list  # (start, end, +1 non-decreasing / -1 non-increasing) on [start, end)
    slope: float | None  # max |v(t+1) - v(t)| where continuous, None if it may jump


values = st.floats(1e-6, 10.0, allow_nan=False, allow_infinity=False)
fractions = st.floats(0.0, 1.0).map(lambda f: f if f > 1e-30 else 0.0)  # no value below float32's normal range
lengths = st.integers(1, 10**6) | st.integers(1, 2**30)


@st.composite
def cases(draw):
    kind = draw(
        st.sampled_from(
            ["linear", "cosine", "polynomial", "warmup_cosine", "warmup_linear", "warmup_constant", "rsqrt", "wsd",
             "exponential", "step_decay", "multistep", "piecewise", "join"]
        )
    )  # fmt: skip
    hi = draw(values)
    lo = hi * draw(fractions)  # lo <= hi, both >= 0
    start = hi * draw(fractions)
    T = draw(lengths)
    big = INT32_MAX
    if kind == "linear":
        up = draw(st.booleans())
        a, b = (lo, hi) if up else (hi, lo)
        s = jaxsched.linear(init_value=a, end_value=b, total_steps=T)
        return Case(s, f32(lo), f32(hi), [(0, big, 1 if up else -1)], abs(f32(b) - f32(a)) / T)
    if kind == "cosine":
        e = draw(st.sampled_from([1.0, 0.5, 2.0, 3.3]))
        s = jaxsched.cosine(init_value=hi, total_steps=T, end_value=lo, exponent=e)
        slope = math.pi / 2 * (f32(hi) - f32(lo)) / T if e == 1.0 else None
        return Case(s, f32(lo), f32(hi), [(0, big, -1)], slope)
    if kind == "polynomial":
        p = draw(st.floats(0.1, 5.0))
        s = jaxsched.polynomial(init_value=hi, end_value=lo, total_steps=T, power=p)
        slope = f32(p) * (f32(hi) - f32(lo)) / T if p >= 1 else None
        return Case(s, f32(lo), f32(hi), [(0, big, -1)], slope)
    w = draw(st.integers(0, 10**5))
    if kind in ("warmup_cosine", "warmup_linear"):
        T = w + T
        if kind == "warmup_cosine":
            e = draw(st.sampled_from([1.0, 2.0]))
            s = jaxsched.warmup_cosine(
                peak_value=hi, warmup_steps=w, total_steps=T, init_value=start, end_value=lo, exponent=e
            )
            k = math.pi / 2 if e == 1.0 else None
        else:
            s = jaxsched.warmup_linear(peak_value=hi, warmup_steps=w, total_steps=T, init_value=start, end_value=lo)
            k = 1.0
        slope = None if k is None else max(_ramp_slope(start, hi, w), k * (f32(hi) - f32(lo)) / (T - w))
        return Case(s, min(f32(lo), f32(start)), f32(hi), [(0, w, 1), (w, big, -1)], slope)
    if kind == "warmup_constant":
        s = jaxsched.warmup_constant(peak_value=hi, warmup_steps=w, init_value=start)
        return Case(s, f32(start), f32(hi), [(0, big, 1)], _ramp_slope(start, hi, w))
    if kind == "rsqrt":
        scale = draw(st.none() | st.integers(1, 10**6))
        s = jaxsched.rsqrt(peak_value=hi, warmup_steps=w, timescale=scale, init_value=start)
        eff = scale if scale is not None else (w or 10_000)
        slope = max(_ramp_slope(start, hi, w), f32(hi) / (2 * eff))
        return Case(s, 0.0, f32(hi), [(0, w, 1), (w, big, -1)], slope)
    if kind == "wsd":
        shape = draw(st.sampled_from(["linear", "cosine", "1-sqrt", "square", "exponential"]))
        D = draw(st.integers(1, T))
        T = w + T + draw(st.integers(0, 1000))
        end = max(lo, 1e-7) if shape == "exponential" else lo
        s = jaxsched.wsd(
            peak_value=hi, warmup_steps=w, total_steps=T, decay_steps=D, shape=shape, init_value=start,
            end_value=end,
        )  # fmt: skip
        k = {"linear": 1.0, "cosine": math.pi / 2, "square": 2.0, "1-sqrt": None}.get(shape)
        drop = f32(hi) - f32(end)
        if shape == "exponential":
            k, drop = 1.0, f32(hi) * abs(math.log(f32(end) / f32(hi)))
        slope = None if k is None else max(_ramp_slope(start, hi, w), k * drop / D)
        return Case(s, min(f32(end), f32(start)), f32(hi), [(0, w, 1), (w, big, -1)], slope)
    if kind == "exponential":
        rate = draw(st.floats(0.05, 0.999))
        stair = draw(st.booleans())
        end = draw(st.none() | st.just(lo))
        s = jaxsched.exponential(init_value=hi, decay_rate=rate, period=T, staircase=stair, end_value=end)
        slope = None if stair else f32(hi) * -math.log(f32(rate)) / T
        return Case(s, 0.0 if end is None else f32(lo), f32(hi), [(0, big, -1)], slope)
    if kind == "step_decay":
        s = jaxsched.step_decay(init_value=hi, period=T, decay_rate=draw(st.floats(0.01, 1.0)))
        return Case(s, 0.0, f32(hi), [(0, big, -1)], None)
    if kind == "multistep":
        ms = sorted(draw(st.sets(st.integers(0, 10**7), min_size=1, max_size=8)))
        s = jaxsched.multistep_decay(init_value=hi, boundaries=ms, decay_rate=draw(st.floats(0.01, 1.0)))
        return Case(s, 0.0, f32(hi), [(0, big, -1)], None)
    if kind == "piecewise":
        bs = sorted(draw(st.sets(st.integers(0, 10**7), min_size=1, max_size=8)))
        vs = draw(st.lists(values, min_size=len(bs) + 1, max_size=len(bs) + 1))
        s = jaxsched.piecewise_constant(boundaries=bs, values=vs)
        return Case(s, min(map(f32, vs)), max(map(f32, vs)), [], None)
    # join: warmup then cosine, continuous at the boundary
    s = jaxsched.join(
        [
            jaxsched.linear(init_value=start, end_value=hi, total_steps=max(w, 1)),
            jaxsched.cosine(init_value=hi, total_steps=T, end_value=lo),
        ],
        boundaries=[max(w, 1)],
    )
    slope = max(_ramp_slope(start, hi, max(w, 1)), math.pi / 2 * (f32(hi) - f32(lo)) / T)
    return Case(s, min(f32(lo), f32(start)), f32(hi), [(0, max(w, 1), 1), (max(w, 1), big, -1)], slope)


def _ramp_slope(a, b, w):
    return abs(f32(b) - f32(a)) / w if w > 0 else 0.0


def _tol(case):
    return 8 * EPS * max(abs(case.lo), abs(case.hi), 1e-30)


steps_strategy = st.lists(st.integers(-(2**31), INT32_MAX), min_size=16, max_size=16)


def _interesting_steps(case, random_steps):
    edges = [p[0] for p in case.phases] + [p[1] for p in case.phases]
    extra = [e + d for e in edges for d in (-1, 0, 1)]
    steps = np.clip(np.array(random_steps + extra, dtype=np.int64), 0, INT32_MAX)
    return np.unique(steps).astype(np.int32)


@SETTINGS
@given(cases(), steps_strategy)
def test_bounded(case, random_steps):
    v = np.asarray(case.schedule(_interesting_steps(case, random_steps)))
    tol = _tol(case)
    assert np.all(np.isfinite(v))
    assert np.all(v >= case.lo - tol) and np.all(v <= case.hi + tol), (case.schedule, v.min(), v.max())


@SETTINGS
@given(cases(), steps_strategy)
def test_monotone(case, random_steps):
    steps = _interesting_steps(case, random_steps)
    v = np.asarray(case.schedule(steps))
    tol = _tol(case)
    for start, end, direction in case.phases:
        inside = (steps >= start) & (steps <= end)  # the phase's end value belongs to it too
        d = np.diff(v[inside]) * direction
        assert np.all(d >= -tol), (case.schedule, start, end, d.min())


@SETTINGS
@given(cases(), st.lists(st.integers(0, INT32_MAX - 1), min_size=16, max_size=16))
def test_continuous(case, random_steps):
    if case.slope is None:
        return
    edges = [p[0] for p in case.phases] + [p[1] for p in case.phases]
    t = np.unique(np.clip(np.array(random_steps + [e + d for e in edges for d in (-2, -1, 0)]), 0, INT32_MAX - 1))
    t = t.astype(np.int32)
    a, b = np.asarray(case.schedule(t)), np.asarray(case.schedule(t + 1))
    jump = np.abs(b.astype(np.float64) - a)
    limit = case.slope * (1 + 1e-4) + 2 * _tol(case)
    assert np.all(jump <= limit), (case.schedule, t[np.argmax(jump)], jump.max(), limit)


@SETTINGS
@given(cases(), steps_strategy)
def test_eager_jit_vmap_agree(case, random_steps):
    s = case.schedule
    steps = np.array(random_steps, dtype=np.int32)
    whole = np.asarray(s(steps))
    eager = np.array([float(s(int(t))) for t in steps[:4]])
    jitted = np.asarray(call_jit(s, jnp.asarray(steps)))
    mapped = np.asarray(jax.vmap(s)(jnp.asarray(steps)))
    np.testing.assert_array_equal(eager.astype(np.float32), whole[:4])  # every bit: issue 10, item 1
    np.testing.assert_array_equal(jitted, whole)
    np.testing.assert_array_equal(mapped, whole)
    # negative steps are step 0
    np.testing.assert_array_equal(whole[steps < 0], float(s(0)) if np.any(steps < 0) else whole[steps < 0])


def _paths(s) -> Callable[[np.ndarray], dict[str, np.ndarray]]:
    """The values at non-negative ``steps`` from every path a user meets, as a function
    of ``steps`` (its programs compiled once per schedule)."""
    closed = jax.jit(lambda t: s(t))  # the schedule a constant of the program
    sgd, injected = optax.sgd(s), optax.inject_hyperparams(optax.sgd)(learning_rate=s)
    zero = jnp.zeros(())

    def at(state, count):  # every step count of an optimizer state set to ``count``
        return jax.tree_util.tree_map(lambda x: count if jnp.issubdtype(x.dtype, jnp.integer) else x, state)

    @jax.jit
    def used(count):  # the learning rate an update at ``count`` applies, plain and injected
        updates, after = sgd.update(jnp.ones(()), at(sgd.init(zero), count))
        _, inj = injected.update(jnp.ones(()), at(injected.init(zero), count))
        return -updates, inj.hyperparams["learning_rate"], after

    def paths(steps: np.ndarray) -> dict[str, np.ndarray]:
        out = {"array": s(steps), "vmap": jax.vmap(s)(steps), "jit, as an argument": call_jit(s, jnp.asarray(steps))}
        rows = []
        for t in steps:
            lr, lr_injected, after = used(jnp.int32(t))
            rows.append([s(int(t)), closed(t), lr, lr_injected, jaxsched.current_lr(after, s)])
        names = ["eager", "jit, closed over", "optax.sgd update", "inject_hyperparams update", "current_lr"]
        out |= dict(zip(names, np.asarray(rows).T, strict=True))
        return {k: np.asarray(v, np.float32) for k, v in out.items()}

    return paths


def assert_same_bits(s, steps) -> None:
    """Every path of ``_paths`` gives the eager scalar call's bits."""
    got = _paths(s)(np.asarray(steps, np.int32))
    for name, values in got.items():
        np.testing.assert_array_equal(values.view(np.int32), got["eager"].view(np.int32), err_msg=f"{s}: {name}")


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])  # a compile per example
@given(cases(), st.lists(st.integers(0, INT32_MAX - 1), min_size=8, max_size=8))
def test_same_bits_random_hyperparameters(case, random_steps):
    """Issue 10, item 1: the value logged is the value trained with, to the bit, on every path."""
    steps = np.unique(_interesting_steps(case, random_steps))
    assert_same_bits(case.schedule, steps[steps < INT32_MAX][:16])


@pytest.mark.parametrize("make", params(first_only=True))  # (the variants: the random hyperparameters above)
def test_same_bits_every_schedule(make):
    s = make()
    if s.stateful:
        pytest.skip("a stateful schedule's value comes from its state")
    steps = np.random.default_rng(len(repr(s))).integers(0, INT32_MAX - 1, 8)
    # (not 2**31 - 1: Optax's count stops there, so current_lr reads the step before)
    assert_same_bits(s, np.concatenate([steps, [0, 1, 99, 100, 101, 1000, 10**6, INT32_MAX - 1]]))
