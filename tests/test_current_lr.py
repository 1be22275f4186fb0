"""current_lr: the learning rate of an Optax state, injected or from the step count."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxsched

SCHEDULE = jaxsched.warmup_cosine(peak_value=0.5, warmup_steps=3, total_steps=12)
PARAMS = {"w": jnp.zeros(3), "b": jnp.zeros(())}
GRADS = {"w": jnp.ones(3), "b": jnp.ones(())}

# Optax's Adam bias correction (b1 ** int32 count) and MultiSteps' accumulator mix
# floats with int32: fine under JAX's standard promotion, which these calls get; the
# rest of the suite runs under strict promotion.
standard_promotion = jax.numpy_dtype_promotion("standard")


def lr_used(updates):
    """SGD without momentum: the update is -lr * grad, and grad is 1."""
    return -float(updates["b"])


def train(opt, n, jit=False, **extra):
    update = jax.jit(opt.update) if jit else opt.update
    state = opt.init(PARAMS)
    used, logged = [], [float(jaxsched.current_lr(state, SCHEDULE))]
    for _ in range(n):
        updates, state = update(GRADS, state, PARAMS, **extra)
        used.append(lr_used(updates))
        logged.append(float(jaxsched.current_lr(state, SCHEDULE)))
    return np.array(used), np.array(logged), state


EXPECTED = np.array([float(SCHEDULE(t)) for t in range(15)])


@pytest.mark.parametrize("jit", [False, True])
@pytest.mark.parametrize(
    "make",
    [
        lambda: optax.sgd(SCHEDULE),
        lambda: optax.inject_hyperparams(optax.sgd)(learning_rate=SCHEDULE),
        lambda: optax.chain(optax.clip_by_global_norm(10.0), optax.inject_hyperparams(optax.sgd)(SCHEDULE)),
        lambda: optax.named_chain(("clip", optax.clip(10.0)), ("sgd", optax.sgd(SCHEDULE))),
        lambda: optax.named_chain(("clip", optax.clip(10.0)), ("sgd", optax.inject_hyperparams(optax.sgd)(SCHEDULE))),
        lambda: optax.chain(optax.identity(), optax.scale_by_schedule(lambda t: -SCHEDULE(t))),
    ],
    ids=["sgd", "inject", "chain-inject", "named-chain", "named-chain-inject", "scale_by_schedule"],
)
def test_logs_the_rate_of_the_last_update(make, jit):
    used, logged, _ = train(make(), 14, jit=jit)
    np.testing.assert_allclose(used, EXPECTED[:14], rtol=1e-6)
    # Before any update: the rate of the first; after update k: the rate it used.
    np.testing.assert_allclose(logged, np.concatenate([[EXPECTED[0]], used]), rtol=1e-6)


def test_adam_state_count():
    opt = optax.adam(SCHEDULE)
    state = opt.init(PARAMS)
    for k in range(5):
        with standard_promotion:
            _, state = opt.update(GRADS, state, PARAMS)
        np.testing.assert_allclose(float(jaxsched.current_lr(state, SCHEDULE)), EXPECTED[k], rtol=1e-6)


def test_injected_adamw_equals_plain_adamw():
    injected = optax.inject_hyperparams(optax.adamw)(learning_rate=SCHEDULE)
    plain = optax.adamw(learning_rate=SCHEDULE)
    si, sp = injected.init(PARAMS), plain.init(PARAMS)
    for _ in range(6):
        with standard_promotion:
            _, si = injected.update(GRADS, si, PARAMS)
            _, sp = plain.update(GRADS, sp, PARAMS)
        assert float(jaxsched.current_lr(si)) == float(jaxsched.current_lr(sp, SCHEDULE))


def test_inside_multisteps():
    for inner in (optax.sgd(SCHEDULE), optax.inject_hyperparams(optax.sgd)(learning_rate=SCHEDULE)):
        opt = optax.MultiSteps(inner, every_k_schedule=3)
        state = opt.init(PARAMS)
        update = jax.jit(opt.update)  # one program (MultiSteps eagerly is dozens of small ones)
        for k in range(12):
            with standard_promotion:
                _, state = update(GRADS, state, PARAMS)
            real = (k + 1) // 3  # real updates so far
            np.testing.assert_allclose(
                float(jaxsched.current_lr(state, SCHEDULE)), EXPECTED[max(real - 1, 0)], rtol=1e-6
            )


def test_under_jit():
    opt = optax.inject_hyperparams(optax.sgd)(learning_rate=SCHEDULE)
    plain = optax.sgd(SCHEDULE)

    @jax.jit
    def step(s1, s2):
        _, s1 = opt.update(GRADS, s1, PARAMS)
        _, s2 = plain.update(GRADS, s2, PARAMS)
        return s1, s2, jaxsched.current_lr(s1), jaxsched.current_lr(s2, SCHEDULE)

    s1, s2 = opt.init(PARAMS), plain.init(PARAMS)
    for k in range(4):
        s1, s2, a, b = step(s1, s2)
        assert a.dtype == jnp.float32 and b.dtype == jnp.float32
        np.testing.assert_allclose([float(a), float(b)], EXPECTED[k], rtol=1e-6)


def test_reduce_on_plateau():
    sched = jaxsched.reduce_on_plateau(base=0.1, factor=0.5, patience=0)
    opt = optax.inject_hyperparams(optax.sgd)(learning_rate=sched)
    state = opt.init(PARAMS)
    logged = []
    for loss in [1.0, 1.0, 1.0, 0.5]:
        updates, state = opt.update(GRADS, state, PARAMS, value=loss)
        logged.append(float(jaxsched.current_lr(state)))
        assert logged[-1] == pytest.approx(lr_used(updates), rel=1e-6)
    np.testing.assert_allclose(logged, [0.1, 0.1, 0.05, 0.025], rtol=1e-6)


def test_bf16_injected_rate_is_returned_as_float32():
    params = jnp.zeros(2, jnp.bfloat16)
    opt = optax.inject_hyperparams(optax.sgd)(learning_rate=0.1)
    lr = jaxsched.current_lr(opt.init(params))
    assert lr.dtype == jnp.float32
    assert float(lr) == float(jnp.bfloat16(0.1))


def test_flax_nnx_optimizer_state():
    nnx = pytest.importorskip("flax.nnx")
    model = nnx.Linear(2, 1, rngs=nnx.Rngs(0))
    for tx in (optax.sgd(SCHEDULE), optax.inject_hyperparams(optax.sgd)(learning_rate=SCHEDULE)):
        optimizer = nnx.Optimizer(model, tx, wrt=nnx.Param)
        for k in range(3):
            grads = jax.tree.map(jnp.ones_like, nnx.state(model, nnx.Param))
            optimizer.update(model, grads)
            np.testing.assert_allclose(float(jaxsched.current_lr(optimizer.opt_state, SCHEDULE)), EXPECTED[k])


def test_errors():
    with pytest.raises(ValueError, match=r"current_lr: opt_state holds no optax.inject_hyperparams state .*"):
        jaxsched.current_lr(optax.adam(SCHEDULE).init(PARAMS))
    with pytest.raises(ValueError, match=r"current_lr: opt_state has no step count .*"):
        jaxsched.current_lr(optax.sgd(0.1).init(PARAMS), SCHEDULE)
    with pytest.raises(TypeError, match=r"current_lr: schedule must be a step -> value function"):
        jaxsched.current_lr(optax.adam(0.1).init(PARAMS), jaxsched.reduce_on_plateau())
    with pytest.raises(TypeError, match=r"current_lr: schedule must be a step -> value function"):
        jaxsched.current_lr(optax.adam(0.1).init(PARAMS), 0.1)
    two = optax.multi_transform(
        {"a": optax.inject_hyperparams(optax.sgd)(0.1), "b": optax.inject_hyperparams(optax.sgd)(0.2)},
        {"w": "a", "b": "b"},
    )
    with pytest.raises(ValueError, match=r"current_lr: opt_state holds 2 injected learning rates"):
        jaxsched.current_lr(two.init(PARAMS))
    # The part of the state for one group works.
    state = two.init(PARAMS)
    assert float(jaxsched.current_lr(state.inner_states["b"])) == np.float32(0.2)


def test_states_of_one_structure_share_the_search_but_not_the_values():
    """The leaf found in one state is read again in the next of the same structure (issue 9's
    cheap current_lr); each state still gives its own step's rate, eagerly and under jit."""
    schedule = jaxsched.linear(init_value=1.0, end_value=0.0, total_steps=10)
    for opt in (optax.sgd(schedule), optax.inject_hyperparams(optax.sgd)(learning_rate=schedule)):
        params = jnp.zeros(3)
        state = opt.init(params)
        seen = []
        for _ in range(4):
            _, state = opt.update(jnp.ones(3), state, params)
            seen.append(float(jaxsched.current_lr(state, schedule)))
            assert float(jax.jit(jaxsched.current_lr, static_argnums=1)(state, schedule)) == seen[-1]
        np.testing.assert_allclose(seen, [1.0, 0.9, 0.8, 0.7], rtol=1e-6)
