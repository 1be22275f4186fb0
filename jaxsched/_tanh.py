"""Hyperbolic-tangent decay (timm's ``TanhLRScheduler``)."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from jaxsched import _core
from jaxsched._core import Schedule, register


class TanhDecay(Schedule):
    init_value: jax.Array
    total_steps: jax.Array
    end_value: jax.Array
    lower: jax.Array
    upper: jax.Array

    def _value(self, step: jax.Array) -> jax.Array:
        total = self.total_steps
        t = jnp.minimum(step, total)
        done = _core.fraction(t, total)
        left = _core.fraction(total - t, total)
        x = self.lower * left + self.upper * done
        # 0.5 * (1 - tanh(x)) == 1 / (1 + exp(2x)): full relative precision
        # where 1 - tanh(x) would cancel (x = 3 at the end by default).
        shape = 1 / (1 + jnp.exp(2 * x))
        decayed = _core.lerp(self.end_value, self.init_value, shape)
        return jnp.where(step < total, decayed, self.end_value)


@register(TanhDecay)
def tanh_decay(
    *, init_value: float, total_steps: int, end_value: float = 0.0, lower: float = -7.0, upper: float = 3.0
) -> Schedule:
    """Hyperbolic-tangent decay: timm's ``TanhLRScheduler`` curve.

    With ``T = total_steps`` and ``x(t) = lower * (1 - t / T) + upper * t / T``::

        value(t) = end + (init - end) * 0.5 * (1 - tanh(x(t)))    for t < T
        value(t) = end                                            for t >= T

    As in timm, the curve starts just below ``init_value`` (``0.5 * (1 -
    tanh(-7))`` is ``1 - 8.3e-7``) and ends just above ``end_value``
    (``0.5 * (1 - tanh(3))`` is 0.0025 of the range as ``t`` nears ``T``),
    then holds ``end_value``.

    Args:
        init_value: the value the curve starts from (timm's base learning rate).
        total_steps: length of the decay in steps (at least 1; timm's ``t_initial``).
        end_value: the value from ``total_steps`` on (timm's ``lr_min``, default 0).
        lower: ``x`` at step 0 (timm's ``lb``, default -7).
        upper: ``x`` at ``total_steps`` (timm's ``ub``, default 3; > ``lower``).

    Returns:
        A ``Schedule`` with the values of timm's ``TanhLRScheduler(t_initial=total_steps,
        lb=lower, ub=upper, lr_min=end_value)`` stepped per update
        (``t_in_epochs=False``, no warmup, no noise, one cycle).

    References:
        Hsueh et al., "Stochastic Gradient Descent with Hyperbolic-Tangent
        Decay on Classification", https://arxiv.org/abs/1806.01593, 2018.

    Example:
        >>> import jaxsched
        >>> s = jaxsched.tanh_decay(init_value=1.0, total_steps=100)
        >>> print(" ".join(f"{s(t):.4f}" for t in (0, 50, 70, 99, 100)))
        1.0000 0.9820 0.5000 0.0030 0.0000
    """
    fn = "tanh_decay"
    lo = _core.value(fn, "lower", lower)
    hi = _core.value(fn, "upper", upper)
    a, b = _core.concrete(lo), _core.concrete(hi)
    if a is not None and b is not None and a >= b:
        _core.fail(fn, f"lower ({_core.fmt(lower)}) must be less than upper ({_core.fmt(upper)})")
    return TanhDecay(
        init_value=_core.value(fn, "init_value", init_value),
        total_steps=_core.length(fn, "total_steps", total_steps, minimum=1),
        end_value=_core.value(fn, "end_value", end_value),
        lower=lo,
        upper=hi,
    )
