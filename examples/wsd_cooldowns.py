"""WSD cooldowns of three lengths, branched from one Orbax checkpoint of the stable phase.

A small MLP learns a noisy function from minibatches with AdamW at a constant
learning rate after a short warmup (``jaxsched.warmup_constant``): the stable
phase of a warmup-stable-decay run. At step ``--branch-step`` the run saves its
parameters and optimizer state with Orbax. Three cooldowns of different lengths
then start from that one checkpoint: each restores it (the optimizer's step
count continues) and trains on with ``jaxsched.cooldown(stable,
start_step=<the checkpoint's step>, decay_steps=...)``. The stable run goes
on too, for comparison. Each cooldown brings the loss well below the stable
run's. Run: ``python examples/wsd_cooldowns.py [--plot wsd_cooldowns.png]``.
"""

from __future__ import annotations

import argparse
import pathlib
import tempfile

import jax
import jax.numpy as jnp
import numpy as np
import optax
import orbax.checkpoint as ocp

import jaxsched

BATCH = 16
DIM = 8


def make_data(n: int = 4096, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A teacher network: inputs, its outputs, and its outputs plus label noise (the training
    targets). The student learns the teacher quickly; then, at a constant learning rate, the
    minibatch noise keeps it away from the teacher."""
    rng = np.random.default_rng(seed)
    w1 = rng.standard_normal((DIM, 4)).astype(np.float32) / np.sqrt(DIM)
    w2 = rng.standard_normal(4).astype(np.float32)
    x = rng.standard_normal((n, DIM)).astype(np.float32)
    clean = np.tanh(x @ w1) @ w2
    return x, clean, (clean + 0.5 * rng.standard_normal(n)).astype(np.float32)


def init_params(key: jax.Array, hidden: int = 64) -> dict[str, jax.Array]:
    k1, k2 = jax.random.split(key)
    return {
        "w1": jax.random.normal(k1, (DIM, hidden)) / np.sqrt(DIM),
        "b1": jnp.zeros(hidden),
        "w2": jax.random.normal(k2, (hidden,)) / np.sqrt(hidden),
        "b2": jnp.zeros(()),
    }


def loss_fn(params: dict[str, jax.Array], x: jax.Array, y: jax.Array) -> jax.Array:
    h = jax.nn.gelu(x @ params["w1"] + params["b1"])
    return jnp.mean((h @ params["w2"] + params["b2"] - y) ** 2)


def optimizer(schedule: jaxsched.Schedule) -> optax.GradientTransformation:
    """The same optimizer structure for every schedule: a checkpoint of one restores into another."""
    return optax.inject_hyperparams(optax.adamw)(learning_rate=schedule, weight_decay=1e-4)


def train(schedule, state, until: int, data, log_every: int = 10):
    """Trains from ``state`` (its step count says where it is) up to step ``until``; the batch of step
    ``t`` depends on ``t`` only, so a run restored from a checkpoint sees the batches it would have seen."""
    opt = optimizer(schedule)
    (x, y), (x_test, y_test) = data

    @jax.jit
    def step(state):
        t = state["opt_state"].count
        idx = jax.random.randint(jax.random.fold_in(jax.random.key(1), t), (BATCH,), 0, x.shape[0])
        grads = jax.grad(loss_fn)(state["params"], x[idx], y[idx])
        updates, opt_state = opt.update(grads, state["opt_state"], state["params"])
        return {"params": optax.apply_updates(state["params"], updates), "opt_state": opt_state}

    log = []
    for t in range(int(state["opt_state"].count), until):
        state = step(state)
        if (t + 1) % log_every == 0:
            lr = float(state["opt_state"].hyperparams["learning_rate"])  # the rate of update t
            log.append({"step": t + 1, "lr": lr, "test_loss": float(loss_fn(state["params"], x_test, y_test))})
    return state, log


def main(argv: list[str] | None = None) -> dict[str, list[dict[str, float]]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000, help="length of every run (default 2000)")
    parser.add_argument("--branch-step", type=int, default=1000, help="the checkpoint's step (default 1000)")
    parser.add_argument("--cooldowns", type=int, nargs=3, default=[100, 300, 1000], help="cooldown lengths")
    parser.add_argument("--peak-lr", type=float, default=1e-2, help="the stable phase's learning rate")
    parser.add_argument("--plot", type=pathlib.Path, help="write a PNG of the learning rates and losses here")
    args = parser.parse_args(argv)

    x, clean, noisy = make_data()
    # Trained on noisy labels; the loss reported is the distance to the teacher on held-out inputs.
    data = ((jnp.asarray(x[:3072]), jnp.asarray(noisy[:3072])), (jnp.asarray(x[3072:]), jnp.asarray(clean[3072:])))
    stable = jaxsched.warmup_constant(peak_value=args.peak_lr, warmup_steps=args.steps // 20)
    params = init_params(jax.random.key(0))
    state = {"params": params, "opt_state": optimizer(stable).init(params)}

    with tempfile.TemporaryDirectory() as folder:
        path = pathlib.Path(folder).absolute() / f"stable_{args.branch_step}"  # Orbax wants an absolute path
        state, head = train(stable, state, args.branch_step, data)
        with ocp.StandardCheckpointer() as checkpointer:
            checkpointer.save(path, state)
        _, tail = train(stable, state, args.steps, data)
        logs = {"stable": head + tail}
        print(f"checkpoint at step {args.branch_step}: test loss {head[-1]['test_loss']:.4f}")

        for length in args.cooldowns:
            branch = jaxsched.cooldown(stable, start_step=args.branch_step, decay_steps=length, shape="1-sqrt")
            fresh = init_params(jax.random.key(123))  # the restore target: any state of the same structure
            target = {"params": fresh, "opt_state": optimizer(branch).init(fresh)}
            with ocp.StandardCheckpointer() as checkpointer:
                restored = checkpointer.restore(path, target)
            _, log = train(branch, restored, args.steps, data)
            logs[f"cooldown {length}"] = head + log
            end = args.branch_step + length
            at_end = min(log, key=lambda e: abs(e["step"] - end))
            print(f"{branch}\n  test loss at step {at_end['step']}: {at_end['test_loss']:.4f}")
    print(f"stable run at step {args.steps}: test loss {logs['stable'][-1]['test_loss']:.4f}")
    if args.plot:
        plot(logs, args, args.plot)
    return logs


def plot(logs, args, path: pathlib.Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_lr, ax_loss) = plt.subplots(1, 2, figsize=(9, 3.2), dpi=72)
    for name, log in logs.items():
        steps = [e["step"] for e in log]
        style = {"color": "0.5", "linestyle": "--"} if name == "stable" else {}
        ax_lr.plot(steps, [e["lr"] for e in log], label=name, **style)
        ax_loss.plot(steps, [e["test_loss"] for e in log], label=name, linewidth=1, **style)
    for ax in (ax_lr, ax_loss):
        ax.axvline(args.branch_step, color="0.7", linestyle=":", linewidth=1)
        ax.set_xlabel("step")
    ax_lr.set_ylabel("learning rate")
    ax_loss.set_ylabel("test loss (distance to the teacher)")
    ax_loss.set_yscale("log")
    start = args.branch_step * 0.6
    shown = [e["test_loss"] for log in logs.values() for e in log if e["step"] >= start]
    ax_loss.set_xlim(start, args.steps)
    ax_loss.set_ylim(min(shown) * 0.9, max(shown) * 1.1)
    ax_loss.legend(fontsize=8)
    ax_lr.set_title(f"cooldowns from the checkpoint at step {args.branch_step}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


if __name__ == "__main__":
    main()
