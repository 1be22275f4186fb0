"""Schedules written in epochs, samples or tokens, evaluated per optimizer step.

A schedule in epochs becomes a schedule in steps exactly by multiplying every
length, boundary and period by the steps per epoch (an ordinary schedule comes
out); a schedule in samples or tokens is evaluated at the units consumed so far,
``step * units_per_step`` (the ``per_step`` wrapper); a staircase (constant within
an epoch) evaluates it at ``step // steps_per_unit`` (the wrapper too).
"""

import dataclasses
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxsched import _fields as F
from jaxsched._core import REGISTRY, Schedule, register
from jaxsched._math import divide

# Integer fields that count something other than steps: kept as they are.
COUNTS = frozenset({"cycle_limit"})
# Schedules whose value is not a function of step / length alone.
PER_STEP_ONLY = {
    "noam": "its value depends on the step count itself (the 1-based step s in s ** -0.5), not on step / length",
    "noise": "it draws its noise per step; wrap the result instead: noise(per_step(...), ...)",
}


class PerStep(Schedule):
    schedule: Schedule = F.schedule()
    steps_per_unit: jax.Array | None = F.length(None, minimum=1)
    units_per_step: jax.Array | None = F.length(None, minimum=1)
    staircase: bool = F.flag(False)

    def _check(self, given: dict[str, Any]) -> None:
        k, b = given["steps_per_unit"], given["units_per_step"]
        if (k is None) == (b is None):
            got = "neither" if k is None else f"both ({F.fmt(k)} and {F.fmt(b)})"
            F.fail(self.name, f"needs exactly one of steps_per_unit and units_per_step, got {got}")
        if self.staircase and k is None:
            F.fail(self.name, f"staircase=True needs steps_per_unit, got units_per_step={F.fmt(b)}")

    def _value(self, step: jax.Array) -> jax.Array:
        k: Any = self.steps_per_unit
        b = self.units_per_step
        if b is None:  # a staircase: the unit the step is in
            return self.schedule._at(divide(step, k)[0])
        # the units consumed before this step (evaluated wide: int64), capped at 2**62
        return self.schedule._at(jnp.where(step > F.WIDE_MAX // b, F.WIDE_MAX, step * b))

    def _wide_steps(self) -> bool:
        return self.units_per_step is not None

    def _phases(self, until: int) -> list[Any]:
        k: Any = self.steps_per_unit
        if self.units_per_step is None:
            return [np.asarray(self.schedule.phases(until // int(k)), np.int64) * int(k)]
        b = int(self.units_per_step)  # the first step at or past each change
        return [-(-np.asarray(self.schedule.phases(until * b), np.int64) // b)]


def _times(value: Any, k: Any) -> Any:
    """A length (or lengths) times ``k``, in int64 when concrete (the constructor checks the range)."""
    if F.is_traced(value) or F.is_traced(k):
        return jnp.asarray(value) * k
    return np.asarray(value, np.int64) * int(k)


def _rescale(schedule: Schedule, k: Any) -> Schedule:
    """``schedule`` rebuilt with every length, boundary and period times ``k``, through its constructor."""
    name = schedule.name
    if name in PER_STEP_ONLY:
        F.fail("per_step", f"{name} cannot be rescaled exactly to steps_per_unit={F.fmt(k)}: {PER_STEP_ONLY[name]}")
    if isinstance(schedule, PerStep):  # its child is in its own units: only its steps per unit scale
        if schedule.units_per_step is not None:
            got = f"units_per_step={F.fmt(schedule.units_per_step)}"
            F.fail("per_step", f"a schedule in samples or tokens ({got}) has no steps_per_unit={F.fmt(k)} form")
        args = {"schedule": schedule.schedule, "steps_per_unit": _times(schedule.steps_per_unit, k), "staircase": True}
        return _build(name, args, k)
    args = {}
    for f in dataclasses.fields(schedule):
        if not f.init:
            continue
        kind, value = f.metadata.get("kind"), getattr(schedule, f.name)
        if isinstance(value, Schedule):
            value = _rescale(value, k)
        elif isinstance(value, tuple):
            value = [_rescale(child, k) for child in value]
        elif kind is not None and kind.what in ("length", "boundaries") and f.name not in COUNTS and value is not None:
            value = _times(value, k)
        args[f.name] = value if kind is None else kind.public(value)
    return _build(name, args, k)


def _build(name: str, args: dict[str, Any], k: Any) -> Schedule:
    """The public constructor called with the scaled arguments: derived fields are computed again."""
    try:
        return REGISTRY[name](**args)
    except ValueError as e:
        raise ValueError(f"per_step: {name} with every length times steps_per_unit ({F.fmt(k)}): {e}") from None


@register(PerStep)
def per_step(
    schedule: Schedule,
    *,
    steps_per_unit: ArrayLike | None = None,
    units_per_step: ArrayLike | None = None,
    staircase: bool = False,
) -> Schedule:
    """A schedule written in epochs, samples or tokens, as a schedule of the optimizer step.

    With ``k = steps_per_unit`` (epochs: the optimizer steps per epoch) or
    ``B = units_per_step`` (samples or tokens: the batch size in those units)::

        value(t) = schedule(t / k)          continuous (default)
        value(t) = schedule(floor(t / k))   staircase=True
        value(t) = schedule(t * B)          units_per_step=B

    The continuous form is exact: it returns ``schedule`` with every length,
    boundary and period multiplied by ``k`` (``cosine(total_steps=90)`` at
    ``k=100`` is ``cosine(total_steps=9000)``), an ordinary schedule, rather
    than evaluating anything at a fractional step. Values and counts
    (``cycle_limit``) are kept. ``one_cycle`` scales as PyTorch's
    ``OneCycleLR(epochs=E, steps_per_epoch=k)`` (``total_steps=E * k``).
    ``noam`` and ``noise`` depend on the step itself and are refused: apply
    ``noise`` to the result instead. The two other forms are the ``per_step``
    wrapper: the staircase holds epoch ``e``'s value for its ``k`` steps
    (PyTorch's ``scheduler.step()`` once per epoch, timm's
    ``t_in_epochs=True``); ``units_per_step`` counts the units consumed before
    step ``t``, Megatron's ``lr_warmup_samples`` and ``lr_decay_samples``.
    Units past ``2**62`` count as ``2**62``.

    Args:
        schedule: the schedule, its lengths in units (epochs, samples, tokens).
        steps_per_unit: optimizer steps per unit (at least 1), e.g. the
            batches per epoch.
        units_per_step: units per optimizer step (at least 1), e.g. the global
            batch size in samples or in tokens. Exactly one of the two.
        staircase: with ``steps_per_unit``, constant within a unit (default
            False: continuous, the fractional epoch ``t / k``).

    Returns:
        A ``Schedule`` of the optimizer step.

    Example:
        >>> import jaxsched
        >>> epochs = jaxsched.cosine(init_value=1.0, total_steps=10)  # 10 epochs
        >>> jaxsched.per_step(epochs, steps_per_unit=100)
        cosine(init_value=1.0, total_steps=1000)
        >>> s = jaxsched.per_step(epochs, steps_per_unit=100, staircase=True)
        >>> print(f"{s(0):.4f} {s(99):.4f} {s(100):.4f} {s(150):.4f}")
        1.0000 1.0000 0.9755 0.9755
        >>> samples = jaxsched.warmup_cosine(peak_value=1.0, warmup_steps=1000, total_steps=10_000)
        >>> s = jaxsched.per_step(samples, units_per_step=256)
        >>> print(f"{s(2):.4f} {s(3):.4f} {s(4):.4f} {s(20):.4f} {s(40):.4f}")
        0.5120 0.7680 1.0000 0.5661 0.0000
    """
    wrapper = PerStep(**locals())  # converts and checks the arguments
    if F.batch_shape(schedule) and not F.is_traced(schedule):  # a stack from a vmap sweep: member by member
        each = dict(steps_per_unit=steps_per_unit, units_per_step=units_per_step, staircase=staircase)
        return jax.vmap(lambda member: per_step(member, **each))(schedule)
    if wrapper.steps_per_unit is None or staircase:
        return wrapper
    return _rescale(schedule, wrapper.steps_per_unit)
