"""Data- and model-parallel training with a jaxsched schedule inside a sharded, jitted step.

A two-layer MLP is trained on a regression task it generates itself, over a 2D
device mesh ``('data', 'model')``: the batch is split over ``'data'`` and the
weight matrices over ``'model'`` (the first layer by output columns, the second
by input rows, as in Megatron-style tensor parallelism). The learning rate is
computed inside the compiled step from the replicated step counter, so the
schedule costs nothing and never leaves the device.

On a machine without accelerators, 8 CPU devices are simulated with
``XLA_FLAGS=--xla_force_host_platform_device_count=8`` (set below, before JAX
is imported); on GPU or TPU the real devices are used.

Run::

    python examples/sharded_train.py --steps 100            # 8 devices: mesh (4, 2)
    python examples/sharded_train.py --steps 100 --devices 1
"""

from __future__ import annotations

import os

# Must happen before JAX initializes its CPU backend; it only affects the CPU platform.
if "xla_force_host_platform_device_count" not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=8").strip()

import argparse
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax.sharding import NamedSharding
from jax.sharding import PartitionSpec as P

import jaxsched

IN_DIM, HIDDEN, OUT_DIM = 16, 64, 4
BATCH = 64
PEAK_LR, WEIGHT_DECAY = 1e-2, 1e-4


class TrainState(NamedTuple):
    step: jax.Array  # int32 scalar, replicated on every device
    params: dict[str, jax.Array]
    opt_state: Any


def make_mesh(num_devices: int) -> jax.sharding.Mesh:
    """A ('data', 'model') mesh over the first ``num_devices`` devices: (n/2, 2) when n is even."""
    devices = jax.devices()
    if num_devices > len(devices):
        raise ValueError(f"asked for {num_devices} devices, but only {len(devices)} are available")
    model = 2 if num_devices % 2 == 0 else 1
    if BATCH % (num_devices // model):
        raise ValueError(f"{num_devices} devices: the batch ({BATCH}) must split evenly over the 'data' axis")
    auto = (jax.sharding.AxisType.Auto,) * 2
    return jax.make_mesh((num_devices // model, model), ("data", "model"), auto, devices=devices[:num_devices])


# Where each parameter lives: the first layer is split by columns, the second by rows.
PARAM_SPECS = {"w1": P(None, "model"), "b1": P("model"), "w2": P("model", None), "b2": P()}
BATCH_SPEC = P("data", None)


def make_data(num_examples: int = 1024, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A fixed nonlinear regression problem: y = tanh(x A) B + noise."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((num_examples, IN_DIM)).astype(np.float32)
    a = rng.standard_normal((IN_DIM, 32)).astype(np.float32) / np.sqrt(IN_DIM)
    b = rng.standard_normal((32, OUT_DIM)).astype(np.float32) / np.sqrt(32)
    y = np.tanh(x @ a) @ b + 0.01 * rng.standard_normal((num_examples, OUT_DIM)).astype(np.float32)
    return x, y.astype(np.float32)


def init_params(seed: int = 1) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "w1": (rng.standard_normal((IN_DIM, HIDDEN)) / np.sqrt(IN_DIM)).astype(np.float32),
        "b1": np.zeros(HIDDEN, np.float32),
        "w2": (rng.standard_normal((HIDDEN, OUT_DIM)) / np.sqrt(HIDDEN)).astype(np.float32),
        "b2": np.zeros(OUT_DIM, np.float32),
    }


def loss_fn(params: dict[str, jax.Array], x: jax.Array, y: jax.Array, mesh: jax.sharding.Mesh) -> jax.Array:
    h = jax.nn.relu(x @ params["w1"] + params["b1"])
    # Hidden activations: batch over 'data', features over 'model'.
    h = jax.lax.with_sharding_constraint(h, NamedSharding(mesh, P("data", "model")))
    pred = h @ params["w2"] + params["b2"]
    return jnp.mean((pred - y) ** 2)


def make_train_step(
    schedule: jaxsched.Schedule, tx: optax.GradientTransformation, mesh: jax.sharding.Mesh, state_sharding: Any
):
    """A jitted step ``(state, x, y) -> (state, loss, lr)``; the new state keeps the old one's shardings."""

    def train_step(state: TrainState, x: jax.Array, y: jax.Array):
        lr = schedule(state.step)  # evaluated inside the compiled, sharded step
        loss, grads = jax.value_and_grad(loss_fn)(state.params, x, y, mesh)
        direction, opt_state = tx.update(grads, state.opt_state, state.params)
        params = jax.tree.map(lambda p, d: p - lr * d, state.params, direction)
        return TrainState(state.step + 1, params, opt_state), loss, lr

    replicated = NamedSharding(mesh, P())
    return jax.jit(train_step, out_shardings=(state_sharding, replicated, replicated), donate_argnums=0)


def train(num_devices: int = 8, steps: int = 100, log_every: int = 0) -> dict[str, Any]:
    """Trains for ``steps`` steps on a mesh of ``num_devices`` devices.

    Returns:
        A dict with ``losses`` and ``lrs`` (float32 arrays, one entry per step:
        the loss before the update and the learning rate the update used),
        ``schedule``, ``mesh`` and the final ``state``.
    """
    mesh = make_mesh(num_devices)
    schedule = jaxsched.warmup_cosine(peak_value=PEAK_LR, warmup_steps=max(1, steps // 10), total_steps=steps)
    # AdamW without its learning-rate factor: the step multiplies by schedule(step) itself.
    tx = optax.chain(optax.scale_by_adam(), optax.add_decayed_weights(WEIGHT_DECAY))

    param_shardings = {k: NamedSharding(mesh, spec) for k, spec in PARAM_SPECS.items()}
    batch_sharding = NamedSharding(mesh, BATCH_SPEC)
    replicated = NamedSharding(mesh, P())
    params = jax.device_put(init_params(), param_shardings)
    # Adam's moments are sharded like the parameters they track; its step counter is replicated.
    opt_sharding = optax.tree_map_params(
        tx, lambda _, s: s, jax.eval_shape(tx.init, params), param_shardings, transform_non_params=lambda _: replicated
    )
    opt_state = jax.jit(tx.init, out_shardings=opt_sharding)(params)
    state = TrainState(jax.device_put(jnp.int32(0), replicated), params, opt_state)
    train_step = make_train_step(schedule, tx, mesh, jax.tree.map(lambda a: a.sharding, state))

    x_all, y_all = make_data()
    batches_per_epoch = len(x_all) // BATCH
    losses, lrs = [], []
    for i in range(steps):
        lo = (i % batches_per_epoch) * BATCH
        x = jax.device_put(x_all[lo : lo + BATCH], batch_sharding)
        y = jax.device_put(y_all[lo : lo + BATCH], batch_sharding)
        state, loss, lr = train_step(state, x, y)
        losses.append(loss)
        lrs.append(lr)
        if log_every and (i % log_every == 0 or i == steps - 1):
            print(f"step {i:5d}  loss {float(loss):.5f}  lr {float(lr):.3e}")
    return {
        "losses": np.asarray(jnp.stack(losses)),
        "lrs": np.asarray(jnp.stack(lrs)),
        "schedule": schedule,
        "mesh": mesh,
        "state": state,
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    # Default: the largest power of two up to 8 that this machine has (so the batch and hidden size divide).
    default_devices = 1 << (min(8, jax.device_count()).bit_length() - 1)
    parser.add_argument("--devices", type=int, default=default_devices)
    parser.add_argument("--log-every", type=int, default=20)
    args = parser.parse_args(argv)
    print(f"{args.devices} of {jax.device_count()} {jax.devices()[0].platform} devices")
    out = train(args.devices, args.steps, args.log_every)
    mesh, params = out["mesh"], out["state"].params
    print(f"mesh {dict(mesh.shape)}; w1 sharded as {params['w1'].sharding.spec}, w2 as {params['w2'].sharding.spec}")
    return out


if __name__ == "__main__":
    main()
