"""Hyperbolic-tangent decay (timm's ``TanhLRScheduler``)."""

from typing import Any

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from jaxsched import _fields as F
from jaxsched._core import Schedule, register
from jaxsched._cosine import Decay
from jaxsched._math import fraction, lerp


class TanhDecay(Decay):
    lower: jax.Array = F.value(-7.0)
    upper: jax.Array = F.value(3.0)

    def _check(self, given: dict[str, Any]) -> None:
        if self.lower >= self.upper:
            F.fail(self.name, f"lower ({F.fmt(given['lower'])}) must be less than upper ({F.fmt(given['upper'])})")

    def _value(self, step: jax.Array) -> jax.Array:
        total, t = self.total_steps, jnp.minimum(step, self.total_steps)
        x = self.lower * fraction(total - t, total) + self.upper * fraction(t, total)
        # 0.5 * (1 - tanh(x)) == 1 / (1 + exp(2x)): full relative precision
        # where 1 - tanh(x) would cancel (x = 3 at the end by default).
        decayed = lerp(self.end_value, self.init_value, 1 / (1 + jnp.exp(2 * x)))
        return jnp.where(step < total, decayed, self.end_value)


@register(TanhDecay)
def tanh_decay(
    *,
    init_value: ArrayLike,
    total_steps: ArrayLike,
    end_value: ArrayLike = 0.0,
    lower: ArrayLike = -7.0,
    upper: ArrayLike = 3.0,
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
    return TanhDecay(**locals())
