"""The eager fast path: a concrete schedule's leaves packed into one array of
32-bit words and evaluated by the jitted program of its tree structure, so an
eager call passes two arguments whatever the number of hyperparameters (the
dispatch cost grows with them). Equal leaves share one slot, and so one traced
value: ``join`` sees which hyperparameters its alike children share. A value
that changes nothing (an exponent of 1) is None in the program: not computed."""

import functools
import math
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.core import Tracer

from jaxsched import _core, _wide  # _core imports this module: its names are read when called


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


def pack(schedule: "_core.Schedule") -> tuple[Callable[..., jax.Array], jax.Array]:
    """The compiled program of the schedule's structure and its leaves as one array of int32 words
    (a float32 leaf bitcast), so that an eager call passes two arguments and no static one."""
    leaves, treedef = jax.tree_util.tree_flatten(_wide.rebuild(schedule, _unless_neutral, eager=True))
    words: list[np.ndarray] = []
    layout, seen = [], {}
    for leaf in leaves:
        arr = np.asarray(leaf)
        arr = arr.astype(jax.dtypes.canonicalize_dtype(arr.dtype))  # as jax would store it
        key = (arr.dtype, arr.shape, arr.tobytes())
        if key not in seen:  # equal leaves share one slot (and one traced value: alike children see it)
            seen[key] = (arr.dtype, sum(w.size for w in words), arr.shape)
            assert arr.dtype.itemsize == 4, arr.dtype  # values float32, lengths int32 (int64: two int32 words)
            words.append(np.ascontiguousarray(arr).reshape(-1).view(np.int32))
        layout.append(seen[key])
    structure = _Structure(treedef, tuple(layout))
    if structure not in PROGRAMS:
        PROGRAMS[structure] = jax.jit(functools.partial(_run, structure))
    return PROGRAMS[structure], jnp.asarray(np.concatenate(words))


# One jitted evaluation, ``program(words, step)``, per tree structure and layout of the leaves (which
# of them are equal included): schedules that differ only in their numbers share it.
PROGRAMS: dict[_Structure, Callable[..., jax.Array]] = {}


def _run(structure: _Structure, words: jax.Array, step: Any) -> jax.Array:
    slots = {}
    for dtype, start, shape in dict.fromkeys(structure.layout):
        leaf = jax.lax.bitcast_convert_type(words[start : start + math.prod(shape)], dtype)
        slots[dtype, start, shape] = leaf.reshape(shape)
    leaves = [slots[s] for s in structure.layout]  # one traced value per slot: equal leaves are the same object
    return _core.evaluate(jax.tree_util.tree_unflatten(structure.treedef, leaves), step)


def hidden(schedule: "_core.Schedule") -> "_core.Schedule":
    """A partly traced schedule whose concrete leaves are hidden from XLA's constant folding, as the
    packed ones are: a constant folded into the arithmetic changes its rounding (a product and a sum
    become one fused multiply-add), and the value would differ in its last bit from the other paths."""
    leaves, treedef = jax.tree_util.tree_flatten(schedule)
    fixed = [i for i, x in enumerate(leaves) if not isinstance(x, Tracer)]
    for i, x in zip(fixed, jax.lax.optimization_barrier([leaves[i] for i in fixed]), strict=True):
        leaves[i] = x
    return jax.tree_util.tree_unflatten(treedef, leaves)


def _unless_neutral(x: Any, k: str, v: Any) -> Any:
    """Field ``k``'s value, or None where it holds its kind's neutral value: the program skips its arithmetic."""
    kind = x.__dataclass_fields__[k].metadata.get("kind")
    neutral = getattr(kind, "neutral", None)
    return None if neutral is not None and np.ndim(v) == kind.precise and kind.public(v) == neutral else v
