"""fairseq's tri-stage schedule: warmup, hold, exponential decay."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from jaxsched import _core
from jaxsched._core import Schedule, register


class TriStage(Schedule):
    peak_value: jax.Array
    warmup_steps: jax.Array
    hold_steps: jax.Array
    decay_steps: jax.Array
    init_scale: jax.Array
    final_scale: jax.Array

    def _value(self, step: jax.Array) -> jax.Array:
        peak, w, d = self.peak_value, self.warmup_steps, self.decay_steps
        warm = _core.ramp(step, peak * self.init_scale, peak, w)
        since = step - w  # no overflow: both in [0, 2**31 - 1]
        x = jnp.clip(since - self.hold_steps, 0, d)  # where since >= hold_steps
        decayed = peak * jnp.exp(jnp.log(self.final_scale) * _core.fraction(x, d))
        decayed = jnp.where(x == d, peak * self.final_scale, decayed)
        after = jnp.where(since < self.hold_steps, peak, decayed)
        return jnp.where(step < w, warm, after)


def _scale(fn: str, name: str, x: float, positive: bool) -> jax.Array:
    leaf = _core.value(fn, name, x)
    c = _core.concrete(leaf)
    if c is not None and (c > 1 or c < 0 or (positive and c == 0)):
        _core.fail(fn, f"{name} must be in {'(0' if positive else '[0'}, 1], got {_core.fmt(x)}")
    return leaf


@register(TriStage)
def tri_stage(
    *,
    peak_value: float,
    warmup_steps: int,
    hold_steps: int,
    decay_steps: int,
    init_scale: float = 0.01,
    final_scale: float = 0.01,
) -> Schedule:
    """Tri-stage: linear warmup, hold at the peak, exponential decay, hold.

    With ``w = warmup_steps``, ``h = hold_steps``, ``d = decay_steps``::

        value(t) = peak * (i + (1 - i) * t / w)               for t < w
        value(t) = peak                                       for w <= t < w + h
        value(t) = peak * f ** ((t - w - h) / d)              for w + h <= t <= w + h + d
        value(t) = peak * f                                   for t > w + h + d

    with ``i = init_scale`` and ``f = final_scale``.

    Args:
        peak_value: the value of the hold stage.
        warmup_steps: length of the warmup (>= 0).
        hold_steps: length of the hold (>= 0).
        decay_steps: length of the decay (at least 1).
        init_scale: the value at step 0 as a fraction of the peak, in [0, 1]
            (fairseq's ``init_lr_scale``, default 0.01).
        final_scale: the value after the decay as a fraction of the peak, in
            (0, 1] (``final_lr_scale``, default 0.01).

    Returns:
        A ``Schedule`` with the values of fairseq's ``TriStageLRSchedule``
        (``tri_stage``) at update ``t`` with ``lr = [peak_value]``,
        ``warmup_steps``, ``hold_steps``, ``decay_steps``.

    References:
        Park et al., "SpecAugment: A Simple Data Augmentation Method for
        Automatic Speech Recognition", https://arxiv.org/abs/1904.08779, 2019.

    Example:
        >>> import jaxsched
        >>> s = jaxsched.tri_stage(peak_value=1.0, warmup_steps=10, hold_steps=20, decay_steps=100)
        >>> print(" ".join(f"{s(t):.4f}" for t in (0, 5, 10, 29, 80, 130, 1000)))
        0.0100 0.5050 1.0000 1.0000 0.1000 0.0100 0.0100
    """
    fn = "tri_stage"
    w = _core.length(fn, "warmup_steps", warmup_steps)
    h = _core.length(fn, "hold_steps", hold_steps)
    d = _core.length(fn, "decay_steps", decay_steps, minimum=1)
    lengths = [_core.concrete(x) for x in (w, h, d)]
    if None not in lengths and sum(lengths) > _core.INT32_MAX:
        _core.fail(
            fn,
            f"warmup_steps + hold_steps + decay_steps ({_core.fmt(warmup_steps)} + {_core.fmt(hold_steps)} + "
            f"{_core.fmt(decay_steps)}) must fit in int32 (at most {_core.INT32_MAX})",
        )
    return TriStage(
        peak_value=_core.value(fn, "peak_value", peak_value),
        warmup_steps=w,
        hold_steps=h,
        decay_steps=d,
        init_scale=_scale(fn, "init_scale", init_scale, positive=False),
        final_scale=_scale(fn, "final_scale", final_scale, positive=True),
    )
