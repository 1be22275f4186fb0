"""The Schedule base class, step normalization, validation helpers, the registry.

Every schedule is a frozen dataclass registered as a JAX pytree. Numeric
hyperparameters (values and lengths) are leaves, stored as float32 / int32
arrays; strings and structure are static fields (``static()``). A subclass
implements ``_value(step)`` where ``step`` is an int32 array already clamped to
``[0, 2**31 - 1]``; the base class handles everything else: step dtypes,
clamping, the float32 output, the jit-cached eager call, repr and configs.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import math
from collections.abc import Callable
from typing import Any, ClassVar

import jax
import jax.numpy as jnp
import numpy as np

INT32_MAX = 2**31 - 1
_FLOAT_MAX_STEP = 2147483520.0  # the largest float32 below 2**31

# name -> public constructor; filled by ``register``.
REGISTRY: dict[str, Callable[..., Schedule]] = {}


def static(default: Any = dataclasses.MISSING) -> Any:
    """A dataclass field that is part of the pytree structure, not a leaf."""
    return dataclasses.field(default=default, metadata={"static": True})


class Schedule:
    """A schedule: an immutable, jit-compatible ``step -> float32`` function.

    Call it with a step (Python int or float, NumPy or JAX scalar or array of
    any integer or float dtype): the result is a float32 array of the step's
    shape. Negative steps give the value at step 0. Float steps are floored to
    whole steps; steps above ``2**31 - 1`` are treated as ``2**31 - 1``.
    """

    name: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        dataclasses.dataclass(frozen=True, eq=False, repr=False, kw_only=True)(cls)
        fields = dataclasses.fields(cls)
        meta = [f.name for f in fields if f.metadata.get("static")]
        data = [f.name for f in fields if not f.metadata.get("static")]
        # Registered with explicit callbacks rather than ``register_dataclass``,
        # whose tree structures of two classes with the same fields compare
        # equal (jax 0.10): structures must differ by class, or jit caches mix.

        def flatten_with_keys(x: Schedule) -> tuple[list, tuple]:
            return [(jax.tree_util.GetAttrKey(k), getattr(x, k)) for k in data], tuple(getattr(x, k) for k in meta)

        def flatten(x: Schedule) -> tuple[list, tuple]:
            return [getattr(x, k) for k in data], tuple(getattr(x, k) for k in meta)

        def unflatten(aux: tuple, children: Any) -> Schedule:
            return cls(**dict(zip(data, children, strict=True)), **dict(zip(meta, aux, strict=True)))

        jax.tree_util.register_pytree_with_keys(cls, flatten_with_keys, unflatten, flatten)

    def _value(self, step: jax.Array) -> jax.Array:
        """The value at an int32 ``step`` in ``[0, 2**31 - 1]``."""
        raise NotImplementedError

    def __call__(self, step: Any) -> jax.Array:
        kind = type(step)
        if kind is int:  # the common eager case: clamp in Python, no conversion
            step = min(max(step, 0), INT32_MAX)
        elif kind is bool or isinstance(step, np.bool_):
            raise TypeError(f"{self.name}: step must be an integer or a float, got a bool ({step!r})")
        elif kind is float:  # floored exactly in Python (float32 would round 20_000_001.0); NaN stays NaN
            if step == step:
                step = INT32_MAX if step >= INT32_MAX else 0 if step <= 0 else int(step)
        elif kind in (list, tuple):
            step = np.asarray(step)
        if (
            isinstance(step, (np.ndarray, np.generic))
            and step.dtype.itemsize == 8
            and not jax.config.jax_enable_x64
            and (step.dtype.kind in "iu" or (step.dtype.kind == "f" and not np.isnan(step).any()))
        ):  # 64-bit steps without x64: exact in NumPy before jax narrows them to 32 bits
            step = np.clip(np.floor(step) if step.dtype.kind == "f" else step, 0, INT32_MAX).astype(np.int32)
        packed = self.__dict__.get("_packed")
        if packed is None:
            if is_traced(self):  # leaves are tracers: trace through directly
                return _evaluate(self, step)
            with jax.ensure_compile_time_eval():  # concrete even when called inside a trace
                packed = _pack(self)
            object.__setattr__(self, "_packed", packed)
        return _evaluate_packed(packed[0], packed[1], step)

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_packed"}

    def _at(self, step: jax.Array) -> jax.Array:
        """``_value`` at an int32 step that may be negative (clamped to 0)."""
        return self._value(jnp.maximum(step, 0))

    # --- equality, repr and configs -------------------------------------
    def _fields(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def _public_fields(self) -> dict[str, Any]:
        """Fields that differ from the constructor's defaults, in order."""
        params = inspect.signature(REGISTRY[self.name]).parameters
        out = {}
        for key, value in self._fields().items():
            param = params.get(key)
            if param is not None and param.default is not inspect.Parameter.empty:
                if _same(value, param.default):
                    continue
            out[key] = value
        return out

    def __eq__(self, other: object) -> bool:
        if type(self) is not type(other):
            return NotImplemented
        a, tree_a = jax.tree_util.tree_flatten(self)
        b, tree_b = jax.tree_util.tree_flatten(other)
        if tree_a != tree_b:
            return False
        return all(np.array_equal(np.asarray(x), np.asarray(y)) for x, y in zip(a, b, strict=True))

    def __hash__(self) -> int:
        leaves, treedef = jax.tree_util.tree_flatten(self)
        if is_traced(leaves):
            return hash(treedef)
        # ``+ 0`` turns -0.0 into 0.0: equal schedules must hash equal.
        return hash((treedef, tuple((np.asarray(x) + 0).tobytes() for x in leaves)))

    def __repr__(self) -> str:
        if is_traced(self):
            return f"{self.name}(<traced>)"
        args = ", ".join(f"{k}={_spec(v)}" for k, v in self._public_fields().items())
        return f"{self.name}({args})"

    def to_config(self) -> dict[str, Any]:
        """A JSON-safe dict that ``jaxsched.from_config`` reads back.

        ``{"schedule": name, **arguments}``, arguments at their defaults left
        out, child schedules nested as dicts of the same form. The one
        renamed argument: a wrapper's child (``warmup``, ``scale``, ``clip``,
        ``offset``, ``repeat``, ``noise``) is under ``"schedule_"``, since
        ``"schedule"`` holds the name.

        Example:
            >>> import jaxsched
            >>> jaxsched.constant(value=0.5).to_config()
            {'schedule': 'constant', 'value': 0.5}
            >>> jaxsched.scale(jaxsched.constant(value=0.5), factor=2.0).to_config()
            {'schedule': 'scale', 'schedule_': {'schedule': 'constant', 'value': 0.5}, 'factor': 2.0}
        """
        fields = self._public_fields().items()
        return {"schedule": self.name, **{config_key(k): _plain(v) for k, v in fields}}


def config_key(argument: str) -> str:
    """The config key of a constructor argument: a wrapper's ``schedule`` argument
    is written ``schedule_``, since ``"schedule"`` holds the name."""
    return "schedule_" if argument == "schedule" else argument


def register(cls: type[Schedule]) -> Callable[[Callable[..., Schedule]], Callable[..., Schedule]]:
    """Decorates a public constructor: names ``cls`` after it and registers it."""

    def decorate(fn: Callable[..., Schedule]) -> Callable[..., Schedule]:
        cls.name = fn.__name__
        REGISTRY[fn.__name__] = fn
        return fn

    return decorate


# --- evaluation --------------------------------------------------------------
def _int_step(step: jax.Array) -> jax.Array:
    """Any step array -> int32 in [0, INT32_MAX], exact for every integer dtype."""
    dtype = step.dtype
    if jnp.issubdtype(dtype, jnp.floating):
        if dtype.itemsize < 4:  # float16 / bfloat16: every value fits in float32
            step = step.astype(jnp.float32)
        top = float(INT32_MAX) if dtype.itemsize == 8 else _FLOAT_MAX_STEP
        floored = jnp.floor(jnp.nan_to_num(step, nan=0.0))
        clipped = jnp.clip(floored, 0.0, top).astype(jnp.int32)
        return jnp.where(floored > top, INT32_MAX, clipped)
    if jnp.issubdtype(dtype, jnp.unsignedinteger):
        if dtype.itemsize < 4:
            return step.astype(jnp.int32)
        return jnp.minimum(step, INT32_MAX).astype(jnp.int32)
    if jnp.issubdtype(dtype, jnp.signedinteger):
        if dtype.itemsize <= 4:
            return jnp.maximum(step.astype(jnp.int32), 0)
        return jnp.clip(step, 0, INT32_MAX).astype(jnp.int32)
    raise TypeError(f"step must be an integer or a float, got dtype {dtype}")


def evaluate(schedule: Schedule, step: Any) -> jax.Array:
    """Traceable evaluation: normalize ``step``, call ``_value``, float32 out."""
    step = jnp.asarray(step)
    if step.dtype == jnp.bool_:
        raise TypeError(f"{schedule.name}: step must be an integer or a float, got a bool array")
    value = schedule._value(_int_step(step))
    value = jnp.broadcast_to(jnp.asarray(value), step.shape).astype(jnp.float32)
    if jnp.issubdtype(step.dtype, jnp.floating):
        value = jnp.where(jnp.isnan(step), jnp.float32(jnp.nan), value)
    return value


_evaluate = jax.jit(evaluate)


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


def _pack(schedule: Schedule) -> tuple[_Structure, tuple[jax.Array, ...]]:
    """Leaves concatenated into one array per dtype, so that an eager call
    passes a handful of arguments whatever the number of hyperparameters
    (jit dispatch cost grows with the number of arguments)."""
    leaves, treedef = jax.tree_util.tree_flatten(schedule)
    groups: dict[Any, list[jax.Array]] = {}
    layout = []
    for leaf in leaves:
        arr = jnp.asarray(leaf)
        group = groups.setdefault(arr.dtype, [])
        layout.append((arr.dtype, sum(a.size for a in group), arr.shape))
        group.append(arr.ravel())
    dtypes = list(groups)
    layout = tuple((dtypes.index(dtype), start, shape) for dtype, start, shape in layout)
    return _Structure(treedef, layout), tuple(jnp.concatenate(groups[d]) for d in dtypes)


@functools.partial(jax.jit, static_argnums=0)
def _evaluate_packed(structure: _Structure, arrays: tuple[jax.Array, ...], step: Any) -> jax.Array:
    leaves = [
        arrays[group][start : start + math.prod(shape)].reshape(shape) for group, start, shape in structure.layout
    ]
    return evaluate(jax.tree_util.tree_unflatten(structure.treedef, leaves), step)


# --- arithmetic helpers shared by the schedules --------------------------------
def ramp(step: jax.Array, start: jax.Array, end: jax.Array, steps: jax.Array) -> jax.Array:
    """Linear from ``start`` at step 0 to ``end`` at ``steps`` (held after).

    Interpolated from the nearer end, so that a value near ``end`` (a decay
    close to zero) keeps full float32 relative precision.
    """
    t = jnp.minimum(step, steps)
    first_half = t <= steps - t
    near = fraction(jnp.where(first_half, t, steps - t), steps)  # distance to the nearer end
    return jnp.where(first_half, lerp(start, end, near), lerp(end, start, near))


def fraction(num: jax.Array, den: jax.Array) -> jax.Array:
    """``num / den`` in float32 from exact int32 operands; 0 where ``den`` is 0.

    Exactly 1 where ``num == den``: XLA on CPU rewrites an array divided by a
    scalar as a product with the reciprocal (2021 * (1/2021) is 0.99999994).
    """
    den_safe = jnp.maximum(den, 1)
    frac = num.astype(jnp.float32) / den_safe.astype(jnp.float32)
    return jnp.where(den > 0, jnp.where(num == den, jnp.float32(1.0), frac), jnp.float32(0.0))


def lerp(start: jax.Array, end: jax.Array, t: jax.Array) -> jax.Array:
    """``start + (end - start) * t``."""
    return start + (end - start) * t


def saturating_add(a: jax.Array, b: jax.Array) -> jax.Array:
    """``a + b`` for ``a`` in [0, INT32_MAX] and ``|b| <= INT32_MAX``, capped."""
    room = INT32_MAX - jnp.maximum(b, 0)
    return jnp.where(a > room, INT32_MAX, a + b)


def cosine_shape(remaining: jax.Array) -> jax.Array:
    """``0.5 * (1 + cos(pi * x))`` written as ``sin(pi/2 * (1 - x))**2``.

    ``remaining`` is ``1 - x``, computed exactly from integers by the caller;
    this form keeps full float32 relative precision near the end of a decay.
    """
    return jnp.sin(jnp.float32(np.pi / 2) * remaining) ** 2


# --- validation ------------------------------------------------------------
def is_traced(x: Any) -> bool:
    return any(isinstance(leaf, jax.core.Tracer) for leaf in jax.tree_util.tree_leaves(x))


def fmt(x: Any) -> str:
    """A value as the user wrote it, for error messages."""
    if isinstance(x, (np.ndarray, np.generic, jax.Array)) and not isinstance(x, jax.core.Tracer):
        arr = np.asarray(x)
        return repr(arr.item()) if arr.ndim == 0 else repr(arr.tolist())
    return repr(x)


def fail(fn: str, message: str) -> None:
    raise ValueError(f"{fn}: {message}")


def _numbers(fn: str, name: str, x: Any, table: bool, what: str) -> np.ndarray:
    """A concrete number (or, with ``table``, a 1-d list of numbers) as float64."""
    kind = f"a list of {what}s" if table else f"a {what}"
    if isinstance(x, (bool, np.bool_, str, dict)) or x is None:
        raise TypeError(f"{fn}: {name} must be {kind}, got {fmt(x)}")
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{fn}: {name} must be {kind}, got {fmt(x)}") from None
    if arr.ndim != (1 if table else 0):
        raise TypeError(f"{fn}: {name} must be {kind}, got {fmt(x)}")
    return arr


def value(fn: str, name: str, x: Any, table: bool = False) -> jax.Array:
    """A finite real number (``table``: a list of them) -> float32 leaf."""
    if is_traced(x):
        return jnp.asarray(x).astype(jnp.float32)
    arr = _numbers(fn, name, x, table, "real number")
    if not np.all(np.isfinite(arr)):
        fail(fn, f"{name} must be finite, got {fmt(x)}")
    with jax.ensure_compile_time_eval():  # a concrete leaf even inside jit, so checks still run
        return jnp.asarray(arr, dtype=jnp.float32)


def length(fn: str, name: str, x: Any, minimum: int = 0, table: bool = False) -> jax.Array:
    """A whole number of steps in [minimum, 2**31 - 1] (``table``: a list) -> int32 leaf."""
    if is_traced(x):
        arr = jnp.asarray(x)
        if jnp.issubdtype(arr.dtype, jnp.floating):
            arr = jnp.round(arr)
        return arr.astype(jnp.int32)
    arr = _numbers(fn, name, x, table, "whole number of steps")
    if not np.all(np.isfinite(arr)) or not np.all(arr == np.floor(arr)):
        fail(fn, f"{name} must be a whole number of steps, got {fmt(x)}")
    if np.any(arr < minimum):
        bound = "non-negative" if minimum == 0 else f"at least {minimum}"
        fail(fn, f"{name} must be {bound}, got {fmt(x)}")
    if np.any(arr > INT32_MAX):
        fail(fn, f"{name} must fit in int32 (at most {INT32_MAX}), got {fmt(x)}")
    with jax.ensure_compile_time_eval():
        return jnp.asarray(arr.astype(np.int64), dtype=jnp.int32)


def boundaries(fn: str, name: str, x: Any) -> jax.Array:
    """A strictly increasing, non-empty list of non-negative steps -> int32 leaf."""
    if is_traced(x):
        return length(fn, name, x, table=True)
    if isinstance(x, (str, dict)) or np.ndim(x) != 1 or len(x) == 0:
        fail(fn, f"{name} must be a non-empty list of steps, got {fmt(x)}")
    out = length(fn, name, x, table=True)
    arr = np.asarray(out)
    if np.any(np.diff(arr) <= 0):
        fail(fn, f"{name} must be strictly increasing (sorted, no duplicates), got {fmt(x)}")
    return out


def positive(fn: str, name: str, x: Any) -> jax.Array:
    """A finite real number > 0 -> float32 leaf."""
    leaf = value(fn, name, x)
    c = concrete(leaf)
    if c is not None and c <= 0:
        fail(fn, f"{name} must be positive, got {fmt(x)}")
    return leaf


def flag(fn: str, name: str, x: Any) -> bool:
    """``True`` or ``False`` (a static field), nothing else."""
    if not isinstance(x, bool):
        raise TypeError(f"{fn}: {name} must be True or False, got {x!r}")
    return x


def not_above(fn: str, low: tuple[str, Any, Any], high: tuple[str, Any, Any]) -> None:
    """``low <= high`` for two ``(name, value as given, leaf or None)`` triples, when concrete."""
    (lo_name, lo_given, lo_leaf), (hi_name, hi_given, hi_leaf) = low, high
    a = None if lo_leaf is None else concrete(lo_leaf)
    b = None if hi_leaf is None else concrete(hi_leaf)
    if a is not None and b is not None and a > b:
        fail(fn, f"{lo_name} ({fmt(lo_given)}) must not exceed {hi_name} ({fmt(hi_given)})")


def choice(fn: str, name: str, x: Any, allowed: tuple[str, ...]) -> str:
    if x not in allowed:
        fail(fn, f"{name} must be one of {', '.join(map(repr, allowed))}, got {fmt(x)}")
    return x


def schedule(fn: str, name: str, x: Any) -> Schedule:
    if not isinstance(x, Schedule):
        raise TypeError(f"{fn}: {name} must be a jaxsched schedule, got {x!r}")
    return x


def concrete(x: Any) -> float | None:
    """A concrete scalar as a float (for cross-argument checks); None if traced."""
    if is_traced(x) or np.ndim(x) != 0:
        return None
    return float(np.asarray(x))


# --- repr and config values --------------------------------------------------
def _plain(x: Any) -> Any:
    """A field value -> JSON-safe Python (float32 values keep their short form)."""
    if isinstance(x, Schedule):
        return x.to_config()
    if isinstance(x, (tuple, list)):
        return [_plain(v) for v in x]
    if isinstance(x, (jax.Array, np.ndarray, np.generic)):
        arr = np.asarray(x)
        if arr.dtype.kind == "f":
            return _floats(arr)
        return arr.tolist()
    return x


def _floats(arr: np.ndarray) -> Any:
    if arr.ndim == 0:
        v = float(str(arr.astype(np.float32)))
        return v
    return [_floats(a) for a in arr]


def _spec(x: Any) -> str:
    if isinstance(x, Schedule):
        return repr(x)
    if isinstance(x, (tuple, list)) and any(isinstance(v, Schedule) for v in x):
        return "[" + ", ".join(_spec(v) for v in x) + "]"
    return repr(_plain(x))


def _same(x: Any, default: Any) -> bool:
    """Whether a stored field equals the constructor's default (then omitted)."""
    if isinstance(x, (Schedule, tuple, list)):
        return False
    if default is None or isinstance(default, (str, bool)):
        return type(x) is type(default) and x == default
    arr = np.asarray(x)
    return arr.ndim == 0 and float(arr) == float(np.float32(default))
