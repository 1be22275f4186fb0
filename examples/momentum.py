"""Momentum cycled inversely to the learning rate, as PyTorch's OneCycleLR and CyclicLR do.

Two runs on a small generated regression problem (an MLP learns a teacher
network from noisy labels):

* SGD with ``jaxsched.one_cycle`` as the learning rate and
  ``jaxsched.one_cycle_momentum`` as its momentum:
  ``optax.inject_hyperparams(optax.sgd)(learning_rate=lr, momentum=mom)``;
* Adam with ``jaxsched.cyclic`` as the learning rate and
  ``jaxsched.cyclic_momentum`` as its ``b1``:
  ``optax.inject_hyperparams(optax.adam)(learning_rate=lr, b1=mom)``.

``inject_hyperparams`` evaluates both schedules at the optimizer's step count
and keeps the values it used in the optimizer state, where the loop reads them.
Run: ``python examples/momentum.py [--steps N] [--plot momentum.png]``.
"""

from __future__ import annotations

import argparse
import pathlib

import jax
import jax.numpy as jnp
import numpy as np
import optax

import jaxsched

DIM, BATCH = 8, 32


def make_data(n: int = 2048, seed: int = 0) -> tuple[jax.Array, jax.Array]:
    rng = np.random.default_rng(seed)
    w1 = rng.standard_normal((DIM, 4)).astype(np.float32) / np.sqrt(DIM)
    x = rng.standard_normal((n, DIM)).astype(np.float32)
    y = np.tanh(x @ w1) @ rng.standard_normal(4).astype(np.float32) + 0.3 * rng.standard_normal(n)
    return jnp.asarray(x), jnp.asarray(y.astype(np.float32))


def init_params(key: jax.Array, hidden: int = 32) -> dict[str, jax.Array]:
    k1, k2 = jax.random.split(key)
    return {
        "w1": jax.random.normal(k1, (DIM, hidden)) / np.sqrt(DIM),
        "b1": jnp.zeros(hidden),
        "w2": jax.random.normal(k2, (hidden,)) / np.sqrt(hidden),
        "b2": jnp.zeros(()),
    }


def loss_fn(params: dict[str, jax.Array], x: jax.Array, y: jax.Array) -> jax.Array:
    h = jnp.tanh(x @ params["w1"] + params["b1"])
    return jnp.mean((h @ params["w2"] + params["b2"] - y) ** 2)


def train(opt: optax.GradientTransformation, momentum_name: str, steps: int) -> list[dict[str, float]]:
    """Minibatch training; per step the learning rate and momentum the update used, and the loss."""
    x, y = make_data()
    params = init_params(jax.random.key(0))
    opt_state = opt.init(params)

    @jax.jit
    def step(params, opt_state):
        idx = jax.random.randint(jax.random.fold_in(jax.random.key(1), opt_state.count), (BATCH,), 0, x.shape[0])
        loss, grads = jax.value_and_grad(loss_fn)(params, x[idx], y[idx])
        updates, opt_state = opt.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    log = []
    for t in range(steps):
        params, opt_state, loss = step(params, opt_state)
        used = opt_state.hyperparams  # the values of update t
        lr, momentum = float(used["learning_rate"]), float(used[momentum_name])
        log.append({"step": t, "lr": lr, "momentum": momentum, "loss": float(loss)})
    print(f"  loss {np.mean([e['loss'] for e in log[:20]]):.4f} -> {np.mean([e['loss'] for e in log[-20:]]):.4f}")
    return log


def main(argv: list[str] | None = None) -> dict[str, list[dict[str, float]]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=600, help="training steps per run (default 600)")
    parser.add_argument("--plot", type=pathlib.Path, help="write a PNG of the schedules and losses here")
    args = parser.parse_args(argv)
    T = args.steps

    # One-cycle: PyTorch's OneCycleLR(max_lr=0.1, total_steps=T), cycle_momentum=True (0.85 .. 0.95).
    lr = jaxsched.one_cycle(peak_value=0.1, total_steps=T)
    mom = jaxsched.one_cycle_momentum(min_value=0.85, max_value=0.95, total_steps=T)
    print(f"SGD\n  learning_rate={lr}\n  momentum={mom}")
    sgd = train(optax.inject_hyperparams(optax.sgd)(learning_rate=lr, momentum=mom), "momentum", T)

    # Cyclic: PyTorch's CyclicLR(base_lr=1e-3, max_lr=1e-2, step_size_up=T // 6, mode="triangular2")
    # with Adam, whose betas[0] PyTorch cycles from 0.9 down to 0.8.
    up = max(T // 6, 1)
    lr = jaxsched.cyclic(min_value=1e-3, max_value=1e-2, up_steps=up, decay_rate=0.5)
    b1 = jaxsched.cyclic_momentum(min_value=0.8, max_value=0.9, up_steps=up, decay_rate=0.5)
    print(f"Adam\n  learning_rate={lr}\n  b1={b1}")
    with jax.numpy_dtype_promotion("standard"):  # Adam's bias correction: b1 ** count
        adam = train(optax.inject_hyperparams(optax.adam)(learning_rate=lr, b1=b1), "b1", T)

    logs = {"SGD, one_cycle": sgd, "Adam, cyclic": adam}
    if args.plot:
        plot(logs, args.plot)
    return logs


def plot(logs: dict[str, list[dict[str, float]]], path: pathlib.Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(10, 2.9), dpi=72)
    for ax, (name, log) in zip(axes[:2], logs.items(), strict=True):
        steps = [e["step"] for e in log]
        ax.plot(steps, [e["lr"] for e in log], color="C0")
        ax.set_ylabel("learning rate", color="C0")
        twin = ax.twinx()
        twin.plot(steps, [e["momentum"] for e in log], color="C1")
        twin.set_ylabel("momentum" if "SGD" in name else "b1", color="C1")
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("step")
    for i, (name, log) in enumerate(logs.items()):
        loss = np.convolve([e["loss"] for e in log], np.ones(10) / 10, mode="valid")  # a 10-step mean
        axes[2].plot(np.arange(len(loss)) + 9, loss, label=name, color=f"C{i + 2}", linewidth=1)
    axes[2].set_yscale("log")
    axes[2].set_title("training loss (10-step mean)", fontsize=9)
    axes[2].set_xlabel("step")
    axes[2].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


if __name__ == "__main__":
    main()
