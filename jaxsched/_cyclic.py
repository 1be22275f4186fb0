"""Cyclical schedules: Smith's cyclical learning rates (a triangle wave) and
the one-cycle policy."""

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxsched import _fields as F
from jaxsched._core import Schedule, register
from jaxsched._math import blend, cosine_shape, divide, every, fraction, lerp, pick, power, search


class Cyclic(Schedule):
    min_value: jax.Array = F.value()
    max_value: jax.Array = F.value()
    up_steps: jax.Array = F.length(minimum=1)
    down_steps: jax.Array | None = F.length(None)
    decay_rate: jax.Array | None = F.value(1.0, interval="(0, 1]", precise=True, neutral=True)
    period: jax.Array | None = F.length(None, minimum=1)

    def _check(self, given: dict[str, Any]) -> None:
        low, high = F.fmt(given["min_value"]), F.fmt(given["max_value"])
        F.require(self.min_value <= self.max_value, self.name, f"min_value ({low}) must not exceed max_value ({high})")
        if int(self.up_steps) + int(self._down()) > F.MAX_STEPS:
            u, d = F.fmt(given["up_steps"]), F.fmt(given["up_steps" if self.down_steps is None else "down_steps"])
            F.fail(self.name, f"up_steps + down_steps ({u} + {d}) must be at most 2**53 ({F.MAX_STEPS})")

    def _wide_steps(self) -> bool:  # a cycle longer than int32
        up, down = F.concrete(self.up_steps), F.concrete(self._down())
        return up is not None and down is not None and up + down > F.INT32_MAX

    def _down(self) -> jax.Array:  # down_steps; up_steps when it is None (a symmetric triangle)
        return self.up_steps if self.down_steps is None else self.down_steps

    def _wave(self, step: jax.Array) -> tuple[jax.Array, jax.Array, jax.Array]:
        """The triangle ``h(t)`` (0 at each cycle's start, 1 at its peak), ``1 - h(t)``, both exact
        fractions, and the number of periods ``floor(t / P)``."""
        up, down = self.up_steps, self._down()
        cycle = up + down
        n, t = divide(step, cycle)
        n = n if self.period is None else divide(step, self.period)[0]
        rising = t <= up
        height = jnp.where(rising, fraction(t, up), fraction(cycle - t, down))
        return height, jnp.where(rising, fraction(up - t, up), fraction(t - up, down)), n

    def _value(self, step: jax.Array) -> jax.Array:
        height, _, n = self._wave(step)
        scale = 1.0 if self.decay_rate is None else power(self.decay_rate, n)
        return lerp(self.min_value, self.max_value, height * scale)

    def _phases(self, until: int) -> list[Any]:
        cycle = int(self.up_steps) + int(self._down())
        ends = every(cycle, until + cycle)
        return [ends, ends - cycle + self.up_steps]


@register(Cyclic)
def cyclic(
    *, min_value: ArrayLike, max_value: ArrayLike, up_steps: ArrayLike, down_steps: ArrayLike | None = None,
    decay_rate: ArrayLike = 1.0, period: ArrayLike | None = None
) -> Schedule:  # fmt: skip
    """Smith's cyclical learning rate: a triangle wave between two bounds.

    With ``u = up_steps``, ``d = down_steps``, ``p = t mod (u + d)`` the
    position in the cycle and ``P = period``::

        h(t)     = p / u                      for p <= u   (rising)
        h(t)     = (u + d - p) / d            for p > u    (falling)
        value(t) = min + (max - min) * h(t) * decay_rate ** floor(t / P)

    The amplitude is multiplied by ``decay_rate`` once per period: with the
    default period (one cycle) and ``decay_rate=0.5`` it halves every cycle;
    with ``period=1`` it decays by ``decay_rate`` every step.

    Args:
        min_value: the lower bound, the value at step 0.
        max_value: the upper bound, reached at the end of each rise (>= ``min_value``).
        up_steps: steps of the rise (at least 1).
        down_steps: steps of the fall (>= 0); None (the default) for ``up_steps``.
        decay_rate: the amplitude's multiplier per period, in (0, 1] (kept to
            float64 precision; default 1, no decay).
        period: steps per multiplication by ``decay_rate`` (at least 1); None
            (the default) for one cycle, ``up_steps + down_steps``.

    Returns:
        A ``Schedule`` with the values of PyTorch's ``CyclicLR(base_lr=min_value,
        max_lr=max_value, step_size_up=up_steps, step_size_down=down_steps)``
        (the learning rate after ``t`` calls to ``scheduler.step()`` is
        ``value(t)``): mode ``"triangular"`` is ``decay_rate=1``,
        ``"triangular2"`` is ``decay_rate=0.5`` and ``"exp_range"`` with
        ``gamma`` is ``decay_rate=gamma, period=1``.

    References:
        Smith, "Cyclical Learning Rates for Training Neural Networks",
        https://arxiv.org/abs/1506.01186, 2015.

    Example:
        >>> import jaxsched
        >>> s = jaxsched.cyclic(min_value=0.1, max_value=1.0, up_steps=10, decay_rate=0.5)
        >>> print(" ".join(f"{s(t):.2f}" for t in (0, 5, 10, 15, 20, 30, 40)))
        0.10 0.55 1.00 0.55 0.10 0.55 0.10
    """
    return Cyclic(**locals())


class OneCycle(Schedule):
    peak_value: jax.Array = F.value()
    total_steps: jax.Array = F.length(minimum=1)
    pct_start: jax.Array = F.value(0.3, interval="[0, 1]", precise=True)
    init_value: jax.Array = F.value(None)
    end_value: jax.Array = F.value(None)
    shape: str = F.choice("cosine", "cosine", "linear")
    three_phase: bool = F.flag(False)
    ends: jax.Array = F.derived()  # the phase ends' whole parts: 0, a - 1, (2a - 2,) T - 1
    fracs: jax.Array = F.derived()  # and their fractional parts

    def _rise(self, xp: Any) -> Any:
        """``a = pct_start * T``; in float64 (float32 when traced) from the two
        words of ``pct_start`` (float64 to 2**-48): a whole ``a`` such as
        ``1/3 * 3`` comes out whole, as PyTorch's float64 product does."""
        a = (xp.asarray(self.pct_start[..., 0], float) + self.pct_start[..., 1]) * xp.asarray(self.total_steps, float)
        return xp.where(xp.abs(a - xp.rint(a)) <= 1e-12 * a, xp.rint(a), a)

    def _check(self, given: dict[str, Any]) -> None:
        if self.three_phase and F.as_float(self.pct_start) > 0.5:
            F.fail(self.name, f"pct_start must be at most 0.5 with three_phase=True, got {F.fmt(given['pct_start'])}")
        if self._rise(np) < 1:
            p, T = F.fmt(given["pct_start"]), F.fmt(given["total_steps"])
            why = "with a shorter rise the schedule would start past its peak; raise total_steps or pct_start"
            F.fail(self.name, f"pct_start * total_steps ({p} * {T}) must be at least 1: {why}")

    def _derive(self, xp: Any) -> dict[str, Any]:
        init = xp.asarray(self.peak_value, float) / 25 if self.init_value is None else self.init_value
        end = xp.asarray(init, float) / 1e4 if self.end_value is None else self.end_value
        a, last = self._rise(xp), xp.asarray(self.total_steps, float) - 1
        marks = xp.stack([0 * a, a - 1, 2 * a - 2, last] if self.three_phase else [0 * a, a - 1, last])
        whole = xp.floor(marks)
        out = {"init_value": xp.asarray(init, xp.float32), "end_value": xp.asarray(end, xp.float32)}
        ends = F.steps_array(whole) if xp is np else whole.astype(xp.int32)
        return out | {"ends": ends, "fracs": (marks - whole).astype(xp.float32)}

    def _value(self, step: jax.Array) -> jax.Array:
        # Phase j runs from the real step e[j] to e[j + 1]; e = whole + frac, so
        # the phase tests compare integers and each distance is an exact
        # integer difference plus fractions.
        k = jnp.minimum(step, self.total_steps - 1)
        e, f = jnp.asarray(self.ends), jnp.asarray(self.fracs)
        j = search(e[1:-1], k - 1)
        (e0, e1), (f0, f1) = ((pick(x, j), pick(x, j + 1)) for x in (e, f))
        done = (k - e0).astype(jnp.float32) - f0
        left = (e1 - k).astype(jnp.float32) + f1
        length = (e1 - e0).astype(jnp.float32) + (f1 - f0)
        empty = length <= 0  # a == 1: the phase is at its end value
        done = jnp.where(empty, 1.0, done / jnp.where(empty, 1.0, length))
        left = jnp.where(empty, 0.0, left / jnp.where(empty, 1.0, length))
        if self.shape == "cosine":  # 0.5 * (1 - cos(pi * done)) and 0.5 * (1 + cos(pi * done))
            done, left = cosine_shape(done), cosine_shape(left)
        init, peak, end = self.init_value, self.peak_value, self.end_value
        values = jnp.stack([init, peak, init, end] if self.three_phase else [init, peak, end])
        return blend(pick(values, j), pick(values, j + 1), done, left, done <= left)

    def _phases(self, until: int) -> list[Any]:
        return [self.ends[1:] + (self.fracs[1:] > 0)]


@register(OneCycle)
def one_cycle(
    *, peak_value: ArrayLike, total_steps: ArrayLike, pct_start: ArrayLike = 0.3, init_value: ArrayLike | None = None,
    end_value: ArrayLike | None = None, shape: str = "cosine", three_phase: bool = False
) -> Schedule:  # fmt: skip
    """The one-cycle policy: a rise to the peak, then an anneal far below the start.

    With ``T = total_steps`` and ``a = pct_start * T`` (a real number), the
    phases end at steps ``e1 = a - 1`` and ``T - 1`` (three phases: ``e1``,
    ``e2 = 2a - 2`` and ``T - 1``)::

        value(t) = A(init, peak, t / e1)                           for t <= e1
        value(t) = A(peak, end, (t - e1) / (T - 1 - e1))           for e1 < t
      three_phase:
        value(t) = A(peak, init, (t - e1) / (e2 - e1))             for e1 < t <= e2
        value(t) = A(init, end, (t - e2) / (T - 1 - e2))           for e2 < t

    where ``A(x, y, p)`` goes from ``x`` to ``y`` as ``p`` goes from 0 to 1:
    ``y + (x - y) * 0.5 * (1 + cos(pi * p))`` (``shape="cosine"``) or
    ``x + (y - x) * p`` (``"linear"``). Steps from ``T - 1`` on hold the end
    value. When ``a`` is not a whole number the peak falls between two
    steps. A phase of length 0 (``a == 1``) is at its end value.

    Args:
        peak_value: the peak.
        total_steps: length of the whole schedule (at least 1).
        pct_start: fraction of the steps spent rising, in [0, 1] (at most 0.5
            with ``three_phase``); ``pct_start * total_steps`` must be at
            least 1, so that the schedule starts with its rise and reaches
            its peak: a shorter rise is refused rather than started past the peak.
        init_value: the value at step 0; None (the default) for
            ``peak_value / 25``.
        end_value: the value at ``total_steps - 1`` and after; None (the
            default) for ``init_value / 1e4``.
        shape: ``"cosine"`` (default) or ``"linear"``.
        three_phase: fall back to ``init_value`` symmetrically before the
            final anneal (fast.ai's schedule) instead of annealing from the peak.

    Returns:
        A ``Schedule`` with the values of PyTorch's ``OneCycleLR(max_lr=peak_value,
        total_steps, pct_start, anneal_strategy="cos" or "linear",
        div_factor=peak_value / init_value, final_div_factor=init_value /
        end_value, three_phase)``: the learning rate after ``t`` calls to
        ``scheduler.step()`` is ``value(t)`` (PyTorch raises past ``T``).

    References:
        Smith & Topin, "Super-Convergence: Very Fast Training of Neural
        Networks Using Large Learning Rates", https://arxiv.org/abs/1708.07120, 2017.

    Example:
        >>> import jaxsched
        >>> s = jaxsched.one_cycle(peak_value=1.0, total_steps=100, pct_start=0.1, end_value=0.004)
        >>> print(" ".join(f"{s(t):.4f}" for t in (0, 3, 9, 54, 99, 500)))
        0.0400 0.2800 1.0000 0.5020 0.0040 0.0040
    """
    return OneCycle(**locals())
