"""The Schedule base class, evaluation (any step in, float32 out), the registry.

Fields declare their kind once (``_fields``); construction converts and checks
them, runs ``_check`` when nothing is traced and stores what ``_derive`` computes.
"""

import contextlib
import dataclasses
import functools
from collections.abc import Callable
from typing import Any, ClassVar, dataclass_transform

import jax
import jax.numpy as jnp
import numpy as np
from jax.core import Tracer

from jaxsched import _eager, _wide
from jaxsched._fields import INT32_MAX, WIDE_MAX, _children, batch_shape, is_traced, steps_array
from jaxsched._math import once

# name -> public constructor; filled by ``register``.
REGISTRY: "dict[str, Callable[..., Schedule]]" = {}


@dataclass_transform(kw_only_default=True, frozen_default=True, field_specifiers=(dataclasses.field,))
class Schedule:
    """An immutable, jit-compatible ``step -> float32`` function: a step of any integer or
    float dtype, scalar or array, gives a float32 array of its shape. Negative steps give
    the value at 0; float steps are floored; steps above ``2**62`` count as ``2**62``."""

    name: ClassVar[str] = ""
    stateful: ClassVar[bool] = False  # a stateful schedule (``reduce_on_plateau``) is no child of another
    __dataclass_fields__: ClassVar[dict[str, Any]]
    _static: ClassVar[tuple[str, ...]] = ()
    _data: ClassVar[tuple[str, ...]] = ()
    _long: ClassVar[tuple[str, ...]] = ()  # fields always int64 (two int32 words when traced)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        dataclasses.dataclass(frozen=True, eq=False, repr=False, kw_only=True)(cls)
        fields = dataclasses.fields(cls)
        cls._static = tuple(f.name for f in fields if f.metadata.get("static"))
        cls._data = tuple(f.name for f in fields if not f.metadata.get("static"))
        # Explicit callbacks rather than ``register_dataclass``, whose tree
        # structures of two classes with the same fields compare equal
        # (jax 0.10): structures must differ by class, or jit caches mix.
        jax.tree_util.register_pytree_with_keys(cls, _flatten_with_keys, functools.partial(_unflatten, cls), _flatten)

    def __post_init__(self) -> None:
        given = {}
        for f in dataclasses.fields(self):
            kind = f.metadata.get("kind")
            if kind is not None:
                given[f.name] = getattr(self, f.name)
                object.__setattr__(self, f.name, kind.convert(self.name, f.name, given[f.name]))
        traced = is_traced([getattr(self, k) for k in self._data])
        if not traced:
            self._check(given)
        if type(self)._derive is Schedule._derive:  # nothing derived
            return
        with contextlib.nullcontext() if traced else jax.ensure_compile_time_eval():
            for key, leaf in self._derive(jnp if traced else np).items():
                object.__setattr__(self, key, leaf if traced else np.asarray(leaf))

    def _check(self, given: dict[str, Any]) -> None:
        """Cross-argument rules, on concrete fields; ``given`` holds the arguments as passed."""

    def _derive(self, xp: Any) -> dict[str, Any]:
        """Derived leaves, in float64 NumPy (``xp = np``) or, when traced, ``jnp``."""
        return {}

    def _value(self, step: jax.Array) -> jax.Array:
        """The value at an int32 step in [0, 2**31 - 1], or, evaluated wide (under 64-bit types), at an
        int64 step in [0, 2**62] with every length and derived integer int64."""
        raise NotImplementedError

    def _wide_steps(self) -> bool:
        """Whether the schedule needs wide (int64) steps even for int32 ones: a child evaluated beyond
        int32 (``offset``, units per step) or products of lengths beyond int32. Called on concrete fields."""
        return False

    def _phases(self, until: int) -> list[Any]:
        """Steps (scalars or arrays, any order, any range) where the formula changes: by default the
        ``boundaries`` field and the children's phases."""
        return [getattr(self, "boundaries", [])] + [c._phases(until) for c in _children(self)]

    def phases(self, until: int) -> list[int]:
        """The steps in ``(0, until]`` where the schedule changes formula, sorted: ends of warmups,
        starts of cooldowns, table boundaries, cycle starts (of a periodic schedule, the first 1,000).

        Example:
            >>> import jaxsched
            >>> jaxsched.wsd(peak_value=1.0, warmup_steps=10, total_steps=100, decay_steps=20).phases(100)
            [10, 80, 100]
        """
        if is_traced(self) or batch_shape(self):
            raise TypeError(f"{self.name}: phases needs one concrete schedule, not a traced one or a stack")
        leaves = jax.tree_util.tree_leaves(self._phases(int(until)))
        return sorted({int(b) for p in leaves for b in np.ravel(p) if 0 < b <= until})

    def _at(self, step: jax.Array) -> jax.Array:  # a child's value at a step that may be negative
        return jnp.asarray(self._value(jnp.maximum(step, 0))).astype(jnp.float32)

    def __call__(self, step: Any) -> jax.Array:
        kind, packed = type(step), self.__dict__.get("_packed")
        if packed is not None and ((kind is int and 0 <= step <= INT32_MAX) or kind is type(packed[1])):
            if not _wide.is_wide(self):  # the common eager calls, at once: an int32 int or a concrete JAX array
                return packed[0](packed[1], step)
        if kind is float and step == step:  # floored exactly in Python (float32 would round 20_000_001.0)
            step, kind = int(min(max(step, 0.0), WIDE_MAX)), int
        if kind is int:  # the common eager case: clamp in Python, no conversion (int64 beyond int32)
            step = max(step, 0)
            if step > INT32_MAX:
                step = np.int64(min(step, WIDE_MAX))
        elif kind is bool or isinstance(step, np.bool_):
            raise TypeError(f"{self.name}: step must be an integer or a float, got a bool ({step!r})")
        elif kind in (list, tuple):
            step = np.asarray(step)
        elif not isinstance(step, (float, np.ndarray, np.generic, jax.Array)):  # a float here is NaN: it stays NaN
            raise TypeError(f"{self.name}: step must be an integer or a float, or an array of them, got {step!r}")
        nan = None
        if isinstance(step, (np.ndarray, np.generic)):
            if step.dtype.kind not in "iuf":
                raise TypeError(f"{self.name}: step must be an integer or a float, got an array of {step.dtype}")
            if step.dtype.itemsize == 8 and not jax.config.read("jax_enable_x64"):  # exact in NumPy
                nan = np.isnan(step) if step.dtype.kind == "f" and np.isnan(step).any() else None
                floored = np.floor(np.nan_to_num(step)) if step.dtype.kind == "f" else step
                step = steps_array(np.clip(floored, 0, WIDE_MAX))
        # 64-bit types for a step beyond int32 and for a wide schedule (its programs hold int64 constants)
        wide = (isinstance(step, np.ndarray | np.generic) and step.dtype == np.int64) or _wide.is_wide(self)
        with _wide.context(wide):
            out = self._call(step)
        return out if nan is None else jnp.where(nan, jnp.float32(jnp.nan), out)

    def _call(self, step: Any) -> jax.Array:
        packed = self.__dict__.get("_packed")
        if packed is None:  # first eager call, or traced leaves
            if batch_shape(self):  # a stack from a vmap sweep: every member at the steps, batch + step shape
                return jax.vmap(type(self).__call__, in_axes=(0, None))(self, step)
            if not is_traced(self):
                with jax.ensure_compile_time_eval():  # concrete even when called inside a trace
                    packed = _eager.pack(self)
                object.__setattr__(self, "_packed", packed)
        if packed is None:  # traced hyperparameters
            out = evaluate(_eager.hidden(self), step)
        else:  # in a trace, the hyperparameters are hidden from XLA's constant folding: the eager arithmetic
            words = jax.lax.optimization_barrier(packed[1]) if isinstance(step, Tracer) else packed[1]
            out = packed[0](words, step)
        if isinstance(out, Tracer) and not out.ndim:  # inside a training step: computed once, not per leaf
            out = once(out)
        return out

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def __eq__(self, other: object) -> bool:
        if type(self) is not type(other):
            return NotImplemented
        return self._key() == other._key()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._key())

    def _key(self) -> Any:
        """Structure and leaf bytes, computed once (``+ 0`` makes -0.0 equal 0.0)."""
        key = self.__dict__.get("_eq_key")
        if key is None:
            leaves, treedef = jax.tree_util.tree_flatten(self)
            if is_traced(leaves):
                return (treedef, id(self))
            key = (
                treedef,
                tuple((str(np.asarray(x).dtype), np.shape(x), (np.asarray(x) + 0).tobytes()) for x in leaves),
            )
            object.__setattr__(self, "_eq_key", key)
        return key

    def __repr__(self) -> str:
        from jaxsched._config import spec

        return spec(self)

    def to_config(self) -> dict[str, Any]:
        """A JSON-safe dict that ``jaxsched.from_config`` reads back: ``{"schedule":
        name, **arguments}`` without the defaults, children nested the same way
        (a wrapper's child under ``"schedule_"``, as ``"schedule"`` holds the name).

        Example:
            >>> import jaxsched
            >>> jaxsched.scale(jaxsched.constant(value=0.5), factor=2.0).to_config()
            {'schedule': 'scale', 'schedule_': {'schedule': 'constant', 'value': 0.5}, 'factor': 2.0}
        """
        from jaxsched._config import config

        return config(self)


def _flatten(x: Schedule) -> tuple[list, tuple]:
    """Leaves (an integer beyond int32 as two int32 words) and the static fields, then the layout."""
    leaves = [_wide.words(v) if _wide.is_int64(v) else v for v in (getattr(x, k) for k in x._data)]
    return leaves, (*(getattr(x, k) for k in x._static), _wide.layout(x))


def _flatten_with_keys(x: Schedule) -> tuple[list, tuple]:
    leaves, aux = _flatten(x)
    return [(jax.tree_util.GetAttrKey(k), v) for k, v in zip(x._data, leaves, strict=True)], aux


def _unflatten(cls: type[Schedule], aux: tuple, children: Any) -> Schedule:
    """Rebuilds without converting, checking or deriving again (leaves may be tracers); concrete words
    are joined back into int64."""
    obj = object.__new__(cls)
    obj.__dict__.update(zip(cls._data, children, strict=True))
    obj.__dict__.update(zip(cls._static, aux[:-1], strict=True))
    obj.__dict__["_layout"] = aux[-1]
    for k in aux[-1][0]:  # concrete words back into int64
        v = obj.__dict__[k]
        if isinstance(v, (np.ndarray, jax.Array)) and not isinstance(v, Tracer) and np.shape(v)[-1:] == (2,):
            obj.__dict__[k] = np.asarray(_wide.join(np.asarray(v).astype(np.int64)))
    return obj


def register(cls: type[Schedule]) -> Callable[[Callable[..., Schedule]], Callable[..., Schedule]]:
    """Decorates a public constructor: names ``cls`` after it and registers it."""

    def decorate(fn: Callable[..., Schedule]) -> Callable[..., Schedule]:
        cls.name = fn.__name__
        REGISTRY[fn.__name__] = fn
        return fn

    return decorate


# --- evaluation --------------------------------------------------------------
def evaluate(schedule: Schedule, step: Any) -> jax.Array:
    """Traceable evaluation: normalize ``step``, call ``_value``, float32 out. A step that may exceed
    int32, or a schedule with lengths beyond it, is evaluated wide: int64 steps and lengths."""
    step = jnp.asarray(step)
    if step.dtype == jnp.bool_:
        raise TypeError(f"{schedule.name}: step must be an integer or a float, got a bool array")
    if _wide.dtype_is_wide(step.dtype) or _wide.is_wide(schedule):
        with _wide.x64():
            value = _wide.widen(schedule)._value(_wide.int_step(step, wide=True))
    else:
        value = schedule._value(_wide.int_step(step, wide=False))
    value = jnp.broadcast_to(jnp.asarray(value), step.shape).astype(jnp.float32)
    if jnp.issubdtype(step.dtype, jnp.floating):
        value = jnp.where(jnp.isnan(step), jnp.float32(jnp.nan), value)
    return value
