"""Piecewise schedules: a table of values indexed by step boundaries."""

from __future__ import annotations

from typing import Sequence

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
    vals = _core.value(fn, "values", values)
    if vals.shape[-1:] != (bounds.shape[-1] + 1,):
        _core.fail(
            fn,
            f"values must have one more entry than boundaries ({bounds.shape[-1]}), "
            f"got {vals.shape[-1] if vals.ndim else 0} values",
        )
    return PiecewiseConstant(boundaries=bounds, values=vals)
