"""jaxsched quick start: a few schedules at key steps, then a small Flax model
trained twice on data generated here, once with a constant learning rate and
once with warmup + cosine. Run: ``make demo`` (or ``python examples/quickstart.py``).

It also writes ``demo.png`` (``--plot FILE`` to choose, ``--plot ""`` for none;
it needs matplotlib): the schedules side by side, and the training loss of the
two runs, each in the colour of its schedule.
"""

from __future__ import annotations

import argparse

import jax
import jax.numpy as jnp
import numpy as np
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


def train(
    schedule: jaxsched.Schedule, steps: int, batch: int = 128, eval_every: int = 10
) -> tuple[np.ndarray, np.ndarray]:
    """Trains a fresh model with ``schedule``; returns the full-data loss every ``eval_every`` steps
    and at the end: the steps and the losses (the last one is the final loss)."""
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

    full_loss = nnx.jit(loss_fn)
    logged: dict[int, jax.Array] = {}
    for i in range(steps):
        if i % eval_every == 0:
            logged[i] = full_loss(model, x, y)  # asynchronous: read back once, at the end
        start = (i * batch) % (x.shape[0] - batch)
        step(model, optimizer, x[start : start + batch], y[start : start + batch])
    logged[steps] = full_loss(model, x, y)
    return np.array(list(logged)), np.array([float(v) for v in logged.values()])


def save_figure(path: str, total: int, runs: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
    """Two panels: the schedules compared, and the training loss of each run."""
    try:
        import matplotlib
    except ImportError:
        print(f"matplotlib is not installed (pip install matplotlib): no {path}")
        return
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from jaxsched.plotting import plot

    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.5), layout="constrained")
    named = schedules(total)
    plot(list(named.values()), total_steps=total, labels=list(named), ax=left, title=f"schedules, peak {PEAK:g}")
    for name, (steps, losses) in runs.items():
        right.plot(steps, losses, label=name, color=f"C{list(named).index(name)}")  # its schedule's colour
    right.set(xlabel="step", ylabel="loss (MSE, all the data)", yscale="log", xlim=(0, total))
    right.set_title(f"training a small MLP with AdamW, {total} steps")
    right.legend(loc="upper right", frameon=False)
    right.grid(alpha=0.3)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"wrote {path}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="jaxsched quick start")
    parser.add_argument("--steps", type=int, default=TOTAL_STEPS, help="training steps per run")
    parser.add_argument("--plot", default="demo.png", metavar="FILE", help='the figure ("" for none)')
    args = parser.parse_args(argv)
    print_table(args.steps)
    print()
    named = schedules(args.steps)
    runs = {name: train(named[name], args.steps) for name in ("constant", "warmup_cosine")}
    print(f"final loss after {args.steps} steps of AdamW:")
    print(f"  constant lr {PEAK:g}:            {runs['constant'][1][-1]:.5f}")
    print(f"  warmup + cosine, peak {PEAK:g}:  {runs['warmup_cosine'][1][-1]:.5f}")
    if args.plot:
        save_figure(args.plot, args.steps, runs)


if __name__ == "__main__":
    main()
