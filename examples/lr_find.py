"""The learning-rate range test on a problem whose stable range is known.

Linear least squares, ``0.5 * mean((x @ w - y) ** 2)``, on generated data whose
features have different scales. Gradient descent on it is stable for learning
rates below ``2 / L``, where ``L`` is the largest eigenvalue of ``x.T @ x / n``, the curvature; on
mini-batches the bound is approximate. ``lr_find`` sweeps the learning rate from
1e-6 to 10, stops once the loss diverges, and suggests the learning rate of the
steepest descent; a short training run then uses the suggestion.

Run: ``python examples/lr_find.py [--plot lr_find.png]``.
"""

from __future__ import annotations

import argparse

import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxsched import lr_find


def make_data(seed: int, n: int, dim: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Features with scales from 0.3 to 3, a linear target plus noise."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, dim)) * np.geomspace(0.3, 3.0, dim)
    y = x @ rng.standard_normal(dim) + 0.1 * rng.standard_normal(n)
    return x.astype(np.float32), y.astype(np.float32)


def loss_fn(w: jax.Array, batch: tuple[jax.Array, jax.Array]) -> jax.Array:
    x, y = batch
    return 0.5 * jnp.mean((x @ w - y) ** 2)


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100, help="steps of the range test (default 100)")
    parser.add_argument("--batch-size", type=int, default=256, help="examples per batch (default 256)")
    parser.add_argument("--plot", metavar="PATH", help="write the loss curve to this PNG")
    args = parser.parse_args(argv)

    x, y = make_data(0, args.steps * args.batch_size)
    curvature = float(np.linalg.eigvalsh(x.T.astype(np.float64) @ x / len(x)).max())
    bound = 2 / curvature
    batches = (x.reshape(args.steps, args.batch_size, -1), y.reshape(args.steps, args.batch_size))

    w0 = jnp.zeros(x.shape[1])
    result = lr_find(loss_fn, w0, batches, optimizer=optax.sgd, min_lr=1e-6, max_lr=10.0, num_steps=args.steps)
    print(f"curvature L = {curvature:.4g}: gradient descent is stable for lr < {bound:.4g}")
    print(f"lr_find suggests lr = {result.suggested_lr:.4g} ({result.suggested_lr / bound:.2g} of the bound)")
    stop = "stopped (diverged)" if result.stopped_early else "ended"
    print(f"the sweep {stop} at lr = {result.lrs[-1]:.4g} after {len(result.lrs)} steps")

    # A short training run with the suggestion, on the same batches.
    tx = optax.sgd(result.suggested_lr)
    w, state = w0, tx.init(w0)
    for k in range(args.steps):
        batch = (batches[0][k], batches[1][k])
        updates, state = tx.update(jax.grad(loss_fn)(w, batch), state, w)
        w = optax.apply_updates(w, updates)
    before, after = float(loss_fn(w0, (x, y))), float(loss_fn(w, (x, y)))
    print(f"{args.steps} steps of SGD at the suggestion: loss {before:.4g} -> {after:.4g}")

    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        ax = result.plot()
        ax.axvline(bound, color="0.3", linestyle="--", linewidth=1, label=f"stable below {bound:.3g}")
        ax.legend()
        ax.set_title("lr_find: SGD on least squares")
        ax.figure.savefig(args.plot, dpi=80, bbox_inches="tight")
        print(f"wrote {args.plot}")
    return {
        "bound": bound,
        "suggested_lr": result.suggested_lr,
        "last_lr": float(result.lrs[-1]),
        "loss_before": before,
        "loss_after": after,
    }


if __name__ == "__main__":
    main()
