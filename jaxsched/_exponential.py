"""Exponential decay and step decay (PyTorch's StepLR and MultiStepLR)."""

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxsched import _fields as F
from jaxsched._core import Schedule, register
from jaxsched._math import divide, every, exp_steps, exp_words, power, search


class Exponential(Schedule):
    init_value: jax.Array = F.value()
    # float64 precision in two float32 words: rate**t compounds the rounding of rate.
    decay_rate: jax.Array = F.value(precise=True, interval="(0, inf)")
    period: jax.Array = F.length(minimum=1)
    staircase: bool = F.flag(False)
    end_value: jax.Array | None = F.value(None)
    log_rate: jax.Array = F.derived()
    rate_words: jax.Array = F.derived()  # log_rate / period in the words of exp_steps
    cap: jax.Array | None = F.derived()  # staircase: the most periods worth computing (just past end_value)

    def _check(self, given: dict[str, Any]) -> None:
        rate, end = F.as_float(self.decay_rate), self.end_value
        e, i, r = (F.fmt(given[k]) for k in ("end_value", "init_value", "decay_rate"))
        if end is not None and ((rate < 1 and end > self.init_value) or (rate > 1 and end < self.init_value)):
            side, rel = ("exceed", "below") if rate < 1 else ("be below", "above")
            F.fail(self.name, f"end_value ({e}) must not {side} init_value ({i}) when decay_rate ({r}) is {rel} 1")

    def _derive(self, xp: Any) -> dict[str, Any]:
        log_rate = xp.log(self.decay_rate[..., 0].astype(float) + self.decay_rate[..., 1])
        out = {"log_rate": log_rate, "rate_words": exp_words(log_rate / xp.asarray(self.period, log_rate.dtype), xp)}
        if self.staircase and self.end_value is not None:
            with np.errstate(divide="ignore", invalid="ignore"):  # init 0 or rate 1: no cap
                reach = xp.log(xp.asarray(self.end_value, float) / self.init_value) / log_rate
            out["cap"] = xp.where(xp.isfinite(reach) & (reach >= 0), xp.floor(reach) + 2, xp.inf)
        return {k: v.astype(xp.float32) for k, v in out.items()}

    def _value(self, step: jax.Array) -> jax.Array:
        limit = jnp.finfo(jnp.float32).max  # a growth saturates: times a zero init_value it stays 0, never NaN
        if not self.staircase:
            return self._bound(self.init_value * jnp.minimum(exp_steps(step, self.rate_words), limit))
        periods = divide(step, self.period)[0].astype(jnp.float32)
        if self.cap is not None:  # past the bound: rate**periods never overflows (nor its gradient)
            periods = jnp.minimum(periods, jax.lax.stop_gradient(self.cap))
        return self._bound(self.init_value * jnp.minimum(power(self.decay_rate, periods), limit))

    def _bound(self, value: jax.Array) -> jax.Array:
        if self.end_value is None:
            return value
        bounded = jnp.where(self.log_rate < 0, jnp.maximum(value, self.end_value), jnp.minimum(value, self.end_value))
        return jnp.where(self.log_rate == 0, value, bounded)

    def _phases(self, until: int) -> list[Any]:
        return [every(self.period, until) if self.staircase else []]


@register(Exponential)
def exponential(
    *, init_value: ArrayLike, decay_rate: ArrayLike, period: ArrayLike, staircase: bool = False,
    end_value: ArrayLike | None = None
) -> Schedule:  # fmt: skip
    """Exponential decay (or growth).

    ``value(t) = init * decay_rate ** (t / period)``; with ``staircase``
    the exponent is ``floor(t / period)``. ``end_value`` bounds the
    result: a floor when ``decay_rate < 1``, a ceiling when it is above 1.

    Args:
        init_value: the value at step 0.
        decay_rate: the factor applied every ``period`` steps (> 0), kept to
            float64 precision.
        period: steps per factor of ``decay_rate`` (at least 1).
        staircase: decay in discrete jumps every ``period`` steps.
        end_value: optional bound. Without one a growth (``decay_rate > 1``)
            is unbounded, as in Optax (a learning-rate range test), and
            saturates at float32's largest value (never inf or NaN; a
            zero ``init_value`` stays 0).

    Returns:
        A ``Schedule``. ``exponential(init_value=lr, decay_rate=gamma,
        period=1)`` is PyTorch's ``ExponentialLR``;
        ``optax.exponential_decay(init_value, transition_steps, decay_rate,
        staircase=staircase, end_value=end_value)`` is ``exponential`` with
        ``period=transition_steps`` (and ``transition_begin=0``).

    Example:
        >>> import jaxsched
        >>> s = jaxsched.exponential(init_value=1.0, decay_rate=0.5, period=10)
        >>> print(f"{s(0):.4f} {s(10):.4f} {s(15):.4f} {s(20):.4f}")
        1.0000 0.5000 0.3536 0.2500
    """
    return Exponential(**locals())


class StepDecay(Schedule):
    init_value: jax.Array = F.value()
    period: jax.Array = F.length(minimum=1)
    decay_rate: jax.Array = F.value(interval="(0, 1]")

    def _value(self, step: jax.Array) -> jax.Array:
        return self.init_value * self.decay_rate ** divide(step, self.period)[0].astype(jnp.float32)

    def _phases(self, until: int) -> list[Any]:
        return [every(self.period, until)]


@register(StepDecay)
def step_decay(*, init_value: ArrayLike, period: ArrayLike, decay_rate: ArrayLike) -> Schedule:
    """Multiply by ``decay_rate`` every ``period`` steps (PyTorch's ``StepLR``).

    ``value(t) = init * decay_rate ** floor(t / period)``.

    Args:
        init_value: the value at step 0.
        period: steps between two multiplications (at least 1).
        decay_rate: the multiplier, in (0, 1].

    Returns:
        A ``Schedule``. PyTorch's ``StepLR(step_size, gamma)`` with ``lr`` is
        ``step_decay(init_value=lr, period=step_size, decay_rate=gamma)``.

    Example:
        >>> import jaxsched
        >>> s = jaxsched.step_decay(init_value=0.1, period=30, decay_rate=0.1)
        >>> print(f"{s(29):.4f} {s(30):.4f} {s(60):.5f}")
        0.1000 0.0100 0.00100
    """
    return StepDecay(**locals())


class MultistepDecay(Schedule):
    init_value: jax.Array = F.value()
    boundaries: jax.Array = F.boundaries(repeats=True)  # a repeated boundary applies decay_rate again
    decay_rate: jax.Array = F.value(interval="(0, inf)")

    def _value(self, step: jax.Array) -> jax.Array:
        return self.init_value * self.decay_rate ** search(self.boundaries, step).astype(jnp.float32)


@register(MultistepDecay)
def multistep_decay(*, init_value: ArrayLike, boundaries: Sequence[int] | ArrayLike, decay_rate: ArrayLike) -> Schedule:
    """Multiply by ``decay_rate`` at each boundary (PyTorch's ``MultiStepLR``).

    ``value(t) = init * decay_rate ** (number of boundaries <= t)``.

    Args:
        init_value: the value at step 0.
        boundaries: sorted, non-negative steps; a step listed twice applies
            ``decay_rate`` twice there (as ``MultiStepLR`` does).
        decay_rate: the multiplier (> 0).

    Returns:
        A ``Schedule``. PyTorch's ``MultiStepLR(milestones, gamma)`` with
        ``lr`` is ``multistep_decay(init_value=lr, boundaries=milestones,
        decay_rate=gamma)``.

    Example:
        >>> import jaxsched
        >>> s = jaxsched.multistep_decay(init_value=1.0, boundaries=[10, 20], decay_rate=0.5)
        >>> print(f"{s(9):.2f} {s(10):.2f} {s(20):.2f}")
        1.00 0.50 0.25
    """
    return MultistepDecay(**locals())
