"""cosine against a NumPy float64 reference."""

from __future__ import annotations

import jax
import numpy as np
import pytest
from helpers import assert_matches, assert_traced_construction, key_steps
from references import ref_cosine

import jaxsched

COSINE = [
    {"init_value": 1.0, "total_steps": 100},
    {"init_value": 1.0, "total_steps": 100, "end_value": 0.1},
    {"init_value": 3e-4, "total_steps": 100_000, "end_value": 3e-5, "exponent": 2.0},
    {"init_value": 0.5, "total_steps": 1, "exponent": 0.5},
    {"init_value": 6e-4, "total_steps": 2_000_000_000},
    {"init_value": 0.0, "total_steps": 50, "end_value": 1.0},
]


@pytest.mark.parametrize("kwargs", COSINE)
def test_cosine(kwargs):
    s = jaxsched.cosine(**kwargs)
    T = kwargs["total_steps"]
    steps = key_steps(T // 4, T // 2, T)
    # atol: the reference at the end is exactly end_value, 0 in some sets.
    assert_matches(s, lambda t: ref_cosine(t, **kwargs), steps, atol=1e-15)
    assert_traced_construction(jaxsched.cosine, kwargs, steps)


def test_cosine_precision_near_the_end():
    # The last steps of a decay to 0 keep float32 relative precision.
    T = 10_000
    s = jaxsched.cosine(init_value=1.0, total_steps=T)
    steps = np.arange(T - 20, T)
    np.testing.assert_allclose(np.asarray(s(steps)), ref_cosine(steps.astype(np.float64), 1.0, T), rtol=1e-6)


def test_matches_optax():
    import optax

    for kw in COSINE:
        if kw.get("end_value", 0.0) != 0.0 and kw["init_value"] == 0.0:
            continue  # optax's alpha is a ratio of init_value
        ours = jaxsched.cosine(**kw)
        theirs = optax.cosine_decay_schedule(
            init_value=kw["init_value"],
            decay_steps=kw["total_steps"],
            alpha=kw.get("end_value", 0.0) / kw["init_value"],
            exponent=kw.get("exponent", 1.0),
        )
        # optax loses relative precision near the end of the decay: compare up to 90 %.
        steps = np.linspace(0, 0.9 * kw["total_steps"], 40).astype(np.int32)
        with jax.numpy_dtype_promotion("standard"):  # optax mixes int and float
            expected = np.asarray(theirs(steps))
        np.testing.assert_allclose(np.asarray(ours(steps)), expected, rtol=1e-5, atol=1e-9)


@pytest.mark.parametrize("total_steps", [1_500_000_000, 2**31 - 1])
def test_cosine_cycles_beyond_2_to_the_30(total_steps):
    """Issue 10, item 2: the wave phase 2 * n * t mod 2T overflowed int32 once 2T did."""
    s = jaxsched.cosine_cycles(init_value=1.0, total_steps=total_steps, cycles=0.5)
    steps = np.array([0, total_steps // 4, total_steps // 2, total_steps - 1, total_steps], dtype=np.int64)
    expected = ref_cosine(steps.astype(np.float64), 1.0, total_steps)  # half a cycle: the plain cosine decay
    np.testing.assert_allclose(np.asarray(s(steps)), expected, rtol=1e-6, atol=1e-7)
    assert abs(float(jaxsched.parse(repr(s))(total_steps // 2)) - 0.5) < 1e-6
