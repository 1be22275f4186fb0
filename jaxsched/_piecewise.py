"""Piecewise schedules: a table of values indexed by step boundaries."""

from __future__ import annotations

from collections.abc import Sequence

import jax
import jax.numpy as jnp
import numpy as np

from jaxsched import _core
from jaxsched._core import Schedule, register


class PiecewiseConstant(Schedule):
    boundaries: jax.Array
    values: jax.Array

    def _value(self, step: jax.Array) -> jax.Array:
        index = jnp.searchsorted(self.boundaries, step, side="right")
        return self.values[index]


@register(PiecewiseConstant)
def piecewise_constant(*, boundaries: Sequence[int], values: Sequence[float]) -> Schedule:
    """A step function: ``values[i]`` where ``i`` is how many boundaries are <= t.

    ``value(t) = values[0]`` for ``t < boundaries[0]``, ``values[i]`` for
    ``boundaries[i-1] <= t < boundaries[i]``, and ``values[-1]`` from the last
    boundary on. Evaluation is a binary search and a gather: its cost does not
    grow with the number of boundaries.

    Args:
        boundaries: strictly increasing, non-negative steps.
        values: absolute values, one more than ``boundaries``.

    Returns:
        A ``Schedule``. Optax's ``piecewise_constant_schedule`` takes
        multiplicative factors instead: ``values[i]`` is ``init_value`` times
        the product of the first ``i`` scales.

    Example:
        >>> import jaxsched
        >>> s = jaxsched.piecewise_constant(boundaries=[100, 200], values=[1.0, 0.5, 0.1])
        >>> print(f"{s(99):.2f} {s(100):.2f} {s(199):.2f} {s(200):.2f}")
        1.00 0.50 0.50 0.10
    """
    fn = "piecewise_constant"
    bounds = _core.boundaries(fn, "boundaries", boundaries)
    if not _core.is_traced(values) and np.ndim(values) != 1:
        _core.fail(fn, f"values must be a list of numbers, got {_core.fmt(values)}")
    vals = _core.value(fn, "values", values, table=True)
    if vals.shape[-1:] != (bounds.shape[-1] + 1,):
        _core.fail(
            fn,
            f"values must have one more entry than boundaries ({bounds.shape[-1]}), "
            f"got {vals.shape[-1] if vals.ndim else 0} values",
        )
    return PiecewiseConstant(boundaries=bounds, values=vals)


INTERPOLATIONS = ("linear", "cosine")


class PiecewiseInterpolate(Schedule):
    boundaries: jax.Array
    values: jax.Array
    interpolation: str = _core.static("linear")

    def _value(self, step: jax.Array) -> jax.Array:
        n = self.boundaries.shape[-1]
        if n == 1:
            return jnp.broadcast_to(self.values[0], step.shape)
        # The segment [boundaries[i-1], boundaries[i]] that holds the step,
        # clamped to the first and last segments (where the step is clipped).
        i = jnp.clip(jnp.searchsorted(self.boundaries, step, side="right"), 1, n - 1)
        lo, hi = self.boundaries[i - 1], self.boundaries[i]
        t = jnp.clip(step, lo, hi)
        done = _core.fraction(t - lo, hi - lo)  # x, from exact integers
        left = _core.fraction(hi - t, hi - lo)  # 1 - x, from exact integers
        if self.interpolation == "cosine":
            # 0.5 * (1 + cos(pi * x)) and 0.5 * (1 - cos(pi * x)), each in full
            # float32 precision (no cancellation near either end).
            done, left = _core.cosine_shape(done), _core.cosine_shape(left)
        return self.values[i - 1] * left + self.values[i] * done


@register(PiecewiseInterpolate)
def piecewise_interpolate(
    *, boundaries: Sequence[int], values: Sequence[float], interpolation: str = "linear"
) -> Schedule:
    """Interpolates between ``values[i]`` at ``boundaries[i]``, linearly or with a half cosine.

    With ``b = boundaries`` and ``v = values``, for ``b[i-1] <= t <= b[i]``
    and ``x = (t - b[i-1]) / (b[i] - b[i-1])``::

        value(t) = v[i-1] + (v[i] - v[i-1]) * x                          (linear)
        value(t) = v[i] + (v[i-1] - v[i]) * 0.5 * (1 + cos(pi * x))      (cosine)

    ``value(t) = v[0]`` for ``t <= b[0]`` and ``v[-1]`` for ``t >= b[-1]``.
    Evaluation is a binary search and a gather: its cost does not grow with
    the number of boundaries.

    Args:
        boundaries: strictly increasing, non-negative steps (at least one).
        values: absolute values, one per boundary.
        interpolation: ``"linear"`` or ``"cosine"`` (a half cosine between
            each pair of points: flat at both ends of each segment).

    Returns:
        A ``Schedule``. ``optax.piecewise_interpolate_schedule(interpolate_type,
        init_value, boundaries_and_scales)`` takes cumulative multiplicative
        scales instead: ``values[i]`` is ``init_value`` times the product of
        the first ``i + 1`` scales.

    Example:
        >>> import jaxsched
        >>> s = jaxsched.piecewise_interpolate(boundaries=[0, 100, 300], values=[0.0, 1.0, 0.5])
        >>> print(f"{s(50):.2f} {s(100):.2f} {s(200):.2f} {s(400):.2f}")
        0.50 1.00 0.75 0.50
        >>> c = jaxsched.piecewise_interpolate(boundaries=[0, 100], values=[1.0, 0.0], interpolation="cosine")
        >>> print(f"{c(25):.4f} {c(50):.4f} {c(75):.4f}")
        0.8536 0.5000 0.1464
    """
    fn = "piecewise_interpolate"
    bounds = _core.boundaries(fn, "boundaries", boundaries)
    if not _core.is_traced(values) and np.ndim(values) != 1:
        _core.fail(fn, f"values must be a list of numbers, got {_core.fmt(values)}")
    vals = _core.value(fn, "values", values, table=True)
    if vals.shape[-1:] != bounds.shape[-1:]:
        _core.fail(
            fn,
            f"values must have one entry per boundary ({bounds.shape[-1]}), "
            f"got {vals.shape[-1] if vals.ndim else 0} values",
        )
    _core.choice(fn, "interpolation", interpolation, INTERPOLATIONS)
    return PiecewiseInterpolate(boundaries=bounds, values=vals, interpolation=interpolation)
