"""Multiplicative noise on a schedule, a pure function of the step (timm-style)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from jaxsched import _core
from jaxsched._core import Schedule, register

NOISE_KINDS = ("normal", "uniform")
_TRUNCATE = 2.0  # normal noise is truncated at +-2 standard deviations


class Noise(Schedule):
    schedule: Schedule
    std: jax.Array
    seed: jax.Array
    kind: str = _core.static("normal")

    def _value(self, step: jax.Array) -> jax.Array:
        base = jnp.asarray(self.schedule._value(step)).astype(jnp.float32)
        key = jax.random.key(self.seed, impl="threefry2x32")
        flat = step.reshape(-1)

        def draw(s: jax.Array) -> jax.Array:
            k = jax.random.fold_in(key, s)
            if self.kind == "normal":
                return jax.random.truncated_normal(k, -_TRUNCATE, _TRUNCATE, dtype=jnp.float32)
            return jax.random.uniform(k, dtype=jnp.float32, minval=-1.0, maxval=1.0)

        eps = self.std * jax.vmap(draw)(flat).reshape(step.shape)
        return base * (1 + eps)


@register(Noise)
def noise(schedule: Schedule, *, std: float, seed: int, kind: str = "normal") -> Schedule:
    """Multiplies a schedule by ``1 + eps``, with ``eps`` random but fixed per step.

    ``value(t) = schedule(t) * (1 + std * z(t))`` where ``z(t)`` depends only
    on ``(seed, t)``: the key is ``jax.random.fold_in(key(seed), t)`` (threefry,
    whatever JAX's default PRNG), so the schedule stays a pure function of the
    step: a resumed run, a ``vmap`` over steps and an eager call see the same
    noise, and no state is kept.

    ``kind="normal"``: ``z`` is a standard normal truncated to [-2, 2] (timm
    re-samples its normal noise until it falls inside a bound; a truncated
    normal is that distribution without the loop; its standard deviation is
    0.88 ``std``), and ``std`` is at most 0.5, so ``|eps| <= 1``. ``kind="uniform"``: ``z`` is uniform in [-1, 1),
    ``eps`` in ``[-std, std)``, and ``std`` is at most 1. Either way
    ``1 + eps >= 0``: the noise never flips the sign of a value, so a
    non-negative schedule stays non-negative, and never gives NaN.

    Args:
        schedule: the schedule to perturb.
        std: the noise scale (timm's ``noise_std`` for normal noise, its
            ``noise_pct`` for uniform noise): in [0, 0.5] for ``"normal"``,
            [0, 1] for ``"uniform"``.
        seed: the random seed (an integer in [0, 2**31 - 1]).
        kind: ``"normal"`` (default) or ``"uniform"``.

    Returns:
        A ``Schedule``. timm applies noise only inside ``noise_range_t``;
        here it applies at every step (wrap a segment with ``join`` to limit it).

    Example:
        >>> import jaxsched
        >>> base = jaxsched.constant(value=1.0)
        >>> s = jaxsched.noise(base, std=0.1, seed=0)
        >>> float(s(7)) == float(s(7)), float(s(7)) != float(s(8))
        (True, True)
        >>> bool(0.8 <= float(s(7)) <= 1.2)
        True
    """
    fn = "noise"
    child = _core.schedule(fn, "schedule", schedule)
    _core.choice(fn, "kind", kind, NOISE_KINDS)
    scale = _core.value(fn, "std", std)
    c = _core.concrete(scale)
    bound = 1 / _TRUNCATE if kind == "normal" else 1.0
    if c is not None and not 0 <= c <= bound:
        _core.fail(fn, f"std must be in [0, {bound:g}] for kind={kind!r}, got {_core.fmt(std)}")
    if _core.is_traced(seed):
        key_seed = jnp.asarray(seed).astype(jnp.int32)
    else:
        if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
            raise TypeError(f"{fn}: seed must be an integer, got {_core.fmt(seed)}")
        if not 0 <= seed <= _core.INT32_MAX:
            _core.fail(fn, f"seed must be in [0, {_core.INT32_MAX}], got {_core.fmt(seed)}")
        key_seed = jnp.asarray(seed, dtype=jnp.int32)
    return Noise(schedule=child, std=scale, seed=key_seed, kind=kind)
