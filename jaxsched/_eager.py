"""The eager fast path: a concrete schedule's leaves packed into one array per
dtype and evaluated by one cached ``jit``, so an eager call passes a few
arguments whatever the number of hyperparameters (dispatch cost grows with them).
Equal leaves share one slot, and so one traced value: ``join`` sees which
hyperparameters its alike children share."""

import functools
import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxsched import _core  # imported by _core: its names are read when called


class _Structure:
    """The static key of an eager call: tree structure and leaf layout."""

    __slots__ = ("_hash", "layout", "treedef")

    def __init__(self, treedef: Any, layout: tuple) -> None:
        self.treedef, self.layout = treedef, layout
        self._hash = hash((treedef, layout))

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Structure) and self.treedef == other.treedef and self.layout == other.layout


def pack(schedule: "_core.Schedule") -> tuple[_Structure, tuple[jax.Array, ...]]:
    """The jit's static key and the leaves concatenated into one array per dtype."""
    leaves, treedef = jax.tree_util.tree_flatten(schedule)
    groups: dict[Any, list[np.ndarray]] = {}
    layout, seen = [], {}
    for leaf in leaves:
        arr = np.asarray(leaf)
        arr = arr.astype(jax.dtypes.canonicalize_dtype(arr.dtype))  # as jax would store it
        key = (arr.dtype, arr.shape, arr.tobytes())
        if key not in seen:  # equal leaves share one slot (and one traced value: alike children see it)
            group = groups.setdefault(arr.dtype, [])
            seen[key] = (arr.dtype, sum(a.size for a in group), arr.shape)
            group.append(arr.ravel())
        layout.append(seen[key])
    dtypes = list(groups)
    layout = tuple((dtypes.index(dtype), start, shape) for dtype, start, shape in layout)
    return _Structure(treedef, tuple(layout)), tuple(jnp.asarray(np.concatenate(groups[d])) for d in dtypes)


@functools.partial(jax.jit, static_argnums=0)
def eager(structure: _Structure, arrays: tuple[jax.Array, ...], step: Any) -> jax.Array:
    slots = {s: arrays[s[0]][s[1] : s[1] + math.prod(s[2])].reshape(s[2]) for s in dict.fromkeys(structure.layout)}
    leaves = [slots[s] for s in structure.layout]  # one traced value per slot: equal leaves are the same object
    return _core.evaluate(jax.tree_util.tree_unflatten(structure.treedef, leaves), step)
