"""Steps and lengths beyond int32: evaluated wide, in int64 under JAX's 64-bit types.

A length beyond ``2**31 - 1`` is kept as int64 on the schedule and flattened
as two int32 words ``[hi, lo]`` (``hi * 2**31 + lo``), so that no path (a
``jit`` argument, ``vmap``, ``device_put``) narrows it. A schedule with such a
length, or one whose children see steps beyond int32, and any step of a dtype
that may exceed int32 (uint32, int64, floats) are evaluated wide: the step and
every length in int64, inside a context with 64-bit types on, whatever the
global flag. The arithmetic on values is float32 either way, so the two paths
agree to the bit on the steps both take.
"""

import contextlib
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxsched._fields import INT32_MAX, WIDE_MAX, _children


def x64() -> Any:
    """A context with JAX's 64-bit types on."""
    enable = getattr(jax, "enable_x64", None)
    return enable(True) if enable is not None else jax.experimental.enable_x64()  # type: ignore[attr-defined]


def context(wide: bool) -> Any:
    """The context a wide evaluation runs in: 64-bit types, unless they are on already."""
    return x64() if wide and not jax.config.read("jax_enable_x64") else _NOTHING


_NOTHING = contextlib.nullcontext()  # reusable


def layout(x: Any) -> tuple[tuple[str, ...], bool, bool]:
    """The fields of schedule ``x`` held as int64 (beyond int32, or declared ``_long``), whether it or a
    child evaluates wide, and whether it is the eager program's (``rebuild``'s ``eager``); computed once
    from the concrete fields, carried by its tree structure."""
    found = x.__dict__.get("_layout")
    if found is None:
        split = tuple(k for k in x._data if k in x._long or is_int64(x.__dict__.get(k)))
        found = (split, bool(split) or x._wide_steps() or any(is_wide(c) for c in _children(x)), False)
        object.__setattr__(x, "_layout", found)
    return found


def eager(x: Any) -> bool:
    """Whether schedule ``x`` is evaluated by the eager program, whose neutral values are None
    (``_eager._unless_neutral``): a field that may be neutral, if present, is not."""
    return layout(x)[2]


def in_words(x: Any, name: str) -> bool:
    """Whether field ``name`` of ``x`` holds an integer beyond int32 as two int32 words (traced, from a flatten)."""
    return name in x.__dict__.get("_layout", ((),))[0] and not is_int64(x.__dict__.get(name))


def is_int64(x: Any) -> bool:
    """A concrete int64 array: lengths beyond int32, as the schedule holds them."""
    return isinstance(x, np.ndarray) and x.dtype == np.int64


def words(v: np.ndarray) -> np.ndarray:
    return np.stack([v >> 31, v & INT32_MAX], -1).astype(np.int32)


def join(w: Any) -> Any:
    """Two words (int64, last axis 2) back into one integer."""
    return w[..., 0] * 2**31 + w[..., 1]


def dtype_is_wide(dtype: Any) -> bool:
    """Whether a step of ``dtype`` may exceed int32."""
    info = jnp.finfo(dtype) if jnp.issubdtype(dtype, jnp.floating) else jnp.iinfo(dtype)
    return float(info.max) > INT32_MAX


def is_wide(schedule: Any) -> bool:
    """Whether the schedule or a child evaluates wide."""
    return layout(schedule)[1]


def int_step(step: jax.Array, wide: bool) -> jax.Array:
    """Any step array -> int32 in [0, 2**31 - 1] (a narrow dtype) or, ``wide``, int64 in [0, 2**62]."""
    out = jnp.int64 if wide else jnp.int32
    if jnp.issubdtype(step.dtype, jnp.floating):
        floored = jnp.floor(jnp.nan_to_num(step if step.dtype.itemsize >= 4 else step.astype(jnp.float32), nan=0.0))
        return jnp.clip(floored, 0.0, float(WIDE_MAX)).astype(out)
    if jnp.issubdtype(step.dtype, jnp.unsignedinteger):
        return jnp.minimum(step, WIDE_MAX).astype(out) if step.dtype.itemsize == 8 else step.astype(out)
    if jnp.issubdtype(step.dtype, jnp.signedinteger):
        return jnp.clip(step.astype(out), 0, WIDE_MAX) if wide else jnp.maximum(step.astype(out), 0)
    raise TypeError(f"step must be an integer or a float, got dtype {step.dtype}")


def rebuild(x: Any, value: Callable[[Any, str, Any], Any], wide: bool = False, eager: bool = False) -> Any:
    """A copy of schedule ``x`` and its children in which each present field ``k`` of a node that is
    not a schedule holds ``value(node, k, v)``; ``wide``: the copies evaluate wide (words joined);
    ``eager``: they are the eager program's (as are the copies of one)."""
    split, was_wide, was_eager = layout(x)
    found = (() if wide else split, wide or was_wide, eager or was_eager)
    obj = object.__new__(type(x))
    obj.__dict__.update({k: getattr(x, k) for k in x._static}, _layout=found)
    for k in x._data:
        v = getattr(x, k)
        if hasattr(v, "_data"):  # a child schedule
            v = rebuild(v, value, wide, eager)
        elif isinstance(v, tuple):
            v = tuple(rebuild(c, value, wide, eager) for c in v)
        elif v is not None:
            v = value(x, k, v)
        obj.__dict__[k] = v
    return obj


def widen(x: Any) -> Any:
    """Schedule ``x`` and its children with every length and derived integer as int64 (words joined)."""
    return rebuild(x, _int64, wide=True)


def _int64(x: Any, k: str, v: Any) -> Any:
    kind = x.__dataclass_fields__[k].metadata.get("kind")
    if kind is not None and kind.what not in ("length", "boundaries"):
        return v
    arr = jnp.asarray(v)
    arr = join(arr.astype(jnp.int64)) if in_words(x, k) else arr
    return arr.astype(jnp.int64) if jnp.issubdtype(arr.dtype, jnp.integer) else v
