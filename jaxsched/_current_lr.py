"""``current_lr``: the learning rate in effect for an Optax optimizer state."""

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import jax
import jax.numpy as jnp
import optax

_INJECT_STATES = (optax.InjectHyperparamsState, optax.InjectStatefulHyperparamsState)


def _walk(node: Any) -> Iterator[tuple[str, Any]]:
    """``(field name, value)`` for every node of an optimizer state, depth first."""
    fields = getattr(node, "_fields", None)
    if isinstance(node, tuple) and fields is not None:  # NamedTuple states
        children: Any = zip(fields, node, strict=True)
    elif isinstance(node, Mapping):  # named chains, hyperparameter dicts, nnx.State
        children = ((str(k), v) for k, v in node.items())
    elif isinstance(node, (tuple, list)):  # chains
        children = (("", v) for v in node)
    else:
        return
    for name, child in children:
        yield name, child
        yield from _walk(child)


def _array(x: Any) -> jax.Array:
    """An array out of a state leaf; unwraps containers such as ``nnx.Variable``."""
    if not isinstance(x, (jax.Array, int, float)) and hasattr(x, "get_value"):
        x = x.get_value()
    return jnp.asarray(x)


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
    fn = "current_lr"
    nodes = [(name, node) for name, node in _walk(("", opt_state))]
    injected = [
        node.hyperparams["learning_rate"]
        for _, node in nodes
        if isinstance(node, _INJECT_STATES) and "learning_rate" in node.hyperparams
    ]
    if len(injected) > 1:
        raise ValueError(
            f"{fn}: opt_state holds {len(injected)} injected learning rates (one per inject_hyperparams); "
            "pass the part of the state you want"
        )
    if injected:
        return _array(injected[0]).astype(jnp.float32)
    if schedule is None:
        raise ValueError(
            f"{fn}: opt_state holds no optax.inject_hyperparams state with a learning_rate; "
            "pass the schedule the optimizer was built with: current_lr(opt_state, schedule)"
        )
    if not callable(schedule) or hasattr(schedule, "init"):
        raise TypeError(f"{fn}: schedule must be a step -> value function, got {schedule!r}")
    counts = [node.count for _, node in nodes if isinstance(node, optax.ScaleByScheduleState)]
    counts += [node for name, node in nodes if name == "count"]
    if not counts:
        raise ValueError(
            f"{fn}: opt_state has no step count (no field named 'count', as in ScaleByAdamState); "
            f"cannot evaluate the schedule; got a state of type {type(opt_state).__name__}"
        )
    count = _array(counts[0]).astype(jnp.int32)
    return jnp.asarray(schedule(jnp.maximum(count - 1, 0))).astype(jnp.float32)
