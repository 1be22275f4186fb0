"""Cyclical schedules: Smith's cyclical learning rates (PyTorch's ``CyclicLR``)
and the one-cycle policy (PyTorch's ``OneCycleLR``)."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from jaxsched import _core, _precise
from jaxsched._core import Schedule, register

CYCLIC_MODES = ("triangular", "triangular2", "exp_range")
ANNEALS = ("cos", "linear")


def anneal(start, end, done, left, kind):
    """From ``start`` (``done = 0``) to ``end`` (``done = 1``); ``left = 1 - done``.

    ``done`` and ``left`` are each computed from exact differences, so both
    ends are reached exactly and neither end loses precision.
    """
    if kind == "cos":  # 0.5 * (1 - cos(pi * done)) and 0.5 * (1 + cos(pi * done))
        done, left = _core.cosine_shape(done), _core.cosine_shape(left)
    return start * left + end * done


def _phase(done: jax.Array, left: jax.Array, length: jax.Array) -> tuple[jax.Array, jax.Array]:
    """``done / length`` and ``left / length`` in float32; ``(1, 0)`` for an empty phase."""
    empty = length <= 0
    den = jnp.where(empty, 1.0, length)
    return jnp.where(empty, 1.0, done / den), jnp.where(empty, 0.0, left / den)


class Cyclic(_precise.PreciseFields, Schedule):
    _precise = ("gamma",)
    min_value: jax.Array
    max_value: jax.Array
    step_size_up: jax.Array
    step_size_down: jax.Array | None = None
    mode: str = _core.static("triangular")
    gamma: jax.Array

    def _value(self, step: jax.Array) -> jax.Array:
        up = self.step_size_up
        down = up if self.step_size_down is None else self.step_size_down
        period = up + down
        cycle = step // period  # 0-based (PyTorch counts from 1)
        t = step - cycle * period
        rising = t <= up
        height = jnp.where(rising, _core.fraction(t, up), _core.fraction(period - t, down))
        if self.mode == "triangular2":
            height = height * jnp.ldexp(jnp.float32(1.0), -jnp.minimum(cycle, 200))
        elif self.mode == "exp_range":
            height = height * _precise.power(self.gamma, step)
        return self.min_value + (self.max_value - self.min_value) * height


@register(Cyclic)
def cyclic(
    *,
    min_value: float,
    max_value: float,
    step_size_up: int,
    step_size_down: int | None = None,
    mode: str = "triangular",
    gamma: float = 1.0,
) -> Schedule:
    """Smith's cyclical learning rate: a triangle wave between two bounds.

    With ``u = step_size_up``, ``d = step_size_down``, the cycle index
    ``c = floor(t / (u + d))`` (from 0) and ``p = t - c * (u + d)``::

        h(t)     = p / u                      for p <= u   (rising)
        h(t)     = (u + d - p) / d            for p > u    (falling)
        value(t) = min + (max - min) * h(t) * s(t)

    with ``s = 1`` (``triangular``), ``s = 2 ** -c`` (``triangular2``: the
    amplitude halves every cycle) or ``s = gamma ** t`` (``exp_range``).

    Args:
        min_value: the lower bound (PyTorch's ``base_lr``), the value at step 0.
        max_value: the upper bound (``max_lr``), reached at the end of each
            rise (>= ``min_value``).
        step_size_up: steps of the rise (at least 1).
        step_size_down: steps of the fall (>= 0); None (the default) for
            ``step_size_up``.
        mode: ``"triangular"``, ``"triangular2"`` or ``"exp_range"``.
        gamma: the per-step factor of ``exp_range``, in (0, 1] (kept to
            float64 precision); ignored by the other modes.

    Returns:
        A ``Schedule`` with the values of PyTorch's ``CyclicLR(base_lr=min_value,
        max_lr=max_value, step_size_up, step_size_down, mode, gamma)``: the
        learning rate after ``t`` calls to ``scheduler.step()`` is ``value(t)``.

    References:
        Smith, "Cyclical Learning Rates for Training Neural Networks",
        https://arxiv.org/abs/1506.01186, 2015.

    Example:
        >>> import jaxsched
        >>> s = jaxsched.cyclic(min_value=0.1, max_value=1.0, step_size_up=10, mode="triangular2")
        >>> print(" ".join(f"{s(t):.2f}" for t in (0, 5, 10, 15, 20, 30, 40)))
        0.10 0.55 1.00 0.55 0.10 0.55 0.10
    """
    fn = "cyclic"
    lo = _core.value(fn, "min_value", min_value)
    hi = _core.value(fn, "max_value", max_value)
    _core.not_above(fn, ("min_value", min_value, lo), ("max_value", max_value, hi))
    up = _core.length(fn, "step_size_up", step_size_up, minimum=1)
    down = None if step_size_down is None else _core.length(fn, "step_size_down", step_size_down)
    cu = _core.concrete(up)
    cd = cu if down is None else _core.concrete(down)
    if cu is not None and cd is not None and cu + cd > _core.INT32_MAX:
        _core.fail(
            fn,
            f"step_size_up + step_size_down ({_core.fmt(step_size_up)} + "
            f"{_core.fmt(step_size_up if step_size_down is None else step_size_down)}) must fit in int32 "
            f"(at most {_core.INT32_MAX})",
        )
    _core.choice(fn, "mode", mode, CYCLIC_MODES)
    g = _precise.precise(fn, "gamma", gamma)
    cg = _precise.concrete(g)
    if cg is not None and not 0 < cg <= 1:
        _core.fail(fn, f"gamma must be in (0, 1], got {_core.fmt(gamma)}")
    return Cyclic(min_value=lo, max_value=hi, step_size_up=up, step_size_down=down, mode=mode, gamma=g)


def _floor(x: tuple[jax.Array, jax.Array]) -> tuple[jax.Array, jax.Array]:
    """A non-negative float-float ``x`` below 2**31 as ``(n, f)``: int32 ``n = floor(x)``, ``f = x - n``."""
    hi, lo = x
    n = jnp.floor(hi)
    n = jnp.where((n == hi) & (lo < 0), n - 1, n)
    n = jnp.minimum(n, _core._FLOAT_MAX_STEP)
    return n.astype(jnp.int32), (hi - n) + lo


class OneCycle(_precise.PreciseFields, Schedule):
    _precise = ("pct_start",)
    peak_value: jax.Array
    total_steps: jax.Array
    pct_start: jax.Array
    div_factor: jax.Array
    final_div_factor: jax.Array
    anneal: str = _core.static("cos")
    three_phase: bool = _core.static(False)

    def _value(self, step: jax.Array) -> jax.Array:
        # PyTorch's phases end at a - 1, (2a - 2,) T - 1 with a = pct_start * T
        # a real number. Write a = n + f (integer n, 0 <= f < 1): the phase
        # tests compare integers, and each distance is (exact integer) - f.
        # ``a`` is a float-float product of the float64 pct_start, so a phase
        # end lands where PyTorch puts it, not 1e-8 * T away.
        total = self.total_steps
        k = jnp.minimum(step, total - 1)
        a = _precise.ff_mul((self.pct_start[..., 0], self.pct_start[..., 1]), _precise.ff_from_int(total))
        n, f = _floor(a)
        peak = self.peak_value
        initial = peak / self.div_factor
        final = initial / self.final_div_factor

        def dist(i: jax.Array, frac: jax.Array) -> jax.Array:
            return i.astype(jnp.float32) + frac

        zero = jnp.zeros_like(f)
        rise_len = dist(n - 1, f)  # from step 0 to a - 1
        rise = anneal(initial, peak, *_phase(dist(k, zero), dist(n - 1 - k, f), rise_len), self.anneal)
        in_rise = k + 1 <= n
        if not self.three_phase:  # from a - 1 to T - 1
            done, left = _phase(dist(k + 1 - n, -f), dist(total - 1 - k, zero), dist(total - n, -f))
            return jnp.where(in_rise, rise, anneal(peak, final, done, left, self.anneal))
        # Three phases: back to the initial value at 2a - 2, then to the final value at T - 1.
        n2, f2 = _floor((2 * a[0], 2 * a[1]))
        done, left = _phase(dist(k + 1 - n, -f), dist(n2 - 2 - k, f2), rise_len)
        fall = anneal(peak, initial, done, left, self.anneal)
        done, left = _phase(dist(k + 2 - n2, -f2), dist(total - 1 - k, zero), dist(total + 1 - n2, -f2))
        last = anneal(initial, final, done, left, self.anneal)
        return jnp.where(in_rise, rise, jnp.where(k + 2 <= n2, fall, last))


@register(OneCycle)
def one_cycle(
    *,
    peak_value: float,
    total_steps: int,
    pct_start: float = 0.3,
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
    anneal: str = "cos",
    three_phase: bool = False,
) -> Schedule:
    """The one-cycle policy: a rise to the peak, then an anneal far below the start.

    With ``T = total_steps``, ``a = pct_start * T`` (a real number),
    ``init = peak / div_factor`` and ``final = init / final_div_factor``, the
    phases of PyTorch's ``OneCycleLR`` end at steps ``e1 = a - 1`` and ``T - 1``
    (three phases: ``e1``, ``e2 = 2a - 2`` and ``T - 1``)::

        value(t) = A(init, peak, t / e1)                           for t <= e1
        value(t) = A(peak, final, (t - e1) / (T - 1 - e1))         for e1 < t
      three_phase:
        value(t) = A(peak, init, (t - e1) / (e2 - e1))             for e1 < t <= e2
        value(t) = A(init, final, (t - e2) / (T - 1 - e2))         for e2 < t

    where ``A(x, y, p)`` goes from ``x`` to ``y`` as ``p`` goes from 0 to 1:
    ``y + (x - y) * 0.5 * (1 + cos(pi * p))`` (``anneal="cos"``) or
    ``x + (y - x) * p`` (``"linear"``). Steps from ``T - 1`` on hold the final
    value (PyTorch raises past ``T``). When ``a`` is not a whole number the
    peak falls between two steps, exactly as in PyTorch. A phase of length 0
    (``a == 1``, where PyTorch divides by zero) is at its end value.

    Args:
        peak_value: the peak (PyTorch's ``max_lr``).
        total_steps: length of the whole schedule (at least 1).
        pct_start: fraction of the steps spent rising, in [0, 1] (at most 0.5
            with ``three_phase``); ``pct_start * total_steps`` must be at
            least 1, so that the schedule starts with its rise and reaches
            its peak: a shorter rise is refused rather than started past the peak.
        div_factor: ``init = peak_value / div_factor`` (> 0, default 25).
        final_div_factor: ``final = init / final_div_factor`` (> 0, default 1e4).
        anneal: ``"cos"`` (default) or ``"linear"`` (PyTorch's ``anneal_strategy``).
        three_phase: fall back to ``init`` symmetrically before the final
            anneal (fast.ai's schedule) instead of annealing from the peak.

    Returns:
        A ``Schedule`` with the values of PyTorch's ``OneCycleLR(max_lr=peak_value,
        total_steps, pct_start, anneal_strategy=anneal, div_factor,
        final_div_factor, three_phase)``: the learning rate after ``t`` calls
        to ``scheduler.step()`` is ``value(t)``.

    References:
        Smith & Topin, "Super-Convergence: Very Fast Training of Neural
        Networks Using Large Learning Rates", https://arxiv.org/abs/1708.07120, 2017.

    Example:
        >>> import jaxsched
        >>> s = jaxsched.one_cycle(peak_value=1.0, total_steps=100, pct_start=0.1, final_div_factor=10.0)
        >>> print(" ".join(f"{s(t):.4f}" for t in (0, 3, 9, 54, 99, 500)))
        0.0400 0.2800 1.0000 0.5020 0.0040 0.0040
    """
    fn = "one_cycle"
    total = _core.length(fn, "total_steps", total_steps, minimum=1)
    pct = _precise.precise(fn, "pct_start", pct_start)
    _core.flag(fn, "three_phase", three_phase)
    _core.choice(fn, "anneal", anneal, ANNEALS)
    cp, ct = _precise.concrete(pct), _core.concrete(total)
    if cp is not None and not 0 <= cp <= 1:
        _core.fail(fn, f"pct_start must be in [0, 1], got {_core.fmt(pct_start)}")
    if cp is not None and three_phase and cp > 0.5:
        _core.fail(fn, f"pct_start must be at most 0.5 with three_phase=True, got {_core.fmt(pct_start)}")
    if cp is not None and ct is not None and cp * ct < 1 - 1e-9:  # 1e-9: 1/3 * 3 is 1
        _core.fail(
            fn,
            f"pct_start * total_steps ({_core.fmt(pct_start)} * {_core.fmt(total_steps)}) must be at least 1: "
            "with a shorter rise the schedule would start past its peak; raise total_steps or pct_start",
        )
    return OneCycle(
        peak_value=_core.value(fn, "peak_value", peak_value),
        total_steps=total,
        pct_start=pct,
        anneal=anneal,
        three_phase=three_phase,
        div_factor=_core.positive(fn, "div_factor", div_factor),
        final_div_factor=_core.positive(fn, "final_div_factor", final_div_factor),
    )
