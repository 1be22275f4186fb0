"""Warmup schedules of LLM and transformer training: warmup + cosine, warmup +
linear, warmup + constant, inverse square root, warmup-stable-decay (WSD)."""

from typing import Any

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from jaxsched import _fields as F
from jaxsched._core import Schedule, register
from jaxsched._math import SHAPES, interpolate, reciprocal, warm


class WarmupConstant(Schedule):
    """A warmup, then ``peak_value``; the base of the schedules that start with a
    warmup, whose ``_after`` gives the value from the end of the warmup on."""

    peak_value: jax.Array = F.value()
    warmup_steps: jax.Array = F.length()
    init_value: jax.Array = F.value(0.0)

    def _after(self, step: jax.Array) -> jax.Array:
        return self.peak_value

    def _phases(self, until: int) -> list[Any]:
        return [self.warmup_steps]

    def _value(self, step: jax.Array) -> jax.Array:
        return warm(step, self.init_value, self.peak_value, self.warmup_steps, self._after(step))


class WarmupLinear(WarmupConstant):
    """A warmup, then a decay to ``end_value`` at ``total_steps``: linear over the
    steps after the warmup here, another shape or the last ``decay_steps`` in the subclasses."""

    total_steps: jax.Array = F.length(minimum=1)
    end_value: jax.Array = F.value(0.0)
    decay_steps = exponent = log_ratio = None  # the fields of the subclasses that have them
    shape = "linear"

    def _check(self, given: dict[str, Any]) -> None:
        if self.total_steps <= self.warmup_steps:
            T, w = (F.fmt(given[k]) for k in ("total_steps", "warmup_steps"))
            F.fail(self.name, f"total_steps ({T}) must be greater than warmup_steps ({w})")

    def _decay(self) -> tuple[jax.Array, jax.Array]:
        """The decay's first step and its length."""
        w, T, d = self.warmup_steps, self.total_steps, self.decay_steps
        return (w, T - w) if d is None else (T - d, d)

    def _after(self, step: jax.Array) -> jax.Array:
        (start, length), peak = self._decay(), self.peak_value
        decayed = interpolate(peak, self.end_value, step - start, length, self.shape, self.exponent, self.log_ratio)
        return decayed if self.decay_steps is None else jnp.where(step < start, peak, decayed)

    def _value(self, step: jax.Array) -> jax.Array:
        if self.shape != "linear":
            return super()._value(step)
        # The linear warmup and the linear decay both run from the peak (done <= 0 between them): one
        # interpolation, with the ends of the step's phase: half the arithmetic, the same bits (a zero peak
        # aside, whose sign it drops).
        (start, length), w, up = self._decay(), self.warmup_steps, step < self.warmup_steps
        return interpolate(
            self.peak_value, jnp.where(up, self.init_value, self.end_value), jnp.where(up, w - step, step - start),
            jnp.where(up, w, length), inv=jnp.where(up, reciprocal(w), reciprocal(length))
        )  # fmt: skip

    def _phases(self, until: int) -> list[Any]:
        decay_start = [] if self.decay_steps is None else self.total_steps - self.decay_steps
        return [self.warmup_steps, self.total_steps, decay_start]


class WarmupCosine(WarmupLinear):
    shape = "cosine"
    exponent: jax.Array | None = F.value(1.0, interval="(0, inf)", neutral=True)


@register(WarmupCosine)
def warmup_cosine(
    *, peak_value: ArrayLike, warmup_steps: ArrayLike, total_steps: ArrayLike, init_value: ArrayLike = 0.0,
    end_value: ArrayLike = 0.0, exponent: ArrayLike = 1.0
) -> Schedule:  # fmt: skip
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
    return WarmupCosine(**locals())


@register(WarmupLinear)
def warmup_linear(
    *, peak_value: ArrayLike, warmup_steps: ArrayLike, total_steps: ArrayLike, init_value: ArrayLike = 0.0,
    end_value: ArrayLike = 0.0
) -> Schedule:  # fmt: skip
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
    return WarmupLinear(**locals())


@register(WarmupConstant)
def warmup_constant(*, peak_value: ArrayLike, warmup_steps: ArrayLike, init_value: ArrayLike = 0.0) -> Schedule:
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
    return WarmupConstant(**locals())


class Rsqrt(WarmupConstant):
    timescale: jax.Array = F.length(None, minimum=1)

    def _derive(self, xp: Any) -> dict[str, Any]:
        scale = xp.where(self.warmup_steps > 0, self.warmup_steps, 10_000) if self.timescale is None else self.timescale
        return {"timescale": scale.astype(xp.int32) if xp is jnp else F.steps_array(scale)}

    def _after(self, step: jax.Array) -> jax.Array:
        since = jnp.maximum(step - self.warmup_steps, 0).astype(jnp.float32)
        scale = jnp.asarray(self.timescale).astype(jnp.float32)
        return self.peak_value * jnp.sqrt(scale / (scale + since))


@register(Rsqrt)
def rsqrt(
    *, peak_value: ArrayLike, warmup_steps: ArrayLike, timescale: ArrayLike | None = None, init_value: ArrayLike = 0.0
) -> Schedule:
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
    return Rsqrt(**locals())


class WSD(WarmupLinear):
    decay_steps: jax.Array = F.length(minimum=1)
    shape: str = F.choice("linear", *SHAPES)
    log_ratio: jax.Array = F.derived()

    def _check(self, given: dict[str, Any]) -> None:
        super()._check(given)
        if self.decay_steps > self.total_steps - self.warmup_steps:
            d, T, w = (F.fmt(given[k]) for k in ("decay_steps", "total_steps", "warmup_steps"))
            F.fail(self.name, f"decay_steps ({d}) must be at most total_steps - warmup_steps ({T} - {w})")
        for key in ("end_value", "peak_value"):
            if self.shape == "exponential" and getattr(self, key) <= 0:
                F.fail(self.name, f"{key} must be positive with shape='exponential', got {F.fmt(given[key])}")

    def _derive(self, xp: Any) -> dict[str, Any]:
        if self.shape != "exponential":
            return {}
        return {"log_ratio": xp.log(xp.asarray(self.end_value, float) / self.peak_value).astype(xp.float32)}


@register(WSD)
def wsd(
    *, peak_value: ArrayLike, warmup_steps: ArrayLike, total_steps: ArrayLike, decay_steps: ArrayLike,
    shape: str = "linear", init_value: ArrayLike = 0.0, end_value: ArrayLike = 0.0
) -> Schedule:  # fmt: skip
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
        shape: ``"linear"``, ``"cosine"``, ``"1-sqrt"``, ``"square"`` or
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
    return WSD(**locals())
