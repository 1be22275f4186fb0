"""Checkpoint / resume with Orbax: a run saved half-way and restored into a fresh
state continues exactly as if it had never stopped (learning rates, parameters,
optimizer state), with a step schedule and with the stateful plateau schedule."""

from __future__ import annotations

import functools
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
import orbax.checkpoint as ocp
import pytest

import jaxsched

STEPS = 40
BATCH = 16


@pytest.fixture(autouse=True)
def _standard_promotion():
    """Optax's Adam bias correction computes ``b1 ** count`` (a float with the int32 step count),
    which the strict promotion of tests/conftest.py refuses; these training loops run under JAX's default promotion."""
    with jax.numpy_dtype_promotion("standard"):
        yield


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((128, 8)).astype(np.float32)
    w = rng.standard_normal((8, 2)).astype(np.float32)
    y = np.tanh(x @ w) + 0.1 * rng.standard_normal((128, 2)).astype(np.float32)
    return x, y.astype(np.float32)


def _init_params(seed: int) -> dict[str, jax.Array]:
    k1, k2 = jax.random.split(jax.random.key(seed))
    return {
        "w1": jax.random.normal(k1, (8, 16), jnp.float32) / np.sqrt(8),
        "b1": jnp.zeros(16, jnp.float32),
        "w2": jax.random.normal(k2, (16, 2), jnp.float32) / 4.0,
        "b2": jnp.zeros(2, jnp.float32),
    }


def _loss(params: dict[str, jax.Array], x: jax.Array, y: jax.Array) -> jax.Array:
    h = jnp.tanh(x @ params["w1"] + params["b1"])
    return jnp.mean((h @ params["w2"] + params["b2"] - y) ** 2)


@functools.partial(jax.jit, static_argnums=(0, 1))
def _train_step(opt: optax.GradientTransformation, with_metric: bool, state: dict[str, Any], x, y):
    loss, grads = jax.value_and_grad(_loss)(state["params"], x, y)
    extra = {"value": loss} if with_metric else {}
    updates, opt_state = opt.update(grads, state["opt_state"], state["params"], **extra)
    params = optax.apply_updates(state["params"], updates)
    new = {"step": state["step"] + 1, "params": params, "opt_state": opt_state}
    return new, jaxsched.current_lr(opt_state)


def _fresh_state(opt: optax.GradientTransformation, seed: int) -> dict[str, Any]:
    params = _init_params(seed)
    return {"step": jnp.int32(0), "params": params, "opt_state": opt.init(params)}


def _run(opt, with_metric: bool, state: dict[str, Any], steps: int) -> tuple[dict[str, Any], list[np.ndarray]]:
    """``steps`` updates from ``state``; the batch is picked from the state's own step counter."""
    x_all, y_all = _data()
    lrs = []
    for _ in range(steps):
        lo = int(state["step"]) * BATCH % len(x_all)
        state, lr = _train_step(opt, with_metric, state, x_all[lo : lo + BATCH], y_all[lo : lo + BATCH])
        lrs.append(np.asarray(lr))
    return state, lrs


def _step_schedule_opt() -> optax.GradientTransformation:
    schedule = jaxsched.warmup_cosine(peak_value=0.05, warmup_steps=8, total_steps=STEPS)
    return optax.inject_hyperparams(optax.adamw)(learning_rate=schedule, weight_decay=1e-3)


def _plateau_opt() -> optax.GradientTransformation:
    # A high threshold so that reductions happen within a few steps, before and after the checkpoint.
    base = jaxsched.warmup_cosine(peak_value=0.05, warmup_steps=4, total_steps=STEPS)
    plateau = jaxsched.reduce_on_plateau(base=base, factor=0.5, patience=2, threshold=0.05, cooldown=1)
    return optax.inject_hyperparams(optax.adamw)(learning_rate=plateau, weight_decay=1e-3)


CASES = {"warmup_cosine": (_step_schedule_opt, False), "reduce_on_plateau": (_plateau_opt, True)}


@pytest.mark.parametrize("case", list(CASES))
def test_resume_from_orbax_checkpoint_is_exact(case: str, tmp_path) -> None:
    make_opt, with_metric = CASES[case]
    opt = make_opt()

    # The uninterrupted run.
    full_state, full_lrs = _run(opt, with_metric, _fresh_state(opt, seed=0), STEPS)

    # The same run, saved half-way; the process "dies" (everything but the files is dropped).
    half_state, first_lrs = _run(make_opt(), with_metric, _fresh_state(opt, seed=0), STEPS // 2)
    path = tmp_path / "checkpoint"
    with ocp.StandardCheckpointer() as checkpointer:
        checkpointer.save(path, half_state)
    saved_opt_state = jax.tree.map(np.asarray, half_state["opt_state"])
    del half_state

    # A new process: a fresh optimizer and a fresh state (other random parameters) as the restore target.
    opt = make_opt()
    target = _fresh_state(opt, seed=123)
    with ocp.StandardCheckpointer() as checkpointer:
        restored = checkpointer.restore(path, target)
    assert jax.tree.structure(restored) == jax.tree.structure(target)
    jax.tree.map(np.testing.assert_array_equal, restored["opt_state"], saved_opt_state)
    assert int(restored["step"]) == STEPS // 2
    resumed_state, second_lrs = _run(opt, with_metric, restored, STEPS - STEPS // 2)

    np.testing.assert_array_equal(np.array(first_lrs + second_lrs), np.array(full_lrs))
    jax.tree.map(np.testing.assert_array_equal, resumed_state["params"], full_state["params"])
    jax.tree.map(np.testing.assert_array_equal, resumed_state["opt_state"], full_state["opt_state"])

    lrs = np.array(full_lrs)
    assert lrs.dtype == np.float32
    assert np.all(np.isfinite(lrs)) and lrs.max() > 0.0
    # The loss went down: the run trains, it is not a sequence of no-op updates.
    x, y = _data()
    assert _loss(full_state["params"], x, y) < 0.5 * _loss(_init_params(0), x, y)


def _plateau_state(state: dict[str, Any]) -> Any:
    return state["opt_state"].hyperparams_states["learning_rate"]


def test_plateau_state_at_the_checkpoint_matters() -> None:
    """The plateau run reduces the learning rate both before and after the checkpoint, so
    resuming from a reset plateau state (instead of the saved one) would give other rates:
    the resume test above checks something the plateau state decides."""
    opt = _plateau_opt()
    half_state, _ = _run(opt, True, _fresh_state(opt, seed=0), STEPS // 2)
    scale_half = float(_plateau_state(half_state).scale)
    assert scale_half < 1.0  # reduced before the checkpoint
    end_state, lrs = _run(opt, True, half_state, STEPS - STEPS // 2)
    assert float(_plateau_state(end_state).scale) < scale_half  # and again after it

    # The same second half from a plateau state reset to its initial value (count kept).
    fresh = opt.init(half_state["params"]).hyperparams_states["learning_rate"]
    reset = fresh._replace(count=_plateau_state(half_state).count)
    opt_state = half_state["opt_state"]._replace(hyperparams_states={"learning_rate": reset})
    _, reset_lrs = _run(opt, True, {**half_state, "opt_state": opt_state}, STEPS - STEPS // 2)
    assert not np.array_equal(np.array(reset_lrs), np.array(lrs))
