"""Cosine decay."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from jaxsched import _core
from jaxsched._core import Schedule, register


def cosine_decay(step, start, end_value, peak, length, exponent):
    """``end + (peak - end) * (0.5 * (1 + cos(pi * x))) ** exponent``.

    ``x = (step - start) / length`` clipped to [0, 1], from exact integers.
    """
    t = jnp.clip(step - start, 0, length)
    # sin(pi/2 * d)**2 of the distance d to the nearer end: in the second half
    # it is the cosine factor itself, in the first half 1 minus it. Either way
    # full relative precision where the value is small (a decay to 0, a cosine up from 0).
    first_half = t <= length - t
    near = _core.cosine_shape(_core.fraction(jnp.where(first_half, t, length - t), length))
    near_end = _core.lerp(end_value, peak, near**exponent)
    near_start = _core.lerp(peak, end_value, -jnp.expm1(exponent * jnp.log1p(-jnp.where(first_half, near, 0.0))))
    return jnp.where(first_half, near_start, near_end)


class Cosine(Schedule):
    init_value: jax.Array
    total_steps: jax.Array
    end_value: jax.Array
    exponent: jax.Array

    def _value(self, step: jax.Array) -> jax.Array:
        return cosine_decay(step, 0, self.end_value, self.init_value, self.total_steps, self.exponent)


@register(Cosine)
def cosine(*, init_value: float, total_steps: int, end_value: float = 0.0, exponent: float = 1.0) -> Schedule:
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
    fn = "cosine"
    return Cosine(
        init_value=_core.value(fn, "init_value", init_value),
        total_steps=_core.length(fn, "total_steps", total_steps, minimum=1),
        end_value=_core.value(fn, "end_value", end_value),
        exponent=_core.positive(fn, "exponent", exponent),
    )
