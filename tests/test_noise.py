"""noise: multiplicative noise that is a pure function of (seed, step)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from helpers import INT32_MAX, call_jit, padded

import jaxsched

BASE = jaxsched.warmup_cosine(peak_value=1.0, warmup_steps=100, total_steps=10_000, end_value=0.1)


def expected(schedule, std, seed, shape, steps):
    """The documented recipe, step by step with jax.random directly (partitionable threefry)."""
    out = []
    for t in steps:
        with jax.threefry_partitionable(True):
            key = jax.random.fold_in(jax.random.key(seed, impl="threefry2x32"), int(min(max(t, 0), INT32_MAX)))
            if shape == "normal":
                z = jax.random.truncated_normal(key, -2.0, 2.0, dtype=jnp.float32)
            else:
                z = jax.random.uniform(key, dtype=jnp.float32, minval=-1.0, maxval=1.0)
        out.append(float(schedule(t)) * (1 + std * float(z)))
    return np.array(out)


STEPS = np.array([0, 1, 99, 100, 101, 5000, 9999, 10_000, 10_001, 123_456, INT32_MAX - 1, INT32_MAX])


@pytest.mark.parametrize(("shape", "std"), [("normal", 0.1), ("normal", 0.5), ("uniform", 0.3), ("uniform", 1.0)])
def test_recipe(shape, std):
    s = jaxsched.noise(BASE, std=std, seed=1234, shape=shape)
    want = expected(BASE, std, 1234, shape, STEPS)
    np.testing.assert_allclose([float(s(int(t))) for t in STEPS], want, rtol=1e-6)
    batch, n = jnp.asarray(padded(STEPS.astype(np.int32))), len(STEPS)  # a shape the other tests share
    np.testing.assert_allclose(np.asarray(s(batch))[:n], want, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(jax.vmap(s)(batch))[:n], want, rtol=1e-6)
    np.testing.assert_allclose([float(call_jit(s, jnp.int32(t))) for t in STEPS], want, rtol=1e-6)


@pytest.mark.parametrize("shape", ["normal", "uniform"])
def test_same_noise_whatever_jax_threefry_partitionable(shape):
    """The flag's default changed in JAX 0.5; the noise must not depend on it."""
    steps = np.array([0, 1, 7, 1000, 123_456, INT32_MAX], np.int32)
    batch, n = jnp.asarray(padded(steps)), len(steps)  # a shape the other tests share
    runs = []
    for flag in (True, False):
        with jax.threefry_partitionable(flag):
            s = jaxsched.noise(BASE, std=0.3, seed=42, shape=shape)
            runs.append(
                [
                    np.array([float(s(int(t))) for t in steps]),
                    np.asarray(s(batch))[:n],
                    np.asarray(jax.vmap(s)(batch))[:n],
                    np.asarray(call_jit(s, batch))[:n],
                ]
            )
    want = expected(BASE, 0.3, 42, shape, steps)
    for a, b in zip(*runs, strict=True):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_allclose(a, want, rtol=1e-6)
    assert np.all(runs[0][0][1:] != np.asarray(BASE(steps[1:])))  # there is noise (BASE(0) is 0)


def test_pure_function_of_seed_and_step():
    s = jaxsched.noise(BASE, std=0.2, seed=7)
    a = np.asarray(s(np.arange(1000)))
    b = np.asarray(s(np.arange(1000)[::-1]))[::-1]
    np.testing.assert_array_equal(a, b)  # order of evaluation does not matter
    np.testing.assert_array_equal(np.asarray(s(np.arange(500, 1000))), a[500:])  # resumes identically
    c = np.asarray(jaxsched.noise(BASE, std=0.2, seed=8)(np.arange(1000)))
    assert np.mean(a == c) < 0.01  # another seed, other noise
    for t in (-1, -100):
        assert float(s(t)) == float(s(0))


@pytest.mark.parametrize("step_dtype", [np.int32, np.int64, np.uint32, np.float32, np.float64])
def test_same_noise_whatever_the_step_dtype(step_dtype):
    s = jaxsched.noise(BASE, std=0.2, seed=7)
    steps = np.array([0, 5, 1000, 70_000])
    np.testing.assert_array_equal(np.asarray(s(steps.astype(step_dtype))), np.asarray(s(steps.astype(np.int32))))


@pytest.mark.parametrize(("shape", "std"), [("normal", 0.5), ("uniform", 1.0), ("normal", 0.1), ("uniform", 0.25)])
def test_bounded_never_negative_never_nan(shape, std):
    s = jaxsched.noise(jaxsched.constant(value=1.0), std=std, seed=0, shape=shape)
    x = np.asarray(s(np.arange(200_000)))
    bound = 2 * std if shape == "normal" else std
    assert np.all(np.isfinite(x))
    assert np.all(x >= 0)
    assert np.all(np.abs(x - 1) <= bound * (1 + 1e-6))
    # Roughly the documented distribution: mean 0; truncated normal std 0.88 * std, uniform std / sqrt(3).
    spread = 0.8796 * std if shape == "normal" else std / np.sqrt(3)
    assert abs(np.mean(x - 1)) < 0.01 * std
    np.testing.assert_allclose(np.std(x - 1), spread, rtol=0.02)


def test_zero_std_is_the_schedule():
    s = jaxsched.noise(BASE, std=0.0, seed=3)
    np.testing.assert_array_equal(np.asarray(s(STEPS)), np.asarray(BASE(STEPS)))


def test_traced_construction():
    steps = jnp.asarray([0, 10, 100, 5000], jnp.int32)
    want = np.asarray(jaxsched.noise(BASE, std=0.3, seed=11)(steps))
    got = jax.jit(lambda std, seed: jaxsched.noise(BASE, std=std, seed=seed)(steps))(0.3, 11)
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-6)


def test_vmap_over_seeds():
    stack = jax.tree_util.tree_map(
        lambda *xs: jnp.stack(xs), *[jaxsched.noise(BASE, std=0.3, seed=k) for k in range(4)]
    )
    got = jax.vmap(lambda sch: sch(123))(stack)
    want = [float(jaxsched.noise(BASE, std=0.3, seed=k)(123)) for k in range(4)]
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-6)


def test_gradient_with_respect_to_the_base_value_is_finite():
    g = jax.grad(lambda p: jaxsched.noise(jaxsched.constant(value=p), std=0.3, seed=1)(17))(2.0)
    assert np.isfinite(float(g)) and float(g) > 0


@pytest.mark.parametrize(
    "s",
    [
        jaxsched.noise(BASE, std=0.1, seed=0),
        jaxsched.noise(jaxsched.constant(value=0.5), std=0.25, seed=2**31 - 1, shape="uniform"),
        jaxsched.noise(jaxsched.noise(BASE, std=0.1, seed=1), std=0.2, seed=2),
    ],
)
def test_round_trips(s):
    assert jaxsched.parse(repr(s)) == s
    assert jaxsched.from_config(s.to_config()) == s
    np.testing.assert_array_equal(np.asarray(jaxsched.parse(repr(s))(STEPS)), np.asarray(s(STEPS)))


def test_repr():
    s = jaxsched.noise(jaxsched.constant(value=1.0), std=0.1, seed=3)
    assert repr(s) == "noise(schedule=constant(value=1.0), std=0.1, seed=3)"


def test_type_errors():
    with pytest.raises(TypeError, match=r"noise: seed must be an integer, got 1\.5"):
        jaxsched.noise(BASE, std=0.1, seed=1.5)
    with pytest.raises(TypeError, match="noise: seed must be an integer"):
        jaxsched.noise(BASE, std=0.1, seed=True)
    with pytest.raises(TypeError, match="noise: schedule must be a jaxsched schedule"):
        jaxsched.noise(lambda t: 1.0, std=0.1, seed=0)
    with pytest.raises(TypeError):
        jaxsched.noise(BASE, 0.1, 0)  # type: ignore[misc]
