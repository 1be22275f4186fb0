"""Momentum schedules: the cyclic and one-cycle curves run inversely to the
learning rate, as PyTorch's ``CyclicLR`` and ``OneCycleLR`` cycle momentum
(``cycle_momentum=True``, their default).

A one-cycle momentum is ``one_cycle`` itself with the values swapped (from
``max_value`` down to ``min_value`` and back), so ``one_cycle_momentum`` only
translates its arguments. A cyclic momentum is the triangle wave of ``cyclic``
hung from ``max_value`` instead of standing on ``min_value``: a registered
schedule of its own, so that its bounds keep their names (the lower bound is
``min_value``) in its repr and config.
"""

from typing import Any

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from jaxsched import _fields as F
from jaxsched._adapt import VALUE, renamed
from jaxsched._core import Schedule, register
from jaxsched._cyclic import Cyclic, one_cycle
from jaxsched._math import lerp


class CyclicMomentum(Cyclic):
    def _value(self, step: jax.Array) -> jax.Array:
        # The dip w = h * s (s = decay_rate ** n) below max_value and its complement 1 - w =
        # (1 - h) + h * (1 - s), each without cancellation: full relative precision near both bounds.
        height, rest, n = self._wave(step)
        dip = height
        if self.decay_rate is not None:
            hi, lo = self.decay_rate[..., 0], self.decay_rate[..., 1]
            log_s = n.astype(jnp.float32) * (jnp.log(hi) + lo / hi)
            dip, rest = height * jnp.exp(log_s), rest - height * jnp.expm1(log_s)
        return jnp.where(
            dip <= 0.5, lerp(self.max_value, self.min_value, dip), lerp(self.min_value, self.max_value, rest)
        )


@register(CyclicMomentum)
def cyclic_momentum(
    *, min_value: ArrayLike = 0.8, max_value: ArrayLike = 0.9, up_steps: ArrayLike,
    down_steps: ArrayLike | None = None, decay_rate: ArrayLike = 1.0, period: ArrayLike | None = None
) -> Schedule:  # fmt: skip
    """A momentum (or Adam ``b1``) cycled inversely to ``cyclic``'s learning rate.

    With the wave ``h(t)`` and the period ``P`` of ``cyclic`` (the same
    arguments: ``h`` rises from 0 to 1 over ``up_steps``, falls back over
    ``down_steps``)::

        value(t) = max - (max - min) * h(t) * decay_rate ** floor(t / P)

    It starts each cycle at ``max_value`` and reaches ``min_value`` where the
    learning rate of ``cyclic(min_value=..., max_value=..., up_steps,
    down_steps, decay_rate, period)`` peaks; with ``decay_rate < 1`` the dips
    shrink towards ``max_value``.

    Args:
        min_value: the lower bound, reached at the end of each first half
            (default 0.8, PyTorch's ``base_momentum``).
        max_value: the upper bound, the value at step 0 and at each cycle's
            start (>= ``min_value``; default 0.9, PyTorch's ``max_momentum``).
        up_steps: steps from ``max_value`` down to ``min_value`` (at least 1).
        down_steps: steps back up (>= 0); None (the default) for ``up_steps``.
        decay_rate: the dip's multiplier per period, in (0, 1] (default 1).
        period: steps per multiplication by ``decay_rate`` (at least 1); None
            (the default) for one cycle.

    Returns:
        A ``Schedule`` with the momentum of PyTorch's ``CyclicLR(...,
        step_size_up=up_steps, step_size_down=down_steps,
        base_momentum=min_value, max_momentum=max_value)``: SGD's
        ``momentum`` (Adam's ``betas[0]``) during the update after ``t``
        calls to ``scheduler.step()`` is ``value(t)``; ``mode="triangular2"``
        is ``decay_rate=0.5``, ``"exp_range"`` is ``decay_rate=gamma, period=1``.
        Pass it as ``momentum=`` of ``optax.inject_hyperparams(optax.sgd)`` or
        ``b1=`` of ``optax.inject_hyperparams(optax.adam)``.

    References:
        Smith, "A disciplined approach to neural network hyper-parameters:
        Part 1", https://arxiv.org/abs/1803.09820, 2018.

    Example:
        >>> import jaxsched
        >>> m = jaxsched.cyclic_momentum(min_value=0.8, max_value=0.9, up_steps=10)
        >>> print(" ".join(f"{m(t):.2f}" for t in (0, 5, 10, 15, 20)))
        0.90 0.85 0.80 0.85 0.90
    """
    return CyclicMomentum(**locals())


@renamed("one_cycle_momentum", peak_value="min_value", init_value="max_value", end_value="max_value")
def one_cycle_momentum(
    *, min_value: ArrayLike = 0.85, max_value: ArrayLike = 0.95, total_steps: ArrayLike, pct_start: ArrayLike = 0.3,
    shape: str = "cosine", three_phase: bool = False
) -> Schedule:  # fmt: skip
    """A momentum (or Adam ``b1``) annealed inversely to ``one_cycle``'s learning rate.

    The one-cycle curve with the values swapped: with ``e1 = a - 1``,
    ``e2 = 2a - 2`` (``a = pct_start * total_steps``) and ``A`` the anneal of
    ``one_cycle``::

        value(t) = A(max, min, t / e1)                          for t <= e1
        value(t) = A(min, max, (t - e1) / (T - 1 - e1))         for e1 < t
      three_phase:
        value(t) = A(min, max, (t - e1) / (e2 - e1))            for e1 < t <= e2
        value(t) = max                                          for e2 < t

    It is ``one_cycle(peak_value=min_value, init_value=max_value,
    end_value=max_value, ...)``, and its repr says so.

    Args:
        min_value: the value where the learning rate peaks (default 0.85,
            PyTorch's ``base_momentum``).
        max_value: the value at step 0 and at the end (>= ``min_value``;
            default 0.95, PyTorch's ``max_momentum``).
        total_steps: length of the whole schedule (at least 1).
        pct_start: fraction of the steps spent falling, as in ``one_cycle``.
        shape: ``"cosine"`` (default) or ``"linear"``.
        three_phase: back up to ``max_value`` symmetrically, then hold it
            during the final anneal of the learning rate.

    Returns:
        A ``Schedule`` with the momentum of PyTorch's ``OneCycleLR(...,
        total_steps, pct_start, anneal_strategy, base_momentum=min_value,
        max_momentum=max_value, three_phase)``: SGD's ``momentum`` (Adam's
        ``betas[0]``) during the update after ``t`` calls to
        ``scheduler.step()`` is ``value(t)``.

    References:
        Smith, "A disciplined approach to neural network hyper-parameters:
        Part 1", https://arxiv.org/abs/1803.09820, 2018.

    Example:
        >>> import jaxsched
        >>> m = jaxsched.one_cycle_momentum(total_steps=100, pct_start=0.1, shape="linear")
        >>> print(" ".join(f"{m(t):.3f}" for t in (0, 9, 54, 99)))
        0.950 0.850 0.900 0.950
    """
    fn = "one_cycle_momentum"
    low, high = VALUE.convert(fn, "min_value", min_value), VALUE.convert(fn, "max_value", max_value)
    if not F.is_traced((low, high)):
        F.require(low <= high, fn, f"min_value ({F.fmt(min_value)}) must not exceed max_value ({F.fmt(max_value)})")
    kwargs: dict[str, Any] = dict(total_steps=total_steps, pct_start=pct_start, shape=shape, three_phase=three_phase)
    return one_cycle(peak_value=low, init_value=high, end_value=high, **kwargs)
