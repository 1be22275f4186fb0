"""Arithmetic on precise leaves: hyperparameters kept to float64 precision.

A factor raised to a large power (``decay_rate ** t`` of ``cyclic`` over
100,000 steps, the decay of ``sgdr`` over thousands of restarts) needs more
than float32: ``float32(0.99994)`` is off by 3e-8, so ``0.99994 ** 100_000``
would be off by 0.3% from the float64 curve users port from. Such a field is
declared ``F.value(precise=True)`` and stored as ``[hi, lo]`` float32 words
(last axis 2) with ``hi + lo`` the float64 value.
"""

import jax
import jax.numpy as jnp


def power(leaf: jax.Array, exponent: jax.Array) -> jax.Array:
    """``(hi + lo) ** exponent`` for ``hi > 0`` and a non-negative exponent.

    ``hi ** e`` with XLA's pow (accurate to a few ulp whatever the size of the
    result, exact for a power of two), times the correction ``(1 + lo/hi) ** e
    ~ exp(e * lo / hi)``, whose argument is small: float32 relative precision
    for any result that does not underflow.
    """
    hi, lo = leaf[..., 0], leaf[..., 1]
    e = exponent.astype(jnp.float32)
    ratio = jnp.where(hi != 0, lo / jnp.where(hi != 0, hi, 1.0), 0.0)
    return jnp.power(hi, e) * jnp.exp(e * ratio)
