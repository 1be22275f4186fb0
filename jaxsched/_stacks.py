"""``from_maxtext`` and ``from_big_vision``: the learning-rate configs of two JAX
pretraining stacks, MaxText and big_vision, as jaxsched schedules.

Thin adapters: each reads the stack's own config keys, computes the phase
lengths as the stack does (its rounding included) and builds native schedules,
which check the values. Errors name the adapter and the stack's key.
"""

import math
from typing import Any

import numpy as np
from jax.typing import ArrayLike

from jaxsched import _fields as F
from jaxsched._adapt import LENGTH, NON_NEGATIVE, POSITIVE, STEPS, VALUE, renamed, times
from jaxsched._compose import multiply, offset, warmup
from jaxsched._config import _suggest
from jaxsched._core import Schedule
from jaxsched._cosine import cosine
from jaxsched._join import join
from jaxsched._piecewise import piecewise_constant
from jaxsched._polynomial import constant, linear, polynomial
from jaxsched._warmup import rsqrt, warmup_constant, warmup_cosine, warmup_linear

_MT, _BV = "from_maxtext", "from_big_vision"
_FRACTION, _RUN = F.Kind("value", interval="[0, 1]"), F.Kind("length", minimum=-1)  # MaxText's -1: "the other one"
_MT_KINDS = {
    "learning_rate": NON_NEGATIVE, "lr_schedule_type": F.Kind("choice", choices=("cosine", "wsd")),
    "learning_rate_final_fraction": NON_NEGATIVE, "cosine_learning_rate_final_fraction": NON_NEGATIVE,
    "warmup_steps_fraction": _FRACTION, "wsd_decay_steps_fraction": _FRACTION,
    "wsd_decay_style": F.Kind("choice", choices=("linear", "cosine")),
    "learning_rate_schedule_steps": _RUN, "steps": _RUN,
}  # fmt: skip
# base.yml's defaults, but steps -1 (not 150_001); cosine_learning_rate_final_fraction: MaxText before WSD.
MAXTEXT_DEFAULTS = dict(zip(_MT_KINDS, (3e-5, "cosine", 0.1, 0.1, 0.1, 0.1, "linear", -1, -1), strict=True))
_WSD_ERA = ("lr_schedule_type", "learning_rate_final_fraction", "wsd_decay_steps_fraction", "wsd_decay_style")

# big_vision's decay types and the keys each reads besides the common ones.
BIG_VISION_TYPES = {
    "stair": ("steps", "mults"), "linear": ("power", "end", "linear_end"),
    "polynomial": ("power", "end", "linear_end"), "cosine": (), "rsqrt": ("timescale", "timescale_examples", "shift"),
}  # fmt: skip
_SPECIFIC = {key for keys in BIG_VISION_TYPES.values() for key in keys}
_UNITS = {"steps": STEPS, "examples": NON_NEGATIVE, "epochs": NON_NEGATIVE, "percent": _FRACTION}
_BV_KINDS = {
    "decay_type": F.Kind("choice", choices=tuple(BIG_VISION_TYPES)), "mult": VALUE,
    "scale_with_batchsize": F.Kind("flag"),
    **{f"{p}_{u}": kind for p in ("warmup", "cooldown") for u, kind in _UNITS.items()},
    "steps": F.Kind("boundaries", empty=True), "mults": F.Kind("value", table=True), "power": POSITIVE,
    "end": VALUE, "linear_end": VALUE, "timescale": LENGTH, "timescale_examples": POSITIVE, "shift": STEPS,
}  # fmt: skip


def _read(fn: str, config: Any, kinds: dict[str, F.Kind]) -> dict[str, Any]:
    """The keys of ``config``, each checked by its kind (values kept as given; enums by their value)."""
    if isinstance(config, (str, bytes, list, tuple)) or not hasattr(config, "keys"):
        raise TypeError(f"{fn}: config must be a mapping of the stack's keys, got {F.fmt(config)}")
    out = {}
    for key in config.keys():
        if key not in kinds:
            F.fail(fn, f"unknown key {key!r}{_suggest(str(key), list(kinds), 'known')}")
        out[key] = getattr(config[key], "value", config[key]) if kinds[key].what == "choice" else config[key]
        kinds[key].convert(fn, key, out[key])
    return out


@renamed(_MT, end_value="learning_rate * learning_rate_final_fraction")
def from_maxtext(config: Any) -> Schedule:
    """The learning-rate schedule that MaxText builds from its config keys.

    ``from_maxtext(config)(t)`` is the value of MaxText's
    ``create_learning_rate_schedule(config)`` at optimizer step ``t``. With
    ``S = learning_rate_schedule_steps``, ``w = int(S * warmup_steps_fraction)``,
    ``lr = learning_rate`` and ``end = lr * learning_rate_final_fraction``,
    MaxText's pieces each reach their end value on their last step:

    - warmup, ``t < w``: ``lr * t / (w - 1)`` (0 when ``w`` is 1);
    - ``lr_schedule_type="cosine"``: over the ``L = S - w`` steps after,
      ``end + (lr - end) * 0.5 * (1 + cos(pi * (t - w) / (L - 1)))``;
    - ``"wsd"``: ``lr`` until the last ``d = int(S * wsd_decay_steps_fraction)``
      steps, which decay to ``end`` (``wsd_decay_style`` linear or cosine,
      over ``d - 1`` steps; a linear decay of 1 step stays at ``lr``);
    - from ``S`` on: 0 when ``steps > S``; otherwise ``end`` is held.

    A config with ``cosine_learning_rate_final_fraction`` is one of MaxText
    before WSD, which read that key and built ``warmup_cosine(peak_value=lr,
    warmup_steps=w, total_steps=S, end_value=lr * fraction)`` (then 0 from
    ``S`` when ``steps > S``). ``learning_rate_schedule_steps`` and ``steps``
    of -1 mean "the other one", as in MaxText; a missing key takes its
    ``base.yml`` default, but ``steps`` defaults to -1 (not ``base.yml``'s
    150,001): at least one of the two must be given. Fractions and lengths
    must be concrete (they set phase lengths); ``learning_rate`` may be traced.

    Args:
        config: a mapping of MaxText's keys: ``learning_rate`` (default
            3e-5), ``lr_schedule_type`` (``"cosine"`` or ``"wsd"``),
            ``learning_rate_final_fraction`` (0.1), ``warmup_steps_fraction``
            (0.1), ``wsd_decay_steps_fraction`` (0.1), ``wsd_decay_style``
            (``"linear"`` or ``"cosine"``), ``learning_rate_schedule_steps``,
            ``steps``; or ``cosine_learning_rate_final_fraction`` instead of
            the WSD-era keys.

    Returns:
        A ``Schedule``: a ``join`` of ``linear``, ``cosine`` and ``constant``
        pieces at MaxText's boundaries (or ``warmup_cosine``); unknown keys,
        out-of-range values and a WSD warmup and decay longer than ``S`` are
        refused with an error naming ``from_maxtext`` and the key.

    Example:
        >>> import jaxsched
        >>> s = jaxsched.from_maxtext({"learning_rate": 1e-3, "steps": 101, "warmup_steps_fraction": 0.1})
        >>> print(f"{s(5):.6f} {s(9):.6f} {s(10):.6f} {s(100):.6f}")
        0.000556 0.001000 0.001000 0.000100
        >>> w = jaxsched.from_maxtext({"learning_rate": 1.0, "learning_rate_schedule_steps": 100,
        ...     "steps": 120, "lr_schedule_type": "wsd", "wsd_decay_steps_fraction": 0.2})
        >>> print(f"{w(50):.2f} {w(80):.2f} {w(99):.2f} {w(100):.2f}")
        1.00 1.00 0.10 0.00
    """
    given = _read(_MT, config, _MT_KINDS)
    c = {**MAXTEXT_DEFAULTS, **given}
    legacy = "cosine_learning_rate_final_fraction" in given
    if legacy and (mixed := [k for k in _WSD_ERA if k in given]):
        F.fail(_MT, f"cosine_learning_rate_final_fraction (MaxText before WSD) cannot be mixed with {mixed}")
    S, steps = int(c["learning_rate_schedule_steps"]), int(c["steps"])
    S, steps = (steps if S == -1 else S), (S if steps == -1 else steps)
    why = "(-1 means the other one)"
    F.require(S >= 1, _MT, f"needs learning_rate_schedule_steps or steps {why}, got {S} schedule steps")
    lr = c["learning_rate"]
    end = times(lr, c["cosine_learning_rate_final_fraction" if legacy else "learning_rate_final_fraction"])
    w = int(S * float(c["warmup_steps_fraction"]))
    warm = [(_piece(0.0, lr, w, "linear"), w)] if w else []
    if legacy:
        room = f"int({S} * warmup_steps_fraction) = {w} warmup steps leave no cosine steps"
        F.require(w < S, _MT, f"{room} (MaxText before WSD divides by zero there)")
        pieces = [(warmup_cosine(peak_value=lr, warmup_steps=w, total_steps=S, end_value=end), S)]
    elif c["lr_schedule_type"] == "cosine":
        pieces = warm + ([(_piece(lr, end, S - w, "cosine"), S - w)] if S > w else [])
    else:
        d = int(S * float(c["wsd_decay_steps_fraction"]))
        room = f"warmup and decay (int({S} * warmup_steps_fraction) + int({S} * wsd_decay_steps_fraction) = {w} + {d})"
        F.require(w + d <= S, _MT, f"{room} must fit in learning_rate_schedule_steps ({S})")
        stable = [(constant(value=lr), S - w - d)] if S > w + d else []
        pieces = warm + stable + ([(_piece(lr, end, d, c["wsd_decay_style"]), d)] if d else [])
    return _chain(pieces + ([(constant(value=0.0), steps - S)] if steps > S else []))


def _chain(pieces: list[tuple[Schedule, int]]) -> Schedule:
    """The pieces one after another, each for its number of steps (the last one held)."""
    schedules, lengths = zip(*pieces, strict=True)
    return schedules[0] if len(schedules) == 1 else join(schedules, boundaries=np.cumsum(lengths[:-1]).tolist())


def _piece(start: Any, stop: Any, n: int, shape: str) -> Schedule:
    """A MaxText piece of ``n`` steps: ``stop`` on its last step (optax's ``linear_schedule`` of
    ``n - 1`` transition steps, which stays at ``start`` for 0, or MaxText's cosine)."""
    if n == 1:
        return constant(value=start if shape == "linear" else stop)
    return (linear if shape == "linear" else cosine)(init_value=start, end_value=stop, total_steps=n - 1)


@renamed(_BV, peak_value="lr * mult", init_value="lr * mult", end_value="lr * end", values="lr * mult * mults")
def from_big_vision(
    config: Any, *, total_steps: ArrayLike, lr: ArrayLike = 1.0, batch_size: ArrayLike | None = None,
    data_size: ArrayLike | None = None
) -> Schedule:  # fmt: skip
    """The learning rate that big_vision trains with, from its ``config.schedule`` dict.

    ``from_big_vision(config.schedule, total_steps=T, lr=config.lr)(t)`` is
    ``config.lr`` times the multiplier of big_vision's
    ``create_learning_rate_schedule(T, batch_size, data_size, base=mult,
    **schedule)`` at optimizer step ``t`` (what ``big_vision.optax.make``
    applies). With ``B = mult`` (times ``batch_size / 256`` with
    ``scale_with_batchsize``), ``w`` warmup and ``c`` cooldown steps and
    ``p = clip((t - w) / (T - w), 0, 1)``, the multiplier is ``d(t) *
    min(1, t / w) * min(1, (T - t) / c)`` (each factor only when its length is
    not 0), where ``d`` by ``decay_type``:

    - ``linear`` / ``polynomial``: ``end + (B - end) * (1 - p) ** power``
      (``end``, else ``linear_end``, default 0, not scaled by ``B``);
    - ``cosine``: ``B * 0.5 * (1 + cos(pi * p))``;
    - ``rsqrt``: ``B / sqrt(1 + (max(t, w) - w + shift) / timescale)``
      (``timescale`` 10,000, or ``timescale_examples / batch_size``);
    - ``stair`` (the default): ``B`` times ``mults[i - 1]`` from step
      ``steps[i - 1]`` on (big_vision's ``searchsorted(steps, t + 1)``).

    A length is given in one unit: ``{warmup,cooldown}_steps``,
    ``_examples`` (``/ batch_size``), ``_epochs`` (``* data_size /
    batch_size``) or ``_percent`` (``* T``), the last three rounded as
    big_vision does (``max(1, round(x))``, 0 for 0). Past ``T`` the value is
    held (big_vision's cooldown turns negative there).

    Args:
        config: the ``config.schedule`` mapping (one dict; big_vision's
            per-parameter list of ``(regex, schedule)`` pairs is refused:
            convert each pair's dict).
        total_steps: the number of training steps ``T`` (> the warmup).
        lr: big_vision's ``config.lr``, the factor of the multiplier
            (default 1: the multiplier alone).
        batch_size: the global batch size, for ``_examples``, ``_epochs``,
            ``timescale_examples`` and ``scale_with_batchsize``.
        data_size: the number of training examples, for ``_epochs``.

    Returns:
        A ``Schedule`` of native schedules (``warmup_cosine``,
        ``warmup_linear``, ``rsqrt``, ``piecewise_constant``, ``multiply``
        by a cooldown...); unknown keys, keys the ``decay_type`` does not
        read, and lengths big_vision would silently drop are refused with an
        error naming ``from_big_vision`` and the key.

    Example:
        >>> import jaxsched
        >>> s = jaxsched.from_big_vision({"decay_type": "cosine", "warmup_steps": 100}, total_steps=1100, lr=1e-3)
        >>> s
        warmup_cosine(peak_value=0.001, warmup_steps=100, total_steps=1100)
        >>> r = jaxsched.from_big_vision({"decay_type": "rsqrt", "timescale": 100, "warmup_steps": 10,
        ...                               "cooldown_steps": 50}, total_steps=1000)
        >>> print(f"{r(5):.3f} {r(110):.4f} {r(975):.4f} {r(1000):.4f}")
        0.500 0.7071 0.1532 0.0000
    """
    if config is None or isinstance(config, (list, tuple)):
        why = "None freezes parameters" if config is None else "a list of (regex, schedule) pairs is per-parameter"
        F.fail(_BV, f"config must be one schedule dict ({why}): convert each parameter group's dict")
    c = _read(_BV, config, _BV_KINDS)
    decay, reads = c.get("decay_type", "stair"), BIG_VISION_TYPES[c.get("decay_type", "stair")]
    if extra := [k for k in c if k in _SPECIFIC and k not in reads]:
        F.fail(_BV, f"decay_type {decay!r} does not read {', '.join(extra)}; it reads: {', '.join(reads) or 'none'}")
    for pair in (("end", "linear_end"), ("timescale", "timescale_examples")):
        F.require(not set(pair) <= set(c), _BV, f"give one of {' and '.join(pair)}, not both")
    T = int(LENGTH.convert(_BV, "total_steps", total_steps))
    VALUE.convert(_BV, "lr", lr)
    sizes = {"batch_size": batch_size, "data_size": data_size}
    sizes = {k: v if v is None else int(LENGTH.convert(_BV, k, v)) for k, v in sizes.items()}
    w, cool = (_length(c, prefix, T, sizes) for prefix in ("warmup", "cooldown"))
    F.require(w < T, _BV, f"total_steps ({T}) must be greater than warmup_steps ({w})")
    base, ramp = times(lr, c.get("mult", 1.0)), []
    if c.get("scale_with_batchsize", False):
        base = times(base, _need(sizes, "batch_size", "scale_with_batchsize") / 256)
    if decay in ("linear", "polynomial"):
        end, power = times(lr, c.get("end", c.get("linear_end", 0.0))), c.get("power", 1.0)
        main = warmup_linear(peak_value=base, warmup_steps=w, total_steps=T, end_value=end)
        if F.concrete(power) != 1.0:
            main = polynomial(init_value=base, end_value=end, total_steps=T - w, power=power)
            main = warmup(main, warmup_steps=w) if w else main
    elif decay == "cosine":
        main = warmup_cosine(peak_value=base, warmup_steps=w, total_steps=T)
    elif decay == "rsqrt":
        ts = c.get("timescale", 10_000)
        if "timescale_examples" in c:
            ts = c["timescale_examples"] / _need(sizes, "batch_size", "timescale_examples")
            LENGTH.convert(_BV, "timescale_examples / batch_size", ts)
        ts, shift = int(ts), int(c.get("shift", 0))  # B / sqrt(1 + (s + shift) / ts) = rsqrt of timescale ts + shift
        main = rsqrt(peak_value=times(base, math.sqrt(ts / (ts + shift))), warmup_steps=w, timescale=ts + shift)
    else:
        steps, mults = list(c.get("steps", [])), list(c.get("mults", []))
        why = f"mults must have as many entries as steps ({len(steps)}), got {len(mults)}"
        F.require(len(mults) == len(steps), _BV, why)
        main = warmup_constant(peak_value=base, warmup_steps=w) if w else constant(value=base)
        if steps:
            main = piecewise_constant(boundaries=steps, values=[base, *(times(base, m) for m in mults)])
            ramp = [linear(init_value=0.0, end_value=1.0, total_steps=w)] if w else []
    cooldown = [offset(linear(init_value=1.0, end_value=0.0, total_steps=cool), steps=cool - T)] if cool else []
    parts = [main, *ramp, *cooldown]
    return parts[0] if len(parts) == 1 else multiply(parts)


def _need(sizes: dict[str, int | None], name: str, key: str) -> int:
    if (size := sizes[name]) is None:
        raise ValueError(f"{_BV}: {key} needs {name}")
    return size


def _length(c: dict[str, Any], prefix: str, T: int, sizes: dict[str, int | None]) -> int:
    """big_vision's ``steps(prefix, ...)``: the warmup or cooldown in steps, from the one unit given."""
    keys = [f"{prefix}_{unit}" for unit in _UNITS if f"{prefix}_{unit}" in c]
    F.require(len(keys) <= 1, _BV, f"give one of {', '.join(keys)}, not several")
    if not keys or keys[0].endswith("_steps"):
        return int(c[keys[0]]) if keys else 0
    key, x = keys[0], float(c[keys[0]])
    if key.endswith("_percent"):
        x = x * T
    elif key.endswith("_examples"):
        x = x / _need(sizes, "batch_size", key)
    else:
        x = x * (_need(sizes, "data_size", key) / _need(sizes, "batch_size", key))
    return max(1, round(x)) if x else 0
