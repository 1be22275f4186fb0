"""fairseq's tri-stage schedule: warmup, hold, exponential decay."""

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxsched import _fields as F
from jaxsched._core import Schedule, register
from jaxsched._math import interpolate
from jaxsched._warmup import WarmupConstant

_SCALE = 0.01  # fairseq's default init_lr_scale and final_lr_scale


class TriStage(WarmupConstant):
    hold_steps: jax.Array = F.length()
    decay_steps: jax.Array = F.length(minimum=1)
    init_value: jax.Array = F.value(None)
    end_value: jax.Array = F.value(None)
    log_ratio: jax.Array = F.derived()  # log(end_value / peak_value)

    def _check(self, given: dict[str, Any]) -> None:
        names = ("warmup_steps", "hold_steps", "decay_steps")
        if sum(int(getattr(self, k)) for k in names) > F.MAX_STEPS:
            lengths = " + ".join(F.fmt(given[k]) for k in names)
            F.fail(self.name, f"{' + '.join(names)} ({lengths}) must be at most 2**53 ({F.MAX_STEPS})")
        (low, high), peak = sorted((0.0, float(self.peak_value))), F.fmt(given["peak_value"])  # 0 to the peak
        for key, bracket in (("init_value", "["), ("end_value", "(")):
            v, got = getattr(self, key), F.fmt(given[key])
            if v is not None and not (low <= v <= high and (bracket == "[" or v != 0)):
                F.fail(self.name, f"{key} must be in {bracket}0, peak_value] (peak_value {peak}), got {got}")

    def _derive(self, xp: Any) -> dict[str, Any]:
        peak = xp.asarray(self.peak_value, float)
        init, end = (_SCALE * peak if v is None else v for v in (self.init_value, self.end_value))
        init, end = xp.asarray(init, xp.float32), xp.asarray(end, xp.float32)
        log_ratio = xp.log(xp.where(peak == 0, _SCALE, xp.asarray(end, float) / xp.where(peak == 0, 1.0, peak)))
        return {"init_value": init, "end_value": end, "log_ratio": log_ratio.astype(xp.float32)}

    def _after(self, step: jax.Array) -> jax.Array:
        done = jnp.maximum(step - self.warmup_steps, 0) - self.hold_steps  # into the decay (no overflow)
        return interpolate(self.peak_value, self.end_value, done, self.decay_steps, "exponential", None, self.log_ratio)

    def _phases(self, until: int) -> list[Any]:
        return [np.cumsum([self.warmup_steps, self.hold_steps, self.decay_steps], dtype=np.int64)]


@register(TriStage)
def tri_stage(
    *, peak_value: ArrayLike, warmup_steps: ArrayLike, hold_steps: ArrayLike, decay_steps: ArrayLike,
    init_value: ArrayLike | None = None, end_value: ArrayLike | None = None
) -> Schedule:  # fmt: skip
    """Tri-stage: linear warmup, hold at the peak, exponential decay, hold.

    With ``w = warmup_steps``, ``h = hold_steps``, ``d = decay_steps``::

        value(t) = init + (peak - init) * t / w               for t < w
        value(t) = peak                                       for w <= t < w + h
        value(t) = peak * (end / peak) ** ((t - w - h) / d)   for w + h <= t <= w + h + d
        value(t) = end                                        for t > w + h + d

    Args:
        peak_value: the value of the hold stage.
        warmup_steps: length of the warmup (>= 0).
        hold_steps: length of the hold (>= 0).
        decay_steps: length of the decay (at least 1).
        init_value: the value at step 0, in [0, peak_value]; default
            ``0.01 * peak_value`` (fairseq's ``init_lr_scale`` 0.01).
        end_value: the value after the decay, in (0, peak_value]; default
            ``0.01 * peak_value`` (fairseq's ``final_lr_scale`` 0.01).

    Returns:
        A ``Schedule`` with the values of fairseq's ``TriStageLRSchedule``
        (``tri_stage``) at update ``t`` with ``lr = [peak_value]``,
        ``warmup_steps``, ``hold_steps``, ``decay_steps``, ``init_value =
        init_lr_scale * peak_value`` and ``end_value = final_lr_scale *
        peak_value``.

    References:
        Park et al., "SpecAugment: A Simple Data Augmentation Method for
        Automatic Speech Recognition", https://arxiv.org/abs/1904.08779, 2019.

    Example:
        >>> import jaxsched
        >>> s = jaxsched.tri_stage(peak_value=1.0, warmup_steps=10, hold_steps=20, decay_steps=100)
        >>> print(" ".join(f"{s(t):.4f}" for t in (0, 5, 10, 29, 80, 130, 1000)))
        0.0100 0.5050 1.0000 1.0000 0.1000 0.0100 0.0100
    """
    return TriStage(**locals())
