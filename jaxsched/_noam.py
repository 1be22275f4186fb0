"""The Transformer's "Noam" schedule (Vaswani et al. 2017)."""

from typing import Any

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from jaxsched import _fields as F
from jaxsched._core import Schedule, register


class Noam(Schedule):
    d_model: jax.Array = F.value(interval="(0, inf)")
    warmup_steps: jax.Array = F.length()
    factor: jax.Array = F.value(1.0, interval="(0, inf)")
    scale: jax.Array = F.derived()  # factor * d_model ** -0.5
    rise: jax.Array = F.derived()  # warmup_steps ** -1.5, inf without a warmup

    def _derive(self, xp: Any) -> dict[str, Any]:
        w = xp.asarray(self.warmup_steps, float)
        scale = xp.asarray(self.factor, float) / xp.sqrt(xp.asarray(self.d_model, float))
        rise = xp.where(w > 0, xp.maximum(w, 1.0) ** -1.5, xp.inf)
        return {"scale": scale.astype(xp.float32), "rise": rise.astype(xp.float32)}

    def _value(self, step: jax.Array) -> jax.Array:
        s = step.astype(jnp.float32) + 1  # no int32 overflow at 2**31 - 1
        return self.scale * jnp.minimum(jax.lax.rsqrt(s), s * self.rise)

    def _phases(self, until: int) -> list[Any]:
        return [self.warmup_steps]


@register(Noam)
def noam(*, d_model: ArrayLike, warmup_steps: ArrayLike, factor: ArrayLike = 1.0) -> Schedule:
    """The Transformer's schedule: linear warmup, then inverse square root of the step.

    With ``s = t + 1`` and ``w = warmup_steps``::

        value(t) = factor * d_model ** -0.5 * min(s ** -0.5, s * w ** -1.5)

    The two terms meet at ``s = w``, the peak: ``factor * (d_model * w) ** -0.5``.

    Args:
        d_model: the model width (> 0).
        warmup_steps: the step count ``s`` of the peak (>= 0; 0 for no warmup:
            ``factor * (d_model * s) ** -0.5`` throughout).
        factor: a multiplier (> 0, default 1).

    Returns:
        A ``Schedule``: tensor2tensor's and fairseq's ``noam`` with ``s`` the
        1-based update count (PyTorch ``LambdaLR`` ports use ``step + 1``).
        ``rsqrt`` gives the same decay with an absolute ``peak_value``.

    References:
        Vaswani et al., "Attention Is All You Need",
        https://arxiv.org/abs/1706.03762, 2017.

    Example:
        >>> import jaxsched
        >>> s = jaxsched.noam(d_model=512, warmup_steps=4000)
        >>> print(" ".join(f"{s(t):.3e}" for t in (0, 1999, 3999, 15999)))
        1.747e-07 3.494e-04 6.988e-04 3.494e-04
    """
    return Noam(**locals())
