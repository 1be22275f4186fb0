"""Exponential decay and step decay (PyTorch's StepLR and MultiStepLR)."""

from __future__ import annotations

from collections.abc import Sequence

import jax
import jax.numpy as jnp

from jaxsched import _core, _precise
from jaxsched._core import Schedule, register


class Exponential(_precise.PreciseFields, Schedule):
    _precise = ("decay_rate",)  # float64 precision: rate**t compounds the rounding of rate

    init_value: jax.Array
    decay_rate: jax.Array
    decay_steps: jax.Array
    staircase: bool = _core.static(False)
    end_value: jax.Array | None = None

    def _value(self, step: jax.Array) -> jax.Array:
        log_rate = _precise.log(self.decay_rate)
        # Whole periods and the fraction of one are raised separately: their
        # sum in float32 would lose the low bits of the fraction.
        periods = (step // self.decay_steps).astype(jnp.float32)
        if self.end_value is not None:
            # Past the bound the value is the bound: cap the exponent just after
            # it, so that rate**periods never overflows (its gradient would be NaN).
            reach = jax.lax.stop_gradient(jnp.log(self.end_value / self.init_value) / log_rate)
            periods = jnp.where(jnp.isfinite(reach) & (reach >= 0), jnp.minimum(periods, jnp.floor(reach) + 2), periods)
        # Capped so that a growth times a zero init_value stays 0, never NaN.
        value = self.init_value * jnp.minimum(_precise.power(self.decay_rate, periods), jnp.finfo(jnp.float32).max)
        if not self.staircase:
            partial = _core.fraction(step % self.decay_steps, self.decay_steps)
            value = value * _precise.power(self.decay_rate, partial)
        if self.end_value is None:
            return value
        floor, ceiling = jnp.maximum(value, self.end_value), jnp.minimum(value, self.end_value)
        return jnp.where(log_rate < 0, floor, jnp.where(log_rate > 0, ceiling, value))


@register(Exponential)
def exponential(
    *,
    init_value: float,
    decay_rate: float,
    decay_steps: int,
    staircase: bool = False,
    end_value: float | None = None,
) -> Schedule:
    """Exponential decay (or growth).

    ``value(t) = init * decay_rate ** (t / decay_steps)``; with ``staircase``
    the exponent is ``floor(t / decay_steps)``. ``end_value`` bounds the
    result: a floor when ``decay_rate < 1``, a ceiling when it is above 1.

    Args:
        init_value: the value at step 0.
        decay_rate: the factor applied every ``decay_steps`` steps (> 0).
        decay_steps: steps per factor of ``decay_rate`` (at least 1).
        staircase: decay in discrete jumps every ``decay_steps`` steps.
        end_value: optional bound; required when ``decay_rate > 1`` (an
            unbounded growth overflows to inf).

    Returns:
        A ``Schedule``. ``exponential(init_value=lr, decay_rate=gamma,
        decay_steps=1)`` is PyTorch's ``ExponentialLR``; the arguments map
        one to one onto ``optax.exponential_decay`` (``transition_steps`` is
        ``decay_steps``) with ``transition_begin=0``.

    Example:
        >>> import jaxsched
        >>> s = jaxsched.exponential(init_value=1.0, decay_rate=0.5, decay_steps=10)
        >>> print(f"{s(0):.4f} {s(10):.4f} {s(15):.4f} {s(20):.4f}")
        1.0000 0.5000 0.3536 0.2500
    """
    fn = "exponential"
    init = _core.value(fn, "init_value", init_value)
    rate = _precise.precise(fn, "decay_rate", decay_rate)
    end = None if end_value is None else _core.value(fn, "end_value", end_value)
    _core.flag(fn, "staircase", staircase)
    r, i = _precise.concrete(rate), _core.concrete(init)
    if r is not None and r <= 0:
        _core.fail(fn, f"decay_rate must be positive, got {_core.fmt(decay_rate)}")
    if r is not None and r > 1 and end is None:
        _core.fail(fn, f"end_value is required when decay_rate ({_core.fmt(decay_rate)}) is above 1")
    e = None if end is None else _core.concrete(end)
    if None not in (r, i, e):
        if r < 1 and e > i:
            _core.fail(
                fn,
                f"end_value ({_core.fmt(end_value)}) must not exceed init_value "
                f"({_core.fmt(init_value)}) when decay_rate ({_core.fmt(decay_rate)}) is below 1",
            )
        if r > 1 and e < i:
            _core.fail(
                fn,
                f"end_value ({_core.fmt(end_value)}) must not be below init_value "
                f"({_core.fmt(init_value)}) when decay_rate ({_core.fmt(decay_rate)}) is above 1",
            )
    return Exponential(
        init_value=init,
        decay_rate=rate,
        decay_steps=_core.length(fn, "decay_steps", decay_steps, minimum=1),
        staircase=staircase,
        end_value=end,
    )


def _factor(fn: str, factor: float, at_most_one: bool) -> jax.Array:
    leaf = _core.positive(fn, "factor", factor)
    f = _core.concrete(leaf)
    if f is not None and at_most_one and f > 1:
        _core.fail(fn, f"factor must be at most 1 (a growth without end overflows), got {_core.fmt(factor)}")
    return leaf


class StepDecay(Schedule):
    init_value: jax.Array
    step_size: jax.Array
    factor: jax.Array

    def _value(self, step: jax.Array) -> jax.Array:
        return self.init_value * self.factor ** (step // self.step_size).astype(jnp.float32)


@register(StepDecay)
def step_decay(*, init_value: float, step_size: int, factor: float) -> Schedule:
    """Multiply by ``factor`` every ``step_size`` steps (PyTorch's ``StepLR``).

    ``value(t) = init * factor ** floor(t / step_size)``.

    Args:
        init_value: the value at step 0.
        step_size: steps between two multiplications (at least 1).
        factor: the multiplier, in (0, 1].

    Returns:
        A ``Schedule`` equal to ``StepLR(step_size=step_size, gamma=factor)``
        with ``lr=init_value``.

    Example:
        >>> import jaxsched
        >>> s = jaxsched.step_decay(init_value=0.1, step_size=30, factor=0.1)
        >>> print(f"{s(29):.4f} {s(30):.4f} {s(60):.5f}")
        0.1000 0.0100 0.00100
    """
    fn = "step_decay"
    return StepDecay(
        init_value=_core.value(fn, "init_value", init_value),
        step_size=_core.length(fn, "step_size", step_size, minimum=1),
        factor=_factor(fn, factor, at_most_one=True),
    )


class MultistepDecay(Schedule):
    init_value: jax.Array
    milestones: jax.Array
    factor: jax.Array

    def _value(self, step: jax.Array) -> jax.Array:
        passed = jnp.searchsorted(self.milestones, step, side="right")
        return self.init_value * self.factor ** passed.astype(jnp.float32)


@register(MultistepDecay)
def multistep_decay(*, init_value: float, milestones: Sequence[int], factor: float) -> Schedule:
    """Multiply by ``factor`` at each milestone (PyTorch's ``MultiStepLR``).

    ``value(t) = init * factor ** (number of milestones <= t)``.

    Args:
        init_value: the value at step 0.
        milestones: strictly increasing, non-negative steps.
        factor: the multiplier (> 0).

    Returns:
        A ``Schedule`` equal to ``MultiStepLR(milestones, gamma=factor)`` with
        ``lr=init_value``.

    Example:
        >>> import jaxsched
        >>> s = jaxsched.multistep_decay(init_value=1.0, milestones=[10, 20], factor=0.5)
        >>> print(f"{s(9):.2f} {s(10):.2f} {s(20):.2f}")
        1.00 0.50 0.25
    """
    fn = "multistep_decay"
    return MultistepDecay(
        init_value=_core.value(fn, "init_value", init_value),
        milestones=_core.boundaries(fn, "milestones", milestones),
        factor=_factor(fn, factor, at_most_one=False),
    )
