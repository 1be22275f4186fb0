"""Float64 hyperparameters in two float32 words, and the float-float arithmetic."""

from __future__ import annotations

from fractions import Fraction

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxsched import _precise

INT32_MAX = 2**31 - 1


def exact(pair) -> Fraction:
    return Fraction(float(np.asarray(pair[0]))) + Fraction(float(np.asarray(pair[1])))


@pytest.mark.parametrize("x", [0.99994, 1.1, 1 / 3, 0.3, 1.0, 2.5, 1 - 1e-9, 1e-30, 4096.0, 1.0123456789])
def test_precise_leaf_keeps_float64_and_prints_short(x):
    leaf = _precise.precise("f", "x", x)
    assert leaf.dtype == jnp.float32 and leaf.shape == (2,)
    assert abs(exact(leaf) - Fraction(x)) <= abs(Fraction(x)) * Fraction(1, 2**47)
    short = _precise.as_float(leaf)
    assert np.array_equal(np.asarray(_precise.precise("f", "x", short)), np.asarray(leaf))
    assert len(repr(short)) <= len(repr(x))


def test_precise_leaf_validation():
    with pytest.raises(ValueError, match="f: x must be finite, got nan"):
        _precise.precise("f", "x", float("nan"))
    with pytest.raises(TypeError, match=r"f: x must be a real number, got \[1.0, 2.0\]"):
        _precise.precise("f", "x", [1.0, 2.0])
    with pytest.raises(TypeError, match="f: x must be a real number"):
        _precise.precise("f", "x", "1.0")


def test_traced_precise_leaf_is_float32():
    leaf = jax.jit(lambda v: _precise.precise("f", "x", v))(0.5)
    np.testing.assert_array_equal(np.asarray(leaf), [0.5, 0.0])


@pytest.mark.parametrize(("x", "n"), [(0.99994, 100_000), (0.97, 200), (1 - 1e-9, INT32_MAX), (0.5, 10), (1.0, 10**9)])
def test_power(x, n):
    got = float(_precise.power(_precise.precise("f", "x", x), jnp.int32(n)))
    np.testing.assert_allclose(got, x**n, rtol=1e-7 * (1 + abs(n * np.log(x))))


def _random_floats(rng, n, lo=-30, hi=30):
    return (rng.uniform(1, 2, n) * 2.0 ** rng.integers(lo, hi, n) * rng.choice([-1, 1], n)).astype(np.float32)


def test_two_sum_and_two_prod_are_exact():
    rng = np.random.default_rng(0)
    a, b = _random_floats(rng, 2000), _random_floats(rng, 2000)
    s, e = jax.jit(_precise.two_sum)(a, b)
    p, f = jax.jit(_precise.two_prod)(a, b)
    for k in range(len(a)):
        x, y = Fraction(float(a[k])), Fraction(float(b[k]))
        assert exact((s[k], e[k])) == x + y
        assert exact((p[k], f[k])) == x * y


def test_ff_from_int_is_exact():
    n = np.array([0, 1, 2**24 + 1, 123_456_789, INT32_MAX - 64, INT32_MAX - 1, INT32_MAX], dtype=np.int32)
    hi, lo = jax.jit(_precise.ff_from_int)(jnp.asarray(n))
    for k, v in enumerate(n.tolist()):
        assert exact((hi[k], lo[k])) == v


def test_ff_mul_add_precision():
    rng = np.random.default_rng(1)
    xs = [(np.float32(v), np.float32(0.0)) for v in rng.uniform(1, 1e4, 200)]
    ys = [(np.float32(v), np.float32(0.0)) for v in rng.uniform(1, 1e4, 200)]
    for x, y in zip(xs, ys, strict=True):
        fx, fy = exact(x), exact(y)
        for op, want in ((_precise.ff_mul, fx * fy), (_precise.ff_add, fx + fy)):
            got = exact(op(tuple(map(jnp.asarray, x)), tuple(map(jnp.asarray, y))))
            assert abs(got - want) <= abs(want) * Fraction(1, 2**44)


def test_integer_products_are_exact():
    # The restart test of sgdr relies on this: integers below 2**44 multiply exactly.
    rng = np.random.default_rng(2)
    t = rng.integers(0, INT32_MAX, 500).astype(np.int32)
    d = rng.integers(1, 4096, 500).astype(np.int32)
    hi, lo = jax.jit(lambda a, b: _precise.ff_mul(_precise.ff_from_int(a), _precise.ff_from_int(b)))(t, d)
    for k in range(len(t)):
        assert exact((hi[k], lo[k])) == int(t[k]) * int(d[k])
