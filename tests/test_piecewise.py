"""piecewise_constant against a NumPy float64 reference."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from helpers import INT32_MAX, assert_matches, key_steps

import jaxsched


def ref_piecewise_constant(t, boundaries, values):
    values = np.asarray(values, dtype=np.float32).astype(np.float64)
    return values[np.searchsorted(np.asarray(boundaries), t, side="right")]


PIECEWISE = [
    {"boundaries": [100, 200], "values": [1.0, 0.5, 0.1]},
    {"boundaries": [0], "values": [5.0, 3e-4]},
    {"boundaries": [1, 2, 3], "values": [0.0, -1.0, 2.5, 1e-7]},
    {"boundaries": [16_777_217, 20_000_001, INT32_MAX - 1], "values": [1.0, 2.0, 3.0, 4.0]},
    {"boundaries": list(range(7, 7 * 51, 7)), "values": [0.01 * (i + 1) for i in range(51)]},
]


@pytest.mark.parametrize("kwargs", PIECEWISE)
def test_piecewise_constant(kwargs):
    s = jaxsched.piecewise_constant(**kwargs)
    assert_matches(s, lambda t: ref_piecewise_constant(t, **kwargs), key_steps(*kwargs["boundaries"]))


def test_values_are_absolute():
    s = jaxsched.piecewise_constant(boundaries=[10], values=[0.1, 0.3])
    assert float(s(10)) == pytest.approx(0.3, rel=1e-7)  # not 0.1 * 0.3


@pytest.mark.parametrize("kwargs", PIECEWISE[:3] + PIECEWISE[4:])
def test_traced_construction(kwargs):
    steps = jnp.asarray(key_steps(*kwargs["boundaries"]).astype(np.int32))
    expected = ref_piecewise_constant(np.asarray(steps), **kwargs)
    fn = jax.jit(lambda b, v: jaxsched.piecewise_constant(boundaries=b, values=v)(steps))
    got = fn(jnp.asarray(kwargs["boundaries"], jnp.int32), jnp.asarray(kwargs["values"], jnp.float32))
    np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-6)
    # concrete lists inside a trace too
    got = jax.jit(lambda: jaxsched.piecewise_constant(**kwargs)(steps))()
    np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-6)
    # concrete boundaries, traced values
    fn = jax.jit(lambda v: jaxsched.piecewise_constant(boundaries=kwargs["boundaries"], values=v)(steps))
    np.testing.assert_allclose(np.asarray(fn(jnp.asarray(kwargs["values"], jnp.float32))), expected, rtol=1e-6)


def test_vmap_over_values():
    values = jnp.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    got = jax.vmap(lambda v: jaxsched.piecewise_constant(boundaries=[10, 20], values=v)(15))(values)
    np.testing.assert_array_equal(np.asarray(got), [2.0, 5.0])


def test_matches_optax():
    import optax

    # optax takes multiplicative scales: values[i] = init * prod(scales[:i]).
    theirs = optax.piecewise_constant_schedule(init_value=1.0, boundaries_and_scales={10: 0.5, 25: 0.5, 40: 4.0})
    ours = jaxsched.piecewise_constant(boundaries=[10, 25, 40], values=[1.0, 0.5, 0.25, 1.0])
    steps = np.arange(0, 60, dtype=np.int32)
    with jax.numpy_dtype_promotion("standard"):  # optax mixes int and float here
        expected = np.asarray(theirs(steps))
    np.testing.assert_allclose(np.asarray(ours(steps)), expected, rtol=1e-6)


@pytest.mark.parametrize("n", [33, 63, 64, 100, 255])
def test_search_counts_the_entries_at_or_below_the_step(n):
    """The branch-free table search (a breadth-first descent above 32 entries) is NumPy's
    ``searchsorted(side="right")``: repeated entries and entries at the largest step included."""
    from jaxsched._math import search

    rng = np.random.default_rng(n)
    table = np.sort(np.concatenate([rng.integers(0, 10_000, n - 3), [500, 500, INT32_MAX]])).astype(np.int32)
    wide = table.astype(np.int64)
    steps = np.unique(np.concatenate([wide - 1, wide, wide + 1, [0, 10_001]]))
    steps = np.clip(steps, 0, INT32_MAX).astype(np.int32)
    got = jax.jit(search)(table, steps)
    np.testing.assert_array_equal(np.asarray(got), np.searchsorted(table, steps, side="right"))
