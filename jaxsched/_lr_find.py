"""The learning-rate range test (Smith, 2017): ``lr_find`` and ``lr_find_nnx``.

The learning rate grows exponentially from ``min_lr`` to ``max_lr``, one
training step per value, while the loss is recorded; the steepest descent of
the smoothed loss suggests a learning rate. As fastai's ``lr_find`` and
torch-lr-finder, for any Optax optimizer.
"""

import dataclasses
import numbers
import warnings
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxsched import _fields as F
from jaxsched._exponential import exponential

SKIP_END = 5  # points left out at the end of the run by the suggestion (fastai's and torch-lr-finder's)


@dataclasses.dataclass(frozen=True, eq=False)
class LRFindResult:
    """What ``lr_find`` measured, truncated at the step where it stopped.

    Attributes:
        lrs: the learning rate of each update (float32 NumPy array).
        losses: the loss of each step's batch, computed before its update.
        smoothed_losses: ``losses`` smoothed exponentially, bias-corrected.
        suggested_lr: the learning rate at the steepest descent of the smoothed
            loss (see ``lr_find``); NaN when the run is too short to tell.
        stopped_early: whether the divergence rule stopped the run.
    """

    lrs: np.ndarray
    losses: np.ndarray
    smoothed_losses: np.ndarray
    suggested_lr: float
    stopped_early: bool

    def plot(self, ax: Any = None) -> Any:
        """Draws the losses against the learning rate (log scale), the suggestion marked.

        Args:
            ax: the matplotlib axes to draw on; a new figure's axes when None.

        Returns:
            The matplotlib axes.
        """
        import matplotlib.pyplot as plt

        if ax is None:
            ax = plt.figure(figsize=(6, 4)).add_subplot()
        raw, smooth = (np.where(np.isfinite(x), x, np.nan) for x in (self.losses, self.smoothed_losses))
        ax.plot(self.lrs, raw, color="0.75", linewidth=0.8, label="loss")
        ax.plot(self.lrs, smooth, color="C0", label="smoothed loss")
        if np.isfinite(self.suggested_lr):
            at = int(np.argmin(np.abs(np.log(self.lrs) - np.log(self.suggested_lr))))
            ax.axvline(self.suggested_lr, color="C3", linestyle=":", linewidth=1)
            ax.plot([self.suggested_lr], [smooth[at]], "o", color="C3", label=f"suggested {self.suggested_lr:.3g}")
        ax.set(xscale="log", xlabel="learning rate", ylabel="loss")
        if np.isfinite(smooth[0]) and smooth[0] > 0:  # a divergence would squash the curve: clip it
            top = min(np.nanmax(smooth), 2 * smooth[0])
            ax.set_ylim(min(np.nanmin(raw), np.nanmin(smooth)) - 0.05 * top, 1.05 * top)
        ax.legend()
        return ax


class _Carry(NamedTuple):
    params: Any
    opt_state: Any
    average: jax.Array  # the running average, before bias correction
    weight: jax.Array  # smoothing ** steps: the bias correction is 1 - weight
    best: jax.Array  # the lowest smoothed loss so far
    stopped: jax.Array


def _number(name: str, x: Any) -> float:
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Real) or not np.isfinite(float(x)):
        raise ValueError(f"lr_find: {name} must be a finite real number, got {x!r}")
    return float(x)


def _stacked(batches: Any) -> bool:
    """Whether ``batches`` is a pytree of arrays (one batch per index of the leading axis)."""
    if isinstance(batches, list) or hasattr(batches, "__next__"):
        return False
    leaves = jax.tree_util.tree_leaves(batches)
    return bool(leaves) and all(isinstance(a, (np.ndarray, jax.Array)) for a in leaves)


def _suggest(lrs: np.ndarray, smoothed: np.ndarray, num_steps: int) -> float:
    start, end = num_steps // 10, len(lrs) - SKIP_END
    if end - start < 2:
        warnings.warn(
            f"lr_find: the run has {len(lrs)} steps, too few to suggest a learning rate (the suggestion "
            f"skips the first {start} and the last {SKIP_END}); lower min_lr or raise num_steps",
            stacklevel=3,
        )
        return float("nan")
    slope = np.gradient(smoothed[start:end].astype(np.float64), np.log(lrs[start:end].astype(np.float64)))
    return float(lrs[start + int(np.argmin(slope))])


def lr_find(
    loss_fn: Callable[[Any, Any], Any],
    params: Any,
    batches: Any,
    *,
    optimizer: Callable[[Any], optax.GradientTransformation],
    min_lr: float = 1e-7,
    max_lr: float = 10.0,
    num_steps: int = 100,
    smoothing: float = 0.98,
    diverge_threshold: float = 4.0,
) -> LRFindResult:
    """The learning-rate range test: train while the learning rate grows, record the loss.

    Step ``k`` (from 0) computes the loss and gradient of batch ``k`` at the
    current parameters and updates them with the learning rate::

        lr(k) = min_lr * (max_lr / min_lr) ** (k / (num_steps - 1))

    the schedule ``jaxsched.exponential(init_value=min_lr, decay_rate=max_lr /
    min_lr, period=num_steps - 1, end_value=max_lr)`` given to
    ``optimizer``. The loss is smoothed with bias correction (as fastai and
    torch-lr-finder, ``b = smoothing``)::

        a(k) = b * a(k - 1) + (1 - b) * loss(k),  a(-1) = 0
        smoothed(k) = a(k) / (1 - b ** (k + 1))

    The run stops at the first step whose smoothed loss is not finite or
    exceeds ``diverge_threshold`` times the lowest smoothed loss so far; that
    step is the last one returned. The rule assumes positive losses.

    The suggestion is fastai's "steep" point with torch-lr-finder's skips:
    leaving out the first ``num_steps // 10`` and the last 5 points, the
    learning rate where ``np.gradient(smoothed, log(lr))`` (central
    differences) is lowest. When fewer than 2 points remain it is NaN, with a
    warning.

    With array batches the whole sweep is one compiled ``lax.scan`` over
    ``num_steps`` steps: after the stop the parameters and optimizer state are
    frozen (the remaining steps still run, on the frozen parameters) and their
    results are dropped. With an iterable, one jitted step runs per batch and
    the loop ends at the stop. Both give the same values. The caller's
    ``params`` are never modified.

    Args:
        loss_fn: ``loss_fn(params, batch)``, a scalar loss.
        params: the initial parameters (a pytree of arrays).
        batches: a pytree of arrays (an array, a dict, a tuple...) whose leaves'
            leading axis indexes the batches, at least ``num_steps`` of them;
            or a list, an iterator or any other iterable of batches.
        optimizer: maps a learning rate (a schedule) to an Optax
            ``GradientTransformation``: ``optax.sgd``, ``lambda lr:
            optax.adamw(lr, weight_decay=0.01)``. Its ``k``-th update must use
            ``lr(k)``, as every Optax optimizer does.
        min_lr: the first learning rate (> 0; default 1e-7).
        max_lr: the last learning rate (> ``min_lr``; default 10).
        num_steps: the most steps to run (at least 2; default 100).
        smoothing: the weight ``b`` of the exponential average, in [0, 1);
            0 for no smoothing (default 0.98).
        diverge_threshold: stop when the smoothed loss exceeds this many times
            its minimum (> 1; default 4).

    Returns:
        An ``LRFindResult``: ``lrs``, ``losses`` and ``smoothed_losses`` (NumPy
        float32 arrays up to the stop), ``suggested_lr``, ``stopped_early``,
        and ``plot(ax=None)``.

    References:
        Smith, "Cyclical Learning Rates for Training Neural Networks",
        https://arxiv.org/abs/1506.01186, 2017.

    Example:
        >>> import jax.numpy as jnp
        >>> import optax
        >>> from jaxsched import lr_find
        >>> loss_fn = lambda w, batch: 0.5 * jnp.sum((w - batch) ** 2)  # curvature 1: stable below lr 2
        >>> noise = 0.01 * jnp.sin(jnp.arange(300.0)).reshape(100, 3)
        >>> result = lr_find(loss_fn, jnp.ones(3), noise, optimizer=optax.sgd, min_lr=1e-4, max_lr=100.0)
        >>> print(f"{result.suggested_lr:.3f} {result.stopped_early} {result.lrs[-1]:.2f}")
        0.187 True 5.34
    """
    min_lr, max_lr = _number("min_lr", min_lr), _number("max_lr", max_lr)
    F.require(min_lr > 0, "lr_find", f"min_lr must be > 0, got {min_lr!r}")
    F.require(max_lr > min_lr, "lr_find", f"max_lr ({max_lr!r}) must be greater than min_lr ({min_lr!r})")
    ok = isinstance(num_steps, numbers.Integral) and not isinstance(num_steps, (bool, np.bool_))
    F.require(ok and num_steps >= 2, "lr_find", f"num_steps must be a whole number >= 2, got {num_steps!r}")
    beta = _number("smoothing", smoothing)
    F.require(0 <= beta < 1, "lr_find", f"smoothing must be in [0, 1), got {smoothing!r}")
    threshold = _number("diverge_threshold", diverge_threshold)
    F.require(threshold > 1, "lr_find", f"diverge_threshold must be > 1, got {diverge_threshold!r}")
    num_steps = int(num_steps)
    stacked = _stacked(batches)
    if stacked:
        sizes = [np.shape(a)[0] if np.ndim(a) else 0 for a in jax.tree_util.tree_leaves(batches)]
        few = f"batches holds {min(sizes)} batches (its leading axis), fewer than num_steps ({num_steps})"
        F.require(min(sizes) >= num_steps, "lr_find", few)
    elif not isinstance(batches, Iterable):
        raise TypeError(f"lr_find: batches must be a pytree of arrays or an iterable of batches, got {batches!r}")
    if not callable(optimizer):
        what = "optimizer must map a learning rate to an optax.GradientTransformation"
        raise TypeError(f"lr_find: {what}, got {optimizer!r}")
    schedule = exponential(init_value=min_lr, decay_rate=max_lr / min_lr, period=num_steps - 1, end_value=max_lr)
    tx = optimizer(schedule)
    if not (hasattr(tx, "init") and hasattr(tx, "update")):
        raise TypeError(f"lr_find: optimizer(lr) must return an optax.GradientTransformation, got {tx!r}")

    def step(carry: _Carry, batch: Any) -> tuple[_Carry, tuple[jax.Array, jax.Array, jax.Array]]:
        loss, grads = jax.value_and_grad(loss_fn)(carry.params, batch)
        updates, opt_state = tx.update(grads, carry.opt_state, carry.params)
        loss = jnp.asarray(loss).astype(jnp.float32)
        average = beta * carry.average + (1 - beta) * loss
        weight = carry.weight * beta
        smoothed = average / (1 - weight)
        best = jnp.minimum(carry.best, smoothed)
        stop = carry.stopped | ~jnp.isfinite(smoothed) | (smoothed > threshold * best)
        keep = lambda old, new: jax.tree.map(lambda a, b: jnp.where(stop, a, b), old, new)  # noqa: E731
        params = keep(carry.params, optax.apply_updates(carry.params, updates))
        new = _Carry(params, keep(carry.opt_state, opt_state), average, weight, best, stop)
        return new, (loss, smoothed, carry.stopped)

    one = jnp.ones((), jnp.float32)
    carry = _Carry(params, tx.init(params), 0 * one, one, jnp.inf * one, jnp.zeros((), bool))
    if stacked:
        first = jax.tree.map(lambda a: a[:num_steps], batches)
        carry, (losses, smoothed, was_stopped) = jax.jit(lambda c, xs: jax.lax.scan(step, c, xs))(carry, first)
        n = int(np.sum(~np.asarray(was_stopped)))
        losses, smoothed = np.asarray(losses)[:n], np.asarray(smoothed)[:n]
    else:
        jitted, rows = jax.jit(step), []
        for batch in batches:
            carry, row = jitted(carry, batch)
            rows.append(row[:2])
            if len(rows) == num_steps or bool(carry.stopped):
                break
        out = f"batches ran out after {len(rows)} batches, before num_steps ({num_steps}) or a divergence"
        F.require(len(rows) == num_steps or bool(carry.stopped), "lr_find", out)
        losses, smoothed = (np.array([float(r[i]) for r in rows], np.float32) for i in (0, 1))
    lrs = np.asarray(schedule(np.arange(len(losses))))
    return LRFindResult(lrs, losses, smoothed, _suggest(lrs, smoothed, num_steps), bool(carry.stopped))


def lr_find_nnx(
    model: Any, loss_fn: Callable[[Any, Any], Any], batches: Any, *, wrt: Any = None, **kwargs: Any
) -> LRFindResult:
    """``lr_find`` for a Flax NNX model: ``loss_fn(model, batch)``; the model is not modified.

    The model is split (``nnx.split(model, wrt, ...)``) into the parameters
    that ``lr_find`` trains and the rest; each step merges a copy. Variables
    outside ``wrt`` (batch statistics, RNG counts) are read but not updated.

    Args:
        model: an ``nnx.Module``.
        loss_fn: ``loss_fn(model, batch)``, a scalar loss.
        batches: as in ``lr_find``.
        wrt: the NNX filter of the variables trained; None (the default) for ``nnx.Param``.
        **kwargs: ``optimizer`` and the other keyword arguments of ``lr_find``.

    Returns:
        ``lr_find``'s ``LRFindResult``.

    Example:
        >>> import jax
        >>> import jax.numpy as jnp
        >>> import optax
        >>> from flax import nnx
        >>> from jaxsched import lr_find_nnx
        >>> model = nnx.Linear(2, 1, rngs=nnx.Rngs(0))  # y = x @ w + noise: stable below lr 1
        >>> x = jax.random.normal(jax.random.key(0), (100, 128, 2))
        >>> y = x @ jnp.array([[1.0], [-2.0]]) + 0.1 * jax.random.normal(jax.random.key(1), (100, 128, 1))
        >>> loss_fn = lambda m, batch: jnp.mean((m(batch[0]) - batch[1]) ** 2)
        >>> result = lr_find_nnx(model, loss_fn, (x, y), optimizer=optax.sgd, min_lr=1e-4, max_lr=10.0)
        >>> print(f"{result.suggested_lr:.4f} {result.stopped_early}")
        0.0673 True
    """
    from flax import nnx

    graphdef, params, rest = nnx.split(model, nnx.Param if wrt is None else wrt, ...)
    return lr_find(lambda p, batch: loss_fn(nnx.merge(graphdef, p, rest), batch), params, batches, **kwargs)
