"""Stateful schedules: ``reduce_on_plateau``."""

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from jaxsched import _fields as F
from jaxsched._config import STATEFUL
from jaxsched._core import Schedule, evaluate
from jaxsched._fields import INT32_MAX
from jaxsched._math import once


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


class _Base(F.Kind):
    """``base``: a number (a float32 leaf) or a jaxsched schedule."""

    def convert(self, fn: str, name: str, x: Any) -> Any:
        if not isinstance(x, Schedule) and (hasattr(x, "init") or callable(x)):
            raise TypeError(f"{fn}: {name} must be a number or a jaxsched schedule, got {x!r}")
        return F.Kind("schedule" if isinstance(x, Schedule) else "value").convert(fn, name, x)


class ReduceOnPlateau(Schedule):
    """A stateful schedule (Optax's ``StatefulSchedule``); build it with ``reduce_on_plateau``.

    Its hyperparameters are leaves, as in every schedule: one compiled update
    serves every instance of the same structure. All its state lives in
    ``PlateauState``.
    """

    name = "reduce_on_plateau"
    stateful = True
    base: Any = F.field(_Base("base"), 1.0)
    factor: jax.Array = F.value(0.1, interval="(0, 1)")
    patience: jax.Array = F.length(10)
    threshold: jax.Array = F.value(1e-4, interval="[0, inf)", precise=True)
    threshold_mode: str = F.choice("rel", "rel", "abs")
    mode: str = F.choice("min", "min", "max")
    cooldown: jax.Array = F.length(0)
    min_value: jax.Array = F.value(0.0, interval="[0, inf)")
    eps: jax.Array = F.value(1e-8, interval="[0, inf)")
    accumulation_steps: jax.Array = F.length(1, minimum=1)

    # --- the StatefulSchedule protocol ------------------------------------
    def init(self) -> PlateauState:
        """The state before any update."""
        i, f = jnp.int32, jnp.float32
        return PlateauState(i(0), f(1.0), f(np.inf if self.mode == "min" else -np.inf), i(0), i(0), f(0.0), i(0))

    def update(self, state: PlateauState, *, value: Any = None, **extra_args: Any) -> PlateauState:
        """Feeds one metric (``value``, the extra argument of the optimizer's update)."""
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
        if not F.is_traced(value):  # through float64 (an int64 beyond int32 must not wrap), then float32
            wide = np.float64(value)
            if np.isfinite(wide) and abs(wide) > np.finfo(np.float32).max:
                raise ValueError(f"reduce_on_plateau: value must be within float32's range, got {value!r}")
            value = np.float32(wide)
        return _update(self, state, value)

    def __call__(self, state: PlateauState, **extra_args: Any) -> jax.Array:  # type: ignore[override]
        """The value for the state's step: ``min(b, max(b * scale, min_value))``."""
        return _value(self, state)

    def as_transformation(self) -> Any:
        """This schedule as an Optax transformation that multiplies the updates by its value.

        ``optax.chain(optax.adamw(1.0), s.as_transformation())`` takes the steps of
        ``optax.inject_hyperparams(optax.adamw)(learning_rate=s)``: each update uses
        the value judged from the metrics before it. With ``base=1.0`` (the
        default) after ``optax.adamw(lr)`` it is a multiplier of ``lr``, where
        ``optax.contrib.reduce_on_plateau`` sits. The state is the ``PlateauState``: ``s(state)``
        is the multiplier of the next update. On CPU it keeps the step's
        asynchronous dispatch, which ``inject_hyperparams`` loses with any
        stateful schedule (about 1.6x the step time of a small model).
        """
        import optax

        def update(updates: Any, state: Any, params: Any = None, **extra_args: Any) -> Any:  # a PlateauState
            value = self(state)
            return jax.tree.map(lambda u: u * value.astype(u.dtype), updates), self.update(state, **extra_args)

        return optax.GradientTransformationExtraArgs(lambda params: self.init(), update)

    # --- helpers ------------------------------------------------------------
    def _base(self, step: jax.Array) -> jax.Array:
        return evaluate(self.base, step) if isinstance(self.base, Schedule) else self.base

    def _floored(self, b: jax.Array, scale: jax.Array) -> jax.Array:
        # min_value bounds the reduced value from below but never raises it above base.
        return jnp.minimum(b, jnp.maximum(b * scale, self.min_value))

    def _improved(self, metric: jax.Array, best: jax.Array) -> jax.Array:
        """``metric`` beats ``best`` by more than the margin, decided as in float64 (to a relative
        2**-44) from the float32 metric and best and the float64 threshold."""
        d1, d2 = _two_sum(*((best, -metric) if self.mode == "min" else (metric, -best)))
        t_hi, t_lo = self.threshold[..., 0], self.threshold[..., 1]
        if self.threshold_mode == "rel":  # |best| * t exactly as p1 + p2, plus |best| * t_lo
            size = jnp.minimum(jnp.abs(best), 2.0**110)  # (the split would overflow beyond)
            (p1, p2), p3 = _two_prod(size, t_hi), size * t_lo
        else:
            p1, p2, p3 = t_hi, jnp.float32(0.0), t_lo
        x1, x2 = _two_sum(d1, -p1)
        # The excess of the gain over the margin, to 2**-47 of the gain: within 2**-44 is a tie (not
        # better), as a bar such as 10 * (1 - 0.1) rounds to 9 in float64 and 9 does not beat it.
        beats = x1 + (x2 + (d2 - p2 - p3)) > jnp.abs(d1) * jnp.float32(2.0**-44)
        # The first metric is compared with best = +-inf; a NaN metric never improves.
        return jnp.where(jnp.isinf(best), d1 > 0, beats)


def _two_sum(a: jax.Array, b: jax.Array) -> tuple[jax.Array, jax.Array]:
    """``a + b == s + e`` exactly, ``s`` the float32 sum (Knuth)."""
    s = a + b
    v = s - a
    return s, (a - (s - v)) + (b - v)


def _two_prod(a: jax.Array, b: jax.Array) -> tuple[jax.Array, jax.Array]:
    """``a * b == p + e`` exactly, ``p`` the float32 product (Dekker's 12-bit split)."""

    def split(x: jax.Array) -> tuple[jax.Array, jax.Array]:
        c = jnp.float32(4097.0) * x
        hi = c - (c - x)
        return hi, x - hi

    p = a * b
    (ah, al), (bh, bl) = split(a), split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


@jax.jit
def _value(sched: ReduceOnPlateau, state: PlateauState) -> jax.Array:
    return once(sched._floored(sched._base(state.count), state.scale))  # not copied into each leaf's update


@jax.jit
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
    reduced = state.scale * sched.factor
    worth_it = sched._floored(b, state.scale) - sched._floored(b, reduced) > jnp.float32(sched.eps)
    scale = jnp.where(reduce & worth_it, reduced, state.scale)
    cooldown_counter = jnp.where(reduce, sched.cooldown, cooldown_counter)
    num_bad = jnp.where(reduce, 0, num_bad)

    judged = PlateauState(count, scale, best, num_bad, cooldown_counter, jnp.float32(0.0), jnp.int32(0))
    kept = state._replace(count=count, acc_sum=acc_sum, acc_count=acc_count)
    return jax.tree.map(lambda x, y: jnp.where(judge, x, y), judged, kept)


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

    Precision: a metric is judged as a float32 number (a float64 metric is
    rounded to float32 first, one beyond float32's range is refused); the
    comparison with ``best`` and the threshold is then exact, as PyTorch's
    float64 one (a bar within a relative 2**-44 of the metric counts as a
    tie, not an improvement). The value is float32.

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
        ``opt.update(grads, opt_state, params, value=loss)``, or, faster in a
        step on CPU, chained after an optimizer as ``as_transformation()``.

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
    return ReduceOnPlateau(**locals())


STATEFUL["reduce_on_plateau"] = reduce_on_plateau
