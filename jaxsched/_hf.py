"""``from_hf``: the Hugging Face ``transformers`` schedulers, by name, as jaxsched schedules.

A thin adapter: it translates HF's names and arguments into native
constructors, which check them; their errors are reported in HF's terms.
"""

from typing import Any

import jax.numpy as jnp
from jax.typing import ArrayLike

from jaxsched import _fields as F
from jaxsched._adapt import STEPS, VALUE, renamed, times
from jaxsched._compose import WARMUP_SHAPES, offset, warmup
from jaxsched._config import _suggest
from jaxsched._core import Schedule
from jaxsched._cosine import cosine_cycles
from jaxsched._join import join
from jaxsched._polynomial import constant, linear, polynomial
from jaxsched._warmup import rsqrt, warmup_constant, warmup_cosine, warmup_linear, wsd

_WSD = {"warmup_type": "linear", "decay_type": "cosine", "min_lr_ratio": 0.0, "num_cycles": 0.5}
# name -> its scheduler-specific keyword arguments and their defaults in transformers (num_decay_steps has
# none: its kind refuses None).
HF_KWARGS: dict[str, dict[str, Any]] = {
    **{name: {} for name in ("linear", "constant", "constant_with_warmup")},
    "cosine": {"num_cycles": 0.5},
    "cosine_with_restarts": {"num_cycles": 1},
    "polynomial": {"lr_end": 1e-7, "power": 1.0},
    "inverse_sqrt": {"timescale": None},
    "cosine_with_min_lr": {"num_cycles": 0.5, "min_lr": None, "min_lr_rate": None},
    "cosine_warmup_with_min_lr": {"num_cycles": 0.5, "min_lr": None, "min_lr_rate": None, "warmup_lr_rate": None},
    "warmup_stable_decay": {"num_decay_steps": None, "num_stable_steps": None, **_WSD},
}
_FN = "from_hf"
_METRIC_DRIVEN = {"reduce_lr_on_plateau": "use jaxsched.reduce_on_plateau", "greedy": "jaxsched has no equivalent"}
# The arguments the translation computes with, converted by their kinds first (lengths
# as whole numbers >= 0: the natives check their minimums); the native constructors
# check the others (num_cycles, power, timescale) and every rule between arguments,
# under HF's names (``renamed`` on ``from_hf``).
_OPTIONAL, _RATE = F.Kind("length", optional=True), F.Kind("value", optional=True, interval="[0, inf)")
_KINDS = {
    **dict.fromkeys(("peak_value", "lr_end"), VALUE),
    **dict.fromkeys(("num_warmup_steps", "num_decay_steps"), STEPS),
    **dict.fromkeys(("num_training_steps", "num_stable_steps"), _OPTIONAL),
    **dict.fromkeys(("min_lr", "min_lr_rate", "warmup_lr_rate", "min_lr_ratio"), _RATE),
    **dict.fromkeys(("warmup_type", "decay_type"), F.Kind("choice", choices=WARMUP_SHAPES)),
}


@renamed(_FN, warmup_steps="num_warmup_steps", total_steps="num_training_steps", decay_steps="num_decay_steps")
def from_hf(
    name: str, *, peak_value: ArrayLike, num_warmup_steps: ArrayLike | None = None,
    num_training_steps: ArrayLike | None = None, **kwargs: Any
) -> Schedule:  # fmt: skip
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
    if not isinstance(name := getattr(name, "value", name), str):  # a name, or a transformers.SchedulerType
        raise TypeError(f"{_FN}: name must be a transformers scheduler name, got {name!r}")
    if name in _METRIC_DRIVEN:
        F.fail(_FN, f"{name!r} is not a function of the step (it follows a metric): {_METRIC_DRIVEN[name]}")
    if name not in HF_KWARGS:
        F.fail(_FN, f"unknown scheduler {name!r}{_suggest(name, list(HF_KWARGS), 'known')}")
    allowed = HF_KWARGS[name]
    if unknown := ", ".join(repr(k) for k in kwargs if k not in allowed):
        F.fail(_FN, f"{name!r} takes no keyword argument {unknown}; it accepts: {', '.join(allowed) or 'none'}")
    num_warmup_steps = 0 if name == "constant" and num_warmup_steps is None else num_warmup_steps  # has no warmup
    given = {"peak_value": peak_value, "num_warmup_steps": num_warmup_steps, "num_training_steps": num_training_steps}
    given.update(allowed, **kwargs)
    a = {k: _KINDS[k].convert(_FN, k, v) if k in _KINDS else v for k, v in given.items()}
    return (_wsd if name == "warmup_stable_decay" else _build)(name, a, {k: F.fmt(v) for k, v in given.items()})


def _build(name: str, a: dict[str, Any], got: dict[str, str]) -> Schedule:
    """The schedule of ``name`` from the converted arguments ``a`` (``got``: as given, for messages)."""
    peak, w, T = a["peak_value"], a["num_warmup_steps"], a["num_training_steps"]
    if name == "constant":
        why = f"'constant' has no warmup (transformers ignores it), got num_warmup_steps={got['num_warmup_steps']}"
        F.require(F.concrete(w) == 0, _FN, f"{why}: use 'constant_with_warmup', or pass 0")
        return constant(value=peak)
    if name == "constant_with_warmup":
        return warmup_constant(peak_value=peak, warmup_steps=w)
    if name == "inverse_sqrt":
        return rsqrt(peak_value=peak, warmup_steps=w, timescale=a["timescale"])
    if name == "linear":
        return warmup_linear(peak_value=peak, warmup_steps=w, total_steps=T)
    if name == "polynomial":
        std: Any = warmup_linear(peak_value=peak, warmup_steps=w, total_steps=T, end_value=a["lr_end"])
        why = f"lr_end ({got['lr_end']}) must be smaller than peak_value ({got['peak_value']})"
        F.require(F.is_traced(std) or std.end_value < peak, _FN, why)
        curve: Any = polynomial(init_value=peak, end_value=std.end_value, total_steps=T - w, power=a["power"])
        return std if F.concrete(curve.power) == 1.0 else _warm(curve, w)
    if "min_lr" in a and (a["min_lr"] is None) == (a["min_lr_rate"] is None):
        rates = f"min_lr={got['min_lr']} and min_lr_rate={got['min_lr_rate']}"
        F.fail(_FN, f"needs exactly one of min_lr (absolute) and min_lr_rate (a fraction of peak_value), got {rates}")
    end = a.get("min_lr", 0.0) if a.get("min_lr_rate") is None else times(a["min_lr_rate"], peak)
    restarts = name == "cosine_with_restarts"
    std = warmup_cosine(peak_value=peak, warmup_steps=w, total_steps=T, end_value=end)
    waves = _waves(a, T - w, "(num_training_steps - num_warmup_steps)", restarts=restarts, end_value=end)
    warmed = std if F.concrete(waves.cycles) == (1.0 if restarts else 0.5) else _warm(waves, w)
    # transformers runs cosine_warmup_with_min_lr a step ahead: (t + 1) / w, then p = (t - w + 1) / (T - w);
    # with warmup_lr_rate, a linear warmup from warmup_lr_rate * lr to lr over w - 1 steps.
    if a.get("warmup_lr_rate") is None or F.concrete(w) == 0:
        return offset(warmed, steps=1) if name == "cosine_warmup_with_min_lr" else warmed
    ramp = linear(init_value=times(a["warmup_lr_rate"], peak), end_value=peak, total_steps=jnp.maximum(w - 1, 1))
    return join([ramp, offset(waves, steps=1)], boundaries=[w])


def _warm(schedule: Schedule, w: Any) -> Schedule:
    """``schedule`` after a linear warmup of ``w`` steps (none for 0)."""
    return schedule if F.concrete(w) == 0 else warmup(schedule, warmup_steps=w)


def _waves(a: dict[str, Any], total_steps: Any, what: str, **kwargs: Any) -> Any:
    """``cosine_cycles`` from ``peak_value`` over ``total_steps`` (named ``what`` in errors)."""
    with renamed(_FN, total_steps=what, cycles="num_cycles"):
        return cosine_cycles(init_value=a["peak_value"], total_steps=total_steps, cycles=a["num_cycles"], **kwargs)


def _wsd(name: str, a: dict[str, Any], got: dict[str, str]) -> Schedule:
    """``warmup_stable_decay``: ``wsd``, or a shaped ``warmup`` of its stable and decay phases."""
    peak, w, T = a["peak_value"], a["num_warmup_steps"], a["num_training_steps"]
    d, stable = a["num_decay_steps"], a["num_stable_steps"]
    total, floor = T if stable is None else w + stable + d, times(a["min_lr_ratio"], peak)
    F.require(total is not None, _FN, f"{name!r} needs num_training_steps or num_stable_steps")
    if not (T is None or F.is_traced((total, T))) and total != T:
        parts = f"({got['num_warmup_steps']} + {got['num_stable_steps']} + {got['num_decay_steps']})"
        rule = f"must equal num_training_steps ({got['num_training_steps']}) when both are given (or pass only one)"
        F.fail(_FN, f"num_warmup_steps + num_stable_steps + num_decay_steps {parts} {rule}")
    decay = {"peak_value": peak, "decay_steps": d, "shape": a["decay_type"], "end_value": floor}
    std = wsd(warmup_steps=w, total_steps=total, init_value=floor, **decay)
    waves = _waves(a, d, "num_decay_steps", end_value=floor)
    if F.concrete(waves.cycles) != 0.5:  # cosine waves, then held at the floor
        why = f"num_cycles ({got['num_cycles']}) only applies to decay_type='cosine'"
        F.require(a["decay_type"] == "cosine", _FN, why)
        after = join([constant(value=peak), waves, constant(value=floor)], boundaries=[total - w - d, total - w])
    elif a["warmup_type"] == "linear":
        return std
    else:
        after = wsd(warmup_steps=0, total_steps=total - w, **decay)
    return warmup(after, warmup_steps=w, init_value=floor, shape=a["warmup_type"])
