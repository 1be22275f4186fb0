"""Schedules inside real Optax training: gradient accumulation and bf16 parameters."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxsched

# Optax's Adam bias correction (b1 ** int32 count) and MultiSteps' accumulator mix
# floats with int32: fine under JAX's standard promotion, which the optimizer calls
# get; the rest of the suite runs under strict promotion.
standard_promotion = jax.numpy_dtype_promotion("standard")

SCHEDULE = jaxsched.warmup_cosine(peak_value=0.4, warmup_steps=2, total_steps=8, init_value=0.1)
K = 4  # mini-batches per real update


def minibatch_grads(i):
    return {"w": jnp.full((3,), float(i + 1)), "b": jnp.asarray(float(-(i % 3)))}


@pytest.mark.parametrize("inject", [False, True], ids=["sgd", "inject-sgd"])
def test_multisteps_advances_the_schedule_once_per_real_update(inject):
    inner = optax.inject_hyperparams(optax.sgd)(learning_rate=SCHEDULE) if inject else optax.sgd(SCHEDULE)
    opt = optax.MultiSteps(inner, every_k_schedule=K)
    params = {"w": jnp.zeros(3), "b": jnp.zeros(())}
    state = opt.init(params)
    update = jax.jit(opt.update)
    for i in range(6 * K):
        with standard_promotion:
            updates, state = update(minibatch_grads(i), state, params)
        real = (i + 1) // K
        if (i + 1) % K:
            assert float(jnp.abs(updates["w"]).max()) == 0.0, "no update between real updates"
        else:
            mean = np.mean([np.asarray(minibatch_grads(j)["w"]) for j in range(i + 1 - K, i + 1)], axis=0)
            lr = float(SCHEDULE(real - 1))  # the k-th real update uses schedule(k)
            np.testing.assert_allclose(np.asarray(updates["w"]), -lr * mean, rtol=1e-6)
        np.testing.assert_allclose(float(jaxsched.current_lr(state, SCHEDULE)), float(SCHEDULE(max(real - 1, 0))))
    assert int(state.gradient_step) == 6


def test_multisteps_adamw_counts_real_updates():
    opt = optax.MultiSteps(optax.adamw(SCHEDULE), every_k_schedule=K)
    params = jnp.zeros(3)
    state = opt.init(params)
    for _ in range(3 * K):
        with standard_promotion:
            _, state = opt.update(jnp.ones(3), state, params)
    has_count = lambda x: "count" in getattr(x, "_fields", ())  # noqa: E731
    counts = [node.count for node in jax.tree.leaves(state, is_leaf=has_count) if has_count(node)]
    assert counts and all(int(c) == 3 for c in counts)


def test_multisteps_with_reduce_on_plateau():
    sched = jaxsched.reduce_on_plateau(base=0.1, factor=0.5, patience=1)
    opt = optax.MultiSteps(optax.inject_hyperparams(optax.sgd)(learning_rate=sched), every_k_schedule=K)
    params = jnp.zeros(3)
    state = opt.init(params)
    update = jax.jit(opt.update)
    for _ in range(5 * K):
        with standard_promotion:
            _, state = update(jnp.ones(3), state, params, value=jnp.float32(2.0))
    plateau = state.inner_opt_state.hyperparams_states["learning_rate"]
    # Only the 5 real updates reach the schedule: best set by the 1st, 2 bad ones
    # (> patience 1) reduce at the 3rd, then again at the 5th.
    assert int(plateau.count) == 5
    np.testing.assert_allclose(float(plateau.scale), 0.25)
    np.testing.assert_allclose(float(jaxsched.current_lr(state)), 0.05)  # the 5th update used 0.1 * 0.5


# --- bf16 parameters -------------------------------------------------------------
BF16_PARAMS = {"w": jnp.full((4,), 0.5, jnp.bfloat16)}
BF16_GRADS = {"w": jnp.asarray([0.01, -0.02, 0.03, 0.5], jnp.bfloat16)}


def first_adam_update(hyperparam_dtype):
    sched = jaxsched.warmup_constant(peak_value=3e-4, warmup_steps=100, init_value=1e-4)
    opt = optax.inject_hyperparams(optax.adam, hyperparam_dtype=hyperparam_dtype)(learning_rate=sched)
    state = opt.init(BF16_PARAMS)
    with standard_promotion:
        updates, state = opt.update(BF16_GRADS, state, BF16_PARAMS)
    return updates, state


def test_bf16_params_with_float32_hyperparams_give_a_finite_first_adam_update():
    updates, state = first_adam_update(jnp.float32)
    assert all(v.dtype == jnp.float32 for v in state.hyperparams.values())
    u = np.asarray(updates["w"], np.float64)
    assert np.all(np.isfinite(u))
    # Adam's first step is -lr * sign(g) (up to eps): lr is the schedule's step-0 value.
    np.testing.assert_allclose(u, -1e-4 * np.sign(np.asarray(BF16_GRADS["w"], np.float64)), rtol=1e-3)
    with standard_promotion:
        new = optax.apply_updates(BF16_PARAMS, updates)
    assert new["w"].dtype == jnp.bfloat16


def test_bf16_params_without_hyperparam_dtype_break_adam():
    # By default inject_hyperparams casts the numeric hyperparameters to the
    # parameters' dtype: in bfloat16 (8 significant bits) b2 = 0.999 rounds to 1.0,
    # so 1 - b2 ** t is 0 and the bias-corrected second moment is 0 / 0.
    updates, state = first_adam_update(None)
    assert state.hyperparams["b2"].dtype == jnp.bfloat16
    assert float(state.hyperparams["b2"]) == 1.0
    assert not np.any(np.isfinite(np.asarray(updates["w"], np.float32)))
    # A constant learning rate would also be rounded (3e-4 -> 3.0041e-4); a jaxsched
    # schedule's float32 output is kept as is by Optax 0.2.8 and later (earlier Optax
    # casts it to the parameters' dtype too).
    opt = optax.inject_hyperparams(optax.sgd)(learning_rate=3e-4)
    assert float(opt.init(BF16_PARAMS).hyperparams["learning_rate"]) != np.float32(3e-4)
    kept = tuple(map(int, optax.__version__.split(".")[:3])) >= (0, 2, 8)
    assert state.hyperparams["learning_rate"].dtype == (jnp.float32 if kept else jnp.bfloat16)


def test_bf16_training_loop_learns_with_float32_hyperparams():
    target = jnp.asarray([1.0, -1.0, 0.5, 2.0], jnp.bfloat16)
    sched = jaxsched.warmup_cosine(peak_value=0.1, warmup_steps=5, total_steps=60)
    opt = optax.inject_hyperparams(optax.adamw, hyperparam_dtype=jnp.float32)(learning_rate=sched)

    def loss_fn(p):
        return jnp.mean((p["w"].astype(jnp.float32) - target.astype(jnp.float32)) ** 2)

    @jax.jit
    def step(p, s):
        loss, g = jax.value_and_grad(loss_fn)(p)
        u, s = opt.update(g, s, p)
        return optax.apply_updates(p, u), s, loss

    params = {"w": jnp.zeros(4, jnp.bfloat16)}
    state = opt.init(params)
    losses = []
    for _ in range(60):
        with standard_promotion:
            params, state, loss = step(params, state)
        losses.append(float(loss))
    assert params["w"].dtype == jnp.bfloat16
    assert np.all(np.isfinite(losses))
    assert losses[-1] < 0.05 * losses[0]
