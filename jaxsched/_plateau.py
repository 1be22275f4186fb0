"""Stateful schedules: ``reduce_on_plateau``."""

import dataclasses
import functools
import inspect
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from jaxsched import _fields as F
from jaxsched._config import STATEFUL, _plain
from jaxsched._core import Schedule, evaluate
from jaxsched._fields import INT32_MAX


class PlateauState(NamedTuple):
    """The state of ``reduce_on_plateau``: scalar arrays only (checkpoints with Orbax).

    Attributes:
        count: updates seen so far (the step at which ``base`` is evaluated), int32.
        scale: the multiplier of ``base`` (1 until the first reduction), float32.
        best: the best metric judged so far (+inf / -inf before the first), float32.
        num_bad: judged metrics since the last improvement, int32.
        cooldown_counter: judgments left in the cooldown, int32.
        acc_sum: sum of the metrics accumulated towards the next judgment, float32.
        acc_count: how many metrics ``acc_sum`` holds, int32.
    """

    count: jax.Array
    scale: jax.Array
    best: jax.Array
    num_bad: jax.Array
    cooldown_counter: jax.Array
    acc_sum: jax.Array
    acc_count: jax.Array


@dataclasses.dataclass(frozen=True, kw_only=True, repr=False)
class ReduceOnPlateau:
    """A stateful schedule (Optax's ``StatefulSchedule``); build it with ``reduce_on_plateau``.

    Immutable and hashable, so ``jit`` and ``optax.inject_hyperparams`` take
    it as a static object; all its state lives in ``PlateauState``.
    """

    base: float | Schedule
    factor: float
    patience: int
    threshold: float
    threshold_mode: str
    mode: str
    cooldown: int
    min_value: float
    eps: float
    accumulation_steps: int

    def _arguments(self) -> dict[str, Any]:
        defaults = inspect.signature(reduce_on_plateau).parameters
        fields = ((f.name, getattr(self, f.name)) for f in dataclasses.fields(self))
        return {k: v for k, v in fields if isinstance(v, Schedule) or v != defaults[k].default}

    def __repr__(self) -> str:
        """A spec that ``jaxsched.parse`` reads back, as for every schedule."""
        return f"reduce_on_plateau({', '.join(f'{k}={v!r}' for k, v in self._arguments().items())})"

    def to_config(self) -> dict[str, Any]:
        """A JSON-safe dict that ``jaxsched.from_config`` reads back."""
        return {"schedule": "reduce_on_plateau", **{k: _plain(v) for k, v in self._arguments().items()}}

    # --- the StatefulSchedule protocol ------------------------------------
    def init(self) -> PlateauState:
        """The state before any update: scale 1, no best metric yet."""
        worse = np.inf if self.mode == "min" else -np.inf
        i, f = jnp.int32, jnp.float32
        return PlateauState(i(0), f(1.0), f(worse), i(0), i(0), f(0.0), i(0))

    def update(self, state: PlateauState, *, value: Any = None, **extra_args: Any) -> PlateauState:
        """Feeds one metric (``value=``) and advances the step; other extra arguments are ignored."""
        del extra_args
        if value is None:
            raise TypeError(
                "reduce_on_plateau: update needs the monitored metric as the extra argument value=..., "
                "e.g. opt.update(grads, opt_state, params, value=loss)"
            )
        numeric = isinstance(value, (int, float, complex, np.generic, np.ndarray, jax.Array))
        dtype = jnp.result_type(value) if numeric else np.dtype(object)
        if not (jnp.issubdtype(dtype, jnp.floating) or jnp.issubdtype(dtype, jnp.integer)):
            raise TypeError(f"reduce_on_plateau: value must be a real number (a metric), got {value!r}")
        if jnp.ndim(value) != 0:
            raise ValueError(f"reduce_on_plateau: value must be a scalar metric, got shape {jnp.shape(value)}")
        # A concrete metric goes through float64 (an int64 beyond int32 must not wrap), then float32.
        return _update(self, state, value if F.is_traced(value) else np.float32(np.float64(value)))

    def __call__(self, state: PlateauState, **extra_args: Any) -> jax.Array:
        """The value at the state's step: ``min(b, max(b * scale, min_value))`` with ``b = base(count)``."""
        del extra_args
        return _value(self, state)

    # --- helpers ------------------------------------------------------------
    def _base(self, step: jax.Array) -> jax.Array:
        if isinstance(self.base, Schedule):
            return evaluate(self.base, step)
        return jnp.float32(self.base)

    def _floored(self, b: jax.Array, scale: jax.Array) -> jax.Array:
        # min_value bounds the reduced value from below but never raises it above base.
        return jnp.minimum(b, jnp.maximum(b * scale, jnp.float32(self.min_value)))

    def _improved(self, metric: jax.Array, best: jax.Array) -> jax.Array:
        t = jnp.float32(self.threshold)
        sign = jnp.float32(1.0 if self.mode == "max" else -1.0)
        margin = jnp.abs(best) * t if self.threshold_mode == "rel" else t
        # The first metric is compared with best = +-inf (rel: inf * t would give inf - inf).
        bar = jnp.where(jnp.isinf(best), best, best + sign * margin)
        return metric > bar if self.mode == "max" else metric < bar  # False for a NaN metric


@functools.partial(jax.jit, static_argnums=0)
def _value(sched: ReduceOnPlateau, state: PlateauState) -> jax.Array:
    return sched._floored(sched._base(state.count), state.scale)


@functools.partial(jax.jit, static_argnums=0)
def _update(sched: ReduceOnPlateau, state: PlateauState, value: jax.Array) -> PlateauState:
    metric = value.astype(jnp.float32)
    count = jnp.where(state.count < INT32_MAX, state.count + 1, state.count)
    acc_sum = state.acc_sum + metric
    acc_count = state.acc_count + 1
    judge = acc_count >= sched.accumulation_steps
    mean = acc_sum / acc_count.astype(jnp.float32)

    # PyTorch's ReduceLROnPlateau.step, in its order.
    better = sched._improved(mean, state.best)
    best = jnp.where(better, mean, state.best)
    num_bad = jnp.where(better, 0, jnp.minimum(state.num_bad, INT32_MAX - 1) + 1)
    in_cooldown = state.cooldown_counter > 0
    cooldown_counter = jnp.where(in_cooldown, state.cooldown_counter - 1, state.cooldown_counter)
    num_bad = jnp.where(in_cooldown, 0, num_bad)
    reduce = num_bad > sched.patience
    b = sched._base(count)  # the value the reduction acts on: the next step's
    reduced = state.scale * jnp.float32(sched.factor)
    worth_it = sched._floored(b, state.scale) - sched._floored(b, reduced) > jnp.float32(sched.eps)
    scale = jnp.where(reduce & worth_it, reduced, state.scale)
    cooldown_counter = jnp.where(reduce, sched.cooldown, cooldown_counter)
    num_bad = jnp.where(reduce, 0, num_bad)

    judged = PlateauState(count, scale, best, num_bad, cooldown_counter, jnp.float32(0.0), jnp.int32(0))
    kept = state._replace(count=count, acc_sum=acc_sum, acc_count=acc_count)
    return jax.tree.map(lambda x, y: jnp.where(judge, x, y), judged, kept)


_NUMBER, _COUNT = F.Kind("value", interval="[0, inf)"), F.Kind("length")
_KINDS = {
    "factor": F.Kind("value", interval="(0, 1)"), "patience": _COUNT, "threshold": _NUMBER,
    "threshold_mode": F.Kind("choice", choices=("rel", "abs")), "mode": F.Kind("choice", choices=("min", "max")),
    "cooldown": _COUNT, "min_value": _NUMBER, "eps": _NUMBER, "accumulation_steps": F.Kind("length", minimum=1),
}  # fmt: skip


def _static(fn: str, name: str, x: Any, kind: F.Kind) -> Any:
    """An argument checked by its field kind, as a Python value (the schedule is static)."""
    if F.is_traced(x):
        raise TypeError(f"{fn}: {name} must be a concrete number (the schedule is static), got a traced value")
    leaf = kind.convert(fn, name, x)
    return leaf if kind.what == "choice" else int(leaf) if kind.what == "length" else float(np.float64(x))


def reduce_on_plateau(
    *, base: float | Schedule = 1.0, factor: float = 0.1, patience: int = 10, threshold: float = 1e-4,
    threshold_mode: str = "rel", mode: str = "min", cooldown: int = 0, min_value: float = 0.0, eps: float = 1e-8,
    accumulation_steps: int = 1
) -> ReduceOnPlateau:  # fmt: skip
    """Shrinks a value (a learning rate) when a monitored metric stops improving.

    A stateful schedule for ``optax.inject_hyperparams``: the metric is the
    extra argument ``value`` of the optimizer's update. At step ``t`` (the
    number of updates so far), with ``b = base(t)``::

        value(t) = min(b, max(b * scale, min_value))

    ``scale`` starts at 1. Every ``accumulation_steps`` updates the mean ``m``
    of the metrics fed since the last judgment is judged, in the order of
    PyTorch's ``ReduceLROnPlateau.step``:

    1. ``m`` improves on ``best`` when ``m < best - |best| * threshold``
       (``mode="min"``, ``threshold_mode="rel"``), ``m < best - threshold``
       (``"abs"``), or ``m > best + |best| * threshold`` /
       ``m > best + threshold`` in ``mode="max"``. An improvement sets
       ``best = m`` and ``num_bad = 0``; otherwise ``num_bad += 1``. A NaN
       metric never improves.
    2. During a cooldown the cooldown counter decreases by one and
       ``num_bad`` is reset to 0.
    3. When ``num_bad > patience``: ``scale *= factor`` (skipped when it
       would lower the next step's value by ``eps`` or less, e.g. once
       ``min_value`` is reached), the cooldown counter is set to
       ``cooldown`` and ``num_bad`` to 0.

    Fed the same metrics with a constant ``base`` equal to the optimizer's
    ``lr``, the values are PyTorch's ``ReduceLROnPlateau(optimizer, mode,
    factor, patience, threshold, threshold_mode, cooldown, min_lr=min_value,
    eps)`` learning rates, with one deliberate difference: in ``rel`` mode
    PyTorch (and ``optax.contrib.reduce_on_plateau``) compares with
    ``best * (1 - threshold)`` (``best * (1 + threshold)`` in max mode), which
    moves the bar the wrong way when ``best`` is negative, so a flat negative
    metric (a log-likelihood, a negated score) counts as improving forever and
    never triggers a reduction. jaxsched measures the threshold on ``|best|``:
    identical to PyTorch whenever ``best`` is positive, correct when it is
    negative.

    Args:
        base: the value before any reduction: a number (default 1.0, i.e. a
            pure multiplier) or any jaxsched schedule, e.g. ``warmup_cosine``,
            evaluated at the optimizer's step.
        factor: the multiplier of each reduction, in (0, 1) (default 0.1).
        patience: judgments without improvement tolerated before a reduction
            (>= 0, default 10).
        threshold: the minimum significant improvement (>= 0, default 1e-4),
            relative or absolute.
        threshold_mode: ``"rel"`` (default) or ``"abs"``.
        mode: ``"min"`` (default: the metric should decrease, a loss) or
            ``"max"`` (an accuracy).
        cooldown: judgments after a reduction during which no bad judgment
            is counted (>= 0, default 0).
        min_value: lower bound of the reduced value (PyTorch's ``min_lr``,
            >= 0, default 0); it never raises the value above ``base``.
        eps: a reduction that would lower the value by ``eps`` or less is
            skipped (>= 0, default 1e-8).
        accumulation_steps: the metric is averaged over this many updates
            before being judged (>= 1, default 1: every update).

    Returns:
        A ``ReduceOnPlateau``: ``init()``, ``update(state, value=metric)`` and
        ``__call__(state)`` as Optax's ``StatefulSchedule`` protocol; the
        state is a ``PlateauState`` NamedTuple of scalar arrays. Use it as
        ``optax.inject_hyperparams(optax.adamw)(learning_rate=...)`` and
        ``opt.update(grads, opt_state, params, value=loss)``.

    Example:
        >>> import jaxsched
        >>> s = jaxsched.reduce_on_plateau(base=0.1, factor=0.5, patience=1)
        >>> state = s.init()
        >>> for loss in [3.0, 2.0, 2.0, 2.0, 2.0, 2.0, 1.0]:
        ...     state = s.update(state, value=loss)
        ...     print(f"{s(state):.3f}", end=" ")
        0.100 0.100 0.100 0.050 0.050 0.025 0.025

    References:
        PyTorch's ``torch.optim.lr_scheduler.ReduceLROnPlateau``,
        https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.ReduceLROnPlateau.html.
    """
    fn, args = "reduce_on_plateau", locals()
    if isinstance(base, Schedule):
        if F.is_traced(base):
            raise TypeError(f"{fn}: base must be a concrete schedule (the schedule is static), got a traced one")
    elif hasattr(base, "init") or callable(base):
        raise TypeError(f"{fn}: base must be a number or a jaxsched schedule, got {base!r}")
    else:
        base = _static(fn, "base", base, F.Kind("value"))
    return ReduceOnPlateau(base=base, **{k: _static(fn, k, args[k], kind) for k, kind in _KINDS.items()})


STATEFUL["reduce_on_plateau"] = reduce_on_plateau
