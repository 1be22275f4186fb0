"""Hyperparameters kept to float64 precision in two float32 words.

A factor raised to a large power (``gamma ** t`` of PyTorch's ``CyclicLR``
exp_range mode, a cycle multiplier compounded over many restarts) needs more
than float32: ``float32(0.99994)`` is off by 3e-8, so ``gamma ** 100_000``
would be off by 0.3% from the float64 curve users port from. Such a value is
stored as one leaf of shape ``(..., 2)``, ``[hi, lo]`` with ``hi + lo`` the
float64 value; the repr and config show the float64 number.

Also double-float ("float-float") helpers: sums and products of pairs
``(hi, lo)`` that carry about 44 bits, from additions and from products of
12-bit halves only, so they are exact whatever the compiler fuses.
"""

from __future__ import annotations

import inspect
from typing import Any, ClassVar

import jax
import jax.numpy as jnp
import numpy as np

from jaxsched import _core


def precise(fn: str, name: str, x: Any) -> jax.Array:
    """A finite real scalar -> float32 leaf ``[hi, lo]`` with ``hi + lo == x``."""
    if _core.is_traced(x):
        hi = jnp.asarray(x).astype(jnp.float32)
        return jnp.stack([hi, jnp.zeros_like(hi)], axis=-1)
    _core.value(fn, name, x)  # a finite real number
    return jnp.asarray(_split(float(np.asarray(x, dtype=np.float64))))


def _split(x: float) -> np.ndarray:
    hi = np.float32(x)
    return np.array([hi, np.float32(x - float(hi))], dtype=np.float32)


def as_float(leaf: Any) -> Any:
    """``hi + lo`` as the shortest Python float that splits back to the same words."""
    arr = np.asarray(leaf)
    if arr.ndim > 1:
        return [as_float(a) for a in arr]
    exact = float(np.float64(arr[0]) + np.float64(arr[1]))
    for digits in range(1, 18):
        short = float(f"{exact:.{digits}g}")
        if np.array_equal(_split(short), arr):
            return short
    return exact


def concrete(leaf: Any) -> float | None:
    """The float64 value of a concrete scalar precise leaf; None if traced."""
    if _core.is_traced(leaf) or np.ndim(leaf) != 1:
        return None
    return as_float(leaf)


class PreciseFields:
    """Mixin for a schedule with precise leaves, named in ``_precise``: the
    repr and config show them as Python floats (omitted at their default)."""

    _precise: ClassVar[tuple[str, ...]] = ()

    def _public_fields(self) -> dict[str, Any]:
        out = super()._public_fields()  # type: ignore[misc]
        params = inspect.signature(_core.REGISTRY[self.name]).parameters  # type: ignore[attr-defined]
        for key in self._precise:
            if key not in out or _core.is_traced(out[key]):
                continue
            number = as_float(out[key])
            default = params[key].default
            if isinstance(number, float) and default is not inspect.Parameter.empty and number == default:
                del out[key]
            else:
                out[key] = number
        return out


# --- arithmetic on precise leaves and float-float pairs -------------------------
def log(leaf: jax.Array) -> jax.Array:
    """``log(hi + lo)`` in float32, accurate for values near 1 (``hi > 0``)."""
    hi, lo = leaf[..., 0], leaf[..., 1]
    return jnp.log1p(hi - 1) + lo / hi


def power(leaf: jax.Array, exponent: jax.Array) -> jax.Array:
    """``(hi + lo) ** exponent`` for ``hi > 0`` and a non-negative exponent.

    ``hi ** e`` with XLA's pow (accurate to a few ulp whatever the size of the
    result), times the correction ``(1 + lo/hi) ** e ~ exp(e * lo / hi)``,
    whose argument is small: float32 relative precision for any result that
    does not underflow.
    """
    hi, lo = leaf[..., 0], leaf[..., 1]
    e = exponent.astype(jnp.float32)
    ratio = jnp.where(hi != 0, lo / jnp.where(hi != 0, hi, 1.0), 0.0)
    return jnp.power(hi, e) * jnp.exp(e * ratio)


def two_sum(a: jax.Array, b: jax.Array) -> tuple[jax.Array, jax.Array]:
    """``a + b`` as ``(s, e)`` with ``s + e`` exact (Knuth)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _halves(a: jax.Array) -> tuple[jax.Array, jax.Array]:
    """``a == h + l`` with ``h`` the 12 leading bits of the significand (bit mask)."""
    bits = jax.lax.bitcast_convert_type(a, jnp.int32)
    h = jax.lax.bitcast_convert_type(bits & jnp.int32(-4096), jnp.float32)
    return h, a - h


def two_prod(a: jax.Array, b: jax.Array) -> tuple[jax.Array, jax.Array]:
    """``a * b`` as ``(p, e)`` with ``p + e`` exact: four exact partial products."""
    ah, al = _halves(a)
    bh, bl = _halves(b)
    p = a * b
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    return p, e


def ff_add(x: tuple, y: tuple) -> tuple[jax.Array, jax.Array]:
    s, e = two_sum(x[0], y[0])
    e = e + (x[1] + y[1])
    return two_sum(s, e)


def ff_mul(x: tuple, y: tuple) -> tuple[jax.Array, jax.Array]:
    p, e = two_prod(x[0], y[0])
    e = e + (x[0] * y[1] + x[1] * y[0])
    return two_sum(p, e)


def ff_neg(x: tuple) -> tuple[jax.Array, jax.Array]:
    return -x[0], -x[1]


def ff_from_int(n: jax.Array) -> tuple[jax.Array, jax.Array]:
    """An int32 as an exact float-float pair."""
    hi = n.astype(jnp.float32)
    # ``n - int(hi)`` is exact in int32 unless hi rounded up to 2**31.
    big = hi >= 2.0**31
    hi = jnp.where(big, jnp.float32(2.0**31), hi)
    lo = jnp.where(big, (n - _core.INT32_MAX).astype(jnp.float32) - 1, (n - hi.astype(jnp.int32)).astype(jnp.float32))
    return hi, lo
