"""piecewise_interpolate: linear and half-cosine interpolation between points."""

from __future__ import annotations

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from helpers import INT32_MAX, assert_matches, assert_one_trace, key_steps

import jaxsched


def reference(boundaries, values, shape):
    b = np.asarray(boundaries, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)

    def ref(t):
        t = np.maximum(np.asarray(t, dtype=np.float64), 0.0)
        if len(b) == 1:
            return np.full_like(t, v[0])
        i = np.clip(np.searchsorted(b, t, side="right"), 1, len(b) - 1)
        x = np.clip((t - b[i - 1]) / (b[i] - b[i - 1]), 0.0, 1.0)
        if shape == "linear":
            return v[i - 1] + (v[i] - v[i - 1]) * x
        # 0.5 * (1 + cos(pi * x)) written as sin(pi/2 * (1 - x))**2, with 1 - x
        # from the integers: float64 cancels to 0 next to the end otherwise.
        remaining = np.clip((b[i] - t) / (b[i] - b[i - 1]), 0.0, 1.0)
        return v[i] + (v[i - 1] - v[i]) * np.sin(np.pi / 2 * remaining) ** 2

    return ref


CASES = [
    ([0, 100, 300], [0.0, 1.0, 0.5]),
    ([10, 20, 1_000_000, 20_000_000], [1e-4, 3e-4, 3e-5, 1e-7]),
    ([5], [0.25]),
    ([7, 8], [2.0, -1.0]),
    ([0, INT32_MAX], [1.0, 0.0]),
]


@pytest.mark.parametrize("shape", ["linear", "cosine"])
@pytest.mark.parametrize(("boundaries", "values"), CASES)
def test_matches_reference(boundaries, values, shape):
    s = jaxsched.piecewise_interpolate(boundaries=boundaries, values=values, shape=shape)
    steps = key_steps(*boundaries)
    mids = [(a + b) // 2 for a, b in itertools.pairwise(boundaries)]
    steps = np.unique(np.concatenate([steps, mids, [INT32_MAX - 5]]))
    # Values of mixed signs cancel where the curve crosses zero: allow float32
    # precision of the largest value there.
    atol = 1e-7 * max(abs(v) for v in values) if min(values) < 0 else 0.0
    assert_matches(s, reference(boundaries, values, shape), steps, atol=atol)


@pytest.mark.parametrize("shape", ["linear", "cosine"])
def test_exact_at_points_and_held_outside(shape):
    b, v = [3, 10, 50, 20_000_000], [0.1, 0.7, 0.3, 1e-6]
    s = jaxsched.piecewise_interpolate(boundaries=b, values=v, shape=shape)
    for bi, vi in zip(b, v, strict=True):
        assert float(s(bi)) == np.float32(vi)
    assert float(s(0)) == np.float32(v[0])
    assert float(s(INT32_MAX)) == np.float32(v[-1])
    if shape == "linear":
        assert float(s(20_000_000 - 1)) != np.float32(v[-1])


def test_cosine_is_flat_at_the_points_and_symmetric():
    s = jaxsched.piecewise_interpolate(boundaries=[0, 1000], values=[1.0, 0.0], shape="cosine")
    x = np.asarray(s(np.arange(1001)))
    np.testing.assert_allclose(x + x[::-1], 1.0, rtol=0, atol=3e-7)
    assert np.all(np.diff(x) <= 0)
    assert x[0] - x[1] < 1e-5 and x[999] - x[1000] < 1e-5


@pytest.mark.parametrize("shape", ["linear", "cosine"])
def test_traced_construction(shape):
    b, v = [0, 100, 300], [0.0, 1.0, 0.5]
    steps = key_steps(*b)
    expected = np.asarray(jaxsched.piecewise_interpolate(boundaries=b, values=v, shape=shape)(steps))
    got = jax.jit(lambda bb, vv: jaxsched.piecewise_interpolate(boundaries=bb, values=vv, shape=shape)(steps))(
        jnp.asarray(b, jnp.int32), jnp.asarray(v, jnp.float32)
    )
    np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-6)


@pytest.mark.parametrize("shape", ["linear", "cosine"])
def test_traced_values_with_concrete_boundaries(shape):
    b = list(range(0, 400, 10))  # more than 32 boundaries: a binary search
    v = [float(i % 7) for i in range(len(b))]
    steps = key_steps(*b)
    ref = reference(b, v, shape)(steps.astype(np.float64))
    got = jax.jit(lambda vv: jaxsched.piecewise_interpolate(boundaries=b, values=vv, shape=shape)(steps))(
        jnp.asarray(v, jnp.float32)
    )
    np.testing.assert_allclose(np.asarray(got), ref, rtol=1e-6, atol=1e-6)


def test_vmap_over_a_stack_of_schedules():
    stack = jax.tree_util.tree_map(
        lambda *xs: jnp.stack(xs),
        *[jaxsched.piecewise_interpolate(boundaries=[0, 10], values=[p, 0.0]) for p in (1.0, 2.0, 4.0)],
    )
    got = jax.vmap(lambda sch: sch(5))(stack)
    np.testing.assert_allclose(np.asarray(got), [0.5, 1.0, 2.0], rtol=1e-6)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(boundaries=[0, 100], values=[1.0, 0.5]),
        dict(boundaries=[0, 100, 300], values=[0.0, 1.0, 0.5], shape="cosine"),
        dict(boundaries=[7], values=[3e-4]),
    ],
)
def test_round_trips(kwargs):
    s = jaxsched.piecewise_interpolate(**kwargs)
    assert jaxsched.parse(repr(s)) == s
    assert jaxsched.from_config(s.to_config()) == s
    assert repr(s).startswith("piecewise_interpolate(")


def test_values_must_be_a_list():
    with pytest.raises(TypeError, match=r"^piecewise_interpolate: values must be a list of real numbers, got 1.0$"):
        jaxsched.piecewise_interpolate(boundaries=[0, 5], values=1.0)


def test_positional_arguments_are_refused():
    with pytest.raises(TypeError):
        jaxsched.piecewise_interpolate([0, 10], [1.0, 0.0])  # type: ignore[misc]


def test_no_recompile_when_values_change():
    assert_one_trace([jaxsched.piecewise_interpolate(boundaries=[0, 10], values=[v, 0.0]) for v in (1.0, 2.0, 3.0)])
