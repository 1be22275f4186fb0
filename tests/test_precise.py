"""Float64 hyperparameters in two float32 words (``F.value(precise=True)``) and their powers."""

from __future__ import annotations

from fractions import Fraction

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxsched import _fields as F
from jaxsched import _math

INT32_MAX = 2**31 - 1
PRECISE = F.Kind("value", precise=True)


def words(x):
    return PRECISE.convert("f", "x", x)


def exact(pair) -> Fraction:
    return Fraction(float(np.asarray(pair[0]))) + Fraction(float(np.asarray(pair[1])))


@pytest.mark.parametrize("x", [0.99994, 1.1, 1 / 3, 0.3, 1.0, 2.5, 1 - 1e-9, 1e-30, 4096.0, 1.0123456789])
def test_precise_leaf_keeps_float64_and_prints_short(x):
    leaf = words(x)
    assert leaf.dtype == np.float32 and leaf.shape == (2,)
    assert abs(exact(leaf) - Fraction(x)) <= abs(Fraction(x)) * Fraction(1, 2**47)
    short = F.as_float(leaf)
    assert np.array_equal(words(short), leaf)
    assert len(repr(short)) <= len(repr(x))


def test_precise_leaf_validation():
    with pytest.raises(ValueError, match="f: x must be finite, got nan"):
        words(float("nan"))
    with pytest.raises(TypeError, match=r"f: x must be a real number, got \[1.0, 2.0\]"):
        words([1.0, 2.0])
    with pytest.raises(TypeError, match="f: x must be a real number"):
        words("1.0")


def test_traced_precise_leaf_is_float32():
    leaf = jax.jit(words)(0.5)
    np.testing.assert_array_equal(np.asarray(leaf), [0.5, 0.0])


@pytest.mark.parametrize(("x", "n"), [(0.99994, 100_000), (0.97, 200), (1 - 1e-9, INT32_MAX), (0.5, 10), (1.0, 10**9)])
def test_power(x, n):
    got = float(_math.power(jnp.asarray(words(x)), jnp.int32(n)))
    np.testing.assert_allclose(got, x**n, rtol=1e-7 * (1 + abs(n * np.log(x))))


def test_power_of_one_half_is_exact():
    n = jnp.arange(127, dtype=jnp.int32)  # down to the smallest normal float32 (XLA flushes subnormals)
    got = np.asarray(jax.jit(_math.power)(jnp.asarray(words(0.5)), n))
    np.testing.assert_array_equal(got, [np.float32(2.0**-k) for k in range(127)])


def test_power_under_vmap_over_leaves():
    leaves = jnp.stack([jnp.asarray(words(x)) for x in (0.99, 0.99994, 1.0)])
    got = np.asarray(jax.vmap(lambda leaf: _math.power(leaf, jnp.int32(1000)))(leaves))
    np.testing.assert_allclose(got, [0.99**1000, 0.99994**1000, 1.0], rtol=1e-5)


def test_divide_is_exact_for_every_int32_step_and_period():
    """``_math.divide``: a float32 quotient with two integer corrections equals ``//`` and ``%``, at the
    edges (periods 1, 2, 3 and near 2**30 and 2**31, steps at multiples +-1 and 2**31 - 1) and at random."""
    rng = np.random.default_rng(0)
    periods = np.concatenate(
        [[1, 2, 3, 7, 384, 385, 2**24 + 1, 2**30 - 1, 2**30, 2**30 + 1, INT32_MAX], rng.integers(1, 2**31, 300)]
    )
    k = rng.integers(0, 2**31, 300)
    steps, pers = [], []
    for p in periods:
        multiples = (np.arange(0, INT32_MAX // p + 1, max(INT32_MAX // p // 50, 1)) * p)[-60:]
        s = np.concatenate([multiples - 1, multiples, multiples + 1, k, [INT32_MAX, INT32_MAX - 1, 0]])
        s = s[(s >= 0) & (s <= INT32_MAX)]
        steps.append(s)
        pers.append(np.full(len(s), p))
    s, p = np.concatenate(steps), np.concatenate(pers)
    q, r = jax.jit(jax.vmap(_math.divide))(jnp.asarray(s, jnp.int32), jnp.asarray(p, jnp.int32))
    np.testing.assert_array_equal(np.asarray(q), s // p)
    np.testing.assert_array_equal(np.asarray(r), s % p)


def test_divide_is_exact_for_every_int64_step_and_period():
    """The same for wide steps (int64, up to 2**62) and periods up to 2**53: three float32 quotients."""
    from jaxsched import _wide

    rng = np.random.default_rng(1)
    top = 2**62
    periods = np.concatenate(
        [
            [1, 2, 3, 7, 2**24 + 1, INT32_MAX, 2**31, 2**40 + 3, 2**53 - 1, 2**53],
            rng.integers(1, 2**53, 100),
            rng.integers(1, 2**20, 100),
        ]
    )
    steps, pers = [], []
    for p in periods:
        multiples = np.unique(np.linspace(0, top // p, 40).astype(np.int64)) * p
        s = np.concatenate([multiples - 1, multiples, multiples + 1, rng.integers(0, top, 40), [top, top - 1, 0]])
        s = s[(s >= 0) & (s <= top)]
        steps.append(s)
        pers.append(np.full(len(s), p, np.int64))
    s, p = np.concatenate(steps), np.concatenate(pers)
    with _wide.x64():
        q, r = jax.jit(jax.vmap(_math.divide))(jnp.asarray(s, jnp.int64), jnp.asarray(p, jnp.int64))
        q, r = np.asarray(q), np.asarray(r)
    np.testing.assert_array_equal(q, s // p)
    np.testing.assert_array_equal(r, s % p)


def test_cosine_shape_is_a_float32_sine_squared_for_a_scalar_and_an_array_alike():
    """``_math.cosine_shape``, a polynomial: within 4e-7 of ``sin(pi/2 x)**2`` in float64 over [0, 1]
    and down to the smallest normal ``x**2`` (XLA's sine is within 3.4e-7; a term fewer, 7.4e-6), its
    derivative within 2e-6, and a scalar gives an array's bits (XLA folds constants for one only)."""
    x = np.concatenate([np.linspace(0, 1, 200_001), 2.0 ** -np.arange(1, 63)]).astype(np.float32)
    exact = x.astype(np.float64) * np.pi / 2
    got = np.asarray(jax.jit(_math.cosine_shape)(x))
    np.testing.assert_allclose(got, np.sin(exact) ** 2, rtol=4e-7, atol=0)
    slope = np.asarray(jax.jit(jax.vmap(jax.grad(_math.cosine_shape)))(x))
    np.testing.assert_allclose(slope, np.pi / 2 * np.sin(2 * exact), rtol=2e-6, atol=2e-6)
    scalar = jax.jit(_math.cosine_shape)
    picked = np.r_[0:200_001:997, 200_001 : len(x)]
    np.testing.assert_array_equal([np.asarray(scalar(x[i])) for i in picked], got[picked])
