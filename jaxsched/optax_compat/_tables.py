"""``optax.schedules``' tables, one-cycle schedules, restarts and joins as native jaxsched schedules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxsched import _fields as F
from jaxsched._adapt import NON_NEGATIVE, POSITIVE, VALUE, renamed
from jaxsched._compose import join
from jaxsched._core import Schedule
from jaxsched._piecewise import piecewise_constant, piecewise_interpolate
from jaxsched._polynomial import constant
from jaxsched.optax_compat._decays import warmup_cosine_decay_schedule

_TABLE = {"boundaries": "boundaries_and_scales keys", "values": "init_value * scales"}


def _table(fn: str, init_value: Any, boundaries_and_scales: Any) -> tuple[list, Any]:
    """Optax's ``{step: scale}``: the sorted steps and the values ``init * scale_1 * ... * scale_i``."""
    table = {} if boundaries_and_scales is None else boundaries_and_scales
    if not isinstance(table, Mapping):
        raise TypeError(f"{fn}: boundaries_and_scales must be a dict {{step: scale}}, got {table!r}")
    steps = sorted(table)
    factors = [VALUE.convert(fn, "init_value", init_value)]
    factors += [NON_NEGATIVE.convert(fn, f"boundaries_and_scales[{F.fmt(b)}]", table[b]) for b in steps]
    if F.is_traced(factors):
        return steps, jnp.cumprod(jnp.stack(factors))
    return steps, np.cumprod(np.asarray(factors, np.float64))  # in float64, rounded once


@renamed("piecewise_constant_schedule", **_TABLE)
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
    steps, values = _table("piecewise_constant_schedule", init_value, boundaries_and_scales)
    return piecewise_constant(boundaries=steps, values=values) if steps else constant(value=values[0])


@renamed("piecewise_interpolate_schedule", shape="interpolate_type", **_TABLE)
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
    steps, values = _table("piecewise_interpolate_schedule", init_value, boundaries_and_scales)
    if steps and steps[0] == 0:  # the first scale applies at step 0: no segment starts from init_value
        return piecewise_interpolate(boundaries=steps, values=values[1:], shape=interpolate_type)
    return piecewise_interpolate(boundaries=[0, *steps], values=values, shape=interpolate_type)


def _onecycle(fn: str, shape: str, transition_steps: Any, peak_value: Any, pcts: dict, div: Any, final: Any):
    """``piecewise_interpolate`` through ``init = peak / div``, ``peak``, (``init``,) ``init / final``
    at steps ``0``, ``int(pct * transition_steps)``..., ``transition_steps``."""
    T = int(F.Kind("length", minimum=1).convert(fn, "transition_steps", transition_steps))  # concrete, as in Optax
    checked = [VALUE.convert(fn, "peak_value", peak_value), POSITIVE.convert(fn, "div_factor", div)]
    checked += [POSITIVE.convert(fn, "final_div_factor", final), *(VALUE.convert(fn, k, v) for k, v in pcts.items())]
    ends = [int(pct * T) for pct in pcts.values()]  # Optax's rounding
    peak, div, final = checked[:3] if F.is_traced(checked) else map(float, (peak_value, div, final))  # as Optax
    bounds, values = [0, *ends, T], [peak / div, peak, *[peak / div] * (len(ends) - 1), peak / div / final]
    if ends[0] == 0:  # the peak is at step 0
        bounds, values = bounds[1:], values[1:]
    phases = ", ".join(f"{name}={F.fmt(pct)}" for name, pct in pcts.items())
    with renamed(fn, boundaries=f"phase ends ({phases}, transition_steps={F.fmt(transition_steps)})"):
        return piecewise_interpolate(boundaries=bounds, values=values, shape=shape)


def linear_onecycle_schedule(
    transition_steps: int,
    peak_value: ArrayLike,
    pct_start: float = 0.3,
    pct_final: float = 0.85,
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
) -> Schedule:
    """``optax.linear_onecycle_schedule``: a linear ``jaxsched.piecewise_interpolate``.

    Example:
        >>> from jaxsched import optax_compat
        >>> s = optax_compat.linear_onecycle_schedule(100, 1.0, pct_start=0.25, pct_final=0.75)
        >>> print(f"{s(0):.2f} {s(25):.2f} {s(50):.2f} {s(75):.2f} {s(100):.6f}")
        0.04 1.00 0.52 0.04 0.000004
    """
    pcts = {"pct_start": pct_start, "pct_final": pct_final}
    args = (transition_steps, peak_value, pcts, div_factor, final_div_factor)
    return _onecycle("linear_onecycle_schedule", "linear", *args)


def cosine_onecycle_schedule(
    transition_steps: int,
    peak_value: ArrayLike,
    pct_start: float = 0.3,
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
) -> Schedule:
    """``optax.cosine_onecycle_schedule``: a half-cosine ``jaxsched.piecewise_interpolate``.

    Example:
        >>> from jaxsched import optax_compat
        >>> s = optax_compat.cosine_onecycle_schedule(100, 1.0, pct_start=0.25)
        >>> print(f"{s(0):.2f} {s(25):.2f} {s(100):.6f}")
        0.04 1.00 0.000004
    """
    args = (transition_steps, peak_value, {"pct_start": pct_start}, div_factor, final_div_factor)
    return _onecycle("cosine_onecycle_schedule", "cosine", *args)


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
    fn = "sgdr_schedule"
    if isinstance(cosine_kwargs, Mapping) or not isinstance(cosine_kwargs, Iterable):
        raise TypeError(f"{fn}: cosine_kwargs must be a list of dicts, got {cosine_kwargs!r}")
    cycles = []
    for i, kwargs in enumerate(cosine_kwargs):
        try:
            cycles.append(warmup_cosine_decay_schedule(**kwargs))
        except (TypeError, ValueError) as err:
            raise type(err)(f"{fn}: cosine_kwargs[{i}]: {err}") from None
    lengths = [s.total_steps for s in cycles]
    ends = jnp.cumsum(jnp.stack(lengths)) if F.is_traced(lengths) else np.cumsum(lengths, dtype=np.int64)
    if not F.is_traced(ends) and len(ends) and ends[-1] > F.INT32_MAX:
        F.fail(fn, f"the cycles end at step {ends[-1]}, past 2**31 - 1")
    return cycles[0] if len(cycles) == 1 else join(cycles, boundaries=ends[:-1])


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
