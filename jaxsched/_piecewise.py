"""Piecewise schedules: a table of values indexed by step boundaries."""

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from jaxsched import _fields as F
from jaxsched._core import Schedule, register
from jaxsched._math import interpolate, pick, search


class _Table(Schedule):
    """Boundaries and a table of values, ``extra`` more values than boundaries."""

    boundaries: jax.Array = F.boundaries()
    values: jax.Array = F.value(table=True)
    _extra, _per = 1, "one more entry than boundaries"

    def _check(self, given: dict[str, Any]) -> None:
        if len(self.values) != len(self.boundaries) + self._extra:
            F.fail(self.name, f"values must have {self._per} ({len(self.boundaries)}), got {len(self.values)} values")


class PiecewiseConstant(_Table):
    def _value(self, step: jax.Array) -> jax.Array:
        # jnp: leaves may be NumPy (a traced schedule with concrete tables) and the index traced.
        return pick(self.values, search(self.boundaries, step))


@register(PiecewiseConstant)
def piecewise_constant(*, boundaries: Sequence[int] | ArrayLike, values: Sequence[float] | ArrayLike) -> Schedule:
    """A step function: ``values[i]`` where ``i`` is how many boundaries are <= t.

    ``value(t) = values[0]`` for ``t < boundaries[0]``, ``values[i]`` for
    ``boundaries[i-1] <= t < boundaries[i]``, and ``values[-1]`` from the last
    boundary on. Evaluation is branch-free: a comparison with each of the
    ``n`` boundaries (up to 32) or an unrolled descent of ``ceil(log2(n + 1))``
    gathers, then a selection among the values (a gather beyond 32).

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
    return PiecewiseConstant(**locals())


class PiecewiseInterpolate(_Table):
    shape: str = F.choice("linear", "linear", "cosine")
    _extra, _per = 0, "one entry per boundary"

    def _value(self, step: jax.Array) -> jax.Array:
        b, v, n = jnp.asarray(self.boundaries), jnp.asarray(self.values), len(self.boundaries)
        if n == 1:
            return jnp.broadcast_to(v[0], step.shape)
        # The segment [b[i-1], b[i]] that holds the step, clamped to the
        # first and last segments (held before and after).
        i = jnp.clip(search(b, step), 1, n - 1)
        start, end = pick(b, i - 1), pick(b, i)
        return interpolate(pick(v, i - 1), pick(v, i), step - start, end - start, self.shape)


@register(PiecewiseInterpolate)
def piecewise_interpolate(
    *, boundaries: Sequence[int] | ArrayLike, values: Sequence[float] | ArrayLike, shape: str = "linear"
) -> Schedule:
    """Interpolates between ``values[i]`` at ``boundaries[i]``, linearly or with a half cosine.

    With ``b = boundaries`` and ``v = values``, for ``b[i-1] <= t <= b[i]``
    and ``x = (t - b[i-1]) / (b[i] - b[i-1])``::

        value(t) = v[i-1] + (v[i] - v[i-1]) * x                          (linear)
        value(t) = v[i] + (v[i-1] - v[i]) * 0.5 * (1 + cos(pi * x))      (cosine)

    ``value(t) = v[0]`` for ``t <= b[0]`` and ``v[-1]`` for ``t >= b[-1]``.
    Evaluation is branch-free: a comparison with each of the ``n`` boundaries
    (up to 32) or an unrolled descent of ``ceil(log2(n + 1))`` gathers, then a gather.

    Args:
        boundaries: strictly increasing, non-negative steps (at least one).
        values: absolute values, one per boundary.
        shape: ``"linear"`` or ``"cosine"`` (a half cosine between each
            pair of points: flat at both ends of each segment).

    Returns:
        A ``Schedule``. ``optax.piecewise_interpolate_schedule(interpolate_type,
        init_value, boundaries_and_scales)`` takes cumulative multiplicative
        scales instead: ``values[i]`` is ``init_value`` times the product of
        the first ``i + 1`` scales, and ``shape`` is ``interpolate_type``.

    Example:
        >>> import jaxsched
        >>> s = jaxsched.piecewise_interpolate(boundaries=[0, 100, 300], values=[0.0, 1.0, 0.5])
        >>> print(f"{s(50):.2f} {s(100):.2f} {s(200):.2f} {s(400):.2f}")
        0.50 1.00 0.75 0.50
        >>> c = jaxsched.piecewise_interpolate(boundaries=[0, 100], values=[1.0, 0.0], shape="cosine")
        >>> print(f"{c(25):.4f} {c(50):.4f} {c(75):.4f}")
        0.8536 0.5000 0.1464
    """
    return PiecewiseInterpolate(**locals())
