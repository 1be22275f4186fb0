"""Optax integration: jaxsched schedules wherever Optax takes a schedule."""

from __future__ import annotations

import chex
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from test_config import EXAMPLES

import jaxsched


@pytest.fixture(autouse=True)
def _optax_promotion():
    """Optax's own code (adam's bias correction, decay**count) mixes int and float,
    which the suite's strict promotion refuses: run these tests with standard promotion."""
    chex.clear_trace_counter()
    with jax.numpy_dtype_promotion("standard"):
        yield


def _params():
    return {"w": jnp.array([[0.3, -1.2], [2.0, 0.5]], jnp.float32), "b": jnp.array([0.1, -0.4], jnp.float32)}


def _loss(p, x, y):
    return jnp.mean((x @ p["w"] + p["b"] - y) ** 2)


def _data(i):
    key = jax.random.key(i)
    x = jax.random.normal(key, (8, 2))
    return x, x @ jnp.array([[1.0, 2.0], [-1.0, 0.5]]) + 0.3


def _run(opt, steps=12):
    params, state = _params(), opt.init(_params())
    history = []
    for i in range(steps):
        grads = jax.grad(_loss)(params, *_data(i))
        updates, state = opt.update(grads, state, params)
        history.append(updates)
        params = optax.apply_updates(params, updates)
    return params, history, state


def test_adamw_with_constant_equals_float_learning_rate():
    params_a, hist_a, _ = _run(optax.adamw(learning_rate=jaxsched.constant(value=1e-3)))
    params_b, hist_b, _ = _run(optax.adamw(learning_rate=1e-3))
    for ua, ub in zip(hist_a, hist_b, strict=True):
        chex.assert_trees_all_equal(ua, ub)  # exactly
    chex.assert_trees_all_equal(params_a, params_b)


def test_adamw_with_a_schedule_follows_it():
    s = jaxsched.warmup_cosine(peak_value=1e-2, warmup_steps=5, total_steps=30)
    _, hist, _ = _run(optax.sgd(learning_rate=s), steps=12)
    # sgd: update = -lr(count) * grad; compare with a float learning rate per step
    params = _params()
    for i, upd in enumerate(hist):
        grads = jax.grad(_loss)(params, *_data(i))
        expected = jax.tree.map(lambda g, i=i: -float(s(i)) * g, grads)
        chex.assert_trees_all_close(upd, expected, rtol=1e-6, atol=1e-12)
        params = optax.apply_updates(params, upd)


@pytest.mark.parametrize(
    "schedules, boundaries",
    [
        (
            [
                jaxsched.linear(init_value=0.0, end_value=1e-3, total_steps=10),
                jaxsched.cosine(init_value=1e-3, total_steps=90, end_value=1e-5),
            ],
            [10],
        ),
        (
            [
                jaxsched.constant(value=0.1),
                jaxsched.step_decay(init_value=0.05, period=7, decay_rate=0.5),
                jaxsched.wsd(peak_value=0.2, warmup_steps=3, total_steps=40, decay_steps=10),
            ],
            [5, 50],
        ),
    ],
)
def test_optax_join_schedules_equals_join(schedules, boundaries):
    theirs = optax.join_schedules(schedules, boundaries)
    ours = jaxsched.join(schedules, boundaries=boundaries)
    steps = np.arange(0, 150, dtype=np.int32)
    np.testing.assert_allclose(np.asarray(theirs(jnp.asarray(steps))), np.asarray(ours(steps)), rtol=1e-6)
    for t in (0, 4, 5, 6, 9, 10, 11, 49, 50, 51, 10**6):
        np.testing.assert_allclose(float(theirs(jnp.int32(t))), float(ours(t)), rtol=1e-6)
    jitted = jax.jit(theirs)
    np.testing.assert_allclose(np.asarray(jax.vmap(jitted)(jnp.asarray(steps))), np.asarray(ours(steps)), rtol=1e-6)


@pytest.mark.parametrize(
    "schedule",
    [
        jaxsched.warmup_cosine(peak_value=1e-3, warmup_steps=4, total_steps=20, end_value=1e-5),
        jaxsched.join(
            [jaxsched.constant(value=1e-3), jaxsched.linear(init_value=1e-3, end_value=0.0, total_steps=5)],
            boundaries=[3],
        ),
        jaxsched.wsd(peak_value=2e-3, warmup_steps=2, total_steps=15, decay_steps=5, shape="1-sqrt"),
    ],
)
def test_inject_hyperparams_records_schedule(schedule):
    opt = optax.inject_hyperparams(optax.adamw)(learning_rate=schedule, weight_decay=1e-4)
    params = _params()
    state = opt.init(params)
    # count 0: the value at step 0 is recorded by init
    np.testing.assert_allclose(float(state.hyperparams["learning_rate"]), float(schedule(0)), rtol=1e-6)
    assert state.hyperparams["learning_rate"].dtype == jnp.float32

    @jax.jit
    @chex.assert_max_traces(n=1)
    def step(params, state, i):
        grads = jax.grad(_loss)(params, *_data(0))
        updates, state = opt.update(grads, state, params)
        return optax.apply_updates(params, updates), state

    for count in range(25):
        assert int(state.count) == count
        params, state = step(params, state, count)
        # the state records the value that update number `count` used: s(count)
        np.testing.assert_allclose(
            float(state.hyperparams["learning_rate"]), float(schedule(count)), rtol=1e-6, err_msg=str(count)
        )


def test_inject_hyperparams_applies_schedule_from_count_zero():
    # sgd with an injected schedule: the first update uses s(0), the k-th s(k).
    s = jaxsched.linear(init_value=0.5, end_value=0.1, total_steps=4)
    opt = optax.inject_hyperparams(optax.sgd)(learning_rate=s)
    params = {"x": jnp.float32(1.0)}
    state = opt.init(params)
    for k in range(6):
        updates, state = opt.update({"x": jnp.float32(1.0)}, state, params)
        np.testing.assert_allclose(float(updates["x"]), -float(s(k)), rtol=1e-6)


@pytest.mark.parametrize("make", [pytest.param(makers[0], id=name) for name, makers in EXAMPLES.items()])
def test_never_mistaken_for_stateful(make):
    s = make()
    assert not isinstance(s, optax.schedules.StatefulSchedule)
    opt = optax.inject_hyperparams(optax.sgd)(learning_rate=s)
    state = opt.init({"x": jnp.float32(1.0)})
    # Optax wraps it like a plain function (WrappedSchedule): its own init/update are never used.
    assert type(state.hyperparams_states["learning_rate"]).__name__ == "WrappedScheduleState"
    np.testing.assert_allclose(float(state.hyperparams["learning_rate"]), float(s(0)), rtol=1e-6)


def test_jitted_train_step_compiles_once():
    schedule = jaxsched.warmup_cosine(peak_value=1e-2, warmup_steps=5, total_steps=100)
    opt = optax.adamw(learning_rate=schedule)

    @jax.jit
    @chex.assert_max_traces(n=1)
    def train_step(params, state, x, y):
        loss, grads = jax.value_and_grad(_loss)(params, x, y)
        updates, state = opt.update(grads, state, params)
        return optax.apply_updates(params, updates), state, loss

    params = _params()
    state = opt.init(params)
    losses = []
    for i in range(40):
        params, state, loss = train_step(params, state, *_data(i))
        losses.append(float(loss))
    assert losses[-1] < losses[0]
