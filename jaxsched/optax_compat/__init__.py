"""Drop-in replacements for ``optax.schedules``, built on jaxsched schedules.

Change one import: ``from jaxsched import optax_compat as schedules``. Every
constructor of ``optax.schedules`` is here under its Optax name and signature.
Each translates its arguments into a native jaxsched schedule (a pytree whose
``repr`` ``jaxsched.parse`` reads back) with Optax's values to float32
precision (more exact where Optax's float32 cancels), and lets the native
constructor check them: an error names the Optax function, argument and
value. Refused, where Optax silently does something else:

1. ``transition_steps < 1`` (Optax: a constant); a negative
   ``transition_begin`` (Optax: 0) or ``warmup_steps``; ``warmup_steps=0``
   in ``warmup_constant_schedule`` (Optax never reaches ``peak_value``).
2. ``decay_rate <= 0`` (a constant, or NaN); an ``end_value`` on the wrong
   side of the start (Optax returns it from step 0). A growth without an
   ``end_value`` is accepted, as in Optax (it saturates at float32's largest
   value where Optax reaches inf).
3. ``warmup_cosine_decay_schedule``: ``peak_value=0`` with a non-zero
   ``end_value`` (Optax ignores it); ``decay_steps <= warmup_steps``.
4. ``power <= 0``, ``exponent <= 0`` (a constant, or inf at the end).
5. One-cycle phases ``int(pct * transition_steps)`` that coincide (Optax
   drops one), a negative ``pct_start``, ``div_factor`` or
   ``final_div_factor`` <= 0.
6. Boundaries that are negative, repeated, unsorted (Optax lets later ones
   override) or not one fewer than the schedules (Optax's ``zip`` drops the
   rest); negative scales; a Python callable in ``join_schedules`` (not a
   pytree: build it from jaxsched schedules).
7. Lengths that are not whole or are beyond 2**53; values that are not
   finite scalars.
8. Steps follow jaxsched's rules: a negative step gives the value at step 0
   (Optax extrapolates, or gives 0), boundaries compare in exact integers,
   the output is always float32.

Example:
    >>> from jaxsched import optax_compat
    >>> s = optax_compat.warmup_cosine_decay_schedule(0.0, 1.0, 10, 110)
    >>> print(f"{s(5):.2f} {s(10):.2f} {s(60):.2f} {s(110):.2f}")
    0.50 1.00 0.50 0.00
"""

import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from jax.typing import ArrayLike

from jaxsched import _fields as F
from jaxsched._adapt import LENGTH, STEPS, VALUE, renamed, times
from jaxsched._compose import offset, warmup
from jaxsched._core import Schedule
from jaxsched._cosine import cosine
from jaxsched._exponential import exponential
from jaxsched._join import join
from jaxsched._piecewise import piecewise_constant, piecewise_interpolate
from jaxsched._polynomial import constant, linear, polynomial
from jaxsched._warmup import warmup_constant, warmup_cosine
from jaxsched.optax_compat._tables import TABLE_NAMES, cosine_onecycle_schedule, linear_onecycle_schedule, table_values

# fmt: off
__all__ = ["constant_schedule", "cosine_decay_schedule", "cosine_onecycle_schedule", "exponential_decay",
           "join_schedules", "linear_onecycle_schedule", "linear_schedule", "piecewise_constant_schedule",
           "piecewise_interpolate_schedule", "polynomial_schedule", "sgdr_schedule", "warmup_constant_schedule",
           "warmup_cosine_decay_schedule", "warmup_exponential_decay_schedule"]
# fmt: on


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


@renamed("linear_schedule")
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
    return polynomial_schedule(init_value, end_value, 1, transition_steps, transition_begin)  # as Optax defines it


@renamed("exponential_decay", period="transition_steps")
def exponential_decay(
    init_value: ArrayLike, transition_steps: int, decay_rate: ArrayLike, transition_begin: int = 0,
    staircase: bool = False, end_value: ArrayLike | None = None
) -> Schedule:  # fmt: skip
    """``optax.exponential_decay``: ``jaxsched.exponential(period=transition_steps)``, after
    ``transition_begin`` steps at ``init_value``.

    Example:
        >>> from jaxsched import optax_compat
        >>> s = optax_compat.exponential_decay(1.0, 10, 0.5, transition_begin=5, end_value=0.3)
        >>> print(f"{s(5):.4f} {s(15):.4f} {s(20):.4f} {s(100):.4f}")
        1.0000 0.5000 0.3536 0.3000
    """
    s: Any = exponential(
        init_value=init_value, decay_rate=decay_rate, period=transition_steps, staircase=staircase, end_value=end_value
    )
    if not F.is_traced(s) and s.end_value is not None and F.as_float(s.decay_rate) == 1 and s.end_value < s.init_value:
        rule = f"end_value ({F.fmt(end_value)}) must not be below init_value ({F.fmt(init_value)}) when decay_rate is 1"
        F.fail("exponential_decay", f"{rule} (Optax returns end_value from step 0)")
    return _delayed("exponential_decay", s, transition_begin)


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
    end = times(VALUE.convert(fn, "init_value", init_value), VALUE.convert(fn, "alpha", alpha))
    return cosine(init_value=init_value, total_steps=decay_steps, end_value=end, exponent=exponent)


@renamed("warmup_constant_schedule")
def warmup_constant_schedule(init_value: ArrayLike, peak_value: ArrayLike, warmup_steps: int) -> Schedule:
    """``optax.warmup_constant_schedule``: ``jaxsched.warmup_constant`` (``warmup_steps >= 1``).

    Example:
        >>> from jaxsched import optax_compat
        >>> s = optax_compat.warmup_constant_schedule(0.0, 1.0, 4)
        >>> print(f"{s(1):.2f} {s(4):.2f}")
        0.25 1.00
    """
    w = LENGTH.convert("warmup_constant_schedule", "warmup_steps", warmup_steps)
    return warmup_constant(peak_value=peak_value, warmup_steps=w, init_value=init_value)


@renamed("warmup_cosine_decay_schedule", total_steps="decay_steps")
def warmup_cosine_decay_schedule(
    init_value: ArrayLike, peak_value: ArrayLike, warmup_steps: int, decay_steps: int, end_value: ArrayLike = 0.0,
    exponent: ArrayLike = 1.0
) -> Schedule:  # fmt: skip
    """``optax.warmup_cosine_decay_schedule``: ``jaxsched.warmup_cosine(total_steps=decay_steps)``.

    Example:
        >>> from jaxsched import optax_compat
        >>> s = optax_compat.warmup_cosine_decay_schedule(0.0, 1.0, 10, 110, end_value=0.1)
        >>> print(f"{s(5):.2f} {s(10):.2f} {s(60):.2f} {s(110):.2f}")
        0.50 1.00 0.55 0.10
    """
    args = locals()
    s: Any = warmup_cosine(total_steps=args.pop("decay_steps"), **args)
    if not F.is_traced(s) and s.peak_value == 0 and s.end_value != 0:  # (``renamed`` names the native's errors)
        F.fail(s.name, f"end_value ({F.fmt(end_value)}) must be 0 when peak_value is 0 (Optax ignores it)")
    return s


@renamed("warmup_exponential_decay_schedule")
def warmup_exponential_decay_schedule(
    init_value: ArrayLike, peak_value: ArrayLike, warmup_steps: int, transition_steps: int, decay_rate: ArrayLike,
    transition_begin: int = 0, staircase: bool = False, end_value: ArrayLike | None = None
) -> Schedule:  # fmt: skip
    """``optax.warmup_exponential_decay_schedule``: ``jaxsched.warmup`` from ``init_value``, then the
    ``exponential_decay`` from ``peak_value``.

    Example:
        >>> from jaxsched import optax_compat
        >>> s = optax_compat.warmup_exponential_decay_schedule(0.0, 1.0, 10, 10, 0.5)
        >>> print(f"{s(5):.2f} {s(10):.2f} {s(20):.2f}")
        0.50 1.00 0.50
    """
    with renamed("warmup_exponential_decay_schedule", init_value="peak_value"):  # the decay's init_value
        decay = exponential_decay(peak_value, transition_steps, decay_rate, transition_begin, staircase, end_value)
    s: Any = warmup(decay, warmup_steps=warmup_steps, init_value=init_value)
    return decay if F.concrete(s.warmup_steps) == 0 else s


@renamed("piecewise_constant_schedule", **TABLE_NAMES)
def piecewise_constant_schedule(
    init_value: ArrayLike, boundaries_and_scales: Mapping[int, float] | None = None
) -> Schedule:
    """``optax.piecewise_constant_schedule``: ``jaxsched.piecewise_constant`` of the scaled values.

    Example:
        >>> from jaxsched import optax_compat
        >>> s = optax_compat.piecewise_constant_schedule(1.0, {100: 0.1, 200: 0.01})
        >>> print(f"{s(50):.3f} {s(150):.3f} {s(250):.4f}")
        1.000 0.100 0.0010
    """
    steps, values = table_values("piecewise_constant_schedule", init_value, boundaries_and_scales)
    return piecewise_constant(boundaries=steps, values=values) if steps else constant(value=values[0])


@renamed("piecewise_interpolate_schedule", shape="interpolate_type", **TABLE_NAMES)
def piecewise_interpolate_schedule(
    interpolate_type: str, init_value: ArrayLike, boundaries_and_scales: Mapping[int, float] | None = None
) -> Schedule:
    """``optax.piecewise_interpolate_schedule``: ``jaxsched.piecewise_interpolate`` from step 0.

    Example:
        >>> from jaxsched import optax_compat
        >>> s = optax_compat.piecewise_interpolate_schedule("linear", 1.0, {4: 0.1, 8: 0.01})
        >>> print(" ".join(f"{s(t):.4f}" for t in range(0, 11, 2)))
        1.0000 0.5500 0.1000 0.0505 0.0010 0.0010
    """
    steps, values = table_values("piecewise_interpolate_schedule", init_value, boundaries_and_scales)
    k = int(steps[:1] == [0])  # a first scale at step 0 applies from the start: no segment from init_value
    return piecewise_interpolate(boundaries=[0, *steps][k:], values=values[k:], shape=interpolate_type)


@renamed("sgdr_schedule", schedules="cosine_kwargs")
def sgdr_schedule(cosine_kwargs: Iterable[Mapping[str, Any]]) -> Schedule:
    """``optax.sgdr_schedule``: ``jaxsched.join`` of ``warmup_cosine_decay_schedule(**kwargs)`` cycles.

    Example:
        >>> from jaxsched import optax_compat
        >>> cycle = dict(init_value=0.0, peak_value=1.0, warmup_steps=10, decay_steps=110)
        >>> s = optax_compat.sgdr_schedule([cycle, cycle])
        >>> print(f"{s(60):.2f} {s(110):.2f} {s(120):.2f} {s(170):.2f}")
        0.50 0.00 1.00 0.50
    """
    if isinstance(cosine_kwargs, Mapping) or not isinstance(cosine_kwargs, Iterable):
        raise TypeError(f"sgdr_schedule: cosine_kwargs must be a list of dicts, got {cosine_kwargs!r}")
    cycles = []
    for i, kwargs in enumerate(cosine_kwargs):
        try:
            cycles.append(warmup_cosine_decay_schedule(**kwargs))
        except (TypeError, ValueError) as err:
            raise type(err)(f"sgdr_schedule: cosine_kwargs[{i}]: {err}") from None
    ends = list(itertools.accumulate(s.total_steps if F.is_traced(s) else int(s.total_steps) for s in cycles))
    STEPS.convert("sgdr_schedule", "the end of the cycles", ends[-1] if ends else 0)
    return join_schedules(cycles, ends[:-1])


@renamed("join_schedules")
def join_schedules(schedules: Sequence[Schedule], boundaries: Sequence[int]) -> Schedule:
    """``optax.join_schedules``: ``jaxsched.join`` (of jaxsched schedules only).

    Example:
        >>> from jaxsched import optax_compat
        >>> s = optax_compat.join_schedules(
        ...     [optax_compat.linear_schedule(0.0, 1.0, 10), optax_compat.constant_schedule(0.5)], [10])
        >>> print(f"{s(5):.2f} {s(10):.2f}")
        0.50 0.50
    """
    s: Any = join(schedules, boundaries=boundaries)
    return s.schedules[0] if len(s.schedules) == 1 else s
