"""``current_lr``: the learning rate in effect for an Optax optimizer state."""

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax.core import Tracer

from jaxsched import _wide

_INJECT_STATES = (optax.InjectHyperparamsState, optax.InjectStatefulHyperparamsState)


def _raw(x: Any) -> Any:
    """A leaf's array (an ``nnx.Variable`` holds it in ``get_value``)."""
    return x.get_value() if hasattr(x, "get_value") else x


def current_lr(opt_state: Any, schedule: Callable[[Any], Any] | None = None) -> jax.Array:
    """The learning rate of an Optax optimizer state, for logging.

    The value returned is the learning rate of the most recent update (before
    any update, the one the first update will use), found in one of two ways:

    - the state holds an ``optax.inject_hyperparams`` state anywhere inside it
      (in a chain, a named chain, ``optax.MultiSteps``, an ``nnx.Optimizer``'s
      ``opt_state``...): its injected ``learning_rate``, stateful schedules
      such as ``reduce_on_plateau`` included;
    - otherwise ``schedule(count - 1)`` (``schedule(0)`` before any update),
      with ``count`` the optimizer's step count read from the state
      (``ScaleByScheduleState.count`` first, else the first ``count`` field,
      e.g. ``ScaleByAdamState.count``).

    Works under ``jit``: the search follows the state's structure only.

    Args:
        opt_state: an Optax optimizer state (any nesting of tuples,
            NamedTuples and dicts).
        schedule: the learning-rate schedule the optimizer was built with
            (a jaxsched schedule or any ``step -> value`` function); used only
            when the state holds no injected learning rate.

    Returns:
        A float32 scalar array.

    Raises:
        ValueError: the state holds no injected learning rate and either no
            schedule was given or the state has no step count; or it holds
            several injected learning rates (e.g. ``optax.multi_transform``),
            which makes "the" learning rate ambiguous.

    Example:
        >>> import jax.numpy as jnp
        >>> import optax
        >>> import jaxsched
        >>> schedule = jaxsched.linear(init_value=1.0, end_value=0.0, total_steps=10)
        >>> opt = optax.inject_hyperparams(optax.sgd)(learning_rate=schedule)
        >>> params = jnp.zeros(3)
        >>> state = opt.init(params)
        >>> for _ in range(3):
        ...     _, state = opt.update(jnp.ones(3), state, params)
        >>> print(f"{jaxsched.current_lr(state):.2f}")
        0.80
        >>> plain = optax.sgd(learning_rate=schedule)
        >>> state = plain.init(params)
        >>> for _ in range(3):
        ...     _, state = plain.update(jnp.ones(3), state, params)
        >>> print(f"{jaxsched.current_lr(state, schedule):.2f}")
        0.80
    """
    leaves, treedef = jax.tree_util.tree_flatten(opt_state)
    injected_at, count_at = _FOUND.get(treedef, (None, None))  # where an earlier call found it
    if injected_at is not None:
        return _f32(leaves[injected_at])
    if count_at is not None:
        count, before = leaves[count_at], getattr(schedule, "__dict__", _NONE).get("_before")  # see _at_count
        if before is not None and _concrete_count(count, before[1]):
            return before[0](before[1], count)
        if callable(schedule) and not hasattr(schedule, "init"):
            return _at_count(schedule, count)
    found = (*_INJECT_STATES, optax.ScaleByScheduleState)
    is_node = lambda x: isinstance(x, found) or hasattr(x, "get_value")  # noqa: E731
    nodes = jax.tree_util.tree_flatten_with_path(opt_state, is_leaf=is_node)[0]
    injected = [x.hyperparams.get("learning_rate") for _, x in nodes if isinstance(x, _INJECT_STATES)]
    injected = [lr for lr in injected if lr is not None]
    if len(injected) > 1:
        raise ValueError(
            f"current_lr: opt_state holds {len(injected)} injected learning rates (one per inject_hyperparams); "
            "pass the part of the state you want"
        )
    if injected:
        _remember(treedef, leaves, injected[0], 0)
        return _f32(_raw(injected[0]))
    if schedule is None:
        raise ValueError(
            "current_lr: opt_state holds no optax.inject_hyperparams state with a learning_rate; "
            "pass the schedule the optimizer was built with: current_lr(opt_state, schedule)"
        )
    if not callable(schedule) or hasattr(schedule, "init"):
        raise TypeError(f"current_lr: schedule must be a step -> value function, got {schedule!r}")
    counts = [x.count for _, x in nodes if isinstance(x, optax.ScaleByScheduleState)]
    counts += [x for path, x in nodes if path and getattr(path[-1], "name", getattr(path[-1], "key", None)) == "count"]
    if not counts:
        raise ValueError(
            f"current_lr: opt_state has no step count (no field named 'count', as in ScaleByAdamState); "
            f"cannot evaluate the schedule; got a state of type {type(opt_state).__name__}"
        )
    count = _raw(counts[0])
    _remember(treedef, leaves, count, 1)
    return _at_count(schedule, count)


# A state's tree structure -> (index of the injected learning rate, index of the step count)
# among its leaves: later calls on states of the same structure skip the search.
_FOUND: dict[Any, tuple[int | None, int | None]] = {}


def _remember(treedef: Any, leaves: list[Any], leaf: Any, slot: int) -> None:
    at = [i for i, x in enumerate(leaves) if x is leaf]
    if len(at) == 1 and not any(isinstance(x, Tracer) for x in leaves):
        _FOUND[treedef] = (at[0], None) if slot == 0 else (None, at[0])


def _f32(x: Any) -> jax.Array:
    """``x`` as a float32 array, without a conversion when it is one already."""
    return x if isinstance(x, jax.Array) and x.dtype == jnp.float32 else jnp.asarray(x, jnp.float32)


# Each eager program (``_eager.pack``) at ``count - 1``, in one dispatch with no static argument.
_BEFORE: dict[Any, Callable[..., jax.Array]] = {}
_NONE: dict[str, Any] = {}


def _at_count(schedule: Callable[[Any], Any], count: Any) -> jax.Array:
    """``schedule(count - 1)``, at least at step 0: for a jaxsched schedule called eagerly before and an
    optimizer's int32 count, one dispatch (the count stays on its device), which later calls with a
    concrete count take at once (``_before`` on the schedule); else a Python int step."""
    packed = getattr(schedule, "__dict__", _NONE).get("_packed")
    if packed is not None and _concrete_count(count, packed[1]):
        run = _BEFORE.get(packed[0])
        if run is None:
            run = _BEFORE[packed[0]] = jax.jit(lambda w, c, program=packed[0]: program(w, jnp.maximum(c - 1, 0)))
        wide = _wide.is_wide(schedule)
        if not wide:  # a wide schedule's program holds 64-bit types: it runs in their context
            schedule.__dict__["_before"] = run, packed[1]
        with _wide.context(wide):
            return run(packed[1], count)
    if isinstance(count, Tracer):
        return _f32(schedule(jnp.maximum(count.astype(jnp.int32) - 1, 0)))
    return _f32(schedule(max(int(np.asarray(count)) - 1, 0)))


def _concrete_count(count: Any, words: jax.Array) -> bool:
    """An optimizer's int32 count, concrete and on a device (of the packed words' type)."""
    return type(count) is type(words) and count.dtype == np.int32 and count.shape == ()
