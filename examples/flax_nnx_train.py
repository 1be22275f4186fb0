"""Train a Flax NNX model with a jaxsched learning-rate schedule.

A small MLP learns a two-moons-like classification task generated on the fly,
with AdamW and warmup + cosine decay. The whole update is one ``nnx.jit``
compiled step; the schedule is evaluated inside it by Optax, at no cost.
The learning rate is logged with ``jaxsched.current_lr``.

Run::

    python examples/flax_nnx_train.py --steps 500
"""

from __future__ import annotations

import argparse

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import nnx

import jaxsched


class MLP(nnx.Module):
    def __init__(self, din: int, dhidden: int, dout: int, *, rngs: nnx.Rngs):
        self.linear1 = nnx.Linear(din, dhidden, rngs=rngs)
        self.linear2 = nnx.Linear(dhidden, dhidden, rngs=rngs)
        self.linear3 = nnx.Linear(dhidden, dout, rngs=rngs)

    def __call__(self, x: jax.Array) -> jax.Array:
        x = nnx.gelu(self.linear1(x))
        x = nnx.gelu(self.linear2(x))
        return self.linear3(x)


def make_data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved noisy half-circles ("two moons"): 2-D points, labels 0 / 1."""
    rng = np.random.default_rng(seed)
    label = rng.integers(0, 2, n)
    angle = rng.uniform(0.0, np.pi, n)
    x = np.where(label == 0, np.cos(angle), 1.0 - np.cos(angle))
    y = np.where(label == 0, np.sin(angle), 0.5 - np.sin(angle))
    points = np.stack([x, y], axis=1) + 0.2 * rng.standard_normal((n, 2))
    return points.astype(np.float32), label.astype(np.int32)


def loss_fn(model: MLP, x: jax.Array, y: jax.Array) -> jax.Array:
    logits = model(x)
    return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()


@nnx.jit
def train_step(model: MLP, optimizer: nnx.Optimizer, x: jax.Array, y: jax.Array) -> jax.Array:
    loss, grads = nnx.value_and_grad(loss_fn)(model, x, y)
    optimizer.update(model, grads)  # the schedule is evaluated here, from the optimizer's step count
    return loss


@nnx.jit
def accuracy(model: MLP, x: jax.Array, y: jax.Array) -> jax.Array:
    return jnp.mean(jnp.argmax(model(x), axis=-1) == y)


def main(argv: list[str] | None = None) -> list[dict[str, float]]:
    """Trains and returns the log: one ``{"step", "loss", "lr"}`` dict per logged step."""
    parser = argparse.ArgumentParser(description="Flax NNX training with a jaxsched schedule.")
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--peak-lr", type=float, default=1e-2)
    parser.add_argument("--log-every", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    schedule = jaxsched.warmup_cosine(peak_value=args.peak_lr, warmup_steps=args.steps // 10, total_steps=args.steps)
    model = MLP(2, 64, 2, rngs=nnx.Rngs(args.seed))
    optimizer = nnx.Optimizer(model, optax.adamw(learning_rate=schedule, weight_decay=1e-4), wrt=nnx.Param)

    x_train, y_train = make_data(4096, seed=args.seed)
    x_test, y_test = make_data(1024, seed=args.seed + 1)
    rng = np.random.default_rng(args.seed)

    log = []
    for step in range(args.steps):
        idx = rng.integers(0, len(x_train), args.batch_size)
        loss = train_step(model, optimizer, x_train[idx], y_train[idx])
        if step % args.log_every == 0 or step == args.steps - 1:
            # The learning rate this step's update used (read from the optimizer's state).
            lr = jaxsched.current_lr(optimizer.opt_state, schedule)
            log.append({"step": step, "loss": float(loss), "lr": float(lr)})
            print(f"step {step:5d}  loss {float(loss):.4f}  lr {float(lr):.2e}")
    print(f"test accuracy {float(accuracy(model, x_test, y_test)):.3f}")
    return log


if __name__ == "__main__":
    main()
