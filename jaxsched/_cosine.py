"""Cosine decay."""

from __future__ import annotations

import jax
from jax.typing import ArrayLike

from jaxsched import _fields as F
from jaxsched._core import Schedule, register
from jaxsched._math import interpolate


class Cosine(Schedule):
    init_value: jax.Array = F.value()
    total_steps: jax.Array = F.length(minimum=1)
    end_value: jax.Array = F.value(0.0)
    exponent: jax.Array = F.value(1.0, interval="(0, inf)")

    def _value(self, step: jax.Array) -> jax.Array:
        return interpolate(self.init_value, self.end_value, step, self.total_steps, "cosine", self.exponent)


@register(Cosine)
def cosine(
    *, init_value: ArrayLike, total_steps: ArrayLike, end_value: ArrayLike = 0.0, exponent: ArrayLike = 1.0
) -> Schedule:
    """Cosine decay from ``init_value`` to ``end_value``.

    ``value(t) = end + (init - end) * (0.5 * (1 + cos(pi * min(t, T) / T))) ** exponent``
    with ``T = total_steps``.

    Args:
        init_value: the value at step 0.
        total_steps: length of the decay in steps (at least 1).
        end_value: the value at ``total_steps`` and after (default 0).
        exponent: power applied to the cosine factor (> 0, default 1).

    Returns:
        A ``Schedule``. ``optax.cosine_decay_schedule(init_value, decay_steps,
        alpha, exponent)`` is ``cosine(init_value=init_value,
        total_steps=decay_steps, end_value=alpha * init_value,
        exponent=exponent)``; PyTorch's ``CosineAnnealingLR(T_max, eta_min)``
        is ``cosine(init_value=lr, total_steps=T_max, end_value=eta_min)`` up
        to ``T_max``.

    References:
        Loshchilov & Hutter, "SGDR: Stochastic Gradient Descent with Warm
        Restarts", https://arxiv.org/abs/1608.03983, 2016.

    Example:
        >>> import jaxsched
        >>> s = jaxsched.cosine(init_value=1.0, total_steps=100, end_value=0.1)
        >>> print(f"{s(0):.4f} {s(50):.4f} {s(100):.4f} {s(200):.4f}")
        1.0000 0.5500 0.1000 0.1000
    """
    return Cosine(**locals())
