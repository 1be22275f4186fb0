"""Cosine annealing with warm restarts (SGDR)."""

from fractions import Fraction
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxsched import _fields as F
from jaxsched import _wide
from jaxsched._core import Schedule, register
from jaxsched._math import blend, cosine_shape, divide, every, power
from jaxsched._warmup import WarmupConstant

MULT_MIN, MULT_MAX = 1.01, 4096.0
# Restarts within 2**53 steps at the smallest multiplier (1.01, cycle_steps=1): 3230.
CYCLES = 3232


def _table(c: int, m: Fraction) -> dict[str, np.ndarray]:
    """The cycle starts ``S_i+1 = m S_i + c`` (``S_0 = 0``) up to the first past
    ``2**53``, in integers: fixed point with 128 fractional bits (rounded
    down), so that a start on a whole step is exact."""
    num, den = m.as_integer_ratio()
    starts = [0]
    while m > 1 and starts[-1] <= F.MAX_STEPS << 128:
        starts.append(starts[-1] * num // den + (c << 128))
    starts += starts[-1:] * (CYCLES + 1 - len(starts))  # a fixed size: repeat the last row
    edges = [min(-(-s >> 128), F.MAX_STEPS + 1) - 1 for s in starts]  # ceil(S_i) - 1, capped
    fracs = [[((e + 1 << 128) - s) / 2**128, (s - (e << 128)) / 2**128] for e, s in zip(edges, starts, strict=True)]
    return {"edges": np.array(edges, np.int64), "fracs": np.array(fracs, np.float32)}


class SGDR(WarmupConstant):
    cycle_steps: jax.Array = F.length(minimum=1)
    cycle_mult: jax.Array = F.value(1.0, precise=True, neutral=True)  # None in the eager program: equal cycles
    end_value: jax.Array = F.value(0.0)
    decay_rate: jax.Array | None = F.value(1.0, interval="(0, 1]", precise=True, neutral=True)
    cycle_limit: jax.Array | None = F.length(None, minimum=1)
    warmup_steps: jax.Array = F.length(0, neutral=True)  # None in the eager program: no warmup
    # Growing cycles: cycle i starts at the real step S_i and holds the steps
    # edges[i] + 1 .. edges[i + 1] (capped at 2**53; 2**31 - 1 when traced); fracs[i] holds
    # edges[i] + 1 - S_i and S_i - edges[i], each exact.
    edges: jax.Array = F.derived()
    fracs: jax.Array = F.derived()
    _long = ("edges",)  # always evaluated wide: the table runs to 2**53

    def _check(self, given: dict[str, Any]) -> None:
        mult, got = F.as_float(self.cycle_mult), F.fmt(given["cycle_mult"])
        if mult != 1 and not MULT_MIN <= mult <= MULT_MAX:
            F.fail(self.name, f"cycle_mult must be 1 or in [{MULT_MIN:g}, {MULT_MAX:g}], got {got}")

    def _derive(self, xp: Any) -> dict[str, Any]:
        if xp is np:  # the multiplier as written (1.3 is 13/10): restarts fall where exact arithmetic puts them
            return _table(int(self.cycle_steps), Fraction(repr(F.as_float(self.cycle_mult))))
        # Traced: S_i = c (m**i - 1) / (m - 1) in float32.
        m = self.cycle_mult[..., 0] + self.cycle_mult[..., 1]
        starts = xp.asarray(self.cycle_steps, float) * (m ** xp.arange(CYCLES + 1.0) - 1) / xp.where(m > 1, m - 1, 1.0)
        edges = xp.minimum(xp.ceil(starts) - 1, F.INT32_MAX)
        words = xp.stack([xp.zeros_like(edges), edges], -1).astype(xp.int32)  # as a concrete table is flattened
        return {"edges": words, "fracs": xp.stack([edges + 1 - starts, starts - edges], -1)}

    def _after(self, step: jax.Array) -> jax.Array:
        s, c = step if self.warmup_steps is None else jnp.maximum(step - self.warmup_steps, 0), self.cycle_steps
        i, into, until = _equal(s, c) if self.cycle_mult is None else self._growing(s, c)
        if self.cycle_mult is not None and not _wide.eager(self):  # a multiplier of 1 selects the equal cycles
            equal = self.cycle_mult[..., 0] == 1  # (never 1 in the eager program: None there)
            i, into, until = (jnp.where(equal, a, b) for a, b in zip(_equal(s, c), (i, into, until), strict=True))
        # end + (p_i - end) * 0.5 * (1 + cos(pi * into / (into + until))): one sine, at the nearer end.
        peak = self.peak_value if self.decay_rate is None else self.peak_value * power(self.decay_rate, i)
        small = cosine_shape(jnp.minimum(into, until) / (into + until))
        value = blend(peak, self.end_value, small, small, into <= until)
        if self.cycle_limit is not None:
            value = jnp.where(i >= self.cycle_limit, self.end_value, value)
        return value

    def _growing(self, s: jax.Array, c: jax.Array) -> tuple[jax.Array, jax.Array, jax.Array]:
        """The cycle of step ``s`` and the steps into it and until the next, in growing cycles."""
        edges, fracs = jnp.asarray(self.edges), jnp.asarray(self.fracs)
        # Cycle k with edges[k] <= s - 1 < edges[k + 1], from the float32 estimate
        # log(1 + s (m - 1) / c) / log(m) (off by one at most: checked against the exact table).
        m, g = jnp.maximum(self.cycle_mult[..., 0], MULT_MIN), jnp.minimum(s, edges[-1])  # held past the table
        guess = jnp.log1p(g.astype(jnp.float32) * ((m - 1) / c.astype(jnp.float32))) / jnp.log(m)
        k = jnp.clip(jnp.floor(guess), 1, CYCLES - 2).astype(jnp.int32)  # an int32 index, also when wide
        k = k + (edges[k + 1] <= g - 1).astype(jnp.int32) - (edges[k] > g - 1).astype(jnp.int32)
        into = (g - 1 - edges[k]).astype(jnp.float32) + fracs[k, 0]  # s - S_k
        return k.astype(s.dtype), into, (edges[k + 1] - g).astype(jnp.float32) + fracs[k + 1, 1]  # S_k+1 - s

    def _phases(self, until: int) -> list[Any]:
        w, equal = int(self.warmup_steps), F.as_float(self.cycle_mult) == 1
        starts = every(self.cycle_steps, until) if equal else np.unique(self.edges[1:].astype(np.int64) + 1)[:1000]
        return [w, w + starts[: None if self.cycle_limit is None else int(self.cycle_limit)]]


def _equal(s: jax.Array, c: jax.Array) -> tuple[jax.Array, jax.Array, jax.Array]:
    """The cycle of step ``s`` and the steps into it and until the next, in cycles of ``c`` steps."""
    i, part = divide(s, c)
    return i, part.astype(jnp.float32), (c - part).astype(jnp.float32)


@register(SGDR)
def sgdr(
    *, peak_value: ArrayLike, cycle_steps: ArrayLike, cycle_mult: ArrayLike = 1.0, end_value: ArrayLike = 0.0,
    decay_rate: ArrayLike = 1.0, cycle_limit: ArrayLike | None = None, warmup_steps: ArrayLike = 0,
    init_value: ArrayLike = 0.0
) -> Schedule:  # fmt: skip
    """Cosine annealing with warm restarts (SGDR), cycles growing by ``cycle_mult``.

    With ``c = cycle_steps``, ``m = cycle_mult``, ``w = warmup_steps`` and
    ``s = t - w``: cycle ``i`` (from 0) starts at ``S_i = c * (m**i - 1) / (m - 1)``
    (``c * i`` when ``m = 1``) and lasts ``L_i = c * m**i`` steps (a real
    number when ``m`` is not an integer); its peak is
    ``p_i = peak * decay_rate**i``. For ``S_i <= s < S_i + L_i``::

        value(t) = init + (peak - init) * t / w                      for t < w
        value(t) = end + (p_i - end) * 0.5 * (1 + cos(pi * (s - S_i) / L_i))
        value(t) = end                      once i >= cycle_limit (if not None)

    Without a loop over cycles: the cycle starts are a table computed once in
    exact arithmetic, with the multiplier as written (1.3 is 13/10), so every
    restart up to step ``2**53`` falls on its step (growing cycles hold their
    value from there); ``cycle_mult`` and ``decay_rate`` are kept to float64
    precision. Built with traced arguments (inside ``jit``), the table is
    computed in float32: restarts are exact up to about ``2**24`` steps, and
    growing cycles hold from step ``2**31 - 1``.

    Args:
        peak_value: the value at the start of the first cycle.
        cycle_steps: length of the first cycle (at least 1).
        cycle_mult: each cycle is this many times longer than the one before:
            1 (equal cycles, the default) or in [1.01, 4096], integer or not.
        end_value: the value each cycle anneals to (default 0).
        decay_rate: each cycle's peak is this times the one before, in (0, 1]
            (default 1).
        cycle_limit: the number of cycles, after which the value holds
            ``end_value`` (at least 1); None (the default) for no end.
        warmup_steps: a linear warmup from ``init_value`` to ``peak_value``
            before the first cycle, which then starts at step ``warmup_steps``
            (default 0).
        init_value: the value at step 0 when there is a warmup (default 0).

    Returns:
        A ``Schedule``. For an integer ``cycle_mult`` and no warmup, decay or
        limit it has the values of PyTorch's ``CosineAnnealingWarmRestarts(T_0=
        cycle_steps, T_mult=cycle_mult, eta_min=end_value)``; in general, those
        of timm's ``CosineLRScheduler(t_initial=cycle_steps, lr_min=end_value,
        cycle_mul=cycle_mult, cycle_decay=decay_rate, cycle_limit=cycle_limit,
        warmup_t=warmup_steps, warmup_lr_init=init_value, warmup_prefix=True)``
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
        >>> s = jaxsched.sgdr(peak_value=1.0, cycle_steps=10, cycle_mult=1.5, decay_rate=0.5, cycle_limit=2)
        >>> print(" ".join(f"{s(t):.3f}" for t in (10, 17, 24, 25, 1000)))
        0.500 0.276 0.005 0.000 0.000
    """
    return SGDR(**locals())
