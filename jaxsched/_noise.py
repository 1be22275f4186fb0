"""Multiplicative noise on a schedule, a pure function of the step (timm-style)."""

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxsched import _fields as F
from jaxsched._core import Schedule, register

_TRUNCATE = 2.0  # normal noise is truncated at +-2 standard deviations


class _Seed(F.Kind):
    """An integer seed in [0, 2**31 - 1] (a float, even a whole one, is refused)."""

    def convert(self, fn: str, name: str, x: Any) -> Any:
        if F.is_traced(x):
            return jnp.asarray(x).astype(jnp.int32)
        if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, np.integer)):
            raise TypeError(f"{fn}: {name} must be an integer, got {F.fmt(x)}")
        F.require(0 <= x <= F.INT32_MAX, fn, f"{name} must be in [0, {F.INT32_MAX}], got {F.fmt(x)}")
        return np.asarray(x, np.int32)


class Noise(Schedule):
    schedule: Schedule = F.schedule()
    std: jax.Array = F.value()
    seed: jax.Array = F.field(_Seed("seed"))
    shape: str = F.choice("normal", "normal", "uniform")

    def _check(self, given: dict[str, Any]) -> None:
        bound = 1 / _TRUNCATE if self.shape == "normal" else 1.0
        if not 0 <= self.std <= bound:
            F.fail(self.name, f"std must be in [0, {bound:g}] for shape={self.shape!r}, got {F.fmt(given['std'])}")

    def _value(self, step: jax.Array) -> jax.Array:
        key = jax.random.key(self.seed, impl="threefry2x32")

        def draw(s: jax.Array) -> jax.Array:
            k = jax.random.fold_in(key, s)
            if self.shape == "normal":
                return jax.random.truncated_normal(k, -_TRUNCATE, _TRUNCATE, dtype=jnp.float32)
            return jax.random.uniform(k, dtype=jnp.float32, minval=-1.0, maxval=1.0)

        # The draws of one fixed bit generator, whatever the flag's default (it changed in JAX 0.5).
        with jax.threefry_partitionable(True):
            z = jax.vmap(draw)(step.reshape(-1)).reshape(step.shape)
        return self.schedule._at(step) * (1 + self.std * z)


@register(Noise)
def noise(schedule: Schedule, *, std: ArrayLike, seed: ArrayLike, shape: str = "normal") -> Schedule:
    """Multiplies a schedule by ``1 + eps``, with ``eps`` random but fixed per step.

    ``value(t) = schedule(t) * (1 + std * z(t))`` where ``z(t)`` depends only
    on ``(seed, t)``: the key is ``jax.random.fold_in(key(seed), t)``
    (threefry, whatever JAX's default PRNG) and the draw is the one of
    ``jax.threefry_partitionable(True)`` (JAX's default since 0.5) under
    every configuration (``fold_in`` takes the step modulo ``2**32``: the draws
    repeat every ``2**32`` steps). The schedule stays a pure function of the step: a
    resumed run, a ``vmap`` over steps and an eager call see the same noise,
    and no state is kept.

    ``shape="normal"``: ``z`` is a standard normal truncated to [-2, 2] (timm
    re-samples its normal noise until it falls inside a bound; a truncated
    normal is that distribution without the loop; its standard deviation is
    0.88 ``std``), and ``std`` is at most 0.5, so ``|eps| <= 1``.
    ``shape="uniform"``: ``z`` is uniform in [-1, 1), ``eps`` in
    ``[-std, std)``, and ``std`` is at most 1. Either way ``1 + eps >= 0``:
    the noise never flips the sign of a value, so a non-negative schedule
    stays non-negative, and never gives NaN.

    Args:
        schedule: the schedule to perturb.
        std: the noise scale (timm's ``noise_std`` for normal noise, its
            ``noise_pct`` for uniform noise): in [0, 0.5] for ``"normal"``,
            [0, 1] for ``"uniform"``.
        seed: the random seed (an integer in [0, 2**31 - 1]).
        shape: the distribution of ``z``: ``"normal"`` (default) or ``"uniform"``.

    Returns:
        A ``Schedule``. timm applies noise only inside ``noise_range_t``;
        here it applies at every step (wrap a segment with ``join`` to limit it).

    Example:
        >>> import jaxsched
        >>> base = jaxsched.constant(value=1.0)
        >>> s = jaxsched.noise(base, std=0.1, seed=0)
        >>> print(f"{s(7):.4f} {s(8):.4f} {s(1_000_000):.4f}")
        0.9940 0.9388 1.0796
    """
    return Noise(**locals())
