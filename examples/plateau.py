"""Reduce-on-plateau on top of warmup + cosine, fed the validation loss.

A small MLP learns a noisy function from a training set it generates (and
soon overfits); each step also measures the loss on a held-out validation set
and passes it to the optimizer as ``value=``. ``jaxsched.reduce_on_plateau``
multiplies the warmup + cosine schedule by 0.5 whenever the (5-step average)
validation loss stops improving. Run: ``python examples/plateau.py [--steps N]``.
"""

from __future__ import annotations

import argparse

import jax
import jax.numpy as jnp
import optax

import jaxsched


def make_data(key: jax.Array, n_train: int = 64, n_val: int = 256, dim: int = 4):
    """A noisy nonlinear target; a small training set, so validation loss plateaus."""
    k_w, k_x, k_noise = jax.random.split(key, 3)
    w = jax.random.normal(k_w, (dim,))
    x = jax.random.normal(k_x, (n_train + n_val, dim))
    y = jnp.sin(2.0 * x @ w / jnp.sqrt(dim)) + 0.3 * jax.random.normal(k_noise, (n_train + n_val,))
    return (x[:n_train], y[:n_train]), (x[n_train:], y[n_train:])


def init_mlp(key: jax.Array, dim: int = 4, hidden: int = 64) -> dict[str, jax.Array]:
    k1, k2 = jax.random.split(key)
    return {
        "w1": jax.random.normal(k1, (dim, hidden)) / jnp.sqrt(dim),
        "b1": jnp.zeros(hidden),
        "w2": jax.random.normal(k2, (hidden, 1)) / jnp.sqrt(hidden),
        "b2": jnp.zeros(1),
    }


def mlp(params: dict[str, jax.Array], x: jax.Array) -> jax.Array:
    h = jax.nn.gelu(x @ params["w1"] + params["b1"])
    return (h @ params["w2"] + params["b2"])[:, 0]


def mse(params: dict[str, jax.Array], x: jax.Array, y: jax.Array) -> jax.Array:
    return jnp.mean((mlp(params, x) - y) ** 2)


def main(argv: list[str] | None = None) -> list[dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=600, help="training steps (default 600)")
    parser.add_argument("--peak-lr", type=float, default=1e-2, help="peak of the warmup + cosine base")
    args = parser.parse_args(argv)

    base = jaxsched.warmup_cosine(
        peak_value=args.peak_lr, warmup_steps=max(args.steps // 20, 1), total_steps=args.steps
    )
    schedule = jaxsched.reduce_on_plateau(
        base=base, factor=0.5, patience=4, threshold=1e-3, cooldown=2, min_value=1e-5, accumulation_steps=5
    )
    print(schedule)
    optimizer = optax.inject_hyperparams(optax.adamw)(learning_rate=schedule, weight_decay=1e-4)

    (x_train, y_train), (x_val, y_val) = make_data(jax.random.key(0))
    params = init_mlp(jax.random.key(1))
    opt_state = optimizer.init(params)

    @jax.jit
    def train_step(params, opt_state):
        val_loss = mse(params, x_val, y_val)  # the metric the schedule watches
        loss, grads = jax.value_and_grad(mse)(params, x_train, y_train)
        updates, opt_state = optimizer.update(grads, opt_state, params, value=val_loss)
        return optax.apply_updates(params, updates), opt_state, loss, val_loss

    log = []
    for step in range(args.steps):
        params, opt_state, loss, val_loss = train_step(params, opt_state)
        plateau = opt_state.hyperparams_states["learning_rate"]
        entry = {
            "step": step,
            "lr": float(jaxsched.current_lr(opt_state)),  # the rate this update used
            "train_loss": float(loss),
            "val_loss": float(val_loss),
            "scale": float(plateau.scale),  # the plateau multiplier after this update
        }
        if log and entry["scale"] < log[-1]["scale"]:
            print(
                f"step {step:4d}  val loss {entry['val_loss']:.4f} (best 5-step mean {float(plateau.best):.4f}): "
                f"plateau, scale -> {entry['scale']:.4g}, next lr {float(schedule(plateau)):.3e}"
            )
        elif step % 100 == 0 or step == args.steps - 1:
            print(
                f"step {step:4d}  lr {entry['lr']:.3e}  "
                f"train loss {entry['train_loss']:.4f}  val loss {entry['val_loss']:.4f}"
            )
        log.append(entry)
    return log


if __name__ == "__main__":
    main()
