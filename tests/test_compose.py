"""join and the wrappers against NumPy float64 references."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from helpers import INT32_MAX, assert_matches, instructions, key_steps
from references import f32, ref_constant, ref_cosine, ref_linear

import jaxsched


# --- float64 references --------------------------------------------------------
def ref_join(refs, boundaries):
    def ref(t):
        t = np.maximum(t, 0)
        out = refs[0](t)
        for b, r in zip(boundaries, refs[1:], strict=True):
            out = np.where(t < b, out, r(t - b))
        return out

    return ref


LIN = (jaxsched.linear(init_value=0.0, end_value=1.0, total_steps=10), lambda t: ref_linear(t, 0.0, 1.0, 10))
COS = (jaxsched.cosine(init_value=1.0, total_steps=90, end_value=0.1), lambda t: ref_cosine(t, 1.0, 90, 0.1))
CONST = (jaxsched.constant(value=3e-4), lambda t: ref_constant(t, 3e-4))
LONG = (
    jaxsched.linear(init_value=2e-3, end_value=0.0, total_steps=1_500_000_000),
    lambda t: ref_linear(t, 2e-3, 0.0, 1_500_000_000),
)

COS2 = (
    jaxsched.cosine(init_value=0.5, total_steps=40, end_value=0.2, exponent=2.0),
    lambda t: ref_cosine(t, 0.5, 40, 0.2, 2.0),
)
LIN2 = (jaxsched.linear(init_value=1.0, end_value=0.25, total_steps=7), lambda t: ref_linear(t, 1.0, 0.25, 7))

JOINS = [
    ([LIN, COS], [10]),
    ([CONST], []),
    ([LIN, CONST, COS], [10, 20_000_000]),
    ([CONST, LONG], [0]),
    ([COS, LIN, COS, CONST], [5, 50, 51]),
    # alike children (one tree structure), evaluated once on the active one's hyperparameters:
    # the cosines share some and differ in others, the linear ones differ in all
    ([COS, LIN2, COS2, LIN, COS, CONST, COS2], [3, 60, 61, 100, 190, 250]),
]


@pytest.mark.parametrize("parts, boundaries", JOINS)
def test_join(parts, boundaries):
    s = jaxsched.join([p[0] for p in parts], boundaries=boundaries)
    ref = ref_join([p[1] for p in parts], boundaries)
    assert_matches(s, ref, key_steps(*boundaries, 100), atol=1e-15)


@pytest.mark.parametrize("parts, boundaries", JOINS)
def test_join_matches_optax(parts, boundaries):
    import optax

    schedules = [p[0] for p in parts]
    ours = jaxsched.join(schedules, boundaries=boundaries)
    theirs = optax.join_schedules(schedules, boundaries)
    steps = np.unique(np.concatenate([np.arange(0, 200), key_steps(*boundaries)])).astype(np.int32)
    np.testing.assert_allclose(np.asarray(ours(steps)), np.asarray(theirs(jnp.asarray(steps))), rtol=1e-6)
    for t in (0, 9, 10, 11, 57, 20_000_001):  # scalar steps, one segment evaluated
        np.testing.assert_allclose(float(ours(t)), float(theirs(jnp.int32(t))), rtol=1e-6)


def _primitives(jaxpr):
    """The primitives of ``jaxpr`` and its inner jaxprs; a ``cond`` on the platform
    (``once``'s ``lax.platform_dependent``) is not one: lowering keeps the backend's branch only."""
    names = set()
    for eqn in jaxpr.eqns:
        if not eqn.params.get("branches_platforms"):
            names.add(eqn.primitive.name)
        for param in eqn.params.values():
            for j in param if isinstance(param, (list, tuple)) else [param]:
                inner = getattr(j, "jaxpr", None)
                if inner is not None and hasattr(inner, "eqns"):
                    names |= _primitives(inner)
    return names


def test_join_is_branch_free():
    s = jaxsched.join([LIN[0], COS[0], CONST[0]], boundaries=[10, 100])
    for step in (jnp.int32(5), jnp.arange(8, dtype=jnp.int32)):
        prims = _primitives(jax.make_jaxpr(lambda t: s(t))(step).jaxpr)
        assert not prims & {"cond", "switch", "while"}, prims

    # Every segment is evaluated; one that would give NaN (a traced value skips validation)
    # does not leak into the others' values.
    def f(bad):
        joined = jaxsched.join([jaxsched.constant(value=0.5), jaxsched.constant(value=bad)], boundaries=[10])
        return joined(3), joined(jnp.array([3, 12]))

    scalar, vector = jax.jit(f)(jnp.float32(jnp.nan))
    assert float(scalar) == 0.5
    assert float(vector[0]) == 0.5 and np.isnan(vector[1])

    # The gradient flows through the active segment only.
    def g(v, t):
        second = jaxsched.scale(jaxsched.constant(value=v), factor=3.0)
        return jaxsched.join([jaxsched.constant(value=v), second], boundaries=[10])(t)

    grad = jax.jit(jax.grad(g))
    assert float(grad(jnp.float32(1.0), 3)) == 1.0
    assert float(grad(jnp.float32(1.0), 12)) == 3.0


def test_join_evaluates_alike_children_once():
    """Alike children are evaluated once, on the active child's hyperparameters: each one more adds
    a comparison and a selection per hyperparameter to the program, not a whole evaluation."""

    def cosines(n: int):
        return [jaxsched.cosine(init_value=0.5**i, total_steps=10 + i, exponent=1.0 + i) for i in range(n)]

    joined = {
        n: instructions(jaxsched.join(cosines(n), boundaries=[100 * (i + 1) for i in range(n - 1)]), jnp.int32(5))
        for n in (2, 20)
    }
    assert (joined[20] - joined[2]) / 18 < instructions(cosines(1)[0], jnp.int32(5)) / 2, joined


def test_join_traced_boundaries():
    parts = [LIN[0], COS[0], CONST[0]]
    steps = jnp.asarray(np.union1d(key_steps(10, 57), np.arange(120)), jnp.int32)  # the bits of every step
    want = np.asarray(jaxsched.join(parts, boundaries=[10, 57])(steps))
    got = jax.jit(lambda b: jaxsched.join(parts, boundaries=b)(steps))(jnp.array([10, 57]))
    np.testing.assert_array_equal(np.asarray(got), want)


def test_join_empty_refused():
    with pytest.raises(ValueError, match=r"^join: schedules must not be empty"):
        jaxsched.join([], boundaries=[])


def test_join_vmap_and_nd_steps():
    s = jaxsched.join([LIN[0], COS[0]], boundaries=[10])
    ref = ref_join([LIN[1], COS[1]], [10])
    steps = np.arange(0, 120, dtype=np.int32).reshape(4, 3, 10)
    out = s(steps)
    assert out.shape == steps.shape
    np.testing.assert_allclose(np.asarray(out), ref(steps.astype(np.float64)), rtol=1e-6, atol=1e-15)
    np.testing.assert_allclose(np.asarray(jax.vmap(jax.vmap(s))(steps)), np.asarray(out), rtol=1e-6)


@pytest.mark.parametrize(
    "inner, ref, warmup_steps, init_value",
    [
        (*COS, 100, 0.0),
        (*COS, 0, 0.0),
        (*CONST, 7, 1e-5),
        (*LIN, 20_000_000, 0.5),
        (*LONG, 1000, 0.0),
    ],
)
def test_warmup(inner, ref, warmup_steps, init_value):
    s = jaxsched.warmup(inner, warmup_steps=warmup_steps, init_value=init_value)
    w, init = warmup_steps, f32(init_value)

    def reference(t):
        start = ref(np.zeros_like(t))
        with np.errstate(divide="ignore", invalid="ignore"):
            ramp = init + (start - init) * t / w
        return np.where(t < w, ramp, ref(t - w))

    assert_matches(s, reference, key_steps(w // 2, w, w + 45, w + 90), atol=1e-15)


WARMUP_SHAPES = [
    ("linear", lambda p: p),
    ("cosine", lambda p: 0.5 * (1 - np.cos(np.pi * p))),
    ("1-sqrt", lambda p: 1 - np.sqrt(1 - p)),
]


@pytest.mark.parametrize("shape, curve", WARMUP_SHAPES)
def test_warmup_shapes(shape, curve):
    """HF's warmup curves (``warmup_type`` of ``warmup_stable_decay``)."""
    s = jaxsched.warmup(jaxsched.constant(value=2.0), warmup_steps=16, shape=shape, init_value=0.5)
    assert_matches(s, lambda t: 0.5 + 1.5 * curve(np.minimum(t, 16) / 16), np.arange(0, 40))
    w = 20_000_000
    s = jaxsched.warmup(COS[0], warmup_steps=w, shape=shape)
    start = COS[1](np.zeros(1))[0]
    assert_matches(
        s,
        lambda t: np.where(t < w, start * curve(np.minimum(t, w) / w), COS[1](t - w)),
        key_steps(w // 3, w // 2, w, w + 45, w + 90),
        atol=1e-15,
    )


def test_warmup_shape_refused():
    with pytest.raises(ValueError, match=r"^warmup: shape must be one of 'linear', 'cosine', '1-sqrt', got 'cos'"):
        jaxsched.warmup(COS[0], warmup_steps=5, shape="cos")


def test_multiply():
    s = jaxsched.multiply([LIN[0], COS[0], CONST[0]])
    assert_matches(s, lambda t: LIN[1](t) * COS[1](t) * CONST[1](t), key_steps(10, 45, 90), atol=1e-20)
    single = jaxsched.multiply([COS[0]])
    assert_matches(single, COS[1], key_steps(45, 90), atol=1e-15)


@pytest.mark.parametrize("factor", [0.5, 3.0, -1.0, 1e-3])
def test_scale(factor):
    s = jaxsched.scale(COS[0], factor=factor)
    assert_matches(s, lambda t: f32(factor) * COS[1](t), key_steps(45, 90), atol=1e-15)


@pytest.mark.parametrize("lo, hi", [(0.3, None), (None, 0.6), (0.2, 0.7), (0.5, 0.5)])
def test_clip(lo, hi):
    s = jaxsched.clip(COS[0], min_value=lo, max_value=hi)

    def reference(t):
        v = COS[1](t)
        if lo is not None:
            v = np.maximum(v, f32(lo))
        if hi is not None:
            v = np.minimum(v, f32(hi))
        return v

    assert_matches(s, reference, key_steps(30, 45, 60, 90))


@pytest.mark.parametrize("steps", [50, -20, 0, INT32_MAX, -INT32_MAX, 1_499_999_990])
def test_offset(steps):
    s = jaxsched.offset(LONG[0], steps=steps)
    assert_matches(
        s, lambda t: LONG[1](np.clip(t + steps, 0, INT32_MAX)), key_steps(20, abs(steps) % 2**30, 1_500_000_000)
    )
    c = jaxsched.offset(COS[0], steps=steps)
    assert_matches(c, lambda t: COS[1](np.clip(t + steps, 0, INT32_MAX)), key_steps(20, 45, 90), atol=1e-15)


@pytest.mark.parametrize("period", [1, 10, 90, 7, 20_000_000])
def test_repeat(period):
    s = jaxsched.repeat(COS[0], period=period)
    assert_matches(s, lambda t: COS[1](np.mod(t, period)), key_steps(period, 2 * period, 3 * period), atol=1e-15)


def test_nested():
    inner = jaxsched.join([LIN[0], COS[0]], boundaries=[10])
    ref_inner = ref_join([LIN[1], COS[1]], [10])
    s = jaxsched.scale(jaxsched.repeat(jaxsched.warmup(inner, warmup_steps=5, init_value=0.1), period=105), factor=2.0)

    def reference(t):
        t = np.mod(t, 105)
        init, start = f32(0.1), ref_inner(np.zeros_like(t))
        return 2.0 * np.where(t < 5, init + (start - init) * t / 5, ref_inner(t - 5))

    assert_matches(s, reference, key_steps(5, 15, 105, 210), atol=1e-15)
