"""Drop-in replacements for ``optax.schedules``, built on jaxsched schedules.

Change one import::

    from jaxsched import optax_compat as schedules   # instead of optax.schedules

Every constructor of ``optax.schedules`` is here under its Optax name and with
its Optax signature (positional arguments included). Each returns a jaxsched
``Schedule``: a pytree that ``jit``, ``vmap`` and ``optax.inject_hyperparams``
accept, with a ``repr`` that ``jaxsched.parse`` reads back. For every valid
input the values are Optax's, to float32 precision; where Optax computes in
float32 with cancellation (the end of a cosine decay, large staircase
exponents) the values here are the more exact ones.

Differences from Optax. Where Optax silently does something else than asked,
these functions raise a ``ValueError`` (or a ``TypeError`` for a wrong type)
that names the function, the argument and the value:

1. A non-positive ``transition_steps`` of ``polynomial_schedule``,
   ``linear_schedule``, ``exponential_decay`` and
   ``warmup_exponential_decay_schedule``: Optax returns a constant
   ``init_value`` and writes a log line. Refused.
2. ``warmup_steps=0`` in ``warmup_constant_schedule``: Optax returns
   ``init_value`` forever, never ``peak_value``. Refused (use
   ``constant_schedule(peak_value)``).
3. A negative ``transition_begin`` (``polynomial_schedule``,
   ``linear_schedule``, ``exponential_decay``,
   ``warmup_exponential_decay_schedule``): Optax uses 0 with a log line.
   A negative ``warmup_steps`` (Optax shifts the decay before step 0).
   Refused.
4. ``decay_rate=0`` in ``exponential_decay``: Optax returns a constant
   ``init_value``; a negative ``decay_rate`` gives NaN (or a sign that flips
   every period with ``staircase``). Refused.
5. ``decay_rate > 1`` without ``end_value``: the value grows without bound
   and overflows to ``inf``. Refused: pass an ``end_value`` (the ceiling).
6. An ``end_value`` on the wrong side of ``init_value`` (above it when
   ``decay_rate < 1``, below it when ``decay_rate >= 1``): Optax returns
   ``end_value`` from step 0. Refused.
7. ``warmup_cosine_decay_schedule`` with ``peak_value=0`` and a non-zero
   ``end_value``: Optax ignores ``end_value``. Refused. ``decay_steps`` not
   greater than ``warmup_steps`` is refused with a message in the same terms.
8. ``power <= 0`` (``polynomial_schedule``) or ``exponent <= 0``
   (``cosine_decay_schedule``, ``warmup_cosine_decay_schedule``): a constant
   or an ``inf`` at the end of the decay. Refused.
9. ``linear_onecycle_schedule`` / ``cosine_onecycle_schedule``: when
   ``int(pct * transition_steps)`` of two phases coincide (or reach
   ``transition_steps``), Optax's boundary dict silently keeps one of them
   and drops a phase. Refused, as are negative ``pct_start`` and
   non-positive ``div_factor`` / ``final_div_factor``.
10. ``piecewise_constant_schedule`` / ``piecewise_interpolate_schedule``: a
    negative boundary applies its scale before step 0 (constant schedule) or
    breaks the interpolation; refused. ``join_schedules``: unsorted or
    repeated boundaries (Optax lets later ones override earlier ones), a
    negative boundary, or a number of boundaries other than one fewer than
    the schedules (Optax's ``zip`` drops the extra silently): refused.
11. ``join_schedules`` accepts jaxsched schedules only (including those
    returned here); an arbitrary Python callable is refused with a
    ``TypeError``: it is not a pytree and cannot be serialized. Build it
    from jaxsched schedules (``jaxsched.join``, ``warmup``, ``multiply``...).
12. Lengths and boundaries must be whole numbers of steps that fit in int32
    (Optax accepts ``100.5`` and computes with it); values must be finite
    scalars (Optax accepts arrays, and NaN or inf).
13. Steps follow jaxsched's rules: a negative step gives the value at step 0
    (Optax evaluates ``cosine_decay_schedule``'s formula at the negative step
    and gives 0 from ``piecewise_interpolate_schedule`` and the onecycle
    schedules), boundaries are compared in exact integer arithmetic, and the
    output is always a float32 array (``constant_schedule`` in Optax returns
    its argument unchanged).

Example:
    >>> from jaxsched import optax_compat
    >>> s = optax_compat.warmup_cosine_decay_schedule(0.0, 1.0, 10, 110)
    >>> print(f"{s(5):.2f} {s(10):.2f} {s(60):.2f} {s(110):.2f}")
    0.50 1.00 0.50 0.00
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxsched import _core
from jaxsched._compose import join, offset, warmup
from jaxsched._core import Schedule
from jaxsched._cosine import cosine
from jaxsched._exponential import exponential
from jaxsched._piecewise import piecewise_constant, piecewise_interpolate
from jaxsched._polynomial import constant, linear, polynomial
from jaxsched._warmup import warmup_constant, warmup_cosine

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


# --- validation in Optax's terms -----------------------------------------------
def _scalar(fn: str, name: str, x: Any) -> jax.Array:
    """A finite scalar value (traced or concrete) -> float32 leaf."""
    if not _core.is_traced(x) and np.ndim(x) != 0:
        _core.fail(fn, f"{name} must be a scalar, got {_core.fmt(x)}")
    return _core.value(fn, name, x)


def _positive(fn: str, name: str, x: Any, why: str) -> jax.Array:
    leaf = _scalar(fn, name, x)
    c = _core.concrete(leaf)
    if c is not None and c <= 0:
        _core.fail(fn, f"{name} must be positive, got {_core.fmt(x)} ({why})")
    return leaf


def _steps(fn: str, name: str, x: Any, minimum: int, why: str = "") -> jax.Array:
    if not _core.is_traced(x) and not isinstance(x, (bool, np.bool_, str)) and x is not None:
        try:
            c = float(np.asarray(x, dtype=np.float64))
        except (TypeError, ValueError):
            c = None
        if c is not None and np.isfinite(c) and c < minimum:
            bound = "non-negative" if minimum == 0 else f"at least {minimum}"
            _core.fail(fn, f"{name} must be {bound}, got {_core.fmt(x)}{f' ({why})' if why else ''}")
    return _core.length(fn, name, x, minimum=minimum)


def _concrete_steps(fn: str, name: str, x: Any, minimum: int) -> int:
    if _core.is_traced(x):
        raise TypeError(f"{fn}: {name} must be a concrete number of steps (Optax needs it too), got a traced value")
    return int(np.asarray(_steps(fn, name, x, minimum)))


def _delayed(schedule: Schedule, begin: jax.Array) -> Schedule:
    """``schedule`` held at its step-0 value for ``begin`` steps."""
    if _core.concrete(begin) == 0:
        return schedule
    return offset(schedule, steps=-begin)


def _scaled_table(
    fn: str, init_value: Any, boundaries_and_scales: Mapping[Any, Any] | None
) -> tuple[jax.Array, list[int], jax.Array]:
    """Optax's ``{step: scale}`` -> (init leaf, sorted boundaries, cumulative values)."""
    init = _scalar(fn, "init_value", init_value)
    if boundaries_and_scales is None:
        return init, [], init[None]
    if not isinstance(boundaries_and_scales, Mapping):
        raise TypeError(f"{fn}: boundaries_and_scales must be a dict {{step: scale}}, got {boundaries_and_scales!r}")
    bounds, scales = [], []
    for key, scale in boundaries_and_scales.items():
        b = _concrete_steps(fn, "boundaries_and_scales keys", key, 0)
        s = _scalar(fn, f"boundaries_and_scales[{_core.fmt(key)}]", scale)
        cs = _core.concrete(s)
        if cs is not None and cs < 0:
            _core.fail(fn, f"boundaries_and_scales[{_core.fmt(key)}] must be non-negative, got {_core.fmt(scale)}")
        bounds.append(b)
        scales.append(s)
    order = sorted(range(len(bounds)), key=bounds.__getitem__)
    bounds = [bounds[i] for i in order]
    if any(b == a for a, b in itertools.pairwise(bounds)):
        _core.fail(fn, f"boundaries_and_scales has repeated boundaries, got {_core.fmt(list(boundaries_and_scales))}")
    factors = jnp.stack([scales[i] for i in order]) if scales else jnp.zeros((0,), jnp.float32)
    if _core.is_traced((init, factors)):
        values = jnp.cumprod(jnp.concatenate([init[None], factors]))
    else:  # products in float64, rounded once
        table = np.cumprod(np.concatenate([[float(init)], np.asarray(factors, np.float64)]))
        values = _core.value(fn, "init_value", table, table=True)
    return init, bounds, values


# --- constructors ------------------------------------------------------------
def constant_schedule(value: Any) -> Schedule:
    """A constant schedule, as ``optax.constant_schedule``.

    ``value(t) = value``.

    Args:
        value: the value at every step (a finite scalar).

    Returns:
        ``jaxsched.constant(value=value)``.

    Example:
        >>> from jaxsched import optax_compat
        >>> print(f"{optax_compat.constant_schedule(5.0)(100):.1f}")
        5.0
    """
    return constant(value=_scalar("constant_schedule", "value", value))


def _polynomial(fn: str, init_value, end_value, power, transition_steps, transition_begin) -> Schedule:
    init = _scalar(fn, "init_value", init_value)
    end = _scalar(fn, "end_value", end_value)
    p = _positive(fn, "power", power, "Optax gives a constant or inf at the end")
    steps = _steps(fn, "transition_steps", transition_steps, 1, "Optax silently returns a constant init_value")
    begin = _steps(fn, "transition_begin", transition_begin, 0, "Optax silently uses 0")
    if _core.concrete(p) == 1.0:
        inner = linear(init_value=init, end_value=end, total_steps=steps)
    else:
        inner = polynomial(init_value=init, end_value=end, total_steps=steps, power=p)
    return _delayed(inner, begin)


def polynomial_schedule(
    init_value: Any, end_value: Any, power: Any, transition_steps: int, transition_begin: int = 0
) -> Schedule:
    """Polynomial transition, as ``optax.polynomial_schedule``.

    With ``B = transition_begin`` and ``T = transition_steps``::

        value(t) = init                                              for t < B
        value(t) = end + (init - end) * (1 - min(t - B, T) / T) ** power  for t >= B

    Args:
        init_value: the value before and at ``transition_begin``.
        end_value: the value from ``transition_begin + transition_steps`` on.
        power: the exponent (> 0).
        transition_steps: length of the transition (at least 1).
        transition_begin: steps held at ``init_value`` first (>= 0, default 0).

    Returns:
        ``jaxsched.polynomial`` (``linear`` when ``power`` is 1), delayed by
        ``jaxsched.offset`` when ``transition_begin > 0``.

    Example:
        >>> from jaxsched import optax_compat
        >>> s = optax_compat.polynomial_schedule(1.0, 0.01, 2, 100, transition_begin=5)
        >>> print(f"{s(5):.4f} {s(6):.4f} {s(104):.4f} {s(105):.4f}")
        1.0000 0.9803 0.0101 0.0100
    """
    return _polynomial("polynomial_schedule", init_value, end_value, power, transition_steps, transition_begin)


def linear_schedule(init_value: Any, end_value: Any, transition_steps: int, transition_begin: int = 0) -> Schedule:
    """Linear transition, as ``optax.linear_schedule``.

    ``value(t) = init + (end - init) * min(max(t - B, 0), T) / T`` with
    ``B = transition_begin`` and ``T = transition_steps``.

    Args:
        init_value: the value before and at ``transition_begin``.
        end_value: the value from ``transition_begin + transition_steps`` on.
        transition_steps: length of the transition (at least 1).
        transition_begin: steps held at ``init_value`` first (>= 0, default 0).

    Returns:
        ``jaxsched.linear``, delayed by ``jaxsched.offset`` when
        ``transition_begin > 0``.

    Example:
        >>> from jaxsched import optax_compat
        >>> s = optax_compat.linear_schedule(1.0, 0.0, 100)
        >>> print(f"{s(0):.2f} {s(25):.2f} {s(100):.2f}")
        1.00 0.75 0.00
    """
    return _polynomial("linear_schedule", init_value, end_value, 1.0, transition_steps, transition_begin)


def piecewise_constant_schedule(init_value: Any, boundaries_and_scales: Mapping[int, float] | None = None) -> Schedule:
    """Piecewise constant with multiplicative jumps, as ``optax.piecewise_constant_schedule``.

    ``value(t) = init * prod(scale_i for boundary_i <= t)``.

    Args:
        init_value: the value before the first boundary.
        boundaries_and_scales: ``{step: scale}``; steps whole and >= 0,
            scales >= 0. None or empty for a constant.

    Returns:
        ``jaxsched.piecewise_constant`` with the cumulative products as values
        (``jaxsched.constant`` when there are no boundaries).

    Example:
        >>> from jaxsched import optax_compat
        >>> s = optax_compat.piecewise_constant_schedule(1.0, {100: 0.1, 200: 0.01})
        >>> print(f"{s(50):.3f} {s(150):.3f} {s(250):.4f}")
        1.000 0.100 0.0010
    """
    init, bounds, values = _scaled_table("piecewise_constant_schedule", init_value, boundaries_and_scales)
    if not bounds:
        return constant(value=init)
    return piecewise_constant(boundaries=bounds, values=values)


def _exponential(
    fn: str, init_value, transition_steps, decay_rate, transition_begin, staircase, end_value, init_name="init_value"
) -> Schedule:
    init = _scalar(fn, init_name, init_value)
    steps = _steps(fn, "transition_steps", transition_steps, 1, "Optax silently returns a constant init_value")
    rate = _scalar(fn, "decay_rate", decay_rate)
    begin = _steps(fn, "transition_begin", transition_begin, 0, "Optax silently uses 0")
    if not isinstance(staircase, (bool, np.bool_)):
        raise TypeError(f"{fn}: staircase must be True or False, got {staircase!r}")
    end = None if end_value is None else _scalar(fn, "end_value", end_value)
    r, i = _core.concrete(rate), _core.concrete(init)
    if r is not None and r == 0:
        _core.fail(fn, "decay_rate must not be 0, got 0.0 (Optax silently returns a constant init_value)")
    if r is not None and r < 0:
        _core.fail(fn, f"decay_rate must be positive, got {_core.fmt(decay_rate)} (Optax gives NaN)")
    if r is not None and r > 1 and end is None:
        _core.fail(
            fn,
            f"end_value is required when decay_rate ({_core.fmt(decay_rate)}) is above 1 "
            "(the value grows without bound to inf)",
        )
    e = None if end is None else _core.concrete(end)
    if None not in (r, i, e) and ((r < 1 and e > i) or (r >= 1 and e < i)):
        side = "above" if r < 1 else "below"
        _core.fail(
            fn,
            f"end_value ({_core.fmt(end_value)}) must not be {side} {init_name} ({_core.fmt(init_value)}) "
            f"when decay_rate is {_core.fmt(decay_rate)} (Optax returns end_value from step 0)",
        )
    # The rate as given (not its float32 leaf): exponential keeps it to float64 precision.
    exact_rate = rate if _core.is_traced(decay_rate) else decay_rate
    inner = exponential(
        init_value=init, decay_rate=exact_rate, decay_steps=steps, staircase=bool(staircase), end_value=end
    )
    return _delayed(inner, begin)


def exponential_decay(
    init_value: Any,
    transition_steps: int,
    decay_rate: Any,
    transition_begin: int = 0,
    staircase: bool = False,
    end_value: Any = None,
) -> Schedule:
    """Exponential decay (or bounded growth), as ``optax.exponential_decay``.

    With ``B = transition_begin`` and ``T = transition_steps``::

        value(t) = init                                        for t < B
        value(t) = init * decay_rate ** ((t - B) / T)          for t >= B

    with ``floor((t - B) / T)`` as the exponent when ``staircase``; an
    ``end_value`` is a floor when ``decay_rate < 1``, a ceiling above 1.

    Args:
        init_value: the value before and at ``transition_begin``.
        transition_steps: steps per factor of ``decay_rate`` (at least 1).
        decay_rate: the factor (> 0).
        transition_begin: steps held at ``init_value`` first (>= 0, default 0).
        staircase: decay in jumps every ``transition_steps`` steps.
        end_value: the bound, or None; required when ``decay_rate > 1``.

    Returns:
        ``jaxsched.exponential``, delayed by ``jaxsched.offset`` when
        ``transition_begin > 0``.

    Example:
        >>> from jaxsched import optax_compat
        >>> s = optax_compat.exponential_decay(1.0, 10, 0.5, transition_begin=5, end_value=0.3)
        >>> print(f"{s(5):.4f} {s(15):.4f} {s(20):.4f} {s(100):.4f}")
        1.0000 0.5000 0.3536 0.3000
    """
    return _exponential(
        "exponential_decay", init_value, transition_steps, decay_rate, transition_begin, staircase, end_value
    )


def cosine_decay_schedule(init_value: Any, decay_steps: int, alpha: Any = 0.0, exponent: Any = 1.0) -> Schedule:
    """Cosine decay, as ``optax.cosine_decay_schedule``.

    ``value(t) = init * ((1 - alpha) * (0.5 * (1 + cos(pi * min(t, T) / T))) ** exponent + alpha)``
    with ``T = decay_steps``.

    Args:
        init_value: the value at step 0.
        decay_steps: length of the decay (at least 1).
        alpha: the final value as a fraction of ``init_value`` (default 0).
        exponent: power of the cosine factor (> 0, default 1).

    Returns:
        ``jaxsched.cosine(init_value, total_steps=decay_steps,
        end_value=alpha * init_value, exponent)``.

    References:
        Loshchilov & Hutter, "SGDR: Stochastic Gradient Descent with Warm
        Restarts", https://arxiv.org/abs/1608.03983, 2016.

    Example:
        >>> from jaxsched import optax_compat
        >>> s = optax_compat.cosine_decay_schedule(1.0, 100, alpha=0.1)
        >>> print(f"{s(0):.4f} {s(50):.4f} {s(100):.4f}")
        1.0000 0.5500 0.1000
    """
    fn = "cosine_decay_schedule"
    init = _scalar(fn, "init_value", init_value)
    a = _scalar(fn, "alpha", alpha)
    e = _positive(fn, "exponent", exponent, "Optax gives a constant or inf at the end")
    steps = _steps(fn, "decay_steps", decay_steps, 1)
    if _core.is_traced((init, a)):
        end = init * a
    else:
        end = _core.value(fn, "alpha", float(init) * float(a))
    return cosine(init_value=init, total_steps=steps, end_value=end, exponent=e)


def piecewise_interpolate_schedule(
    interpolate_type: str, init_value: Any, boundaries_and_scales: Mapping[int, float] | None = None
) -> Schedule:
    """Interpolation between cumulatively scaled values, as ``optax.piecewise_interpolate_schedule``.

    With sorted boundaries ``b_1 < b_2 < ...``, ``b_0 = 0`` and ``v_i =
    init * scale_1 * ... * scale_i``, the value goes from ``v_{i-1}`` at
    ``b_{i-1}`` to ``v_i`` at ``b_i`` (linearly, or along a half cosine),
    and holds ``v_last`` after the last boundary.

    Args:
        interpolate_type: ``"linear"`` or ``"cosine"``.
        init_value: the value at step 0.
        boundaries_and_scales: ``{step: scale}``; steps whole and >= 0,
            scales >= 0. None or empty for a constant.

    Returns:
        ``jaxsched.piecewise_interpolate`` (``jaxsched.constant`` when there
        are no boundaries).

    Example:
        >>> from jaxsched import optax_compat
        >>> s = optax_compat.piecewise_interpolate_schedule("linear", 1.0, {4: 0.1, 8: 0.01})
        >>> print(" ".join(f"{s(t):.6f}" for t in range(0, 11, 2)))
        1.000000 0.550000 0.100000 0.050500 0.001000 0.001000
    """
    fn = "piecewise_interpolate_schedule"
    _core.choice(fn, "interpolate_type", interpolate_type, ("linear", "cosine"))
    init, bounds, values = _scaled_table(fn, init_value, boundaries_and_scales)
    if not bounds:
        return constant(value=init)
    if bounds[0] == 0:  # the first scale applies at step 0: no segment starts from init_value
        return piecewise_interpolate(boundaries=bounds, values=values[1:], interpolation=interpolate_type)
    return piecewise_interpolate(boundaries=[0, *bounds], values=values, interpolation=interpolate_type)


def _onecycle_checks(fn: str, transition_steps, peak_value, pcts, div_factor, final_div_factor):
    steps = _concrete_steps(fn, "transition_steps", transition_steps, 1)
    _scalar(fn, "peak_value", peak_value)
    _positive(fn, "div_factor", div_factor, "the initial value is peak_value / div_factor")
    _positive(fn, "final_div_factor", final_div_factor, "the final value divides by it")
    points = []
    for name, pct in pcts:
        if _core.is_traced(pct):
            raise TypeError(f"{fn}: {name} must be a concrete number (Optax needs it too), got a traced value")
        _scalar(fn, name, pct)
        points.append((name, pct, int(pct * steps)))  # Optax's own rounding
    name, pct, first = points[0]
    if first < 0:
        _core.fail(fn, f"{name} must be non-negative, got {_core.fmt(pct)}")
    marks = [*points, ("transition_steps", steps, steps)]
    for (n1, p1, b1), (n2, p2, b2) in itertools.pairwise(marks):
        if b1 >= b2:
            _core.fail(
                fn,
                f"{n1} ({_core.fmt(p1)}) must give an earlier step than {n2} ({_core.fmt(p2)}): "
                f"int({n1} * transition_steps) = {b1} and {b2} for transition_steps={steps} "
                "(Optax silently drops a phase)",
            )
    return steps, [b for _, _, b in points]


def _ratio(a, b):
    """``a / b`` from the user's own numbers (Python floats, as Optax), or traced."""
    if _core.is_traced((a, b)):
        return jnp.asarray(a, jnp.float32) / jnp.asarray(b, jnp.float32)
    return float(np.asarray(a)) / float(np.asarray(b))


def linear_onecycle_schedule(
    transition_steps: int,
    peak_value: Any,
    pct_start: float = 0.3,
    pct_final: float = 0.85,
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
) -> Schedule:
    """Three linear phases, as ``optax.linear_onecycle_schedule``.

    With ``T = transition_steps``, ``a = int(pct_start * T)``, ``b =
    int(pct_final * T)``, ``init = peak / div_factor`` and ``final = init /
    final_div_factor``: linear from ``init`` to ``peak`` over ``[0, a]``, back
    to ``init`` over ``[a, b]``, to ``final`` over ``[b, T]``, then ``final``.

    Args:
        transition_steps: length of the schedule (at least 1).
        peak_value: the value at step ``a``.
        pct_start: fraction of the steps spent rising (>= 0).
        pct_final: fraction of the steps at which the value is back to
            ``init`` (``int(pct_start * T) < int(pct_final * T) < T``).
        div_factor: ``init = peak_value / div_factor`` (> 0).
        final_div_factor: ``final = init / final_div_factor`` (> 0).

    Returns:
        ``piecewise_interpolate_schedule("linear", ...)``, that is
        ``jaxsched.piecewise_interpolate``.

    References:
        Smith & Topin, "Super-Convergence: Very Fast Training of Neural
        Networks Using Large Learning Rates", https://arxiv.org/abs/1708.07120, 2017.

    Example:
        >>> from jaxsched import optax_compat
        >>> s = optax_compat.linear_onecycle_schedule(100, 1.0, pct_start=0.25, pct_final=0.75)
        >>> print(f"{s(0):.2f} {s(25):.2f} {s(50):.2f} {s(75):.2f} {s(100):.6f}")
        0.04 1.00 0.52 0.04 0.000004
    """
    fn = "linear_onecycle_schedule"
    steps, (a, b) = _onecycle_checks(
        fn, transition_steps, peak_value, [("pct_start", pct_start), ("pct_final", pct_final)], div_factor,
        final_div_factor,
    )  # fmt: skip
    init = _ratio(peak_value, div_factor)
    scales = {a: div_factor, b: _ratio(1.0, div_factor), steps: _ratio(1.0, final_div_factor)}
    return piecewise_interpolate_schedule("linear", init, scales)


def cosine_onecycle_schedule(
    transition_steps: int,
    peak_value: Any,
    pct_start: float = 0.3,
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
) -> Schedule:
    """One cycle with half-cosine phases, as ``optax.cosine_onecycle_schedule``.

    With ``T = transition_steps``, ``a = int(pct_start * T)``, ``init = peak
    / div_factor`` and ``final = init / final_div_factor``: a half cosine from
    ``init`` to ``peak`` over ``[0, a]``, from ``peak`` to ``final`` over
    ``[a, T]``, then ``final``.

    Args:
        transition_steps: length of the schedule (at least 1).
        peak_value: the value at step ``a``.
        pct_start: fraction of the steps spent rising (``0 <= int(pct_start * T) < T``).
        div_factor: ``init = peak_value / div_factor`` (> 0).
        final_div_factor: ``final = init / final_div_factor`` (> 0).

    Returns:
        ``piecewise_interpolate_schedule("cosine", ...)``, that is
        ``jaxsched.piecewise_interpolate``.

    References:
        Smith & Topin, "Super-Convergence: Very Fast Training of Neural
        Networks Using Large Learning Rates", https://arxiv.org/abs/1708.07120, 2017.

    Example:
        >>> from jaxsched import optax_compat
        >>> s = optax_compat.cosine_onecycle_schedule(100, 1.0, pct_start=0.25)
        >>> print(f"{s(0):.2f} {s(25):.2f} {s(100):.6f}")
        0.04 1.00 0.000004
    """
    fn = "cosine_onecycle_schedule"
    steps, (a,) = _onecycle_checks(
        fn, transition_steps, peak_value, [("pct_start", pct_start)], div_factor, final_div_factor
    )
    init = _ratio(peak_value, div_factor)
    scales = {a: div_factor, steps: _ratio(_ratio(1.0, div_factor), final_div_factor)}
    return piecewise_interpolate_schedule("cosine", init, scales)


def warmup_constant_schedule(init_value: Any, peak_value: Any, warmup_steps: int) -> Schedule:
    """Linear warmup, then constant, as ``optax.warmup_constant_schedule``.

    ``value(t) = init + (peak - init) * min(t, w) / w`` with ``w = warmup_steps``.

    Args:
        init_value: the value at step 0.
        peak_value: the value from ``warmup_steps`` on.
        warmup_steps: length of the warmup (at least 1).

    Returns:
        ``jaxsched.warmup_constant``.

    Example:
        >>> from jaxsched import optax_compat
        >>> s = optax_compat.warmup_constant_schedule(0.0, 1.0, 4)
        >>> print(f"{s(1):.2f} {s(4):.2f}")
        0.25 1.00
    """
    fn = "warmup_constant_schedule"
    init = _scalar(fn, "init_value", init_value)
    peak = _scalar(fn, "peak_value", peak_value)
    w = _steps(fn, "warmup_steps", warmup_steps, 1, "Optax returns init_value forever; use constant_schedule")
    return warmup_constant(peak_value=peak, warmup_steps=w, init_value=init)


def warmup_cosine_decay_schedule(
    init_value: Any,
    peak_value: Any,
    warmup_steps: int,
    decay_steps: int,
    end_value: Any = 0.0,
    exponent: Any = 1.0,
) -> Schedule:
    """Linear warmup, then cosine decay, as ``optax.warmup_cosine_decay_schedule``.

    With ``w = warmup_steps`` and ``T = decay_steps`` (the whole schedule,
    warmup included)::

        value(t) = init + (peak - init) * t / w                       for t < w
        value(t) = end + (peak - end) * c(t) ** exponent              for t >= w
        c(t)     = 0.5 * (1 + cos(pi * min(t - w, T - w) / (T - w)))

    Args:
        init_value: the value at step 0.
        peak_value: the value at the end of the warmup.
        warmup_steps: length of the warmup (>= 0).
        decay_steps: length of the whole schedule (> warmup_steps).
        end_value: the value from ``decay_steps`` on (default 0).
        exponent: power of the cosine factor (> 0, default 1).

    Returns:
        ``jaxsched.warmup_cosine(peak_value, warmup_steps,
        total_steps=decay_steps, init_value, end_value, exponent)``.

    References:
        Loshchilov & Hutter, "SGDR: Stochastic Gradient Descent with Warm
        Restarts", https://arxiv.org/abs/1608.03983, 2016.

    Example:
        >>> from jaxsched import optax_compat
        >>> s = optax_compat.warmup_cosine_decay_schedule(0.0, 1.0, 10, 110, end_value=0.1)
        >>> print(f"{s(5):.2f} {s(10):.2f} {s(60):.2f} {s(110):.2f}")
        0.50 1.00 0.55 0.10
    """
    fn = "warmup_cosine_decay_schedule"
    init = _scalar(fn, "init_value", init_value)
    peak = _scalar(fn, "peak_value", peak_value)
    end = _scalar(fn, "end_value", end_value)
    e = _positive(fn, "exponent", exponent, "Optax gives a constant or inf at the end")
    w = _steps(fn, "warmup_steps", warmup_steps, 0)
    t = _steps(fn, "decay_steps", decay_steps, 1)
    cw, ct = _core.concrete(w), _core.concrete(t)
    if cw is not None and ct is not None and ct <= cw:
        _core.fail(
            fn,
            f"decay_steps ({_core.fmt(decay_steps)}) must be greater than warmup_steps ({_core.fmt(warmup_steps)}): "
            "it is the length of the whole schedule, warmup included",
        )
    if _core.concrete(peak) == 0.0 and _core.concrete(end) not in (None, 0.0):
        _core.fail(fn, f"end_value ({_core.fmt(end_value)}) must be 0 when peak_value is 0 (Optax ignores it)")
    return warmup_cosine(peak_value=peak, warmup_steps=w, total_steps=t, init_value=init, end_value=end, exponent=e)


def warmup_exponential_decay_schedule(
    init_value: Any,
    peak_value: Any,
    warmup_steps: int,
    transition_steps: int,
    decay_rate: Any,
    transition_begin: int = 0,
    staircase: bool = False,
    end_value: Any = None,
) -> Schedule:
    """Linear warmup, then exponential decay, as ``optax.warmup_exponential_decay_schedule``.

    ``value(t) = init + (peak - init) * t / w`` for ``t < w = warmup_steps``,
    then ``exponential_decay(peak_value, transition_steps, decay_rate,
    transition_begin, staircase, end_value)`` at ``t - w``.

    Args:
        init_value: the value at step 0.
        peak_value: the value at the end of the warmup.
        warmup_steps: length of the warmup (>= 0).
        transition_steps: steps per factor of ``decay_rate`` (at least 1).
        decay_rate: the factor (> 0).
        transition_begin: steps held at ``peak_value`` after the warmup (>= 0).
        staircase: decay in jumps every ``transition_steps`` steps.
        end_value: the bound, or None; required when ``decay_rate > 1``.

    Returns:
        ``jaxsched.warmup`` of ``jaxsched.exponential`` (delayed by
        ``jaxsched.offset`` when ``transition_begin > 0``).

    Example:
        >>> from jaxsched import optax_compat
        >>> s = optax_compat.warmup_exponential_decay_schedule(0.0, 1.0, 10, 10, 0.5)
        >>> print(f"{s(5):.2f} {s(10):.2f} {s(20):.2f}")
        0.50 1.00 0.50
    """
    fn = "warmup_exponential_decay_schedule"
    init = _scalar(fn, "init_value", init_value)
    w = _steps(fn, "warmup_steps", warmup_steps, 0, "Optax shifts the decay before step 0")
    inner = _exponential(
        fn, peak_value, transition_steps, decay_rate, transition_begin, staircase, end_value, init_name="peak_value"
    )
    if _core.concrete(w) == 0:
        return inner
    return warmup(inner, warmup_steps=w, init_value=init)


def sgdr_schedule(cosine_kwargs: Iterable[Mapping[str, Any]]) -> Schedule:
    """Warm restarts, as ``optax.sgdr_schedule``: warmup-cosine cycles one after another.

    Cycle ``i`` is ``warmup_cosine_decay_schedule(**cosine_kwargs[i])`` and
    lasts its ``decay_steps``; the last cycle holds its ``end_value`` after.

    Args:
        cosine_kwargs: the arguments of each cycle's
            ``warmup_cosine_decay_schedule`` (at least one cycle).

    Returns:
        ``jaxsched.join`` of ``jaxsched.warmup_cosine`` schedules.

    References:
        Loshchilov & Hutter, "SGDR: Stochastic Gradient Descent with Warm
        Restarts", https://arxiv.org/abs/1608.03983, 2016.

    Example:
        >>> from jaxsched import optax_compat
        >>> cycle = dict(init_value=0.0, peak_value=1.0, warmup_steps=10, decay_steps=110)
        >>> s = optax_compat.sgdr_schedule([cycle, cycle])
        >>> print(f"{s(60):.2f} {s(110):.2f} {s(120):.2f} {s(170):.2f}")
        0.50 0.00 1.00 0.50
    """
    fn = "sgdr_schedule"
    if isinstance(cosine_kwargs, Mapping) or not isinstance(cosine_kwargs, Iterable):
        raise TypeError(f"{fn}: cosine_kwargs must be a list of dicts, got {cosine_kwargs!r}")
    schedules, boundaries, step = [], [], 0
    for i, kwargs in enumerate(cosine_kwargs):
        if not isinstance(kwargs, Mapping):
            raise TypeError(f"{fn}: cosine_kwargs[{i}] must be a dict, got {kwargs!r}")
        try:
            schedules.append(warmup_cosine_decay_schedule(**kwargs))
        except (TypeError, ValueError) as err:
            raise type(err)(f"{fn}: cosine_kwargs[{i}]: {err}") from None
        step = step + kwargs["decay_steps"]
        boundaries.append(step)
        if _core.concrete(step) is not None and _core.concrete(step) > _core.INT32_MAX:
            _core.fail(fn, f"the cycles end at step {_core.fmt(step)}, past 2**31 - 1")
    if not schedules:
        _core.fail(fn, "cosine_kwargs must not be empty, got []")
    if len(schedules) == 1:
        return schedules[0]
    return join(schedules, boundaries=boundaries[:-1])


def join_schedules(schedules: Sequence[Schedule], boundaries: Sequence[int]) -> Schedule:
    """Schedules one after another, as ``optax.join_schedules``.

    Segment ``k`` is active for ``boundaries[k-1] <= t < boundaries[k]`` and
    receives ``t - boundaries[k-1]``; the first receives ``t``.

    Args:
        schedules: jaxsched schedules (those of this module included); an
            arbitrary Python callable is refused.
        boundaries: strictly increasing, non-negative steps, one fewer than
            ``schedules``.

    Returns:
        ``jaxsched.join(schedules, boundaries=boundaries)`` (the schedule
        itself when there is only one).

    Example:
        >>> from jaxsched import optax_compat
        >>> s = optax_compat.join_schedules(
        ...     [optax_compat.linear_schedule(0.0, 1.0, 10), optax_compat.constant_schedule(0.5)], [10])
        >>> print(f"{s(5):.2f} {s(10):.2f}")
        0.50 0.50
    """
    fn = "join_schedules"
    if isinstance(schedules, Schedule) or not isinstance(schedules, (list, tuple)):
        raise TypeError(f"{fn}: schedules must be a list of jaxsched schedules, got {schedules!r}")
    for i, s in enumerate(schedules):
        if not isinstance(s, Schedule):
            raise TypeError(
                f"{fn}: schedules[{i}] must be a jaxsched schedule (a Python callable is not a pytree and "
                f"cannot be serialized; build it from jaxsched schedules), got {s!r}"
            )
    if not schedules:
        _core.fail(fn, "schedules must not be empty, got []")
    if not _core.is_traced(boundaries):
        if np.ndim(boundaries) != 1:
            _core.fail(fn, f"boundaries must be a list of steps, got {_core.fmt(boundaries)}")
        if len(boundaries) != len(schedules) - 1:
            _core.fail(
                fn,
                f"boundaries must have one entry fewer than schedules ({len(schedules)}), got "
                f"{_core.fmt(boundaries)} (Optax silently ignores the extra ones)",
            )
        if len(boundaries) == 0:
            return schedules[0]
        for b in boundaries:
            _steps(fn, "boundaries", b, 0)
        if np.any(np.diff(np.asarray(boundaries, np.float64)) <= 0):
            _core.fail(
                fn,
                f"boundaries must be strictly increasing, got {_core.fmt(boundaries)} "
                "(Optax lets a later boundary override earlier ones)",
            )
    return join(list(schedules), boundaries=boundaries)
