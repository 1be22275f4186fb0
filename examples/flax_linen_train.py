"""Train a Flax linen model with a jaxsched schedule and a ``TrainState``.

The linen twin of ``flax_nnx_train.py``: the same MLP, data and schedule
(AdamW with warmup + cosine decay), with ``flax.training.train_state.TrainState``
carrying the parameters and the optimizer state through a ``jax.jit`` step.
The learning rate is logged with ``jaxsched.current_lr``.

Run::

    python examples/flax_linen_train.py --steps 500
"""

from __future__ import annotations

import argparse

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import linen as nn
from flax.training import train_state

import jaxsched


class MLP(nn.Module):
    hidden: int = 64
    out: int = 2

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        x = nn.gelu(nn.Dense(self.hidden)(x))
        x = nn.gelu(nn.Dense(self.hidden)(x))
        return nn.Dense(self.out)(x)


def make_data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved noisy half-circles ("two moons"): 2-D points, labels 0 / 1."""
    rng = np.random.default_rng(seed)
    label = rng.integers(0, 2, n)
    angle = rng.uniform(0.0, np.pi, n)
    x = np.where(label == 0, np.cos(angle), 1.0 - np.cos(angle))
    y = np.where(label == 0, np.sin(angle), 0.5 - np.sin(angle))
    points = np.stack([x, y], axis=1) + 0.2 * rng.standard_normal((n, 2))
    return points.astype(np.float32), label.astype(np.int32)


@jax.jit
def train_step(state: train_state.TrainState, x: jax.Array, y: jax.Array) -> tuple[train_state.TrainState, jax.Array]:
    def loss_fn(params):
        logits = state.apply_fn({"params": params}, x)
        return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()

    loss, grads = jax.value_and_grad(loss_fn)(state.params)
    return state.apply_gradients(grads=grads), loss  # Optax evaluates the schedule at its step count


@jax.jit
def accuracy(state: train_state.TrainState, x: jax.Array, y: jax.Array) -> jax.Array:
    return jnp.mean(jnp.argmax(state.apply_fn({"params": state.params}, x), axis=-1) == y)


def main(argv: list[str] | None = None) -> list[dict[str, float]]:
    """Trains and returns the log: one ``{"step", "loss", "lr"}`` dict per logged step."""
    parser = argparse.ArgumentParser(description="Flax linen training with a jaxsched schedule.")
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--peak-lr", type=float, default=1e-2)
    parser.add_argument("--log-every", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    schedule = jaxsched.warmup_cosine(peak_value=args.peak_lr, warmup_steps=args.steps // 10, total_steps=args.steps)
    model = MLP()
    params = model.init(jax.random.key(args.seed), jnp.zeros((1, 2), jnp.float32))["params"]
    state = train_state.TrainState.create(
        apply_fn=model.apply, params=params, tx=optax.adamw(learning_rate=schedule, weight_decay=1e-4)
    )

    x_train, y_train = make_data(4096, seed=args.seed)
    x_test, y_test = make_data(1024, seed=args.seed + 1)
    rng = np.random.default_rng(args.seed)

    log = []
    for step in range(args.steps):
        idx = rng.integers(0, len(x_train), args.batch_size)
        state, loss = train_step(state, x_train[idx], y_train[idx])
        if step % args.log_every == 0 or step == args.steps - 1:
            # The learning rate this step's update used (read from the optimizer's state).
            lr = jaxsched.current_lr(state.opt_state, schedule)
            log.append({"step": step, "loss": float(loss), "lr": float(lr)})
            print(f"step {step:5d}  loss {float(loss):.4f}  lr {float(lr):.2e}")
    print(f"test accuracy {float(accuracy(state, x_test, y_test)):.3f}")
    return log


if __name__ == "__main__":
    main()
