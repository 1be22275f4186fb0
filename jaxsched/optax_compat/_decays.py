"""``optax.schedules``' decays and warmups as native jaxsched schedules."""

from __future__ import annotations

from typing import Any

from jax.typing import ArrayLike

from jaxsched import _fields as F
from jaxsched._adapt import STEPS, VALUE, renamed, times
from jaxsched._compose import offset, warmup
from jaxsched._core import Schedule
from jaxsched._cosine import cosine
from jaxsched._exponential import exponential
from jaxsched._polynomial import constant, linear, polynomial
from jaxsched._warmup import warmup_constant, warmup_cosine


def _delayed(fn: str, schedule: Schedule, transition_begin: Any) -> Schedule:
    """``schedule`` held at its step-0 value for ``transition_begin`` steps."""
    begin = STEPS.convert(fn, "transition_begin", transition_begin)
    return schedule if F.concrete(begin) == 0 else offset(schedule, steps=-begin)


@renamed("constant_schedule")
def constant_schedule(value: ArrayLike) -> Schedule:
    """``optax.constant_schedule``: ``jaxsched.constant(value=value)``.

    Example:
        >>> from jaxsched import optax_compat
        >>> print(f"{optax_compat.constant_schedule(5.0)(100):.1f}")
        5.0
    """
    return constant(value=value)


@renamed("polynomial_schedule", total_steps="transition_steps")
def polynomial_schedule(
    init_value: ArrayLike, end_value: ArrayLike, power: ArrayLike, transition_steps: int, transition_begin: int = 0
) -> Schedule:
    """``optax.polynomial_schedule``: ``jaxsched.polynomial`` (``linear`` for ``power=1``) over
    ``transition_steps``, after ``transition_begin`` steps at ``init_value``.

    Example:
        >>> from jaxsched import optax_compat
        >>> s = optax_compat.polynomial_schedule(1.0, 0.01, 2, 100, transition_begin=5)
        >>> print(f"{s(5):.4f} {s(6):.4f} {s(104):.4f} {s(105):.4f}")
        1.0000 0.9803 0.0101 0.0100
    """
    s: Any = polynomial(init_value=init_value, end_value=end_value, total_steps=transition_steps, power=power)
    if F.concrete(s.power) == 1.0:
        s = linear(init_value=s.init_value, end_value=s.end_value, total_steps=s.total_steps)
    return _delayed("polynomial_schedule", s, transition_begin)


@renamed("linear_schedule", total_steps="transition_steps")
def linear_schedule(
    init_value: ArrayLike, end_value: ArrayLike, transition_steps: int, transition_begin: int = 0
) -> Schedule:
    """``optax.linear_schedule``: ``jaxsched.linear`` over ``transition_steps``, after
    ``transition_begin`` steps at ``init_value``.

    Example:
        >>> from jaxsched import optax_compat
        >>> print(f"{optax_compat.linear_schedule(1.0, 0.0, 100)(25):.2f}")
        0.75
    """
    s = linear(init_value=init_value, end_value=end_value, total_steps=transition_steps)
    return _delayed("linear_schedule", s, transition_begin)


def _exponential(fn: str, init_name: str, init_value: Any, steps: Any, rate: Any, begin: Any, stair: Any, end: Any):
    """Optax's exponential decay from ``init_value`` (argument ``init_name`` of ``fn``)."""
    with renamed(fn, init_value=init_name, period="transition_steps"):
        s: Any = exponential(init_value=init_value, decay_rate=rate, period=steps, staircase=stair, end_value=end)
    if end is not None and not F.is_traced(s) and F.as_float(s.decay_rate) == 1 and s.end_value < s.init_value:
        F.fail(
            fn,
            f"end_value ({F.fmt(end)}) must not be below {init_name} ({F.fmt(init_value)}) when decay_rate "
            "is 1 (Optax returns end_value from step 0)",
        )
    return _delayed(fn, s, begin)


def exponential_decay(
    init_value: ArrayLike,
    transition_steps: int,
    decay_rate: ArrayLike,
    transition_begin: int = 0,
    staircase: bool = False,
    end_value: ArrayLike | None = None,
) -> Schedule:
    """``optax.exponential_decay``: ``jaxsched.exponential(period=transition_steps)``, after
    ``transition_begin`` steps at ``init_value``.

    Example:
        >>> from jaxsched import optax_compat
        >>> s = optax_compat.exponential_decay(1.0, 10, 0.5, transition_begin=5, end_value=0.3)
        >>> print(f"{s(5):.4f} {s(15):.4f} {s(20):.4f} {s(100):.4f}")
        1.0000 0.5000 0.3536 0.3000
    """
    args = (init_value, transition_steps, decay_rate, transition_begin, staircase, end_value)
    return _exponential("exponential_decay", "init_value", *args)


@renamed("cosine_decay_schedule", total_steps="decay_steps", end_value="alpha * init_value")
def cosine_decay_schedule(
    init_value: ArrayLike, decay_steps: int, alpha: ArrayLike = 0.0, exponent: ArrayLike = 1.0
) -> Schedule:
    """``optax.cosine_decay_schedule``: ``jaxsched.cosine`` to ``end_value = alpha * init_value``.

    Example:
        >>> from jaxsched import optax_compat
        >>> s = optax_compat.cosine_decay_schedule(1.0, 100, alpha=0.1)
        >>> print(f"{s(0):.4f} {s(50):.4f} {s(100):.4f}")
        1.0000 0.5500 0.1000
    """
    fn = "cosine_decay_schedule"
    init = VALUE.convert(fn, "init_value", init_value)
    end = times(init, VALUE.convert(fn, "alpha", alpha))
    return cosine(init_value=init, total_steps=decay_steps, end_value=end, exponent=exponent)


@renamed("warmup_constant_schedule")
def warmup_constant_schedule(init_value: ArrayLike, peak_value: ArrayLike, warmup_steps: int) -> Schedule:
    """``optax.warmup_constant_schedule``: ``jaxsched.warmup_constant`` (``warmup_steps >= 1``).

    Example:
        >>> from jaxsched import optax_compat
        >>> s = optax_compat.warmup_constant_schedule(0.0, 1.0, 4)
        >>> print(f"{s(1):.2f} {s(4):.2f}")
        0.25 1.00
    """
    w = F.Kind("length", minimum=1).convert("warmup_constant_schedule", "warmup_steps", warmup_steps)
    return warmup_constant(peak_value=peak_value, warmup_steps=w, init_value=init_value)


@renamed("warmup_cosine_decay_schedule", total_steps="decay_steps")
def warmup_cosine_decay_schedule(
    init_value: ArrayLike,
    peak_value: ArrayLike,
    warmup_steps: int,
    decay_steps: int,
    end_value: ArrayLike = 0.0,
    exponent: ArrayLike = 1.0,
) -> Schedule:
    """``optax.warmup_cosine_decay_schedule``: ``jaxsched.warmup_cosine(total_steps=decay_steps)``.

    Example:
        >>> from jaxsched import optax_compat
        >>> s = optax_compat.warmup_cosine_decay_schedule(0.0, 1.0, 10, 110, end_value=0.1)
        >>> print(f"{s(5):.2f} {s(10):.2f} {s(60):.2f} {s(110):.2f}")
        0.50 1.00 0.55 0.10
    """
    s: Any = warmup_cosine(
        peak_value=peak_value,
        warmup_steps=warmup_steps,
        total_steps=decay_steps,
        init_value=init_value,
        end_value=end_value,
        exponent=exponent,
    )
    if not F.is_traced(s) and s.peak_value == 0 and s.end_value != 0:
        F.fail(
            "warmup_cosine_decay_schedule",
            f"end_value ({F.fmt(end_value)}) must be 0 when peak_value is 0 (Optax ignores it)",
        )
    return s


@renamed("warmup_exponential_decay_schedule")
def warmup_exponential_decay_schedule(
    init_value: ArrayLike,
    peak_value: ArrayLike,
    warmup_steps: int,
    transition_steps: int,
    decay_rate: ArrayLike,
    transition_begin: int = 0,
    staircase: bool = False,
    end_value: ArrayLike | None = None,
) -> Schedule:
    """``optax.warmup_exponential_decay_schedule``: ``jaxsched.warmup`` from ``init_value``, then the
    ``exponential_decay`` from ``peak_value``.

    Example:
        >>> from jaxsched import optax_compat
        >>> s = optax_compat.warmup_exponential_decay_schedule(0.0, 1.0, 10, 10, 0.5)
        >>> print(f"{s(5):.2f} {s(10):.2f} {s(20):.2f}")
        0.50 1.00 0.50
    """
    args = (peak_value, transition_steps, decay_rate, transition_begin, staircase, end_value)
    decay = _exponential("warmup_exponential_decay_schedule", "peak_value", *args)
    s: Any = warmup(decay, warmup_steps=warmup_steps, init_value=init_value)
    return decay if F.concrete(s.warmup_steps) == 0 else s
