"""Decays over a fixed length: cosine, cosine waves or hard restarts, and the
hyperbolic tangent (timm's ``TanhLRScheduler``)."""

from fractions import Fraction
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxsched import _fields as F
from jaxsched._core import Schedule, register
from jaxsched._math import cosine_shape, divide, fraction, interpolate, lerp


class Decay(Schedule):
    """The fields of a decay from ``init_value`` to ``end_value`` over ``total_steps``."""

    init_value: jax.Array = F.value()
    total_steps: jax.Array = F.length(minimum=1)
    end_value: jax.Array = F.value(0.0)

    def _phases(self, until: int) -> list[Any]:
        return [self.total_steps]


class Cosine(Decay):
    exponent: jax.Array | None = F.value(1.0, interval="(0, inf)", neutral=True)

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


_PARTS = 10_000  # the largest denominator of a fractional number of cycles


class CosineCycles(Decay):
    cycles: jax.Array = F.value(interval="(0, inf)")
    restarts: bool = F.flag(False)
    turns: jax.Array = F.derived()  # (1 or 2) * cycles == turns / parts: phases in exact integers
    parts: jax.Array = F.derived()

    def _ratio(self) -> tuple[int, int]:
        ratio = Fraction((1 if self.restarts else 2) * float(self.cycles)).limit_denominator(_PARTS)
        return ratio.numerator, ratio.denominator

    def _check(self, given: dict[str, Any]) -> None:
        (turns, parts), got = self._ratio(), F.fmt(given["cycles"])
        why = f"a fraction with a denominator up to {_PARTS} (the phases are exact integers), got {got}"
        F.require(
            np.float32(turns / parts / (1 if self.restarts else 2)) == self.cycles, self.name, f"cycles must be {why}"
        )
        if int(self.total_steps) * max(turns, parts) > F.MAX_STEPS:
            F.fail(self.name, f"total_steps * cycles ({F.fmt(given['total_steps'])} * {got}) must be at most 2**53")

    def _wide_steps(self) -> bool:  # turns * t beyond int32
        total, turns, parts = (F.concrete(getattr(self, k)) for k in ("total_steps", "turns", "parts"))
        return None not in (total, turns, parts) and total * max(turns, parts) > F.INT32_MAX  # type: ignore[operator]

    def _derive(self, xp: Any) -> dict[str, Any]:
        if xp is jnp:  # traced: whole numbers of (half) cycles
            return {
                "turns": jnp.round((1 if self.restarts else 2) * self.cycles).astype(jnp.int32),
                "parts": jnp.int32(1),
            }
        turns, parts = self._ratio()
        return {"turns": np.int32(turns), "parts": np.int32(parts)}

    def _value(self, step: jax.Array) -> jax.Array:
        # turns * t = q * D + r with D = parts * T. Restarts: each of the q cycles decays again,
        # 0.5 (1 + cos(pi r / D)). Waves (turns counts half cycles): cos(pi * turns * t / 2D) ** 2,
        # which is cos(pi r / 2D) ** 2 for an even q and sin(pi r / 2D) ** 2 for an odd one.
        T = self.total_steps
        D = self.parts * T
        q, r = divide(self.turns * jnp.minimum(step, T), D)
        c = jnp.where(self.restarts | (q % 2 == 0), cosine_shape(fraction(D - r, D)), cosine_shape(fraction(r, D)))
        if self.restarts:
            c = jnp.where(step >= T, jnp.float32(0.0), c)
        return lerp(self.end_value, self.init_value, c)

    def _phases(self, until: int) -> list[Any]:  # where each (half) cycle ends
        turns, whole = int(self.turns), int(self.parts) * int(self.total_steps)
        return [-(-np.arange(1, min(turns, 1000) + 1, dtype=np.int64) * whole // turns), self.total_steps]


@register(CosineCycles)
def cosine_cycles(
    *, init_value: ArrayLike, total_steps: ArrayLike, cycles: ArrayLike, restarts: bool = False,
    end_value: ArrayLike = 0.0
) -> Schedule:  # fmt: skip
    """Cosine waves, or cosine decays with hard restarts, over ``total_steps``.

    With ``T = total_steps``, ``n = cycles`` and ``p = min(t, T) / T``::

        c(t) = 0.5 * (1 + cos(2 * pi * n * p))          (waves; held from T on)
        c(t) = 0.5 * (1 + cos(pi * frac(n * p)))         (restarts; 0 from T on)
        value(t) = end + (init - end) * c(t)

    Args:
        init_value: the value at step 0 (and at each restart).
        total_steps: length of the curve (at least 1).
        cycles: the number of cycles (> 0), whole or not: waves: 0.5 is one
            half-cosine decay, 1 a decay and a rise back; restarts: the
            number of decays, a fractional one ending part-way. The phases
            are exact integers: ``cycles`` is a fraction ``j / q`` (``q`` up
            to 10,000) and ``total_steps * max(j, q)`` (``2 j`` for waves)
            must fit in int32.
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
    *, init_value: ArrayLike, total_steps: ArrayLike, end_value: ArrayLike = 0.0, lower: ArrayLike = -7.0,
    upper: ArrayLike = 3.0
) -> Schedule:  # fmt: skip
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
