"""Constant, linear and polynomial schedules."""

from typing import Any

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from jaxsched import _fields as F
from jaxsched._core import Schedule, register
from jaxsched._math import interpolate


class Constant(Schedule):
    value: jax.Array = F.value()

    def _value(self, step: jax.Array) -> jax.Array:
        return jnp.broadcast_to(self.value, step.shape)


@register(Constant)
def constant(*, value: ArrayLike) -> Schedule:
    """A constant schedule.

    ``value(t) = value`` for every step ``t``.

    Args:
        value: the value at every step.

    Returns:
        A ``Schedule``. Same as ``optax.constant_schedule(value)`` and
        PyTorch's ``ConstantLR(factor=1)``.

    Example:
        >>> import jaxsched
        >>> s = jaxsched.constant(value=1e-3)
        >>> print(f"{s(0):.4f} {s(10_000):.4f}")
        0.0010 0.0010
    """
    return Constant(**locals())


class Linear(Schedule):
    init_value: jax.Array = F.value()
    end_value: jax.Array = F.value()
    total_steps: jax.Array = F.length(minimum=1)
    power = None  # Polynomial's field

    def _phases(self, until: int) -> list[Any]:
        return [self.total_steps]

    def _value(self, step: jax.Array) -> jax.Array:
        return interpolate(self.init_value, self.end_value, step, self.total_steps, exponent=self.power)


class Polynomial(Linear):
    power: jax.Array = F.value(interval="(0, inf)")


@register(Linear)
def linear(*, init_value: ArrayLike, end_value: ArrayLike, total_steps: ArrayLike) -> Schedule:
    """Linear interpolation from ``init_value`` to ``end_value``.

    ``value(t) = init + (end - init) * min(t, T) / T`` with ``T = total_steps``;
    ``end_value`` from step ``T`` on.

    Args:
        init_value: the value at step 0.
        end_value: the value at ``total_steps`` and after.
        total_steps: length of the ramp in steps (at least 1).

    Returns:
        A ``Schedule``. Same as ``optax.linear_schedule(init_value, end_value,
        transition_steps=total_steps)`` and PyTorch's ``LinearLR`` (with
        ``init_value = base_lr * start_factor``, ``end_value = base_lr *
        end_factor``, ``total_steps = total_iters``).

    Example:
        >>> import jaxsched
        >>> s = jaxsched.linear(init_value=1.0, end_value=0.0, total_steps=100)
        >>> print(f"{s(0):.2f} {s(25):.2f} {s(100):.2f} {s(500):.2f}")
        1.00 0.75 0.00 0.00
    """
    return Linear(**locals())


@register(Polynomial)
def polynomial(*, init_value: ArrayLike, end_value: ArrayLike, total_steps: ArrayLike, power: ArrayLike) -> Schedule:
    """Polynomial decay from ``init_value`` to ``end_value``.

    ``value(t) = end + (init - end) * (1 - min(t, T) / T) ** power`` with
    ``T = total_steps``.

    Args:
        init_value: the value at step 0.
        end_value: the value at ``total_steps`` and after.
        total_steps: length of the decay in steps (at least 1).
        power: the exponent (> 0); 1 is linear.

    Returns:
        A ``Schedule``. Same as ``optax.polynomial_schedule(init_value,
        end_value, power, transition_steps=total_steps)``, HF's
        ``get_polynomial_decay_schedule_with_warmup`` after its warmup, and
        PyTorch's ``PolynomialLR`` (``end_value=0``, ``total_steps=total_iters``).

    Example:
        >>> import jaxsched
        >>> s = jaxsched.polynomial(init_value=1.0, end_value=0.0, total_steps=100, power=2.0)
        >>> print(f"{s(0):.4f} {s(50):.4f} {s(100):.4f}")
        1.0000 0.2500 0.0000
    """
    return Polynomial(**locals())
