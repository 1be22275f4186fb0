"""``join``: schedules one after another, each restarted at its boundary.

Branch-free: the active segment is found by a comparison with every boundary,
and children alike (one tree structure) are evaluated once, on the active
child's hyperparameters, so a join of twenty cosines costs about one cosine.
"""

import functools
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxsched import _fields as F
from jaxsched._core import Schedule, register
from jaxsched._math import pick


class Join(Schedule):
    schedules: tuple[Schedule, ...] = F.schedules()
    boundaries: jax.Array = F.boundaries(empty=True)  # none for a join of one schedule; _check counts them

    def _check(self, given: dict[str, Any]) -> None:
        if len(self.boundaries) != len(self.schedules) - 1:
            n, got = len(self.schedules), F.fmt(given["boundaries"])
            F.fail(self.name, f"boundaries must have one entry fewer than schedules ({n}), got {got}")

    def _value(self, step: jax.Array) -> jax.Array:
        index, start = jnp.int32(0), jnp.zeros_like(step)  # the active segment: it starts at the last boundary passed
        for bound in self.boundaries.astype(step.dtype):  # elementwise, unrolled: one fusion with the value
            index, start = jnp.where(bound <= step, index + 1, index), jnp.where(bound <= step, bound, start)
        alike: dict[Any, list[int]] = {}  # the children by tree structure and leaf shapes: each kind evaluated once
        for k, child in enumerate(self.schedules):
            leaves, treedef = jax.tree_util.tree_flatten(child)
            alike.setdefault((treedef, *((jnp.shape(x), jnp.result_type(x)) for x in leaves)), []).append(k)
        picked = []  # (which member is active, -1 if none; the value of the active member)
        for members in alike.values():
            position = np.full(len(self.schedules), -1, np.int32)
            position[members] = np.arange(len(members))
            which = index if len(members) == len(self.schedules) else jnp.asarray(position)[index]
            picked.append((which, _one_of([self.schedules[k] for k in members], which, step - start)))
        return functools.reduce(lambda out, wv: jnp.where(wv[0] >= 0, wv[1], out), picked[1:], picked[0][1])

    def _phases(self, until: int) -> list[Any]:
        starts = [0, *np.asarray(self.boundaries, np.int64)]
        return [self.boundaries] + [
            [s + p for p in child.phases(until - s)] for s, child in zip(starts, self.schedules, strict=True)
        ]


def _one_of(children: list[Schedule], which: jax.Array, step: jax.Array) -> jax.Array:
    """``children[which]`` at ``step``, element by element, for children of one tree structure: one
    evaluation whatever their number, on the active child's leaves. A leaf that every child shares (one
    packed value, ``_eager.pack``) is taken as it is; the others are selected by ``which``."""
    if len(children) == 1:
        return children[0]._at(step)
    treedef = jax.tree_util.tree_structure(children[0])

    def one(k: jax.Array, t: jax.Array) -> jax.Array:
        leaves = [pick(xs, k) for xs in zip(*map(jax.tree_util.tree_leaves, children), strict=True)]
        return jax.tree_util.tree_unflatten(treedef, leaves)._at(t)

    if not step.ndim:  # one step (a training step's, or an element of a caller's vmap): no vmap over one
        return one(which, step)  # element, whose shape-[1] copies took a join of 20 about 5% longer to compile
    return jax.vmap(one)(which.ravel(), step.ravel()).reshape(step.shape)


@register(Join)
def join(schedules: Sequence[Schedule], *, boundaries: ArrayLike) -> Schedule:
    """Schedules one after another, each restarted at its boundary.

    Segment ``k`` is active for ``boundaries[k-1] <= t < boundaries[k]`` and
    receives ``t - boundaries[k-1]`` (the first receives ``t``). The result is
    branch-free (a training step never waits on a ``conditional``): segments
    of one kind (one tree structure) are evaluated once, on the active one's
    hyperparameters, and the active kind's value is selected.

    Args:
        schedules: the segments, in order (at least one).
        boundaries: strictly increasing, non-negative steps, one fewer than
            ``schedules``.

    Returns:
        A ``Schedule`` with the values of ``optax.join_schedules(schedules,
        boundaries)``.

    Example:
        >>> import jaxsched
        >>> s = jaxsched.join(
        ...     [jaxsched.linear(init_value=0.0, end_value=1.0, total_steps=10),
        ...      jaxsched.cosine(init_value=1.0, total_steps=90)],
        ...     boundaries=[10])
        >>> print(f"{s(5):.2f} {s(10):.2f} {s(55):.2f} {s(100):.2f}")
        0.50 1.00 0.50 0.00
    """
    return Join(**locals())
