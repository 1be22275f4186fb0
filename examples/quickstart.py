"""jaxsched quick start: a few schedules at key steps, then a small Flax model
trained twice on data generated here, once with a constant learning rate and
once with warmup + cosine. Run: ``make demo`` (or ``python examples/quickstart.py``).
"""

from __future__ import annotations

import argparse

import jax
import jax.numpy as jnp
import optax
from flax import nnx

import jaxsched

TOTAL_STEPS = 1200
PEAK = 0.1


def schedules(total: int) -> dict[str, jaxsched.Schedule]:
    warm = total // 10
    return {
        "constant": jaxsched.constant(value=PEAK),
        "warmup_cosine": jaxsched.warmup_cosine(peak_value=PEAK, warmup_steps=warm, total_steps=total),
        "warmup_linear": jaxsched.warmup_linear(peak_value=PEAK, warmup_steps=warm, total_steps=total),
        "wsd (1-sqrt)": jaxsched.wsd(
            peak_value=PEAK, warmup_steps=warm, total_steps=total, decay_steps=total // 5, shape="1-sqrt"
        ),
        "rsqrt": jaxsched.rsqrt(peak_value=PEAK, warmup_steps=warm),
        "step_decay": jaxsched.step_decay(init_value=PEAK, period=total // 3, decay_rate=0.1),
    }


def print_table(total: int) -> None:
    steps = [0, total // 20, total // 10, total // 4, total // 2, 3 * total // 4, 9 * total // 10, total]
    print("learning rate at key steps")
    print(f"{'schedule':16s}" + "".join(f"{s:>10d}" for s in steps))
    for name, schedule in schedules(total).items():
        values = schedule(jnp.asarray(steps))  # one call for all the steps
        print(f"{name:16s}" + "".join(f"{float(v):10.2e}" for v in values))


class MLP(nnx.Module):
    def __init__(self, rngs: nnx.Rngs) -> None:
        self.hidden = nnx.Linear(8, 64, rngs=rngs)
        self.out = nnx.Linear(64, 1, rngs=rngs)

    def __call__(self, x: jax.Array) -> jax.Array:
        return self.out(nnx.gelu(self.hidden(x)))


def make_data(key: jax.Array, n: int = 2048) -> tuple[jax.Array, jax.Array]:
    """A smooth nonlinear regression target with a little noise."""
    kx, kw, kn = jax.random.split(key, 3)
    x = jax.random.normal(kx, (n, 8))
    w = jax.random.normal(kw, (8,))
    y = jnp.sin(x @ w)[:, None] + 0.1 * x[:, :1] ** 2 + 0.05 * jax.random.normal(kn, (n, 1))
    return x, y


def train(schedule: jaxsched.Schedule, steps: int, batch: int = 128) -> float:
    """Trains a fresh model with ``schedule``; returns the final full-data loss."""
    x, y = make_data(jax.random.key(0))
    model = MLP(nnx.Rngs(1))
    optimizer = nnx.Optimizer(model, optax.adamw(learning_rate=schedule), wrt=nnx.Param)

    def loss_fn(model: MLP, xb: jax.Array, yb: jax.Array) -> jax.Array:
        return jnp.mean((model(xb) - yb) ** 2)

    @nnx.jit
    def step(model: MLP, optimizer: nnx.Optimizer, xb: jax.Array, yb: jax.Array) -> jax.Array:
        loss, grads = nnx.value_and_grad(loss_fn)(model, xb, yb)
        optimizer.update(model, grads)
        return loss

    for i in range(steps):
        start = (i * batch) % (x.shape[0] - batch)
        step(model, optimizer, x[start : start + batch], y[start : start + batch])
    return float(loss_fn(model, x, y))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="jaxsched quick start")
    parser.add_argument("--steps", type=int, default=TOTAL_STEPS, help="training steps per run")
    args = parser.parse_args(argv)
    print_table(args.steps)
    print()
    constant = train(jaxsched.constant(value=PEAK), args.steps)
    cosine = train(
        jaxsched.warmup_cosine(peak_value=PEAK, warmup_steps=args.steps // 10, total_steps=args.steps), args.steps
    )
    print(f"final loss after {args.steps} steps of AdamW:")
    print(f"  constant lr {PEAK:g}:            {constant:.5f}")
    print(f"  warmup + cosine, peak {PEAK:g}:  {cosine:.5f}")


if __name__ == "__main__":
    main()
