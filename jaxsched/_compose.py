"""Composition: ``join`` and the wrappers. Each result is a schedule too."""

from __future__ import annotations

from collections.abc import Sequence

import jax
import jax.numpy as jnp
from jax import lax

from jaxsched import _core
from jaxsched._core import Schedule, register


def _f32(x: jax.Array) -> jax.Array:
    return jnp.asarray(x).astype(jnp.float32)


class Join(Schedule):
    schedules: tuple[Schedule, ...]
    boundaries: jax.Array

    def _value(self, step: jax.Array) -> jax.Array:
        index = jnp.searchsorted(self.boundaries, step, side="right")
        starts = jnp.concatenate([jnp.zeros((1,), jnp.int32), self.boundaries])
        local = jnp.maximum(step - starts[index], 0)
        branches = [lambda s, c=child: _f32(c._value(s)) for child in self.schedules]
        if step.ndim == 0:  # evaluate only the active segment
            return lax.switch(index, branches, local)
        values = jnp.stack([branch(local) for branch in branches])
        return jnp.take_along_axis(values, index[None], axis=0)[0]


@register(Join)
def join(schedules: Sequence[Schedule], *, boundaries: Sequence[int]) -> Schedule:
    """Schedules one after another, each restarted at its boundary.

    Segment ``k`` is active for ``boundaries[k-1] <= t < boundaries[k]`` and
    receives ``t - boundaries[k-1]`` (the first receives ``t``). Only the
    active segment is evaluated for a scalar step.

    Args:
        schedules: the segments, in order (at least one).
        boundaries: strictly increasing, non-negative steps, one fewer than
            ``schedules``.

    Returns:
        A ``Schedule`` with the values of ``optax.join_schedules(schedules,
        boundaries)``.

    Example:
        >>> import jaxsched
        >>> s = jaxsched.join(
        ...     [jaxsched.linear(init_value=0.0, end_value=1.0, total_steps=10),
        ...      jaxsched.cosine(init_value=1.0, total_steps=90)],
        ...     boundaries=[10])
        >>> print(f"{s(5):.2f} {s(10):.2f} {s(55):.2f} {s(100):.2f}")
        0.50 1.00 0.50 0.00
    """
    fn = "join"
    if isinstance(schedules, Schedule) or not isinstance(schedules, (list, tuple)):
        raise TypeError(f"{fn}: schedules must be a list of jaxsched schedules, got {schedules!r}")
    if len(schedules) == 0:
        _core.fail(fn, "schedules must not be empty, got []")
    children = tuple(_core.schedule(fn, f"schedules[{i}]", s) for i, s in enumerate(schedules))
    if len(children) == 1 and not _core.is_traced(boundaries) and len(boundaries) == 0:
        bounds = jnp.zeros((0,), jnp.int32)
    else:
        bounds = _core.boundaries(fn, "boundaries", boundaries)
    if bounds.shape[-1] != len(children) - 1:
        _core.fail(
            fn,
            f"boundaries must have one entry fewer than schedules ({len(children)}), got {_core.fmt(boundaries)}",
        )
    return Join(schedules=children, boundaries=bounds)


class Warmup(Schedule):
    schedule: Schedule
    warmup_steps: jax.Array
    init_value: jax.Array

    def _value(self, step: jax.Array) -> jax.Array:
        # During the warmup the inner step clamps to 0, so ``inner`` is schedule(0).
        inner = _f32(self.schedule._at(step - self.warmup_steps))
        ramp = _core.ramp(step, self.init_value, inner, self.warmup_steps)
        return jnp.where(step < self.warmup_steps, ramp, inner)


@register(Warmup)
def warmup(schedule: Schedule, *, warmup_steps: int, init_value: float = 0.0) -> Schedule:
    """Prepends a linear warmup to a schedule.

    ``value(t) = init + (schedule(0) - init) * t / w`` for ``t < w =
    warmup_steps``, then ``schedule(t - w)``.

    Args:
        schedule: the schedule that follows the warmup.
        warmup_steps: length of the warmup (>= 0).
        init_value: the value at step 0 (default 0).

    Returns:
        A ``Schedule``.

    Example:
        >>> import jaxsched
        >>> s = jaxsched.warmup(jaxsched.constant(value=2.0), warmup_steps=4)
        >>> print(f"{s(0):.2f} {s(2):.2f} {s(4):.2f}")
        0.00 1.00 2.00
    """
    fn = "warmup"
    return Warmup(
        schedule=_core.schedule(fn, "schedule", schedule),
        warmup_steps=_core.length(fn, "warmup_steps", warmup_steps),
        init_value=_core.value(fn, "init_value", init_value),
    )


class Multiply(Schedule):
    schedules: tuple[Schedule, ...]

    def _value(self, step: jax.Array) -> jax.Array:
        out = _f32(self.schedules[0]._value(step))
        for child in self.schedules[1:]:
            out = out * _f32(child._value(step))
        return out


@register(Multiply)
def multiply(*schedules: Schedule) -> Schedule:
    """The product of schedules, step by step.

    ``value(t) = schedules[0](t) * schedules[1](t) * ...``

    Args:
        *schedules: one or more schedules.

    Returns:
        A ``Schedule``.

    Example:
        >>> import jaxsched
        >>> s = jaxsched.multiply(
        ...     jaxsched.constant(value=0.5),
        ...     jaxsched.linear(init_value=1.0, end_value=0.0, total_steps=10))
        >>> print(f"{s(0):.2f} {s(5):.2f}")
        0.50 0.25
    """
    fn = "multiply"
    if not schedules:
        _core.fail(fn, "needs at least one schedule, got none")
    return Multiply(schedules=tuple(_core.schedule(fn, f"schedules[{i}]", s) for i, s in enumerate(schedules)))


class Scale(Schedule):
    schedule: Schedule
    factor: jax.Array

    def _value(self, step: jax.Array) -> jax.Array:
        return _f32(self.schedule._value(step)) * self.factor


@register(Scale)
def scale(schedule: Schedule, *, factor: float) -> Schedule:
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
    fn = "scale"
    return Scale(schedule=_core.schedule(fn, "schedule", schedule), factor=_core.value(fn, "factor", factor))


class Clip(Schedule):
    schedule: Schedule
    min_value: jax.Array | None
    max_value: jax.Array | None

    def _value(self, step: jax.Array) -> jax.Array:
        out = _f32(self.schedule._value(step))
        if self.min_value is not None:
            out = jnp.maximum(out, self.min_value)
        if self.max_value is not None:
            out = jnp.minimum(out, self.max_value)
        return out


@register(Clip)
def clip(schedule: Schedule, *, min_value: float | None = None, max_value: float | None = None) -> Schedule:
    """Bounds a schedule: ``value(t) = min(max(schedule(t), min_value), max_value)``.

    Args:
        schedule: the schedule to bound.
        min_value: the lower bound, or None for none.
        max_value: the upper bound, or None for none (at least one is needed).

    Returns:
        A ``Schedule``.

    Example:
        >>> import jaxsched
        >>> s = jaxsched.clip(jaxsched.linear(init_value=1.0, end_value=0.0, total_steps=10), min_value=0.2)
        >>> print(f"{s(0):.2f} {s(5):.2f} {s(9):.2f}")
        1.00 0.50 0.20
    """
    fn = "clip"
    if min_value is None and max_value is None:
        _core.fail(fn, "needs min_value or max_value, got neither")
    lo = None if min_value is None else _core.value(fn, "min_value", min_value)
    hi = None if max_value is None else _core.value(fn, "max_value", max_value)
    _core.not_above(fn, ("min_value", min_value, lo), ("max_value", max_value, hi))
    return Clip(schedule=_core.schedule(fn, "schedule", schedule), min_value=lo, max_value=hi)


class Offset(Schedule):
    schedule: Schedule
    steps: jax.Array

    def _value(self, step: jax.Array) -> jax.Array:
        return self.schedule._at(_core.saturating_add(step, self.steps))


@register(Offset)
def offset(schedule: Schedule, *, steps: int) -> Schedule:
    """Shifts a schedule in time: ``value(t) = schedule(t + steps)``.

    A positive ``steps`` resumes a schedule part-way, for example after a
    restart that resets the optimizer's step count. A negative ``steps``
    delays it: before its start it holds ``schedule(0)``.

    Args:
        schedule: the schedule to shift.
        steps: the shift in steps (whole, ``|steps| <= 2**31 - 1``).

    Returns:
        A ``Schedule``.

    Example:
        >>> import jaxsched
        >>> base = jaxsched.linear(init_value=1.0, end_value=0.0, total_steps=100)
        >>> s = jaxsched.offset(base, steps=50)
        >>> print(f"{s(0):.2f} {s(25):.2f}")
        0.50 0.25
    """
    fn = "offset"
    shift = _core.length(fn, "steps", steps, minimum=-_core.INT32_MAX)
    return Offset(schedule=_core.schedule(fn, "schedule", schedule), steps=shift)


class Repeat(Schedule):
    schedule: Schedule
    period: jax.Array

    def _value(self, step: jax.Array) -> jax.Array:
        return self.schedule._value(step % self.period)


@register(Repeat)
def repeat(schedule: Schedule, *, period: int) -> Schedule:
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
    fn = "repeat"
    return Repeat(
        schedule=_core.schedule(fn, "schedule", schedule),
        period=_core.length(fn, "period", period, minimum=1),
    )
