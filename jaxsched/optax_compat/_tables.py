"""``optax.schedules``' step tables and one-cycle schedules, as native ``piecewise_*`` schedules."""

import itertools
from collections.abc import Mapping
from typing import Any

from jax.typing import ArrayLike

from jaxsched import _fields as F
from jaxsched._adapt import LENGTH, NON_NEGATIVE, POSITIVE, VALUE, renamed, times
from jaxsched._core import Schedule
from jaxsched._piecewise import piecewise_interpolate

_ONECYCLE = {"transition_steps": LENGTH, "div_factor": POSITIVE, "final_div_factor": POSITIVE}  # others: VALUE
# The natives' names of a table's errors, in Optax's words.
TABLE_NAMES = {"boundaries": "boundaries_and_scales keys", "values": "init_value * scales"}


def table_values(fn: str, init_value: Any, boundaries_and_scales: Any) -> tuple[list, list]:
    """Optax's ``{step: scale}``: the sorted steps and the values ``init * scale_1 * ... * scale_i``."""
    table = {} if boundaries_and_scales is None else boundaries_and_scales
    if not isinstance(table, Mapping):
        raise TypeError(f"{fn}: boundaries_and_scales must be a dict {{step: scale}}, got {table!r}")
    steps = sorted(table)
    factors = [VALUE.convert(fn, "init_value", init_value)]
    factors += [NON_NEGATIVE.convert(fn, f"boundaries_and_scales[{F.fmt(b)}]", table[b]) for b in steps]
    return steps, list(itertools.accumulate(factors if F.is_traced(factors) else map(float, factors), times))


def _onecycle(shape: str, **args: Any) -> Schedule:
    """``piecewise_interpolate`` through ``init = peak / div_factor``, ``peak``, (``init``,)
    ``init / final_div_factor`` at steps ``0``, ``int(pct * transition_steps)``..., ``transition_steps``."""
    fn = f"{shape}_onecycle_schedule"
    a = {k: _ONECYCLE.get(k, VALUE).convert(fn, k, v) for k, v in args.items()}
    T, traced = int(a["transition_steps"]), F.is_traced(a)  # T concrete, as in Optax
    peak, div, final = (a[k] if traced else float(args[k]) for k in ("peak_value", "div_factor", "final_div_factor"))
    ends = [int(args[p] * T) for p in args if p.startswith("pct_")]  # Optax's rounding
    bounds, values = [0, *ends, T], [peak / div, peak, *[peak / div] * (len(ends) - 1), peak / div / final]
    k = int(ends[0] == 0)  # the peak at step 0
    phases = ", ".join(f"{p}={F.fmt(args[p])}" for p in args if p.startswith("pct_"))
    with renamed(fn, boundaries=f"phase ends ({phases}, transition_steps={F.fmt(args['transition_steps'])})"):
        return piecewise_interpolate(boundaries=bounds[k:], values=values[k:], shape=shape)


def linear_onecycle_schedule(
    transition_steps: int, peak_value: ArrayLike, pct_start: float = 0.3, pct_final: float = 0.85,
    div_factor: ArrayLike = 25.0, final_div_factor: ArrayLike = 1e4
) -> Schedule:  # fmt: skip
    """``optax.linear_onecycle_schedule``: a linear ``jaxsched.piecewise_interpolate``.

    Example:
        >>> from jaxsched import optax_compat
        >>> s = optax_compat.linear_onecycle_schedule(100, 1.0, pct_start=0.25, pct_final=0.75)
        >>> print(f"{s(0):.2f} {s(25):.2f} {s(50):.2f} {s(75):.2f} {s(100):.6f}")
        0.04 1.00 0.52 0.04 0.000004
    """
    return _onecycle("linear", **locals())


def cosine_onecycle_schedule(
    transition_steps: int, peak_value: ArrayLike, pct_start: float = 0.3, div_factor: ArrayLike = 25.0,
    final_div_factor: ArrayLike = 1e4
) -> Schedule:  # fmt: skip
    """``optax.cosine_onecycle_schedule``: a half-cosine ``jaxsched.piecewise_interpolate``.

    Example:
        >>> from jaxsched import optax_compat
        >>> s = optax_compat.cosine_onecycle_schedule(100, 1.0, pct_start=0.25)
        >>> print(f"{s(0):.2f} {s(25):.2f} {s(100):.6f}")
        0.04 1.00 0.000004
    """
    return _onecycle("cosine", **locals())
