"""constant, linear and polynomial against NumPy float64 references."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import assert_matches, assert_traced_construction, key_steps
from references import ref_constant, ref_linear, ref_polynomial

import jaxsched


@pytest.mark.parametrize("value", [1e-3, 0.0, -2.5, 3e-4, 12345.0])
def test_constant(value):
    s = jaxsched.constant(value=value)
    assert_matches(s, lambda t: ref_constant(t, value), key_steps(1, 1000))
    assert_traced_construction(jaxsched.constant, {"value": value}, key_steps(10))


LINEAR = [
    {"init_value": 1.0, "end_value": 0.0, "total_steps": 100},
    {"init_value": 0.0, "end_value": 3e-4, "total_steps": 2000},
    {"init_value": 0.1, "end_value": 0.01, "total_steps": 1},
    {"init_value": 5e-4, "end_value": 1e-5, "total_steps": 1_000_000_000},
    {"init_value": -1.0, "end_value": 2.0, "total_steps": 7},
]


@pytest.mark.parametrize("kwargs", LINEAR)
def test_linear(kwargs):
    s = jaxsched.linear(**kwargs)
    T = kwargs["total_steps"]
    assert_matches(s, lambda t: ref_linear(t, **kwargs), key_steps(T // 2, T), atol=1e-12)
    assert_traced_construction(jaxsched.linear, kwargs, key_steps(T // 2, T))


def test_linear_end_value_exact():
    s = jaxsched.linear(init_value=1.0, end_value=0.25, total_steps=3)
    assert float(s(3)) == 0.25
    assert float(s(10**6)) == 0.25
    assert float(s(0)) == 1.0


POLYNOMIAL = [
    {"init_value": 1.0, "end_value": 0.0, "total_steps": 100, "power": 2.0},
    {"init_value": 1.0, "end_value": 0.1, "total_steps": 100, "power": 1.0},
    {"init_value": 3e-4, "end_value": 1e-5, "total_steps": 50_000, "power": 0.5},
    {"init_value": 0.2, "end_value": 0.0, "total_steps": 1000, "power": 3.7},
    {"init_value": 0.0, "end_value": 1.0, "total_steps": 10, "power": 2.0},
    {"init_value": 2e-3, "end_value": 1e-4, "total_steps": 2_000_000_000, "power": 1.5},
]


@pytest.mark.parametrize("kwargs", POLYNOMIAL)
def test_polynomial(kwargs):
    s = jaxsched.polynomial(**kwargs)
    T = kwargs["total_steps"]
    # atol: the reference at t = T is exactly end; 0 ** p is 0 in both.
    assert_matches(s, lambda t: ref_polynomial(t, **kwargs), key_steps(T // 3, T), atol=1e-12)
    assert_traced_construction(jaxsched.polynomial, kwargs, key_steps(T // 3, T))


def test_polynomial_power_one_is_linear():
    p = jaxsched.polynomial(init_value=1.0, end_value=0.2, total_steps=64, power=1.0)
    q = jaxsched.linear(init_value=1.0, end_value=0.2, total_steps=64)
    steps = np.arange(0, 80)
    np.testing.assert_allclose(np.asarray(p(steps)), np.asarray(q(steps)), rtol=1e-6)


def test_matches_optax():
    import optax

    for kw in POLYNOMIAL:
        ours = jaxsched.polynomial(**kw)
        theirs = optax.polynomial_schedule(
            init_value=kw["init_value"],
            end_value=kw["end_value"],
            power=kw["power"],
            transition_steps=kw["total_steps"],
        )
        # Optax computes 1 - t/T in float32 and loses relative precision near the
        # end: compare on the first half only.
        steps = np.linspace(0, kw["total_steps"] // 2, 50).astype(np.int32)
        np.testing.assert_allclose(np.asarray(ours(steps)), np.asarray(theirs(steps)), rtol=1e-5)
