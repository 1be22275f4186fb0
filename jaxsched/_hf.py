"""``from_hf``: the Hugging Face ``transformers`` schedulers, by name, as jaxsched schedules."""

from __future__ import annotations

import difflib
import enum
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxsched import _core
from jaxsched._compose import join, offset, warmup
from jaxsched._core import Schedule, register
from jaxsched._cosine import cosine
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
_NEEDS_TOTAL = (
    "linear",
    "cosine",
    "cosine_with_restarts",
    "polynomial",
    "cosine_with_min_lr",
    "cosine_warmup_with_min_lr",
)
WARMUP_TYPES = ("linear", "cosine", "1-sqrt")


# --- the two curves that no other jaxsched schedule draws ----------------------
class HFCosine(Schedule):
    init_value: jax.Array
    total_steps: jax.Array
    num_cycles: jax.Array
    restarts: bool = _core.static(False)
    end_value: jax.Array

    def _value(self, step: jax.Array) -> jax.Array:
        T = self.total_steps
        t = jnp.minimum(step, T)
        if self.restarts:
            # phase = frac(n * t / T) from exact integers; 0 from T on.
            m = (jnp.round(self.num_cycles).astype(jnp.int32) * t) % T
            c = jnp.where(step >= T, jnp.float32(0.0), _core.cosine_shape(_core.fraction(T - m, T)))
        else:
            # cos(pi * n * t / T)**2 with n = k / 2: the phase k * t mod 2T is exact.
            m = (jnp.round(2 * self.num_cycles).astype(jnp.int32) * t) % (2 * T)
            c = _core.cosine_shape(_core.fraction(T - m, T))
        return _core.lerp(self.end_value, self.init_value, c)


def _cycles(fn: str, name: str, x: Any, restarts: bool) -> jax.Array:
    leaf = _core.value(fn, name, x)
    c = _core.concrete(leaf)
    if c is None:
        return leaf
    if restarts and (c < 1 or c != np.floor(c)):
        _core.fail(fn, f"{name} must be a whole number of cycles, at least 1, got {_core.fmt(x)}")
    if not restarts and (c <= 0 or 2 * c != np.floor(2 * c)):
        _core.fail(
            fn,
            f"{name} must be a positive multiple of 0.5 (the cosine phase is computed exactly from integers), "
            f"got {_core.fmt(x)}",
        )
    return leaf


@register(HFCosine)
def hf_cosine(
    *, init_value: float, total_steps: int, num_cycles: float, restarts: bool = False, end_value: float = 0.0
) -> Schedule:
    """The cosine waves and hard restarts of HF's ``cosine*`` schedulers (after the warmup).

    With ``T = total_steps``, ``n = num_cycles`` and ``p = min(t, T) / T``::

        c(t) = 0.5 * (1 + cos(2 * pi * n * p))          (waves; held from T on)
        c(t) = 0.5 * (1 + cos(pi * frac(n * p)))         (restarts; 0 from T on)
        value(t) = end + (init - end) * c(t)

    Args:
        init_value: the value at step 0 (and at each restart).
        total_steps: length of the curve (at least 1).
        num_cycles: waves: a positive multiple of 0.5 (0.5 is one half-cosine
            decay); restarts: the number of cycles (whole, at least 1).
        restarts: hard restarts (``cosine_with_restarts``) instead of waves.
        end_value: the value at the bottom of each cosine (default 0).

    Returns:
        A ``Schedule``; ``from_hf`` uses it for ``num_cycles`` other than
        transformers' defaults.

    References:
        Loshchilov & Hutter, "SGDR: Stochastic Gradient Descent with Warm
        Restarts", https://arxiv.org/abs/1608.03983, 2016.

    Example:
        >>> from jaxsched._hf import hf_cosine
        >>> s = hf_cosine(init_value=1.0, total_steps=100, num_cycles=2, restarts=True)
        >>> print(f"{s(0):.2f} {s(25):.2f} {s(49):.4f} {s(50):.2f} {s(100):.2f}")
        1.00 0.50 0.0010 1.00 0.00
    """
    fn = "hf_cosine"
    _core.flag(fn, "restarts", restarts)
    T = _core.length(fn, "total_steps", total_steps, minimum=1)
    n = _cycles(fn, "num_cycles", num_cycles, restarts)
    cT, cn = _core.concrete(T), _core.concrete(n)
    if cT is not None and cn is not None and cT * (cn if restarts else 2 * cn) > _core.INT32_MAX:
        _core.fail(fn, f"total_steps * num_cycles ({cT:.0f} * {cn:g}) is too large for exact int32 phases")
    return HFCosine(
        init_value=_core.value(fn, "init_value", init_value),
        total_steps=T,
        num_cycles=n,
        restarts=restarts,
        end_value=_core.value(fn, "end_value", end_value),
    )


class HFWarmup(Schedule):
    schedule: Schedule
    warmup_steps: jax.Array
    warmup_type: str = _core.static("linear")
    init_value: jax.Array

    def _value(self, step: jax.Array) -> jax.Array:
        w = self.warmup_steps
        t = jnp.minimum(step, w)
        done, left = _core.fraction(t, w), _core.fraction(w - t, w)
        if self.warmup_type == "cosine":
            f = _core.cosine_shape(done)  # 0.5 * (1 - cos(pi * p))
        elif self.warmup_type == "1-sqrt":
            f = done / (1 + jnp.sqrt(left))  # 1 - sqrt(1 - p), without cancellation
        else:
            f = done
        inner = self.schedule._at(step - w).astype(jnp.float32)
        return jnp.where(step < w, _core.lerp(self.init_value, inner, f), inner)


@register(HFWarmup)
def hf_warmup(
    schedule: Schedule, *, warmup_steps: int, warmup_type: str = "linear", init_value: float = 0.0
) -> Schedule:
    """A warmup of HF's ``warmup_stable_decay`` shapes before a schedule.

    With ``w = warmup_steps``, ``p = t / w`` and ``v0 = schedule(0)``::

        value(t) = init + (v0 - init) * f(p)      for t < w
        value(t) = schedule(t - w)                for t >= w

    with ``f(p) = p`` (linear), ``0.5 * (1 - cos(pi * p))`` (cosine) or
    ``1 - sqrt(1 - p)`` (1-sqrt).

    Args:
        schedule: the schedule after the warmup.
        warmup_steps: length of the warmup (>= 0).
        warmup_type: ``"linear"``, ``"cosine"`` or ``"1-sqrt"``.
        init_value: the value at step 0 (default 0).

    Returns:
        A ``Schedule``.

    Example:
        >>> import jaxsched
        >>> from jaxsched._hf import hf_warmup
        >>> s = hf_warmup(jaxsched.constant(value=1.0), warmup_steps=4, warmup_type="cosine")
        >>> print(f"{s(0):.4f} {s(1):.4f} {s(2):.4f} {s(4):.4f}")
        0.0000 0.1464 0.5000 1.0000
    """
    fn = "hf_warmup"
    _core.choice(fn, "warmup_type", warmup_type, WARMUP_TYPES)
    return HFWarmup(
        schedule=_core.schedule(fn, "schedule", schedule),
        warmup_steps=_core.length(fn, "warmup_steps", warmup_steps),
        warmup_type=warmup_type,
        init_value=_core.value(fn, "init_value", init_value),
    )


# --- from_hf ---------------------------------------------------------------------
_FN = "from_hf"


def _fail(message: str) -> None:
    _core.fail(_FN, message)


def _name(name: Any) -> str:
    if isinstance(name, enum.Enum):  # transformers.SchedulerType
        name = name.value
    if not isinstance(name, str):
        raise TypeError(f"{_FN}: name must be a transformers scheduler name, got {name!r}")
    if name in _METRIC_DRIVEN:
        _fail(f"{name!r} is not a function of the step: {_METRIC_DRIVEN[name]}")
    if name not in HF_KWARGS:
        close = difflib.get_close_matches(name, list(HF_KWARGS), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        _fail(f"unknown scheduler {name!r}{hint}; known: {', '.join(HF_KWARGS)}")
    return name


def _options(name: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    allowed = HF_KWARGS[name]
    unknown = [k for k in kwargs if k not in allowed]
    if unknown:
        accepted = ", ".join(allowed) if allowed else "none"
        _fail(f"{name!r} takes no keyword argument {', '.join(map(repr, unknown))}; it accepts: {accepted}")
    opts = {**allowed, **kwargs}
    missing = [k for k, v in opts.items() if v is _REQUIRED]
    if missing:
        _fail(f"{name!r} needs {', '.join(missing)}")
    return opts


def _non_negative(name: str, x: Any) -> jax.Array:
    leaf = _core.value(_FN, name, x)
    c = _core.concrete(leaf)
    if c is not None and c < 0:
        _fail(f"{name} must be non-negative, got {_core.fmt(x)}")
    return leaf


def _times(name: str, a: Any, b: jax.Array) -> jax.Array:
    """``a * peak_value`` as a float32 leaf (``name`` is ``a``'s argument)."""
    if _core.is_traced((a, b)):
        return jnp.asarray(a, jnp.float32) * b
    return _core.value(_FN, f"{name} * peak_value", float(np.asarray(a)) * float(b))


def _decay(peak, decay_steps, num_cycles, end) -> Schedule:
    """The cosine after the warmup: ``cosine`` for half a cycle, else ``hf_cosine`` waves."""
    if _core.concrete(num_cycles) == 0.5:
        return cosine(init_value=peak, total_steps=decay_steps, end_value=end)
    return hf_cosine(init_value=peak, total_steps=decay_steps, num_cycles=num_cycles, end_value=end)


def _warm(schedule: Schedule, w: jax.Array) -> Schedule:
    return schedule if _core.concrete(w) == 0 else warmup(schedule, warmup_steps=w)


def _min_lr(opts: dict[str, Any], peak: jax.Array) -> jax.Array:
    min_lr, rate = opts["min_lr"], opts["min_lr_rate"]
    if min_lr is not None and rate is not None:
        _fail(f"pass min_lr or min_lr_rate, not both (got {_core.fmt(min_lr)} and {_core.fmt(rate)})")
    if min_lr is None and rate is None:
        _fail("needs min_lr (absolute) or min_lr_rate (a fraction of peak_value)")
    if min_lr is not None:
        return _non_negative("min_lr", min_lr)
    return _times("min_lr_rate", _non_negative("min_lr_rate", rate), peak)


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
        A ``Schedule`` built from jaxsched schedules (``warmup_linear``,
        ``warmup_cosine``, ``rsqrt``, ``wsd``, ``polynomial``...).

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
    opts = _options(name, kwargs)
    if not _core.is_traced(peak_value) and np.ndim(peak_value) != 0:
        _fail(f"peak_value must be a scalar, got {_core.fmt(peak_value)}")
    peak = _core.value(_FN, "peak_value", peak_value)

    if name == "constant":
        if num_warmup_steps not in (None, 0):
            _fail(
                f"'constant' has no warmup (transformers ignores num_warmup_steps), got num_warmup_steps="
                f"{_core.fmt(num_warmup_steps)}: use 'constant_with_warmup', or pass 0"
            )
        return constant(value=peak)
    if num_warmup_steps is None:
        _fail(f"{name!r} needs num_warmup_steps")
    w = _core.length(_FN, "num_warmup_steps", num_warmup_steps)
    T = None
    if num_training_steps is not None:
        T = _core.length(_FN, "num_training_steps", num_training_steps, minimum=1)
    if name in _NEEDS_TOTAL:
        if T is None:
            _fail(f"{name!r} needs num_training_steps")
        cw, cT = _core.concrete(w), _core.concrete(T)
        if cw is not None and cT is not None and cT <= cw:
            _fail(
                f"num_training_steps ({_core.fmt(num_training_steps)}) must be greater than num_warmup_steps "
                f"({_core.fmt(num_warmup_steps)}) for {name!r}"
            )

    if name == "constant_with_warmup":
        return warmup_constant(peak_value=peak, warmup_steps=w)
    if name == "inverse_sqrt":
        timescale = opts["timescale"]
        if timescale is None:
            cw = _core.concrete(w)
            timescale = (int(cw) or 10_000) if cw is not None else jnp.where(w > 0, w, 10_000)
        return rsqrt(peak_value=peak, warmup_steps=w, timescale=_core.length(_FN, "timescale", timescale, minimum=1))
    if name == "linear":
        return warmup_linear(peak_value=peak, warmup_steps=w, total_steps=T)
    if name == "polynomial":
        lr_end = _core.value(_FN, "lr_end", opts["lr_end"])
        power = _core.value(_FN, "power", opts["power"])
        cp, ce, cpk = _core.concrete(power), _core.concrete(lr_end), _core.concrete(peak)
        if cp is not None and cp <= 0:
            _fail(f"power must be positive, got {_core.fmt(opts['power'])}")
        if ce is not None and cpk is not None and not cpk > ce:
            _fail(f"lr_end ({_core.fmt(opts['lr_end'])}) must be smaller than peak_value ({_core.fmt(peak_value)})")
        if cp == 1.0:
            return warmup_linear(peak_value=peak, warmup_steps=w, total_steps=T, end_value=lr_end)
        return _warm(polynomial(init_value=peak, end_value=lr_end, total_steps=T - w, power=power), w)
    if name == "cosine_with_restarts":
        n = _cycles(_FN, "num_cycles", opts["num_cycles"], restarts=True)
        if _core.concrete(n) == 1.0:
            return warmup_cosine(peak_value=peak, warmup_steps=w, total_steps=T)
        _check_phase(T - w, n, 1)
        return _warm(hf_cosine(init_value=peak, total_steps=T - w, num_cycles=n, restarts=True), w)
    if name in ("cosine", "cosine_with_min_lr", "cosine_warmup_with_min_lr"):
        n = _cycles(_FN, "num_cycles", opts["num_cycles"], restarts=False)
        _check_phase(T - w, n, 2)
        end = jnp.float32(0.0) if name == "cosine" else _min_lr(opts, peak)
        if name != "cosine_warmup_with_min_lr":
            if _core.concrete(n) == 0.5:
                return warmup_cosine(peak_value=peak, warmup_steps=w, total_steps=T, end_value=end)
            return _warm(_decay(peak, T - w, n, end), w)
        # transformers evaluates this one a step ahead: (t + 1) / w, then p = (t - w + 1) / (T - w).
        decay = offset(_decay(peak, T - w, n, end), steps=1)
        rate = opts["warmup_lr_rate"]
        if _core.concrete(w) == 0:
            return decay
        if rate is None:
            return offset(_warm(_decay(peak, T - w, n, end), w), steps=1)
        start = _times("warmup_lr_rate", _non_negative("warmup_lr_rate", rate), peak)
        ramp = linear(init_value=start, end_value=peak, total_steps=jnp.maximum(w - 1, 1))
        return join([ramp, decay], boundaries=w[None])
    return _wsd(peak, w, T, num_training_steps, opts)


def _check_phase(decay_steps: jax.Array, n: jax.Array, scale: int) -> None:
    cd, cn = _core.concrete(decay_steps), _core.concrete(n)
    if cd is not None and cn is not None and cn != 0.5 and cd * cn * scale > _core.INT32_MAX:
        _fail(f"(num_training_steps - num_warmup_steps) * num_cycles is too large for exact phases ({cd:.0f} * {cn:g})")


def _wsd(peak, w, T, num_training_steps, opts) -> Schedule:
    decay_steps = _core.length(_FN, "num_decay_steps", opts["num_decay_steps"], minimum=1)
    _core.choice(_FN, "warmup_type", opts["warmup_type"], WARMUP_TYPES)
    decay_type = _core.choice(_FN, "decay_type", opts["decay_type"], WARMUP_TYPES)
    ratio = _non_negative("min_lr_ratio", opts["min_lr_ratio"])
    n = _cycles(_FN, "num_cycles", opts["num_cycles"], restarts=False)
    if decay_type != "cosine" and _core.concrete(n) != 0.5:
        _fail(f"num_cycles ({_core.fmt(opts['num_cycles'])}) only applies to decay_type='cosine'")
    cw, cT, cd = _core.concrete(w), None if T is None else _core.concrete(T), _core.concrete(decay_steps)
    if opts["num_stable_steps"] is None:
        if T is None:
            _fail("'warmup_stable_decay' needs num_training_steps or num_stable_steps")
        stable = T - w - decay_steps
        if None not in (cw, cT, cd) and cT - cw - cd < 0:
            _fail(
                f"num_training_steps ({_core.fmt(num_training_steps)}) must be at least num_warmup_steps + "
                f"num_decay_steps ({cw:.0f} + {cd:.0f})"
            )
    else:
        stable = _core.length(_FN, "num_stable_steps", opts["num_stable_steps"])
        cs = _core.concrete(stable)
        if T is not None and None not in (cw, cT, cd, cs) and cw + cs + cd != cT:
            _fail(
                f"num_warmup_steps + num_stable_steps + num_decay_steps ({cw:.0f} + {cs:.0f} + {cd:.0f}) must "
                f"equal num_training_steps ({cT:.0f}) when both are given (or pass only one of them)"
            )
    floor = _times("min_lr_ratio", ratio, peak)
    total = w + stable + decay_steps
    if decay_type == "cosine" and _core.concrete(n) != 0.5:
        _check_phase(decay_steps, n, 2)
        waves = hf_cosine(init_value=peak, total_steps=decay_steps, num_cycles=n, end_value=floor)
        after = join(
            [constant(value=peak), waves, constant(value=floor)],
            boundaries=jnp.stack([stable, stable + decay_steps]),
        )
        if opts["warmup_type"] == "linear":
            return warmup(after, warmup_steps=w, init_value=floor)
    elif opts["warmup_type"] == "linear":
        return wsd(
            peak_value=peak,
            warmup_steps=w,
            total_steps=total,
            decay_steps=decay_steps,
            shape=decay_type,
            init_value=floor,
            end_value=floor,
        )
    else:
        after = wsd(
            peak_value=peak, warmup_steps=0, total_steps=stable + decay_steps, decay_steps=decay_steps,
            shape=decay_type, end_value=floor,
        )  # fmt: skip
    return hf_warmup(after, warmup_steps=w, warmup_type=opts["warmup_type"], init_value=floor)
