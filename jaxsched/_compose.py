"""Composition: the wrappers (and ``multiply``). Each result is a schedule too."""

import functools
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxsched import _fields as F
from jaxsched._core import Schedule, register
from jaxsched._math import WARMUP_SHAPES, divide, every, saturating_add, warm


class _Wrapper(Schedule):
    """A schedule that transforms one child schedule."""

    schedule: Schedule = F.schedule()


class Warmup(_Wrapper):
    warmup_steps: jax.Array = F.length()
    init_value: jax.Array = F.value(0.0)
    shape: str = F.choice("linear", *WARMUP_SHAPES)

    def _value(self, step: jax.Array) -> jax.Array:
        # During the warmup the inner step clamps to 0, so ``inner`` is schedule(0).
        inner = self.schedule._at(step - self.warmup_steps)
        return warm(step, self.init_value, inner, self.warmup_steps, inner, self.shape)

    def _phases(self, until: int) -> list[Any]:
        w = int(self.warmup_steps)
        return [w, [w + p for p in self.schedule.phases(until - w)]]


@register(Warmup)
def warmup(
    schedule: Schedule, *, warmup_steps: ArrayLike, init_value: ArrayLike = 0.0, shape: str = "linear"
) -> Schedule:
    """Prepends a warmup to a schedule.

    With ``w = warmup_steps``, ``p = t / w`` and ``v0 = schedule(0)``::

        value(t) = init + (v0 - init) * f(p)      for t < w
        value(t) = schedule(t - w)                for t >= w

    with ``f(p) = p`` (``"linear"``), ``0.5 * (1 - cos(pi * p))``
    (``"cosine"``) or ``1 - sqrt(1 - p)`` (``"1-sqrt"``).

    Args:
        schedule: the schedule that follows the warmup.
        warmup_steps: length of the warmup (>= 0).
        init_value: the value at step 0 (default 0).
        shape: ``"linear"`` (default), ``"cosine"`` or ``"1-sqrt"``.

    Returns:
        A ``Schedule``. The warmup of HF's ``warmup_stable_decay`` scheduler
        is this one with ``shape=warmup_type``.

    Example:
        >>> import jaxsched
        >>> s = jaxsched.warmup(jaxsched.constant(value=2.0), warmup_steps=4)
        >>> print(f"{s(0):.2f} {s(2):.2f} {s(4):.2f}")
        0.00 1.00 2.00
        >>> s = jaxsched.warmup(jaxsched.constant(value=1.0), warmup_steps=4, shape="cosine")
        >>> print(f"{s(0):.4f} {s(1):.4f} {s(2):.4f} {s(4):.4f}")
        0.0000 0.1464 0.5000 1.0000
    """
    return Warmup(**locals())


class Multiply(Schedule):
    schedules: tuple[Schedule, ...] = F.schedules()

    def _value(self, step: jax.Array) -> jax.Array:
        return functools.reduce(jnp.multiply, [child._at(step) for child in self.schedules])


@register(Multiply)
def multiply(schedules: Sequence[Schedule]) -> Schedule:
    """The product of schedules, step by step.

    ``value(t) = schedules[0](t) * schedules[1](t) * ...``

    Args:
        schedules: one or more schedules, in a list (as ``join`` takes them).

    Returns:
        A ``Schedule``.

    Example:
        >>> import jaxsched
        >>> s = jaxsched.multiply(
        ...     [jaxsched.constant(value=0.5), jaxsched.linear(init_value=1.0, end_value=0.0, total_steps=10)])
        >>> print(f"{s(0):.2f} {s(5):.2f}")
        0.50 0.25
    """
    return Multiply(**locals())


class Scale(_Wrapper):
    factor: jax.Array = F.value()

    def _value(self, step: jax.Array) -> jax.Array:
        return self.schedule._at(step) * self.factor


@register(Scale)
def scale(schedule: Schedule, *, factor: ArrayLike) -> Schedule:
    """A schedule times a constant: ``value(t) = factor * schedule(t)``.

    Args:
        schedule: the schedule to scale.
        factor: the multiplier (finite).

    Returns:
        A ``Schedule``.

    Example:
        >>> import jaxsched
        >>> s = jaxsched.scale(jaxsched.constant(value=2.0), factor=0.25)
        >>> print(f"{s(0):.2f}")
        0.50
    """
    return Scale(**locals())


class Clip(_Wrapper):
    min_value: jax.Array | None = F.value(None)
    max_value: jax.Array | None = F.value(None)

    def _check(self, given: dict[str, Any]) -> None:
        lo, hi = self.min_value, self.max_value
        F.require(lo is not None or hi is not None, self.name, "needs min_value or max_value, got neither")
        if lo is not None and hi is not None and lo > hi:
            low, high = F.fmt(given["min_value"]), F.fmt(given["max_value"])
            F.fail(self.name, f"min_value ({low}) must not exceed max_value ({high})")

    def _value(self, step: jax.Array) -> jax.Array:
        return jnp.clip(self.schedule._at(step), self.min_value, self.max_value)


@register(Clip)
def clip(schedule: Schedule, *, min_value: ArrayLike | None = None, max_value: ArrayLike | None = None) -> Schedule:
    """Bounds a schedule: ``value(t) = min(max(schedule(t), min_value), max_value)``.

    Args:
        schedule: the schedule to bound.
        min_value: the lower bound, or None for none.
        max_value: the upper bound, or None for none (at least one is needed;
            ``min_value <= max_value``).

    Returns:
        A ``Schedule``.

    Example:
        >>> import jaxsched
        >>> s = jaxsched.clip(jaxsched.linear(init_value=1.0, end_value=0.0, total_steps=10), min_value=0.2)
        >>> print(f"{s(0):.2f} {s(5):.2f} {s(9):.2f}")
        1.00 0.50 0.20
    """
    return Clip(**locals())


class Offset(_Wrapper):
    steps: jax.Array = F.length(minimum=-F.MAX_STEPS)

    def _value(self, step: jax.Array) -> jax.Array:
        return self.schedule._at(saturating_add(step, self.steps))

    def _wide_steps(self) -> bool:  # the child sees steps beyond int32
        return True

    def _phases(self, until: int) -> list[Any]:
        shift = int(self.steps)
        return [-shift, [p - shift for p in self.schedule.phases(max(until + shift, 0))]]


@register(Offset)
def offset(schedule: Schedule, *, steps: ArrayLike) -> Schedule:
    """Shifts a schedule in time: ``value(t) = schedule(t + steps)``.

    A positive ``steps`` resumes a schedule part-way, for example after a
    restart that resets the optimizer's step count. A negative ``steps``
    delays it: before its start it holds ``schedule(0)``.

    Args:
        schedule: the schedule to shift.
        steps: the shift in steps (whole, ``|steps| <= 2**53``).

    Returns:
        A ``Schedule``.

    Example:
        >>> import jaxsched
        >>> base = jaxsched.linear(init_value=1.0, end_value=0.0, total_steps=100)
        >>> s = jaxsched.offset(base, steps=50)
        >>> print(f"{s(0):.2f} {s(25):.2f}")
        0.50 0.25
    """
    return Offset(**locals())


class Repeat(_Wrapper):
    period: jax.Array = F.length(minimum=1)

    def _value(self, step: jax.Array) -> jax.Array:
        return self.schedule._value(divide(step, self.period)[1])

    def _phases(self, until: int) -> list[Any]:
        inner = [0, *self.schedule.phases(int(self.period) - 1)]
        return [start + np.asarray(inner) for start in [0, *every(self.period, until)]]


@register(Repeat)
def repeat(schedule: Schedule, *, period: ArrayLike) -> Schedule:
    """Repeats a schedule: ``value(t) = schedule(t mod period)``.

    Args:
        schedule: the schedule to repeat.
        period: the period in steps (at least 1).

    Returns:
        A ``Schedule``.

    Example:
        >>> import jaxsched
        >>> s = jaxsched.repeat(jaxsched.linear(init_value=1.0, end_value=0.0, total_steps=10), period=10)
        >>> print(f"{s(5):.2f} {s(10):.2f} {s(15):.2f}")
        0.50 1.00 0.50
    """
    return Repeat(**locals())
