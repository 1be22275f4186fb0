"""Shared test machinery: key steps, reference comparison under every variant."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

INT32_MAX = 2**31 - 1

# Run a function eagerly and under jit: `@pytest.mark.parametrize("variant", VARIANTS)`.
VARIANTS = [lambda f: f, jax.jit]
VARIANT_IDS = ["eager", "jit"]


def key_steps(*boundaries: int) -> np.ndarray:
    """Step 0, each boundary -1 / 0 / +1, far past the end, and 2**31 - 1."""
    steps = {0, 1, INT32_MAX, INT32_MAX - 1}
    for b in boundaries:
        steps.update({b - 1, b, b + 1})
    if boundaries:
        steps.update({2 * max(boundaries) + 7, 10 * max(boundaries)})
    return np.array(sorted(s for s in steps if 0 <= s <= INT32_MAX), dtype=np.int64)


def assert_matches(
    schedule: Any,
    reference: Callable[[np.ndarray], np.ndarray],
    steps: np.ndarray,
    rtol: float = 1e-6,
    atol: float = 0.0,
) -> None:
    """The schedule equals a float64 NumPy reference at ``steps``.

    Checked eagerly per scalar step, under jit with the schedule as a traced
    argument, under vmap over steps, and on the whole array at once; plus a
    negative step, which must equal step 0.
    """
    steps = np.asarray(steps, dtype=np.int64)
    expected = np.asarray(reference(steps.astype(np.float64)), dtype=np.float64)
    int_steps = steps.astype(np.int32)

    eager = np.array([float(schedule(int(s))) for s in steps])
    np.testing.assert_allclose(eager, expected, rtol=rtol, atol=atol, err_msg="eager")

    jitted = jax.jit(lambda sch, t: sch(t))
    traced = np.array([float(jitted(schedule, jnp.int32(s))) for s in int_steps])
    np.testing.assert_allclose(traced, expected, rtol=rtol, atol=atol, err_msg="jit, traced schedule")

    mapped = np.asarray(jax.vmap(schedule)(jnp.asarray(int_steps)))
    np.testing.assert_allclose(mapped, expected, rtol=rtol, atol=atol, err_msg="vmap over steps")

    whole = np.asarray(schedule(jnp.asarray(int_steps)))
    np.testing.assert_allclose(whole, expected, rtol=rtol, atol=atol, err_msg="array of steps")

    for s in (-1, -1000, np.int32(-7)):
        np.testing.assert_array_equal(np.asarray(schedule(s)), np.asarray(schedule(0)), err_msg="negative step")


def assert_traced_construction(constructor: Callable[..., Any], kwargs: dict, steps: np.ndarray) -> None:
    """Building the schedule inside jit (numeric arguments traced) gives the same values."""
    numeric = {k: v for k, v in kwargs.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    rest = {k: v for k, v in kwargs.items() if k not in numeric}
    steps = jnp.asarray(np.asarray(steps, dtype=np.int32))
    expected = np.asarray(constructor(**kwargs)(steps))
    got = jax.jit(lambda kw: constructor(**rest, **kw)(steps))(numeric)
    np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-6, atol=1e-12)


def assert_one_trace(schedules: list[Any], step: int = 3) -> None:
    """Schedules of one structure that differ only in values share one trace of a jitted step."""
    import chex

    chex.clear_trace_counter()  # chex keys its counter by function name, shared across tests

    @jax.jit
    @chex.assert_max_traces(n=1)
    def f(schedule: Any, t: jax.Array) -> jax.Array:
        return schedule(t)

    for schedule in schedules:
        f(schedule, jnp.int32(step))
