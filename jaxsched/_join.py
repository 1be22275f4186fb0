"""``join``: schedules one after another, each restarted at its boundary.

Branch-free: the active segment is found by a comparison with every boundary,
and children alike (one tree structure) are evaluated once, on the active
child's hyperparameters, so a join of twenty cosines costs about one cosine.
"""

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxsched import _fields as F
from jaxsched._core import Schedule, register


class Join(Schedule):
    schedules: tuple[Schedule, ...] = F.schedules()
    boundaries: jax.Array = F.boundaries(empty=True)  # none for a join of one schedule; _check counts them

    def _check(self, given: dict[str, Any]) -> None:
        if len(self.boundaries) != len(self.schedules) - 1:
            n, got = len(self.schedules), F.fmt(given["boundaries"])
            F.fail(self.name, f"boundaries must have one entry fewer than schedules ({n}), got {got}")

    def _value(self, step: jax.Array) -> jax.Array:
        if step.ndim:  # elementwise: a child's table leaf is picked per step inside the loop, never broadcast
            return jax.vmap(self._value)(step.ravel()).reshape(step.shape)
        start, past = jnp.zeros_like(step), []  # past[k]: segment k + 1 has started
        for bound in self.boundaries.astype(step.dtype):  # elementwise, unrolled: one fusion with the value
            past.append(bound <= step)
            start = jnp.where(past[-1], bound, start)
        kinds: dict[Any, list[int]] = {}  # the children by tree structure and leaf shapes: each kind evaluated once
        for k, child in enumerate(self.schedules):
            leaves, treedef = jax.tree_util.tree_flatten(child)
            kinds.setdefault((treedef, *((jnp.shape(x), jnp.result_type(x)) for x in leaves)), []).append(k)
        kind = {k: key for key, members in kinds.items() for k in members}
        value = {  # each kind on the leaves of its last member started (the others' values are not read)
            key: _latest([self.schedules[k] for k in members], [past[k - 1] for k in members[1:]])._at(step - start)
            for key, members in kinds.items()
        }
        out = value[kind[0]]
        for k in range(1, len(self.schedules)):  # the active kind's value, selected where the kind changes
            out = out if kind[k] == kind[k - 1] else jnp.where(past[k - 1], value[kind[k]], out)
        return out

    def _phases(self, until: int) -> list[Any]:
        starts = [0, *np.asarray(self.boundaries, np.int64)]
        return [self.boundaries] + [
            [s + p for p in child.phases(until - s)] for s, child in zip(starts, self.schedules, strict=True)
        ]


def _latest(children: list[Schedule], started: list[jax.Array]) -> Schedule:
    """The last of ``children`` (one tree structure) whose start has passed (``started[j - 1]`` for
    child ``j``; the first has always started): each leaf selected along the boundaries' comparisons,
    skipping a leaf equal to the one before (the same object: one packed value, ``_eager.pack``)."""
    leaves = list(map(jax.tree_util.tree_leaves, children))
    picked = leaves[0]
    for now, before, past in zip(leaves[1:], leaves[:-1], started, strict=True):
        picked = [p if x is y else jnp.where(past, x, p) for p, x, y in zip(picked, now, before, strict=True)]
    return jax.tree_util.tree_unflatten(jax.tree_util.tree_structure(children[0]), picked)


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
