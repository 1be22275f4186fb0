"""``from_hf``: the Hugging Face ``transformers`` schedulers, by name, as jaxsched schedules.

A thin adapter: it translates HF's names and arguments into native
constructors, which check them; their errors are reported in HF's terms.
"""

from __future__ import annotations

import difflib
import enum
from typing import Any

import jax.numpy as jnp

from jaxsched import _fields as F
from jaxsched._adapt import renamed, times
from jaxsched._compose import join, offset, warmup
from jaxsched._core import Schedule
from jaxsched._cosine import cosine_cycles
from jaxsched._math import WARMUP_SHAPES
from jaxsched._polynomial import constant, linear, polynomial
from jaxsched._warmup import rsqrt, warmup_constant, warmup_cosine, warmup_linear, wsd

_REQUIRED = object()

# name -> its scheduler-specific keyword arguments and their defaults in transformers.
HF_KWARGS: dict[str, dict[str, Any]] = {
    "linear": {},
    "cosine": {"num_cycles": 0.5},
    "cosine_with_restarts": {"num_cycles": 1},
    "polynomial": {"lr_end": 1e-7, "power": 1.0},
    "constant": {},
    "constant_with_warmup": {},
    "inverse_sqrt": {"timescale": None},
    "cosine_with_min_lr": {"num_cycles": 0.5, "min_lr": None, "min_lr_rate": None},
    "cosine_warmup_with_min_lr": {"num_cycles": 0.5, "min_lr": None, "min_lr_rate": None, "warmup_lr_rate": None},
    "warmup_stable_decay": {
        "num_decay_steps": _REQUIRED,
        "num_stable_steps": None,
        "warmup_type": "linear",
        "decay_type": "cosine",
        "min_lr_ratio": 0.0,
        "num_cycles": 0.5,
    },
}
_METRIC_DRIVEN = {
    "reduce_lr_on_plateau": "it follows a metric, not the step: use jaxsched.reduce_on_plateau",
    "greedy": "it follows the loss, not the step, and jaxsched has no equivalent",
}
_FN = "from_hf"
_RATE = F.Kind("value", optional=True, interval="[0, inf)")
# The arguments the translation computes with, converted by their kinds first; the
# native constructors check the others (num_cycles, power, timescale, warmup_type)
# and every rule between arguments, under HF's names:
_KINDS = {
    "peak_value": F.Kind("value"),
    "num_warmup_steps": F.Kind("length"),
    "num_training_steps": F.Kind("length", optional=True, minimum=1),
    "num_decay_steps": F.Kind("length", minimum=1),
    "num_stable_steps": F.Kind("length", optional=True),
    "lr_end": F.Kind("value"),
    "min_lr": _RATE,
    "min_lr_rate": _RATE,
    "warmup_lr_rate": _RATE,
    "min_lr_ratio": _RATE,
    "decay_type": F.Kind("choice", choices=WARMUP_SHAPES),
}
_NAMES = {
    "warmup_steps": "num_warmup_steps",
    "total_steps": "num_training_steps",
    "decay_steps": "num_decay_steps",
    "shape": "warmup_type",
}


def _name(name: Any) -> str:
    if isinstance(name, enum.Enum):  # transformers.SchedulerType
        name = name.value
    if not isinstance(name, str):
        raise TypeError(f"{_FN}: name must be a transformers scheduler name, got {name!r}")
    if name in _METRIC_DRIVEN:
        F.fail(_FN, f"{name!r} is not a function of the step: {_METRIC_DRIVEN[name]}")
    if name not in HF_KWARGS:
        close = difflib.get_close_matches(name, list(HF_KWARGS), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        F.fail(_FN, f"unknown scheduler {name!r}{hint}; known: {', '.join(HF_KWARGS)}")
    return name


def _options(name: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    allowed = HF_KWARGS[name]
    unknown = [k for k in kwargs if k not in allowed]
    if unknown:
        accepted = ", ".join(allowed) if allowed else "none"
        F.fail(_FN, f"{name!r} takes no keyword argument {', '.join(map(repr, unknown))}; it accepts: {accepted}")
    opts = {**allowed, **kwargs}
    missing = [k for k, v in opts.items() if v is _REQUIRED]
    if missing:
        F.fail(_FN, f"{name!r} needs {', '.join(missing)}")
    return opts


def from_hf(
    name: str,
    *,
    peak_value: float,
    num_warmup_steps: int | None,
    num_training_steps: int | None = None,
    **kwargs: Any,
) -> Schedule:
    """The schedule of a Hugging Face ``transformers`` scheduler, by its name.

    ``from_hf(name, peak_value=lr, num_warmup_steps=w, num_training_steps=T,
    **kw)(t)`` is ``lr`` times the multiplier that
    ``transformers.get_scheduler(name, optimizer, w, T,
    scheduler_specific_kwargs=kw)`` applies at step ``t``, for every step of
    training (``0 <= t < T``). With ``p = (t - w) / (T - w)``, after a linear
    warmup ``t / w``:

    - ``linear``: ``1 - p``. ``cosine``: ``0.5 * (1 + cos(2 pi num_cycles p))``.
    - ``cosine_with_restarts``: ``0.5 * (1 + cos(pi frac(num_cycles p)))``.
    - ``polynomial``: ``lr_end + (lr - lr_end) * (1 - p) ** power`` (``lr_end``
      absolute). ``constant``: 1. ``constant_with_warmup``: 1 after the warmup.
    - ``inverse_sqrt``: ``sqrt(timescale / (timescale + t - w))``.
    - ``cosine_with_min_lr``: the cosine from 1 down to ``min_lr`` (or
      ``min_lr_rate * lr``). ``cosine_warmup_with_min_lr``: the same, one step
      earlier (its warmup is ``(t + 1) / w``, or from ``warmup_lr_rate``).
    - ``warmup_stable_decay``: warmup (``warmup_type`` linear, cosine or
      1-sqrt) from ``min_lr_ratio``, ``num_stable_steps`` at 1 (by default
      ``T - w - num_decay_steps``), a decay (``decay_type``) over
      ``num_decay_steps`` to ``min_lr_ratio``, held after.

    Differences: past ``num_training_steps`` the value holds the end value
    (transformers' ``cosine`` curves rise again there; a Trainer never uses
    those steps); lengths that transformers would divide by zero with, a
    ``num_warmup_steps`` given to ``constant`` (which transformers ignores),
    ``num_stable_steps`` that disagrees with ``num_training_steps``, negative
    ``min_lr`` and non-positive ``power`` are refused.

    Args:
        name: a ``transformers.SchedulerType`` or its name; every type that is
            a function of the step (all but ``reduce_lr_on_plateau`` and
            ``greedy``).
        peak_value: the optimizer's learning rate (``lr``), reached after the warmup.
        num_warmup_steps: the warmup length (>= 0; 0 or None for ``constant``).
        num_training_steps: the total number of steps, warmup included
            (needed by ``linear``, ``cosine*``, ``polynomial``; by
            ``warmup_stable_decay`` unless ``num_stable_steps`` is given).
        **kwargs: the scheduler-specific arguments of transformers
            (``scheduler_specific_kwargs`` / ``lr_scheduler_kwargs``).

    Returns:
        A ``Schedule`` built from native schedules (``warmup_linear``,
        ``warmup_cosine``, ``cosine_cycles``, ``rsqrt``, ``wsd``, ``warmup``
        with ``shape=warmup_type``...), which check the arguments: an error
        names ``from_hf`` and HF's argument.

    Example:
        >>> import jaxsched
        >>> s = jaxsched.from_hf("cosine", peak_value=1e-3, num_warmup_steps=10, num_training_steps=110)
        >>> s
        warmup_cosine(peak_value=0.001, warmup_steps=10, total_steps=110)
        >>> print(f"{s(5):.5f} {s(60):.5f}")
        0.00050 0.00050
        >>> w = jaxsched.from_hf("warmup_stable_decay", peak_value=1.0, num_warmup_steps=10,
        ...                      num_training_steps=100, num_decay_steps=20, decay_type="linear")
        >>> print(f"{w(50):.2f} {w(90):.2f}")
        1.00 0.50
    """
    name = _name(name)
    if name == "constant" and num_warmup_steps is None:
        num_warmup_steps = 0  # transformers' constant has no warmup
    given = {
        "peak_value": peak_value,
        "num_warmup_steps": num_warmup_steps,
        "num_training_steps": num_training_steps,
        **_options(name, kwargs),
    }
    a = {k: _KINDS[k].convert(_FN, k, v) if k in _KINDS else v for k, v in given.items()}
    with renamed(_FN, **_NAMES):
        return _wsd(a, given) if name == "warmup_stable_decay" else _build(name, a, given)


def _build(name: str, a: dict[str, Any], given: dict[str, Any]) -> Schedule:
    peak, w, T = a["peak_value"], a["num_warmup_steps"], a["num_training_steps"]
    if name == "constant":
        if F.concrete(w) != 0:
            F.fail(
                _FN,
                "'constant' has no warmup (transformers ignores num_warmup_steps), got num_warmup_steps="
                f"{F.fmt(given['num_warmup_steps'])}: use 'constant_with_warmup', or pass 0",
            )
        return constant(value=peak)
    if name == "constant_with_warmup":
        return warmup_constant(peak_value=peak, warmup_steps=w)
    if name == "inverse_sqrt":
        return rsqrt(peak_value=peak, warmup_steps=w, timescale=a["timescale"])
    if name in ("linear", "polynomial"):
        std: Any = warmup_linear(peak_value=peak, warmup_steps=w, total_steps=T, end_value=a.get("lr_end", 0.0))
        if name == "linear":
            return std
        if not F.is_traced(std) and std.end_value >= peak:
            F.fail(
                _FN, f"lr_end ({F.fmt(given['lr_end'])}) must be smaller than peak_value ({F.fmt(given['peak_value'])})"
            )
        curve: Any = polynomial(init_value=peak, end_value=std.end_value, total_steps=T - w, power=a["power"])
        return std if F.concrete(curve.power) == 1.0 else _warm(curve, w)
    end = _min_lr(a, given) if "min_lr" in a else 0.0
    restarts = name == "cosine_with_restarts"
    std = warmup_cosine(peak_value=peak, warmup_steps=w, total_steps=T, end_value=end)
    with renamed(_FN, total_steps="(num_training_steps - num_warmup_steps)", cycles="num_cycles"):
        waves: Any = cosine_cycles(
            init_value=peak, total_steps=T - w, cycles=a["num_cycles"], restarts=restarts, end_value=end
        )
    warmed = std if F.concrete(waves.cycles) == (1.0 if restarts else 0.5) else _warm(waves, w)
    if name != "cosine_warmup_with_min_lr":
        return warmed
    # transformers runs this one a step ahead: (t + 1) / w, then p = (t - w + 1) / (T - w);
    # with warmup_lr_rate, a linear warmup from warmup_lr_rate * lr to lr over w - 1 steps.
    rate = a["warmup_lr_rate"]
    if rate is None or F.concrete(w) == 0:
        return offset(warmed, steps=1)
    ramp = linear(init_value=times(rate, peak), end_value=peak, total_steps=jnp.maximum(w - 1, 1))
    return join([ramp, offset(waves, steps=1)], boundaries=[w])


def _warm(schedule: Schedule, w: Any) -> Schedule:
    return schedule if F.concrete(w) == 0 else warmup(schedule, warmup_steps=w)


def _min_lr(a: dict[str, Any], given: dict[str, Any]) -> Any:
    if (a["min_lr"] is None) == (a["min_lr_rate"] is None):
        F.fail(
            _FN,
            "needs exactly one of min_lr (absolute) and min_lr_rate (a fraction of peak_value), got "
            f"min_lr={F.fmt(given['min_lr'])} and min_lr_rate={F.fmt(given['min_lr_rate'])}",
        )
    return a["min_lr"] if a["min_lr_rate"] is None else times(a["min_lr_rate"], a["peak_value"])


def _wsd(a: dict[str, Any], given: dict[str, Any]) -> Schedule:
    peak, w, T, d, stable = (
        a[k] for k in ("peak_value", "num_warmup_steps", "num_training_steps", "num_decay_steps", "num_stable_steps")
    )
    if T is None and stable is None:
        F.fail(_FN, "'warmup_stable_decay' needs num_training_steps or num_stable_steps")
    if not (T is None or stable is None or F.is_traced((w, T, d, stable))) and w + stable + d != T:
        parts = " + ".join(F.fmt(given[k]) for k in ("num_warmup_steps", "num_stable_steps", "num_decay_steps"))
        F.fail(
            _FN,
            f"num_warmup_steps + num_stable_steps + num_decay_steps ({parts}) must equal num_training_steps "
            f"({F.fmt(given['num_training_steps'])}) when both are given (or pass only one of them)",
        )
    total, floor = w + stable + d if T is None else T, times(a["min_lr_ratio"], peak)
    decay = {"peak_value": peak, "decay_steps": d, "shape": a["decay_type"], "end_value": floor}
    std = wsd(warmup_steps=w, total_steps=total, init_value=floor, **decay)
    with renamed(_FN, total_steps="num_decay_steps", cycles="num_cycles"):
        waves: Any = cosine_cycles(init_value=peak, total_steps=d, cycles=a["num_cycles"], end_value=floor)
    standard = F.concrete(waves.cycles) == 0.5
    if a["decay_type"] != "cosine" and not standard:
        F.fail(_FN, f"num_cycles ({F.fmt(given['num_cycles'])}) only applies to decay_type='cosine'")
    if standard and a["warmup_type"] == "linear":
        return std
    if standard:
        after = wsd(warmup_steps=0, total_steps=total - w, **decay)
    else:
        after = join([constant(value=peak), waves, constant(value=floor)], boundaries=[total - w - d, total - w])
    return warmup(after, warmup_steps=w, init_value=floor, shape=a["warmup_type"])
