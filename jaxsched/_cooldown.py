"""``cooldown``: a WSD cooldown branched from any step of a schedule (a
checkpoint of its stable phase), in the shapes of ``wsd``."""

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxsched import _fields as F
from jaxsched._core import Schedule, register
from jaxsched._math import SHAPES, interpolate


class Cooldown(Schedule):
    schedule: Schedule = F.schedule()
    start_step: jax.Array = F.length()
    decay_steps: jax.Array = F.length(minimum=1)
    end_value: jax.Array = F.value(0.0)
    shape: str = F.choice("linear", *SHAPES)
    log_ratio: jax.Array = F.derived()

    def _start(self) -> jax.Array:
        """The child's value at ``start_step``, where the cooldown starts from."""
        s = self.start_step  # concrete, at construction: the public call (a child may be evaluated wide)
        return self.schedule(s) if isinstance(s, np.ndarray) else self.schedule._at(s)

    def _check(self, given: dict[str, Any]) -> None:
        if self.shape != "exponential":
            return
        end = f"end_value must be positive with shape='exponential', got {F.fmt(given['end_value'])}"
        F.require(self.end_value > 0, self.name, end)
        with jax.ensure_compile_time_eval():
            start = np.asarray(self._start())
        where = f"the schedule's value at start_step ({F.fmt(given['start_step'])})"
        F.require(start > 0, self.name, f"{where} must be positive with shape='exponential', got {F.fmt(start)}")

    def _derive(self, xp: Any) -> dict[str, Any]:
        if self.shape != "exponential":
            return {}
        start = xp.asarray(self._start(), float)
        return {"log_ratio": xp.log(xp.asarray(self.end_value, float) / start).astype(xp.float32)}

    def _value(self, step: jax.Array) -> jax.Array:
        s, d, end = self.start_step, self.decay_steps, self.end_value
        decayed = interpolate(self._start(), end, step - s, d, self.shape, log_ratio=self.log_ratio)
        return jnp.where(step < s, self.schedule._at(step), decayed)

    def _phases(self, until: int) -> list[Any]:
        s = int(self.start_step)
        return [s, s + int(self.decay_steps), self.schedule.phases(min(until, s))]


@register(Cooldown)
def cooldown(
    schedule: Schedule, *, start_step: ArrayLike, decay_steps: ArrayLike, end_value: ArrayLike = 0.0,
    shape: str = "linear"
) -> Schedule:  # fmt: skip
    """A cooldown branched from any step of a schedule: WSD from a checkpoint.

    With ``S = start_step``, ``D = decay_steps``, ``v = schedule(S)`` and
    ``x = (min(t, S + D) - S) / D``::

        value(t) = schedule(t)                    for t < S
        value(t) = end + (v - end) * shape(x)     for S <= t

    with the shapes of ``wsd``: ``linear`` (1 - x), ``cosine``
    (0.5 (1 + cos(pi x))), ``1-sqrt`` (1 - sqrt(x)), ``square`` (1 - x^2);
    ``exponential`` is ``v * (end / v) ** x`` and needs ``v > 0`` and
    ``end_value > 0``. From ``S + D`` on the value is ``end_value``.

    A warmup-stable-decay run trains once with the stable schedule (for
    example ``warmup_constant``) and saves checkpoints; a cooldown of any
    length can then be branched from any of them: restore the checkpoint
    (the optimizer's step count continues) and swap in
    ``cooldown(stable, start_step=<the checkpoint's step>, ...)``. Before
    ``S`` it equals the stable schedule, so the restored optimizer state is
    the one this schedule would have produced. ``cooldown(warmup_constant(
    peak_value=p, warmup_steps=w), start_step=T - D, decay_steps=D)`` is
    ``wsd(peak_value=p, warmup_steps=w, total_steps=T, decay_steps=D)``.

    Args:
        schedule: the schedule followed before ``start_step`` (the stable phase).
        start_step: the step the cooldown starts at (>= 0).
        decay_steps: length of the cooldown (at least 1).
        end_value: the value at ``start_step + decay_steps`` and after (default 0).
        shape: ``"linear"`` (default), ``"cosine"``, ``"1-sqrt"``,
            ``"square"`` or ``"exponential"``.

    Returns:
        A ``Schedule``.

    References:
        Hägele et al., "Scaling Laws and Compute-Optimal Training Beyond Fixed
        Training Durations", https://arxiv.org/abs/2405.18392, 2024. Hu et
        al., "MiniCPM: Unveiling the Potential of Small Language Models with
        Scalable Training Strategies", https://arxiv.org/abs/2404.06395, 2024.

    Example:
        >>> import jaxsched
        >>> stable = jaxsched.warmup_constant(peak_value=1.0, warmup_steps=10)
        >>> s = jaxsched.cooldown(stable, start_step=60, decay_steps=20, shape="1-sqrt")
        >>> print(" ".join(f"{s(t):.3f}" for t in (5, 59, 60, 65, 70, 80, 1000)))
        0.500 1.000 1.000 0.500 0.293 0.000 0.000
    """
    return Cooldown(**locals())
