"""Cosine annealing with warm restarts (SGDR): PyTorch's
``CosineAnnealingWarmRestarts`` and timm's ``CosineLRScheduler``."""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import lax

from jaxsched import _core, _precise
from jaxsched._core import Schedule, register

MULT_MIN, MULT_MAX = 1.01, 4096.0
_POW_BITS = 11  # cycle indices below 2048: enough for any multiplier >= 1.01 within 2**31 steps
_CANDIDATES = 4  # the estimated index, corrected by up to this many cycles


def _ff_pow(base: tuple, n: jax.Array) -> tuple:
    """``base ** n`` in float-float for ``0 <= n < 2**_POW_BITS`` (binary powering)."""

    def body(b, carry):
        result, power = carry
        use = ((n >> b) & 1) == 1
        product = _precise.ff_mul(result, power)
        result = (jnp.where(use, product[0], result[0]), jnp.where(use, product[1], result[1]))
        square = _precise.ff_mul(power, power)
        big = square[0] > 2.0**60  # never used: such a power is past 2**31 steps
        power = (jnp.where(big, 2.0**60, square[0]), jnp.where(big, 0.0, square[1]))
        return result, power

    shape = jnp.broadcast_shapes(base[0].shape, n.shape)
    base = (jnp.broadcast_to(base[0], shape), jnp.broadcast_to(base[1], shape))
    one = (jnp.ones(shape, jnp.float32), jnp.zeros(shape, jnp.float32))
    result, _ = lax.fori_loop(0, _POW_BITS, body, (one, base))
    return result


def _ge(a: tuple, b: tuple) -> jax.Array:
    """``a >= b`` for float-float pairs."""
    d = _precise.ff_add(a, _precise.ff_neg(b))
    return (d[0] > 0) | ((d[0] == 0) & (d[1] >= 0))


def cycle_position(t: jax.Array, c: jax.Array, mult: jax.Array) -> tuple[jax.Array, jax.Array, jax.Array]:
    """The cycle ``i`` holding step ``t`` and the fractions of it done and left.

    Cycle ``i`` starts at ``S_i = c * (m**i - 1) / (m - 1)`` (``c * i`` for
    ``m = 1``) and lasts ``c * m**i``. For ``m = 1`` all of it is integer
    arithmetic. Otherwise ``i`` is estimated in closed form,
    ``floor(log(1 + t (m - 1) / c) / log(m))`` in float32, then corrected
    exactly: ``S_k <= t`` is tested as ``t (m - 1) >= c (m**k - 1)`` in
    float-float arithmetic (about 44 bits, exact for integer multipliers), on
    the few candidates around the estimate. The fractions come from the same
    float-float differences, so they stay exact next to a restart.
    """
    # m = 1: equal cycles, exact integers.
    i1 = t // c
    u = t - i1 * c
    done1, left1 = _core.fraction(u, c), _core.fraction(c - u, c)

    m = (mult[..., 0], mult[..., 1])
    equal = (m[0] == 1) & (m[1] == 0)
    d = _precise.two_sum(m[0] - 1, m[1])  # m - 1, exact: m[0] - 1 is
    d = (jnp.where(equal, 1.0, d[0]), jnp.where(equal, 0.0, d[1]))  # no 0 / 0 in the unused branch
    tf, cf = t.astype(jnp.float32), c.astype(jnp.float32)
    estimate = jnp.floor(jnp.log1p(tf * d[0] / cf) / jnp.log1p(d[0]))
    j = jnp.clip(estimate - 2, 0, 2**_POW_BITS - 1 - _CANDIDATES).astype(jnp.int32)
    scaled_t = _precise.ff_mul(_precise.ff_from_int(t), d)  # t (m - 1)
    cc = _precise.ff_from_int(c)
    minus_one = (-jnp.ones_like(d[0]), jnp.zeros_like(d[0]))

    def scaled_start(q):  # c (m**k - 1) = S_k (m - 1)
        return _precise.ff_mul(cc, _precise.ff_add(q, minus_one))

    q, i = _ff_pow(m, j), j
    for _ in range(_CANDIDATES):  # S_k increases with k: once false, false after
        q_next = _precise.ff_mul(q, m)
        later = _ge(scaled_t, scaled_start(q_next))
        q = (jnp.where(later, q_next[0], q[0]), jnp.where(later, q_next[1], q[1]))
        i = i + later.astype(jnp.int32)
    length = d[0] * cf * q[0]  # (m - 1) * c * m**i
    into = _precise.ff_add(scaled_t, _precise.ff_neg(scaled_start(q)))  # (t - S_i) (m - 1)
    until = _precise.ff_add(scaled_start(_precise.ff_mul(q, m)), _precise.ff_neg(scaled_t))  # (S_i+1 - t) (m - 1)
    done, left = into[0] / length, until[0] / length
    return (
        jnp.where(equal, i1, i),
        jnp.where(equal, done1, done),
        jnp.where(equal, left1, left),
    )


class SGDR(_precise.PreciseFields, Schedule):
    _precise = ("cycle_mult", "cycle_decay")
    peak_value: jax.Array
    cycle_steps: jax.Array
    cycle_mult: jax.Array
    end_value: jax.Array
    cycle_decay: jax.Array
    cycle_limit: jax.Array | None = None
    warmup_steps: jax.Array

    def _value(self, step: jax.Array) -> jax.Array:
        w = self.warmup_steps
        i, done, left = cycle_position(jnp.maximum(step - w, 0), self.cycle_steps, self.cycle_mult)
        peak = self.peak_value * _precise.power(self.cycle_decay, i)
        # end + (peak - end) * 0.5 * (1 + cos(pi * done)), exact at both ends of a cycle.
        value = peak * _core.cosine_shape(left) + self.end_value * _core.cosine_shape(done)
        if self.cycle_limit is not None:
            value = jnp.where(i >= self.cycle_limit, self.end_value, value)
        warm = self.peak_value * _core.fraction(jnp.minimum(step, w), w)
        return jnp.where(step < w, warm, value)


@register(SGDR)
def sgdr(
    *,
    peak_value: float,
    cycle_steps: int,
    cycle_mult: float = 1.0,
    end_value: float = 0.0,
    cycle_decay: float = 1.0,
    cycle_limit: int | None = None,
    warmup_steps: int = 0,
) -> Schedule:
    """Cosine annealing with warm restarts (SGDR), cycles growing by ``cycle_mult``.

    With ``c = cycle_steps``, ``m = cycle_mult``, ``w = warmup_steps`` and
    ``s = t - w``: cycle ``i`` (from 0) starts at ``S_i = c * (m**i - 1) / (m - 1)``
    (``c * i`` when ``m = 1``) and lasts ``L_i = c * m**i`` steps (a real
    number when ``m`` is not an integer, as in timm); its peak is
    ``p_i = peak * cycle_decay**i``. For ``S_i <= s < S_i + L_i``::

        value(t) = peak * t / w                                      for t < w
        value(t) = end + (p_i - end) * 0.5 * (1 + cos(pi * (s - S_i) / L_i))
        value(t) = end                      once i >= cycle_limit (if not None)

    The cycle index and position are computed in closed form, without a loop
    over cycles, exactly for every step up to ``2**31 - 1``: ``i`` is
    estimated from ``log(1 + s (m - 1) / c) / log(m)``, then corrected with an
    exact float-float test of ``S_i <= s``; ``cycle_mult`` and
    ``cycle_decay`` are kept to float64 precision.

    Args:
        peak_value: the value at the start of the first cycle.
        cycle_steps: length of the first cycle (at least 1; PyTorch's ``T_0``,
            timm's ``t_initial``).
        cycle_mult: each cycle is this many times longer than the one before:
            1 (equal cycles, the default) or in [1.01, 4096], integer or not
            (PyTorch's ``T_mult``, timm's ``cycle_mul``).
        end_value: the value each cycle anneals to (PyTorch's ``eta_min``,
            timm's ``lr_min``; default 0).
        cycle_decay: each cycle's peak is this times the one before, in (0, 1]
            (timm's ``cycle_decay``; default 1).
        cycle_limit: the number of cycles, after which the value holds
            ``end_value`` (at least 1); None (the default) for no end.
        warmup_steps: a linear warmup from 0 to ``peak_value`` before the
            first cycle, which then starts at step ``warmup_steps`` (timm's
            ``warmup_t`` with ``warmup_lr_init=0`` and ``warmup_prefix=True``;
            default 0).

    Returns:
        A ``Schedule``. For an integer ``cycle_mult`` and no warmup, decay or
        limit it has the values of PyTorch's ``CosineAnnealingWarmRestarts(T_0=
        cycle_steps, T_mult=cycle_mult, eta_min=end_value)``; in general, those
        of timm's ``CosineLRScheduler(t_initial=cycle_steps, lr_min=end_value,
        cycle_mul=cycle_mult, cycle_decay=cycle_decay, cycle_limit=cycle_limit)``
        stepped per update (``t_in_epochs=False``, no noise; timm's
        ``cycle_limit`` defaults to 1 where this one has no limit). timm
        finds the cycle with a float64 logarithm, which can put a step that
        is exactly a restart into the cycle before; here it is always the
        new cycle.

    References:
        Loshchilov & Hutter, "SGDR: Stochastic Gradient Descent with Warm
        Restarts", https://arxiv.org/abs/1608.03983, 2016.

    Example:
        >>> import jaxsched
        >>> s = jaxsched.sgdr(peak_value=1.0, cycle_steps=10, cycle_mult=2)
        >>> print(" ".join(f"{s(t):.2f}" for t in (0, 5, 9, 10, 20, 29, 30)))
        1.00 0.50 0.02 1.00 0.50 0.01 1.00
        >>> s = jaxsched.sgdr(peak_value=1.0, cycle_steps=10, cycle_mult=1.5, cycle_decay=0.5, cycle_limit=2)
        >>> print(" ".join(f"{s(t):.3f}" for t in (10, 17, 24, 25, 1000)))
        0.500 0.276 0.005 0.000 0.000
    """
    fn = "sgdr"
    mult = _precise.precise(fn, "cycle_mult", cycle_mult)
    cm = _precise.concrete(mult)
    if cm is not None and cm != 1 and not MULT_MIN <= cm <= MULT_MAX:
        _core.fail(fn, f"cycle_mult must be 1 or in [{MULT_MIN:g}, {MULT_MAX:g}], got {_core.fmt(cycle_mult)}")
    decay = _precise.precise(fn, "cycle_decay", cycle_decay)
    cd = _precise.concrete(decay)
    if cd is not None and not 0 < cd <= 1:
        _core.fail(fn, f"cycle_decay must be in (0, 1], got {_core.fmt(cycle_decay)}")
    limit = None
    if cycle_limit is not None:
        if not _core.is_traced(cycle_limit) and (
            isinstance(cycle_limit, (bool, str)) or not float(cycle_limit).is_integer()
        ):
            _core.fail(fn, f"cycle_limit must be a whole number of cycles or None, got {_core.fmt(cycle_limit)}")
        limit = _core.length(fn, "cycle_limit", cycle_limit, minimum=1)
    return SGDR(
        peak_value=_core.value(fn, "peak_value", peak_value),
        cycle_steps=_core.length(fn, "cycle_steps", cycle_steps, minimum=1),
        cycle_mult=mult,
        end_value=_core.value(fn, "end_value", end_value),
        cycle_decay=decay,
        cycle_limit=limit,
        warmup_steps=_core.length(fn, "warmup_steps", warmup_steps),
    )
