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


def instructions(fn: Callable[..., Any], *args: Any) -> int:
    """Instructions in the optimized HLO of ``jax.jit(fn)`` at ``args``."""
    return sum(" = " in line for line in jax.jit(fn).lower(*args).compile().as_text().splitlines())


def enable_x64(on: bool = True) -> Any:
    """``jax.enable_x64``, or ``jax.experimental.enable_x64`` on the oldest supported jax."""
    context = getattr(jax, "enable_x64", None)
    if context is None:
        from jax.experimental import enable_x64 as context
    return context(on)


def key_steps(*boundaries: int) -> np.ndarray:
    """Step 0, each boundary -1 / 0 / +1, far past the end, and 2**31 - 1."""
    steps = {0, 1, INT32_MAX, INT32_MAX - 1}
    for b in boundaries:
        steps.update({b - 1, b, b + 1})
    if boundaries:
        steps.update({2 * max(boundaries) + 7, 10 * max(boundaries)})
    return np.array(sorted(s for s in steps if 0 <= s <= INT32_MAX), dtype=np.int64)


def bucket(n: int) -> int:
    """The array length that ``n`` steps are padded to: a power of two, at least 64.

    Compiled programs are keyed by the step array's shape; padding every step
    array to a few lengths lets the tests share them (a schedule's eager array
    program, its vmap, JAX's per-primitive programs) instead of compiling one
    per test.
    """
    return max(64, 1 << (max(n, 1) - 1).bit_length())


def padded(steps: np.ndarray) -> np.ndarray:
    """``steps`` (1-D) padded to ``bucket(len(steps))`` by repeating the last one."""
    steps = np.asarray(steps)
    return np.pad(steps, (0, bucket(len(steps)) - len(steps)), mode="edge")


def call_schedule(schedule: Any, step: Any) -> jax.Array:
    return schedule(step)


# One jitted function for every test: its programs are keyed by the schedule's
# structure and the step's shape, so schedules that differ only in values share them.
call_jit = jax.jit(call_schedule)


NEGATIVE_STEPS = (-1, -7, -1000, -(2**31))


def assert_matches(
    schedule: Any,
    reference: Callable[[np.ndarray], np.ndarray],
    steps: np.ndarray,
    rtol: float = 1e-6,
    atol: float = 0.0,
) -> None:
    """The schedule equals a float64 NumPy reference at ``steps``.

    Checked eagerly per scalar step, under jit with the schedule as a traced
    argument, under vmap over steps, and on the whole array at once; plus
    negative steps on every one of these paths, which must equal step 0.
    Every path reuses the compiled programs of the others' steps (the negative
    steps ride in the padding of the step array).
    """
    steps = np.asarray(steps, dtype=np.int64)
    expected = np.asarray(reference(steps.astype(np.float64)), dtype=np.float64)
    int_steps = steps.astype(np.int32)
    n, negative = len(int_steps), slice(len(int_steps), len(int_steps) + len(NEGATIVE_STEPS))
    with_negatives = padded(np.concatenate([int_steps, np.array(NEGATIVE_STEPS, np.int32)]))
    zeroed = with_negatives.copy()
    zeroed[negative] = 0  # the same array with step 0 in place of the negative steps
    batch = jnp.asarray(with_negatives)

    eager = np.array([float(schedule(int(s))) for s in steps])
    np.testing.assert_allclose(eager, expected, rtol=rtol, atol=atol, err_msg="eager")

    traced = np.array([float(call_jit(schedule, jnp.int32(s))) for s in int_steps])
    np.testing.assert_allclose(traced, expected, rtol=rtol, atol=atol, err_msg="jit, traced schedule")

    mapped = np.asarray(jax.vmap(schedule)(batch))
    np.testing.assert_allclose(mapped[:n], expected, rtol=rtol, atol=atol, err_msg="vmap over steps")

    whole = np.asarray(schedule(batch))
    np.testing.assert_allclose(whole[:n], expected, rtol=rtol, atol=atol, err_msg="array of steps")

    at_zero, traced_at_zero = np.asarray(schedule(0)), np.asarray(call_jit(schedule, jnp.int32(0)))
    for s in NEGATIVE_STEPS:
        np.testing.assert_array_equal(np.asarray(schedule(s)), at_zero, err_msg=f"negative step {s}, eager")
        np.testing.assert_array_equal(
            np.asarray(call_jit(schedule, jnp.int32(s))), traced_at_zero, err_msg=f"negative step {s}, jit"
        )
    zeroed_values = np.asarray(schedule(jnp.asarray(zeroed)))[negative]
    np.testing.assert_array_equal(whole[negative], zeroed_values, err_msg="negative steps, array")
    zeroed_values = np.asarray(jax.vmap(schedule)(jnp.asarray(zeroed)))[negative]
    np.testing.assert_array_equal(mapped[negative], zeroed_values, err_msg="negative steps, vmap")


_CONSTRUCT_JIT: dict[Any, Callable[..., jax.Array]] = {}


def assert_traced_construction(constructor: Callable[..., Any], kwargs: dict, steps: np.ndarray) -> None:
    """Building the schedule inside jit (numeric arguments traced) gives the same values."""
    numeric = {k: v for k, v in kwargs.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    rest = {k: v for k, v in kwargs.items() if k not in numeric}
    n = len(steps)
    steps = jnp.asarray(padded(np.asarray(steps, dtype=np.int32)))
    expected = np.asarray(constructor(**kwargs)(steps))[:n]
    # One jitted function per constructor and non-numeric arguments: cases that differ
    # only in numbers share its program.
    key = (constructor, repr(sorted(rest.items())))
    if key not in _CONSTRUCT_JIT:
        _CONSTRUCT_JIT[key] = jax.jit(lambda kw, t: constructor(**rest, **kw)(t))
    got = _CONSTRUCT_JIT[key](numeric, steps)[:n]
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
