"""Cosine decay, and cosine waves or hard restarts over a fixed length."""

from typing import Any

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from jaxsched import _fields as F
from jaxsched._core import Schedule, register
from jaxsched._math import cosine_shape, fraction, interpolate, lerp


class Decay(Schedule):
    """The fields of a decay from ``init_value`` to ``end_value`` over ``total_steps``."""

    init_value: jax.Array = F.value()
    total_steps: jax.Array = F.length(minimum=1)
    end_value: jax.Array = F.value(0.0)


class Cosine(Decay):
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


class CosineCycles(Decay):
    cycles: jax.Array = F.value()
    restarts: bool = F.flag(False)

    def _check(self, given: dict[str, Any]) -> None:
        # k * n, the number of half-cosine phases (decays when restarting), must be a whole number.
        T, n, k = int(self.total_steps), float(self.cycles), 1 if self.restarts else 2
        what = "a whole number, at least 1" if self.restarts else "a positive multiple of 0.5 (exact integer phases)"
        F.require(k * n >= 1 and k * n == int(k * n), self.name, f"cycles must be {what}, got {F.fmt(given['cycles'])}")
        if T * n * k > F.INT32_MAX:
            F.fail(self.name, f"total_steps * cycles ({T} * {n:g}) is too large for exact int32 phases")

    def _value(self, step: jax.Array) -> jax.Array:
        # Exact integer phases: j * t = q * T + r with j = k * n (int32: j * T fits; 2 * T may not).
        # Restarts: each of the q cycles decays again, 0.5 (1 + cos(pi r / T)). Waves: cos(pi j t / 2T) ** 2,
        # which is cos(pi r / 2T) ** 2 for an even q and sin(pi r / 2T) ** 2 for an odd one.
        T, k = self.total_steps, 1 if self.restarts else 2
        jt = jnp.round(k * self.cycles).astype(jnp.int32) * jnp.minimum(step, T)
        q, r = jt // T, jt % T
        c = jnp.where(self.restarts | (q % 2 == 0), cosine_shape(fraction(T - r, T)), cosine_shape(fraction(r, T)))
        if self.restarts:
            c = jnp.where(step >= T, jnp.float32(0.0), c)
        return lerp(self.end_value, self.init_value, c)


@register(CosineCycles)
def cosine_cycles(
    *,
    init_value: ArrayLike,
    total_steps: ArrayLike,
    cycles: ArrayLike,
    restarts: bool = False,
    end_value: ArrayLike = 0.0,
) -> Schedule:
    """Cosine waves, or cosine decays with hard restarts, over ``total_steps``.

    With ``T = total_steps``, ``n = cycles`` and ``p = min(t, T) / T``::

        c(t) = 0.5 * (1 + cos(2 * pi * n * p))          (waves; held from T on)
        c(t) = 0.5 * (1 + cos(pi * frac(n * p)))         (restarts; 0 from T on)
        value(t) = end + (init - end) * c(t)

    Args:
        init_value: the value at step 0 (and at each restart).
        total_steps: length of the curve (at least 1).
        cycles: waves: a positive multiple of 0.5 (0.5 is one half-cosine
            decay, 1 a decay and a rise back); restarts: the number of
            decays (whole, at least 1). The phases are exact integers, so
            ``total_steps * cycles`` (twice that for waves) must fit in int32.
        restarts: hard restarts instead of waves (default False).
        end_value: the value at the bottom of each cosine (default 0).

    Returns:
        A ``Schedule``. HF's ``cosine`` scheduler with ``num_cycles=n`` is
        ``warmup(cosine_cycles(init_value=lr, total_steps=T - w, cycles=n),
        warmup_steps=w)``; ``cosine_with_restarts`` adds ``restarts=True``
        (``jaxsched.from_hf`` builds both).

    References:
        Loshchilov & Hutter, "SGDR: Stochastic Gradient Descent with Warm
        Restarts", https://arxiv.org/abs/1608.03983, 2016.

    Example:
        >>> import jaxsched
        >>> s = jaxsched.cosine_cycles(init_value=1.0, total_steps=100, cycles=2, restarts=True)
        >>> print(f"{s(0):.2f} {s(25):.2f} {s(49):.4f} {s(50):.2f} {s(100):.2f}")
        1.00 0.50 0.0010 1.00 0.00
        >>> w = jaxsched.cosine_cycles(init_value=1.0, total_steps=120, cycles=1.5)
        >>> print(f"{w(0):.2f} {w(20):.2f} {w(40):.2f} {w(80):.2f} {w(120):.2f}")
        1.00 0.50 0.00 1.00 0.00
    """
    return CosineCycles(**locals())
