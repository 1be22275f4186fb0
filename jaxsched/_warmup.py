"""Warmup schedules of LLM and transformer training: warmup + cosine, warmup +
linear, warmup + constant, inverse square root, warmup-stable-decay (WSD)."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from jaxsched import _core
from jaxsched._core import Schedule, register
from jaxsched._cosine import cosine_decay


def _lengths(fn: str, warmup_steps: int, total_steps: int) -> tuple[jax.Array, jax.Array]:
    """``warmup_steps >= 0`` and ``total_steps > warmup_steps`` as int32 leaves."""
    w = _core.length(fn, "warmup_steps", warmup_steps)
    t = _core.length(fn, "total_steps", total_steps, minimum=1)
    cw, ct = _core.concrete(w), _core.concrete(t)
    if cw is not None and ct is not None and ct <= cw:
        _core.fail(
            fn,
            f"total_steps ({_core.fmt(total_steps)}) must be greater than warmup_steps ({_core.fmt(warmup_steps)})",
        )
    return w, t


def _warm(step, init_value, peak_value, warmup_steps, after):
    """Linear from ``init_value`` to ``peak_value`` over the warmup, then ``after``."""
    ramp = _core.ramp(step, init_value, peak_value, warmup_steps)
    return jnp.where(step < warmup_steps, ramp, after)


class WarmupCosine(Schedule):
    peak_value: jax.Array
    warmup_steps: jax.Array
    total_steps: jax.Array
    init_value: jax.Array
    end_value: jax.Array
    exponent: jax.Array

    def _value(self, step: jax.Array) -> jax.Array:
        decay_steps = self.total_steps - self.warmup_steps
        after = cosine_decay(step, self.warmup_steps, self.end_value, self.peak_value, decay_steps, self.exponent)
        return _warm(step, self.init_value, self.peak_value, self.warmup_steps, after)


@register(WarmupCosine)
def warmup_cosine(
    *,
    peak_value: float,
    warmup_steps: int,
    total_steps: int,
    init_value: float = 0.0,
    end_value: float = 0.0,
    exponent: float = 1.0,
) -> Schedule:
    """Linear warmup, then cosine decay: the default of most pretraining runs.

    With ``w = warmup_steps``, ``T = total_steps`` and ``D = T - w``::

        value(t) = init + (peak - init) * t / w                    for t < w
        value(t) = end + (peak - end) * c(t) ** exponent           for w <= t
        c(t)     = 0.5 * (1 + cos(pi * min(t - w, D) / D))

    Args:
        peak_value: the value at the end of the warmup.
        warmup_steps: length of the linear warmup (>= 0; 0 for none).
        total_steps: length of the whole schedule, warmup included (> warmup_steps).
        init_value: the value at step 0 (default 0).
        end_value: the value at ``total_steps`` and after (default 0).
        exponent: power applied to the cosine factor (> 0, default 1).

    Returns:
        A ``Schedule`` equal to ``optax.warmup_cosine_decay_schedule(init_value,
        peak_value, warmup_steps, decay_steps=total_steps, end_value, exponent)``
        (Optax's ``decay_steps`` includes the warmup); unlike Optax it honours
        ``end_value`` when ``peak_value`` is 0. HF's ``cosine`` scheduler is
        ``warmup_cosine(peak_value=lr, warmup_steps=num_warmup_steps,
        total_steps=num_training_steps)``.

    References:
        Loshchilov & Hutter, "SGDR: Stochastic Gradient Descent with Warm
        Restarts", https://arxiv.org/abs/1608.03983, 2016.

    Example:
        >>> import jaxsched
        >>> s = jaxsched.warmup_cosine(peak_value=1.0, warmup_steps=10, total_steps=110)
        >>> print(f"{s(0):.2f} {s(5):.2f} {s(10):.2f} {s(60):.2f} {s(110):.2f}")
        0.00 0.50 1.00 0.50 0.00
    """
    fn = "warmup_cosine"
    w, t = _lengths(fn, warmup_steps, total_steps)
    return WarmupCosine(
        peak_value=_core.value(fn, "peak_value", peak_value),
        warmup_steps=w,
        total_steps=t,
        init_value=_core.value(fn, "init_value", init_value),
        end_value=_core.value(fn, "end_value", end_value),
        exponent=_core.positive(fn, "exponent", exponent),
    )


class WarmupLinear(Schedule):
    peak_value: jax.Array
    warmup_steps: jax.Array
    total_steps: jax.Array
    init_value: jax.Array
    end_value: jax.Array

    def _value(self, step: jax.Array) -> jax.Array:
        w = self.warmup_steps
        after = _core.ramp(jnp.maximum(step - w, 0), self.peak_value, self.end_value, self.total_steps - w)
        return _warm(step, self.init_value, self.peak_value, w, after)


@register(WarmupLinear)
def warmup_linear(
    *,
    peak_value: float,
    warmup_steps: int,
    total_steps: int,
    init_value: float = 0.0,
    end_value: float = 0.0,
) -> Schedule:
    """Linear warmup, then linear decay (to zero by default).

    With ``w = warmup_steps`` and ``T = total_steps``::

        value(t) = init + (peak - init) * t / w                 for t < w
        value(t) = end + (peak - end) * (T - min(t, T)) / (T - w)  for w <= t

    Args:
        peak_value: the value at the end of the warmup.
        warmup_steps: length of the linear warmup (>= 0; 0 for none).
        total_steps: length of the whole schedule, warmup included (> warmup_steps).
        init_value: the value at step 0 (default 0).
        end_value: the value at ``total_steps`` and after (default 0).

    Returns:
        A ``Schedule``. HF's ``linear`` scheduler (``get_linear_schedule_with_warmup``)
        is ``warmup_linear(peak_value=lr, warmup_steps=num_warmup_steps,
        total_steps=num_training_steps)``.

    References:
        Bergsma et al., "Straight to Zero: Why Linearly Decaying the Learning
        Rate to Zero Works Best for LLMs", https://arxiv.org/abs/2502.15938, 2025.

    Example:
        >>> import jaxsched
        >>> s = jaxsched.warmup_linear(peak_value=1.0, warmup_steps=10, total_steps=110)
        >>> print(f"{s(5):.2f} {s(10):.2f} {s(60):.2f} {s(110):.2f}")
        0.50 1.00 0.50 0.00
    """
    fn = "warmup_linear"
    w, t = _lengths(fn, warmup_steps, total_steps)
    return WarmupLinear(
        peak_value=_core.value(fn, "peak_value", peak_value),
        warmup_steps=w,
        total_steps=t,
        init_value=_core.value(fn, "init_value", init_value),
        end_value=_core.value(fn, "end_value", end_value),
    )


class WarmupConstant(Schedule):
    peak_value: jax.Array
    warmup_steps: jax.Array
    init_value: jax.Array

    def _value(self, step: jax.Array) -> jax.Array:
        return _warm(step, self.init_value, self.peak_value, self.warmup_steps, self.peak_value)


@register(WarmupConstant)
def warmup_constant(*, peak_value: float, warmup_steps: int, init_value: float = 0.0) -> Schedule:
    """Linear warmup, then constant.

    ``value(t) = init + (peak - init) * t / w`` for ``t < w = warmup_steps``,
    then ``peak_value``.

    Args:
        peak_value: the value from ``warmup_steps`` on.
        warmup_steps: length of the linear warmup (>= 0).
        init_value: the value at step 0 (default 0).

    Returns:
        A ``Schedule``. HF's ``constant_with_warmup`` is
        ``warmup_constant(peak_value=lr, warmup_steps=num_warmup_steps)``;
        ``optax.warmup_constant_schedule`` takes the same arguments.

    Example:
        >>> import jaxsched
        >>> s = jaxsched.warmup_constant(peak_value=1.0, warmup_steps=4)
        >>> print(f"{s(0):.2f} {s(1):.2f} {s(4):.2f} {s(10**9):.2f}")
        0.00 0.25 1.00 1.00
    """
    fn = "warmup_constant"
    return WarmupConstant(
        peak_value=_core.value(fn, "peak_value", peak_value),
        warmup_steps=_core.length(fn, "warmup_steps", warmup_steps),
        init_value=_core.value(fn, "init_value", init_value),
    )


class Rsqrt(Schedule):
    peak_value: jax.Array
    warmup_steps: jax.Array
    timescale: jax.Array
    init_value: jax.Array

    def _value(self, step: jax.Array) -> jax.Array:
        since = jnp.maximum(step - self.warmup_steps, 0).astype(jnp.float32)
        scale = self.timescale.astype(jnp.float32)
        after = self.peak_value * jnp.sqrt(scale / (scale + since))
        return _warm(step, self.init_value, self.peak_value, self.warmup_steps, after)


@register(Rsqrt)
def rsqrt(*, peak_value: float, warmup_steps: int, timescale: int | None = None, init_value: float = 0.0) -> Schedule:
    """Linear warmup, then inverse-square-root decay.

    With ``w = warmup_steps`` and ``s = timescale``::

        value(t) = init + (peak - init) * t / w           for t < w
        value(t) = peak * sqrt(s / (s + t - w))           for w <= t

    Args:
        peak_value: the value at the end of the warmup.
        warmup_steps: length of the linear warmup (>= 0).
        timescale: the value falls to ``peak / sqrt(2)`` this many steps
            after the warmup (at least 1); defaults to ``warmup_steps``, or
            10,000 when there is no warmup.
        init_value: the value at step 0 (default 0).

    Returns:
        A ``Schedule``. HF's ``inverse_sqrt`` scheduler
        (``get_inverse_sqrt_schedule``) and big_vision's ``rsqrt`` give the
        same curve.

    References:
        Vaswani et al., "Attention Is All You Need",
        https://arxiv.org/abs/1706.03762, 2017. Zhai et al., "Scaling Vision
        Transformers", https://arxiv.org/abs/2106.04560, 2021.

    Example:
        >>> import jaxsched
        >>> s = jaxsched.rsqrt(peak_value=1.0, warmup_steps=100)
        >>> print(f"{s(50):.4f} {s(100):.4f} {s(400):.4f}")
        0.5000 1.0000 0.5000
    """
    fn = "rsqrt"
    w = _core.length(fn, "warmup_steps", warmup_steps)
    if timescale is None:
        cw = _core.concrete(w)
        if cw is None:
            timescale = jnp.where(w > 0, w, 10_000)
        else:
            timescale = int(cw) if cw > 0 else 10_000
    return Rsqrt(
        peak_value=_core.value(fn, "peak_value", peak_value),
        warmup_steps=w,
        timescale=_core.length(fn, "timescale", timescale, minimum=1),
        init_value=_core.value(fn, "init_value", init_value),
    )


def _one_minus_sqrt(x, r):
    return r / (1 + jnp.sqrt(x))  # 1 - sqrt(x), exact near x = 1


_SHAPES = {
    "linear": lambda x, r: r,
    "cosine": lambda x, r: _core.cosine_shape(r),
    "1-sqrt": _one_minus_sqrt,
    "square": lambda x, r: r * (1 + x),  # 1 - x**2
}
DECAY_SHAPES = (*_SHAPES, "exponential")


class WSD(Schedule):
    peak_value: jax.Array
    warmup_steps: jax.Array
    total_steps: jax.Array
    decay_steps: jax.Array
    decay_shape: str = _core.static("linear")
    init_value: jax.Array
    end_value: jax.Array

    def _value(self, step: jax.Array) -> jax.Array:
        start = self.total_steps - self.decay_steps
        t = jnp.clip(step, start, self.total_steps)
        x = _core.fraction(t - start, self.decay_steps)
        if self.decay_shape == "exponential":
            ratio = self.end_value / jnp.where(self.peak_value > 0, self.peak_value, 1.0)
            decayed = self.peak_value * ratio**x
        else:
            r = _core.fraction(self.total_steps - t, self.decay_steps)
            decayed = _core.lerp(self.end_value, self.peak_value, _SHAPES[self.decay_shape](x, r))
        after = jnp.where(step < start, self.peak_value, decayed)
        return _warm(step, self.init_value, self.peak_value, self.warmup_steps, after)


@register(WSD)
def wsd(
    *,
    peak_value: float,
    warmup_steps: int,
    total_steps: int,
    decay_steps: int,
    decay_shape: str = "linear",
    init_value: float = 0.0,
    end_value: float = 0.0,
) -> Schedule:
    """Warmup-stable-decay: linear warmup, a long constant phase, a short cooldown.

    With ``w = warmup_steps``, ``T = total_steps``, ``D = decay_steps``, the
    cooldown starts at ``S = T - D`` and ``x = (min(t, T) - S) / D``::

        value(t) = init + (peak - init) * t / w        for t < w
        value(t) = peak                                for w <= t < S
        value(t) = end + (peak - end) * shape(x)       for S <= t

    with ``shape`` one of ``linear`` (1 - x), ``cosine`` (0.5 (1 + cos(pi x))),
    ``1-sqrt`` (1 - sqrt(x)), ``square`` (1 - x^2); the ``exponential`` shape
    is ``value = peak * (end / peak) ** x`` and needs ``end_value > 0``.

    Args:
        peak_value: the value of the stable phase.
        warmup_steps: length of the linear warmup (>= 0).
        total_steps: length of the whole schedule, warmup and cooldown included.
        decay_steps: length of the cooldown (>= 1, at most ``total_steps - warmup_steps``).
        decay_shape: ``"linear"``, ``"cosine"``, ``"1-sqrt"``, ``"square"`` or
            ``"exponential"``.
        init_value: the value at step 0 (default 0).
        end_value: the value at ``total_steps`` and after (default 0).

    Returns:
        A ``Schedule``. HF's ``warmup_stable_decay`` scheduler
        (``num_decay_steps``, ``decay_type`` linear / cosine / 1-sqrt) maps to
        it with ``total_steps = num_warmup + num_stable + num_decay``.

    References:
        Hu et al., "MiniCPM: Unveiling the Potential of Small Language Models
        with Scalable Training Strategies", https://arxiv.org/abs/2404.06395, 2024.
        Hägele et al., "Scaling Laws and Compute-Optimal Training Beyond Fixed
        Training Durations", https://arxiv.org/abs/2405.18392, 2024.

    Example:
        >>> import jaxsched
        >>> s = jaxsched.wsd(peak_value=1.0, warmup_steps=10, total_steps=100, decay_steps=20)
        >>> print(f"{s(5):.2f} {s(50):.2f} {s(80):.2f} {s(90):.2f} {s(100):.2f}")
        0.50 1.00 1.00 0.50 0.00
    """
    fn = "wsd"
    w, t = _lengths(fn, warmup_steps, total_steps)
    d = _core.length(fn, "decay_steps", decay_steps, minimum=1)
    cw, ct, cd = _core.concrete(w), _core.concrete(t), _core.concrete(d)
    if None not in (cw, ct, cd) and cd > ct - cw:
        _core.fail(
            fn,
            f"decay_steps ({_core.fmt(decay_steps)}) must be at most total_steps - warmup_steps "
            f"({_core.fmt(total_steps)} - {_core.fmt(warmup_steps)})",
        )
    _core.choice(fn, "decay_shape", decay_shape, DECAY_SHAPES)
    peak = _core.value(fn, "peak_value", peak_value)
    end = _core.value(fn, "end_value", end_value)
    if decay_shape == "exponential":
        ce, cp = _core.concrete(end), _core.concrete(peak)
        if ce is not None and ce <= 0:
            _core.fail(fn, f"end_value must be positive with decay_shape='exponential', got {_core.fmt(end_value)}")
        if cp is not None and cp <= 0:
            _core.fail(fn, f"peak_value must be positive with decay_shape='exponential', got {_core.fmt(peak_value)}")
    return WSD(
        peak_value=peak,
        warmup_steps=w,
        total_steps=t,
        decay_steps=d,
        decay_shape=decay_shape,
        init_value=_core.value(fn, "init_value", init_value),
        end_value=end,
    )
