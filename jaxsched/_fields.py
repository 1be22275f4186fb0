"""Field kinds: each schedule field declares its kind once; conversion and
validation of every argument happen here, in one place.

A kind turns what the user passed into a leaf (a float32 / int32 NumPy array,
int64 for a length beyond int32, or a JAX array when traced) or a static
value, and raises a clear error that names the public function, the argument
and the value. Traced values skip the checks that need a concrete number."""

import dataclasses
import functools
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.core import Tracer

INT32_MAX = 2**31 - 1
MAX_STEPS = 2**53  # the longest length: every integer up to it is exact in float64
WIDE_MAX = 2**62  # wide steps (int64) are capped here: a step plus a length never overflows
MAX_DEPTH = 64  # schedules nest at most this deep (repr, configs, pickling recurse)
_F32 = np.finfo(np.float32)
_RANGE = f"within the float32 range (|x| <= {_F32.max:.4g})"
_TINY = f"0 or at least {_F32.tiny:.4g} in magnitude (float32 flushes smaller)"
_INTERVALS = {"(0, inf)": "positive", "[0, inf)": "non-negative"}  # in words


def is_traced(x: Any) -> bool:
    if type(x) in (int, float, np.ndarray):  # the common concrete cases, without a tree walk
        return False
    return any(isinstance(leaf, Tracer) for leaf in jax.tree_util.tree_leaves(x))


def fmt(x: Any) -> str:
    """A value as the user wrote it, for error messages."""
    if isinstance(x, (np.ndarray, np.generic, jax.Array)) and not isinstance(x, Tracer):
        arr = np.asarray(x)
        return repr(arr.item()) if arr.ndim == 0 else repr(arr.tolist())
    return repr(x)


def _declared(x: Any) -> list[tuple[str, Any, Any]]:
    """``(name, kind, value)`` of a schedule's declared, non-static, present fields, in order."""
    fields = ((f.name, f.metadata.get("kind"), getattr(x, f.name)) for f in dataclasses.fields(x))
    return [(k, kind, v) for k, kind, v in fields if kind is not None and not kind.static and v is not None]


def _children(x: Any) -> list[Any]:
    """A schedule's child schedules."""
    from jaxsched._core import Schedule

    return [c for _, _, v in _declared(x) for c in (v if isinstance(v, tuple) else (v,)) if isinstance(c, Schedule)]


def depth(x: Any) -> int:
    """How deep a schedule nests (1: no child schedule); kept on the instance once computed."""
    found = x.__dict__.get("_depth")
    if found is None:
        found = 1 + max(map(depth, _children(x)), default=0)
        object.__setattr__(x, "_depth", found)
    return found


def batch_shape(x: Any) -> tuple[int, ...]:
    """The leading dimensions of a stack of schedules (a ``vmap`` sweep); () for one schedule."""
    from jaxsched._core import Schedule
    from jaxsched._wide import in_words

    own = [(k, kind, v) for k, kind, v in _declared(x) if not isinstance(v, (tuple, Schedule))]
    if not own:  # a wrapper with only children: the first child's
        children = _children(x)
        return batch_shape(children[0]) if children else ()
    name, kind, value = min(own, key=lambda o: o[1].what != "value")  # a value is never in words
    natural = 1 if kind.what == "boundaries" else int(kind.table) + int(kind.precise)
    return tuple(np.shape(value)[: np.ndim(value) - natural - in_words(x, name)])


def fail(fn: str, message: str) -> None:
    raise ValueError(f"{fn}: {message}")


def require(ok: Any, fn: str, message: str | Callable[[], str]) -> None:
    """``fail`` unless every entry of ``ok`` holds (``message`` may be a function: formatted on failure)."""
    if not (ok if type(ok) in (bool, np.bool_) else np.asarray(ok).all()):
        fail(fn, message() if callable(message) else message)


def numbers(fn: str, name: str, x: Any, ndim: int, what: str) -> np.ndarray:
    """A concrete number (``ndim`` 0) or list of numbers (``ndim`` 1) as float64."""

    def bad() -> TypeError:
        kind = f"a list of {what.replace('number', 'numbers', 1)}" if ndim else f"a {what}"
        return TypeError(f"{fn}: {name} must be {kind}, got {fmt(x)}")

    if isinstance(x, (bool, np.bool_, str, bytes, dict)) or x is None:
        raise bad()
    if isinstance(x, (list, tuple)) and any(isinstance(v, (bool, np.bool_, str, bytes)) for v in x):
        raise bad()
    if isinstance(x, (int, float)) and type(x) is not bool and not ndim and abs(x) < 1e308:  # checks 10x faster
        return np.float64(x)  # type: ignore[return-value]
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise bad() from None
    except OverflowError:  # an integer beyond float64
        raise ValueError(f"{fn}: {name} must be finite, got {fmt(x)}") from None
    if arr.ndim != ndim or np.asarray(x).dtype.kind not in "iufO":
        raise bad()
    return arr


@functools.cache
def _bounds(interval: str) -> tuple[float, float]:
    """The two ends of an interval such as ``"(0, 1]"``."""
    lo, hi = (float(v) for v in interval[1:-1].split(","))
    return lo, hi


@dataclasses.dataclass(frozen=True)
class Kind:
    """How one field is converted and checked."""

    what: str  # value, length, boundaries, choice, flag, schedule, schedules
    static: bool = False
    optional: bool = False
    table: bool = False
    minimum: int = 0
    interval: str = ""  # e.g. "(0, inf)", "(0, 1]" for values
    precise: bool = False
    choices: tuple[str, ...] = ()
    repeats: bool = False  # boundaries: a step may appear twice
    empty: bool = False  # boundaries: none at all is fine
    neutral: float | None = None  # values, lengths: one that changes nothing (the eager program skips its arithmetic)

    def convert(self, fn: str, name: str, x: Any) -> Any:
        if x is None and self.optional:
            return None
        return getattr(self, "_" + self.what)(fn, name, x)

    def _value(self, fn: str, name: str, x: Any) -> Any:
        if is_traced(x):
            leaf = jnp.asarray(x).astype(jnp.float32)
            return jnp.stack([leaf, jnp.zeros_like(leaf)], -1) if self.precise else leaf
        arr = numbers(fn, name, x, int(self.table), "real number")
        require(np.isfinite(arr), fn, lambda: f"{name} must be finite, got {fmt(x)}")
        require(np.abs(arr) <= _F32.max, fn, lambda: f"{name} must be {_RANGE}, got {fmt(x)}")
        require((arr == 0) | (np.abs(arr) >= _F32.tiny), fn, lambda: f"{name} must be {_TINY}, got {fmt(x)}")
        if self.interval:
            lo, hi = _bounds(self.interval)
            low_ok = arr > lo if self.interval[0] == "(" else arr >= lo
            high_ok = arr < hi if self.interval[-1] == ")" else arr <= hi
            words = _INTERVALS.get(self.interval, "in " + self.interval)
            require(low_ok & high_ok, fn, lambda: f"{name} must be {words}, got {fmt(x)}")
        if self.precise:
            hi32 = arr.astype(np.float32)
            return np.stack([hi32, (arr - hi32.astype(np.float64)).astype(np.float32)], -1)
        return np.asarray(arr, np.float32)

    def _length(self, fn: str, name: str, x: Any) -> Any:
        if is_traced(x):
            arr = jnp.asarray(x)
            return (jnp.round(arr) if jnp.issubdtype(arr.dtype, jnp.floating) else arr).astype(jnp.int32)
        what = "whole number of steps"
        arr = numbers(fn, name, x, int(self.table), what)
        require(np.isfinite(arr) & (arr == np.floor(arr)), fn, lambda: f"{name} must be a {what}, got {fmt(x)}")
        bound = "non-negative" if self.minimum == 0 else f"at least {self.minimum}"
        require(arr >= self.minimum, fn, lambda: f"{name} must be {bound}, got {fmt(x)}")
        exact = (np.abs(arr) < MAX_STEPS).all() or all(abs(int(v)) <= MAX_STEPS for v in np.ravel(np.array(x, object)))
        require(exact, fn, lambda: f"{name} must be at most 2**53 ({MAX_STEPS}) in magnitude, got {fmt(x)}")
        return steps_array(arr)

    def _boundaries(self, fn: str, name: str, x: Any) -> Any:
        if not is_traced(x) and (isinstance(x, (str, dict)) or np.ndim(x) != 1 or (len(x) == 0 and not self.empty)):
            fail(fn, f"{name} must be a non-empty list of steps, got {fmt(x)}")
        out = dataclasses.replace(self, what="length", table=True)._length(fn, name, x)
        steps = "sorted" if self.repeats else "strictly increasing (sorted, no duplicates)"
        require(
            is_traced(out) or np.diff(out) >= (0 if self.repeats else 1), fn, f"{name} must be {steps}, got {fmt(x)}"
        )
        return out

    def _choice(self, fn: str, name: str, x: Any) -> str:
        if not isinstance(x, str) or x not in self.choices:
            fail(fn, f"{name} must be one of {', '.join(map(repr, self.choices))}, got {fmt(x)}")
        return x

    def _flag(self, fn: str, name: str, x: Any) -> bool:
        if not isinstance(x, bool):
            raise TypeError(f"{fn}: {name} must be True or False, got {x!r}")
        return x

    def _schedule(self, fn: str, name: str, x: Any) -> Any:
        from jaxsched._core import Schedule

        if not isinstance(x, Schedule) or x.stateful:
            of_step = " of the step, not a stateful one" if isinstance(x, Schedule) else ""
            raise TypeError(f"{fn}: {name} must be a jaxsched schedule{of_step}, got {x!r}")
        require(depth(x) < MAX_DEPTH, fn, f"schedules nest at most {MAX_DEPTH} deep, got a deeper {name}")
        return x

    def _schedules(self, fn: str, name: str, x: Any) -> tuple:
        from jaxsched._core import Schedule

        if isinstance(x, Schedule) or not isinstance(x, (list, tuple)):
            raise TypeError(f"{fn}: {name} must be a list of jaxsched schedules, got {x!r}")
        if not x:
            fail(fn, f"{name} must not be empty, got []")
        return tuple(self._schedule(fn, f"{name}[{i}]", s) for i, s in enumerate(x))

    def public(self, leaf: Any) -> Any:
        """A stored leaf as the user would write it (``hi + lo`` for precise values; float32 when traced)."""
        if not self.precise or leaf is None:
            return leaf
        return leaf[..., 0] + leaf[..., 1] if is_traced(leaf) else as_float(leaf)


def field(kind: Kind, default: Any = dataclasses.MISSING) -> Any:
    """A field of the given kind (the factories below cover the common ones)."""
    return dataclasses.field(default=default, metadata={"kind": kind, "static": kind.static})


_NO = dataclasses.MISSING


def value(default: Any = _NO, *, neutral: bool = False, **options: Any) -> Any:
    """A finite float32 value: ``interval`` (such as ``"(0, 1]"``) bounds it, ``precise`` keeps float64
    precision in two float32 words; ``neutral``: the default changes nothing (an exponent or a decay
    rate of 1), so the eager program passes None for it and ``_value`` skips its arithmetic."""
    return field(Kind("value", optional=default is None, neutral=default if neutral else None, **options), default)


def length(default: Any = _NO, *, minimum: int = 0, neutral: bool = False) -> Any:
    """A whole number of steps in ``[minimum, 2**53]``, stored as int32 (int64 beyond int32); ``neutral``:
    the default changes nothing (no warmup), so the eager program passes None for it, as for a value."""
    kind = Kind("length", optional=default is None, minimum=minimum, neutral=default if neutral else None)
    return field(kind, default)


def boundaries(*, repeats: bool = False, empty: bool = False) -> Any:
    """A strictly increasing (``repeats``: non-decreasing) list of non-negative steps, non-empty unless ``empty``."""
    return field(Kind("boundaries", repeats=repeats, empty=empty), _NO)


def choice(default: str, *choices: str) -> Any:
    """One of a few strings (static)."""
    return field(Kind("choice", static=True, choices=choices), default)


def flag(default: bool) -> Any:
    """``True`` or ``False`` (static)."""
    return field(Kind("flag", static=True), default)


def schedule() -> Any:
    """A child schedule."""
    return field(Kind("schedule"), _NO)


def schedules() -> Any:
    """A non-empty list of child schedules."""
    return field(Kind("schedules"), _NO)


def derived() -> Any:
    """A leaf computed by the class's ``_derive`` from the other fields (not an argument)."""
    return dataclasses.field(default=None, init=False, metadata={"derived": True})


def as_float(leaf: Any) -> Any:
    """A precise ``[hi, lo]`` leaf as the shortest Python float that splits back to the same words."""
    arr = np.asarray(leaf)
    if arr.ndim > 1:
        return [as_float(a) for a in arr]
    exact = float(np.float64(arr[0]) + np.float64(arr[1]))
    for digits in range(1, 18):
        short = float(f"{exact:.{digits}g}")
        hi = np.float32(short)
        if hi == arr[0] and np.float32(short - float(hi)) == arr[1]:
            return short
    return exact


def steps_array(arr: Any) -> np.ndarray:
    """Whole numbers of steps as int32, or int64 if one is beyond int32 (flattened as two int32 words)."""
    arr = np.asarray(arr)
    return arr.astype(np.int32 if (np.abs(arr) <= INT32_MAX).all() else np.int64)


def concrete(x: Any) -> float | None:
    """A concrete scalar leaf as a float; None if traced, absent or not a scalar."""
    if x is None or is_traced(x) or np.ndim(x) != 0:
        return None
    return float(np.asarray(x))
