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
2. ``decay_rate <= 0`` (a constant, or NaN); ``decay_rate > 1`` without an
   ``end_value`` (overflow to inf); an ``end_value`` on the wrong side of
   the start (Optax returns it from step 0).
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
7. Lengths that are not whole or do not fit in int32; values that are not
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

from jaxsched.optax_compat._decays import (
    constant_schedule,
    cosine_decay_schedule,
    exponential_decay,
    linear_schedule,
    polynomial_schedule,
    warmup_constant_schedule,
    warmup_cosine_decay_schedule,
    warmup_exponential_decay_schedule,
)
from jaxsched.optax_compat._tables import (
    cosine_onecycle_schedule,
    join_schedules,
    linear_onecycle_schedule,
    piecewise_constant_schedule,
    piecewise_interpolate_schedule,
    sgdr_schedule,
)

__all__ = [
    "constant_schedule",
    "cosine_decay_schedule",
    "cosine_onecycle_schedule",
    "exponential_decay",
    "join_schedules",
    "linear_onecycle_schedule",
    "linear_schedule",
    "piecewise_constant_schedule",
    "piecewise_interpolate_schedule",
    "polynomial_schedule",
    "sgdr_schedule",
    "warmup_constant_schedule",
    "warmup_cosine_decay_schedule",
    "warmup_exponential_decay_schedule",
]
