"""reduce_on_plateau: each rule, a float64 reference, jit, Optax integration, validation."""

from __future__ import annotations

import json
import math

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxsched
from jaxsched._plateau import PlateauState

DEFAULTS = dict(
    base=1.0,
    factor=0.1,
    patience=10,
    threshold=1e-4,
    threshold_mode="rel",
    mode="min",
    cooldown=0,
    min_value=0.0,
    eps=1e-8,
    accumulation_steps=1,
)


def reference(metrics, base_fn=None, **kwargs):
    """The documented rules in float64: the value after each update."""
    kw = {**DEFAULTS, **kwargs}
    if base_fn is None:
        base_fn = lambda t: kw["base"]  # noqa: E731
    sign = 1.0 if kw["mode"] == "max" else -1.0

    def floored(b, s):
        return min(b, max(b * s, kw["min_value"]))

    scale, bad, cool, acc = 1.0, 0, 0, []
    best = -sign * math.inf
    out = []
    for t, m in enumerate(metrics, start=1):
        acc.append(float(m))
        if len(acc) == kw["accumulation_steps"]:
            mean, acc = sum(acc) / len(acc), []
            margin = abs(best) * kw["threshold"] if kw["threshold_mode"] == "rel" else kw["threshold"]
            bar = best if math.isinf(best) else best + sign * margin
            better = mean > bar if kw["mode"] == "max" else mean < bar
            if better:
                best, bad = mean, 0
            else:
                bad += 1
            if cool > 0:
                cool, bad = cool - 1, 0
            if bad > kw["patience"]:
                b = base_fn(t)
                if floored(b, scale) - floored(b, scale * kw["factor"]) > kw["eps"]:
                    scale *= kw["factor"]
                cool, bad = kw["cooldown"], 0
        out.append(floored(base_fn(t), scale))
    return np.array(out)


def run(sched, metrics):
    """Values after each update, the whole sequence under jit (lax.scan)."""

    @jax.jit
    def go(ms):
        def body(state, m):
            state = sched.update(state, value=m)
            return state, sched(state)

        return jax.lax.scan(body, sched.init(), ms)

    final, values = go(jnp.asarray(metrics, jnp.float32))
    return np.asarray(values, np.float64), final


def run_eager(sched, metrics):
    state, out = sched.init(), []
    for m in metrics:
        state = sched.update(state, value=m)
        out.append(float(sched(state)))
    return np.array(out), state


# --- each rule -------------------------------------------------------------------
def test_patience_counts_bad_judgments_after_the_first():
    s = jaxsched.reduce_on_plateau(factor=0.5, patience=2)
    values, _ = run_eager(s, [1.0] * 10)
    # 1st sets best; 3 bad judgments (> patience 2) reduce; then every 3.
    np.testing.assert_array_equal(values, [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125])


def test_patience_zero_reduces_on_every_bad_judgment():
    s = jaxsched.reduce_on_plateau(factor=0.5, patience=0)
    values, _ = run_eager(s, [1.0, 2.0, 0.5, 0.5, 3.0])
    np.testing.assert_array_equal(values, [1, 0.5, 0.5, 0.25, 0.125])


def test_improvement_resets_the_bad_count():
    s = jaxsched.reduce_on_plateau(factor=0.5, patience=2)
    values, state = run_eager(s, [5.0, 5.0, 5.0, 4.0, 4.0, 4.0, 4.0])
    np.testing.assert_array_equal(values, [1, 1, 1, 1, 1, 1, 0.5])
    assert float(state.best) == 4.0


def test_cooldown_ignores_bad_judgments_after_a_reduction():
    s = jaxsched.reduce_on_plateau(factor=0.5, patience=0, cooldown=2)
    values, _ = run_eager(s, [1.0] * 9)
    # reductions at updates 2, 5, 8: two cooldown judgments after each one.
    np.testing.assert_array_equal(values, [1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125, 0.125])


def test_best_still_updates_during_cooldown():
    s = jaxsched.reduce_on_plateau(factor=0.5, patience=0, cooldown=3)
    _, state = run_eager(s, [1.0, 1.0, 0.5])
    assert float(state.best) == 0.5
    assert int(state.cooldown_counter) == 2


def test_rel_threshold():
    s = jaxsched.reduce_on_plateau(threshold=0.1, patience=100)
    _, state = run_eager(s, [10.0, 9.5])  # not below 10 - 1
    assert (float(state.best), int(state.num_bad)) == (10.0, 1)
    _, state = run_eager(s, [10.0, 8.5])
    assert (float(state.best), int(state.num_bad)) == (8.5, 0)
    _, state = run_eager(s, [10.0, 9.0])  # equal to the bar: not better
    assert (float(state.best), int(state.num_bad)) == (10.0, 1)


def test_abs_threshold():
    s = jaxsched.reduce_on_plateau(threshold=0.5, threshold_mode="abs", patience=100)
    _, state = run_eager(s, [100.0, 99.75])
    assert (float(state.best), int(state.num_bad)) == (100.0, 1)
    _, state = run_eager(s, [100.0, 99.25])
    assert (float(state.best), int(state.num_bad)) == (99.25, 0)
    _, state = run_eager(s, [0.25, -0.5])  # absolute: the same 0.5 near zero
    assert float(state.best) == -0.5


@pytest.mark.parametrize("threshold_mode", ["rel", "abs"])
def test_max_mode(threshold_mode):
    s = jaxsched.reduce_on_plateau(mode="max", threshold=0.1, threshold_mode=threshold_mode, patience=0, factor=0.5)
    values, state = run_eager(s, [0.5, 0.9, 0.95, 1.2])
    bar_passed = [True, True, False, True]  # 0.95 < 0.9 + 0.09 (rel) or 0.9 + 0.1 (abs)
    np.testing.assert_array_equal(values, [1, 1, 0.5, 0.5])
    assert bar_passed[2] is False and float(state.best) == np.float32(1.2)


def test_negative_metrics_use_the_magnitude():
    # A flat negative loss: PyTorch's best * (1 - threshold) bar lies above best,
    # so it would count as improving forever. Here it is a plateau.
    s = jaxsched.reduce_on_plateau(factor=0.5, patience=2)
    values, _ = run_eager(s, [-3.0] * 4)
    np.testing.assert_array_equal(values, [1, 1, 1, 0.5])
    # Improving on a negative best needs best - |best| * threshold.
    s = jaxsched.reduce_on_plateau(threshold=0.1, patience=100)
    _, state = run_eager(s, [-10.0, -10.5])
    assert (float(state.best), int(state.num_bad)) == (-10.0, 1)
    _, state = run_eager(s, [-10.0, -11.5])
    assert float(state.best) == -11.5
    s = jaxsched.reduce_on_plateau(mode="max", threshold=0.1, patience=100)
    _, state = run_eager(s, [-10.0, -9.5])  # not above -10 + 1
    assert (float(state.best), int(state.num_bad)) == (-10.0, 1)
    _, state = run_eager(s, [-10.0, -8.5])
    assert float(state.best) == -8.5


def test_min_value_bounds_the_value_and_stops_reductions():
    s = jaxsched.reduce_on_plateau(base=1.0, factor=0.1, patience=0, min_value=0.003)
    values, state = run_eager(s, [1.0] * 6)
    np.testing.assert_allclose(values, [1, 0.1, 0.01, 0.003, 0.003, 0.003], rtol=1e-6)
    # Once the floor is reached, reductions change nothing and are skipped (eps).
    np.testing.assert_allclose(float(state.scale), 1e-3, rtol=1e-6)


def test_min_value_never_raises_the_value_above_base():
    base = jaxsched.linear(init_value=0.0, end_value=1.0, total_steps=100)
    s = jaxsched.reduce_on_plateau(base=base, min_value=0.05)
    state = s.init()
    assert float(s(state)) == 0.0
    state = s.update(state, value=1.0)
    np.testing.assert_allclose(float(s(state)), 0.01, rtol=1e-6)


def test_eps_skips_small_reductions():
    s = jaxsched.reduce_on_plateau(base=1.0, factor=0.5, patience=0, eps=0.05)
    values, _ = run_eager(s, [1.0] * 8)
    # 0.0625 -> 0.03125 lowers it by 0.03125 <= eps: skipped from then on.
    np.testing.assert_array_equal(values, [1, 0.5, 0.25, 0.125, 0.0625, 0.0625, 0.0625, 0.0625])


def test_accumulation_averages_before_judging():
    s = jaxsched.reduce_on_plateau(factor=0.5, patience=0, accumulation_steps=3)
    values, state = run_eager(s, [3.0, 0.0, 0.0, 0.0, 3.0, 0.0, 0.5, 0.5, 0.5])
    # means: 1.0 (best), 1.0 (bad: reduce at update 6), 0.5 (better)
    np.testing.assert_array_equal(values, [1, 1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5])
    assert float(state.best) == 0.5
    assert int(state.acc_count) == 0
    state = s.update(state, value=7.0)
    assert (int(state.acc_count), float(state.acc_sum), float(state.best)) == (1, 7.0, 0.5)


def test_nan_never_improves():
    s = jaxsched.reduce_on_plateau(factor=0.5, patience=1)
    values, state = run_eager(s, [float("nan")] * 3)
    assert float(state.best) == np.inf
    np.testing.assert_array_equal(values, [1, 0.5, 0.5])
    values, state = run_eager(s, [2.0, float("nan"), 1.0, float("nan"), float("nan")])
    assert float(state.best) == 1.0
    np.testing.assert_array_equal(values, [1, 1, 1, 1, 0.5])
    s = jaxsched.reduce_on_plateau(mode="max", patience=0, factor=0.5)
    values, state = run_eager(s, [1.0, float("nan")])
    assert float(state.best) == 1.0
    np.testing.assert_array_equal(values, [1, 0.5])
    # One NaN inside an accumulation window makes that judgment bad.
    s = jaxsched.reduce_on_plateau(patience=0, factor=0.5, accumulation_steps=2)
    values, _ = run_eager(s, [1.0, 1.0, 0.1, float("nan")])
    np.testing.assert_array_equal(values, [1, 1, 1, 0.5])


def test_base_schedule_times_scale():
    base = jaxsched.warmup_cosine(peak_value=0.1, warmup_steps=5, total_steps=50)

    def base_np(t):
        if t < 5:
            return 0.1 * t / 5
        return 0.1 * 0.5 * (1 + math.cos(math.pi * (min(t, 50) - 5) / 45))

    metrics = np.full(40, 2.0)
    s = jaxsched.reduce_on_plateau(base=base, factor=0.5, patience=3)
    values, _ = run(s, metrics)
    np.testing.assert_allclose(values, reference(metrics, base_np, factor=0.5, patience=3), rtol=1e-5, atol=1e-9)
    assert float(s(s.init())) == 0.0


# --- against the reference on random sequences ------------------------------------
def random_metrics(rng, n, negative=False):
    """A noisy, plateauing sequence on a 1/64 grid (exact in float32)."""
    walk = 4.0 + np.cumsum(rng.choice([-1, 0, 0, 0, 1], size=n)) / 16
    noise = rng.integers(-2, 3, size=n) / 64
    repeat = rng.random(n) < 0.3
    m = walk + noise
    m[1:][repeat[1:]] = m[:-1][repeat[1:]]
    return -m if negative else m


@pytest.mark.parametrize("seed", range(6))
def test_random_sequences_match_the_reference(seed):
    rng = np.random.default_rng(seed)
    for mode in ("min", "max"):
        for threshold_mode in ("rel", "abs"):
            kwargs = dict(
                mode=mode,
                threshold_mode=threshold_mode,
                threshold=float(rng.choice([1e-4, 1e-2])) if threshold_mode == "rel" else 0.01,
                patience=int(rng.integers(0, 5)),
                cooldown=int(rng.integers(0, 4)),
                factor=float(rng.choice([0.1, 0.5, 0.7])),
                min_value=float(rng.choice([0.0, 0.0037])),
                base=0.3,
                accumulation_steps=int(rng.choice([1, 1, 2, 3])),
            )
            metrics = random_metrics(rng, 120, negative=bool(rng.integers(0, 2)))
            values, _ = run(jaxsched.reduce_on_plateau(**kwargs), metrics)
            expected = reference(metrics, **kwargs)
            assert len(np.unique(expected)) > 1 or kwargs["accumulation_steps"] > 1
            np.testing.assert_allclose(values, expected, rtol=1e-5, err_msg=str(kwargs))


def test_jit_equals_eager():
    rng = np.random.default_rng(0)
    metrics = random_metrics(rng, 30)
    s = jaxsched.reduce_on_plateau(factor=0.5, patience=1, cooldown=1)
    eager, eager_state = run_eager(s, metrics)
    jitted, jit_state = run(s, metrics)
    np.testing.assert_array_equal(eager, jitted)
    for a, b in zip(eager_state, jit_state, strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


# --- the object and its state ------------------------------------------------------
def test_state_is_a_namedtuple_of_scalar_arrays():
    s = jaxsched.reduce_on_plateau()
    state = s.init()
    assert isinstance(state, PlateauState)
    assert [x.dtype for x in state] == [
        jnp.int32,
        jnp.float32,
        jnp.float32,
        jnp.int32,
        jnp.int32,
        jnp.float32,
        jnp.int32,
    ]
    assert all(x.shape == () for x in state)
    assert float(state.best) == np.inf
    assert float(jaxsched.reduce_on_plateau(mode="max").init().best) == -np.inf
    new = s.update(state, value=jnp.bfloat16(2.0))
    assert jax.tree.structure(new) == jax.tree.structure(state)
    assert [x.dtype for x in new] == [x.dtype for x in state]
    assert int(new.count) == 1
    assert s(new).dtype == jnp.float32 and s(new).shape == ()


def test_is_an_optax_stateful_schedule_static_and_hashable():
    s = jaxsched.reduce_on_plateau(base=0.1, factor=0.5)
    assert isinstance(s, optax.schedules.StatefulSchedule)
    assert s.stateful and not jaxsched.constant(value=0.1).stateful
    with pytest.raises(TypeError, match="warmup: schedule must be a jaxsched schedule of the step, not a stateful one"):
        jaxsched.warmup(s, warmup_steps=10)
    assert s == jaxsched.reduce_on_plateau(base=0.1, factor=0.5)
    assert hash(s) == hash(jaxsched.reduce_on_plateau(base=0.1, factor=0.5))
    assert s != jaxsched.reduce_on_plateau(base=0.1, factor=0.25)
    f = jax.jit(lambda sched, state: sched(sched.update(state, value=1.0)), static_argnums=0)
    assert float(f(s, s.init())) == np.float32(0.1)


def test_repr_is_readable():
    assert repr(jaxsched.reduce_on_plateau()) == "reduce_on_plateau()"
    s = jaxsched.reduce_on_plateau(
        base=jaxsched.constant(value=0.5), factor=0.5, patience=3, mode="max", accumulation_steps=4
    )
    assert repr(s) == (
        "reduce_on_plateau(base=constant(value=0.5), factor=0.5, patience=3, mode='max', accumulation_steps=4)"
    )


def test_update_needs_a_scalar_value():
    s = jaxsched.reduce_on_plateau()
    with pytest.raises(TypeError, match=r"reduce_on_plateau: update needs the monitored metric as .*value="):
        s.update(s.init())
    with pytest.raises(ValueError, match=r"reduce_on_plateau: value must be a scalar metric, got shape \(3,\)"):
        s.update(s.init(), value=jnp.ones(3))
    # Other extra arguments are ignored.
    assert int(s.update(s.init(), value=1.0, other=3).count) == 1


def test_count_saturates():
    s = jaxsched.reduce_on_plateau()
    state = s.init()._replace(count=jnp.int32(2**31 - 1))
    assert int(s.update(state, value=1.0).count) == 2**31 - 1


# --- with Optax ------------------------------------------------------------------
TARGET = jnp.array([1.0, -2.0, 3.0])


def train(opt, steps=60):
    """``steps`` updates of a loss with a floor the model cannot pass (it plateaus at 1), fed as value=."""

    def loss_fn(p):
        return jnp.sum((p - TARGET) ** 2) + 1.0

    @jax.jit
    def step(params, state):
        loss, grads = jax.value_and_grad(loss_fn)(params)
        updates, state = opt.update(grads, state, params, value=loss)
        return optax.apply_updates(params, updates), state, loss

    params = jnp.zeros(3)
    state = opt.init(params)
    losses, states = [], []
    for _ in range(steps):
        # Optax's Adam bias correction computes an injected (float32) b1 ** int32 count:
        # fine under JAX's standard promotion, refused by this test suite's strict one.
        with jax.numpy_dtype_promotion("standard"):
            params, state, loss = step(params, state)
        losses.append(float(loss))
        states.append(state)
    return params, states, losses


def plateau_on_warmup_cosine():
    base = jaxsched.warmup_cosine(peak_value=0.05, warmup_steps=4, total_steps=60)
    return jaxsched.reduce_on_plateau(base=base, factor=0.5, patience=2, threshold=0.05)


def test_inject_hyperparams_adamw_with_value_loss():
    opt = optax.inject_hyperparams(optax.adamw)(learning_rate=plateau_on_warmup_cosine(), weight_decay=0.0)
    _, states, losses = train(opt)
    lrs = [float(s.hyperparams["learning_rate"]) for s in states]
    state = states[-1]

    def base_np(t):
        if t < 4:
            return 0.05 * t / 4
        return 0.05 * 0.5 * (1 + math.cos(math.pi * (min(t, 60) - 4) / 56))

    # The update at step t uses the value after the metrics of steps 0..t-1.
    after = reference(losses, base_np, factor=0.5, patience=2, threshold=0.05)
    expected = np.concatenate([[base_np(0)], after[:-1]])
    np.testing.assert_allclose(lrs, expected, rtol=1e-5, atol=1e-9)
    assert float(state.hyperparams_states["learning_rate"].scale) < 1.0  # it did reduce
    assert int(state.hyperparams_states["learning_rate"].count) == 60
    np.testing.assert_allclose(float(jaxsched.current_lr(state)), lrs[-1])


def test_as_transformation_takes_the_inject_steps():
    sched = plateau_on_warmup_cosine()
    injected = train(optax.inject_hyperparams(optax.adamw)(learning_rate=sched, weight_decay=0.0))
    chained = train(optax.chain(optax.adamw(1.0, weight_decay=0.0), sched.as_transformation()))
    # The same decisions; the values differ by the rounding of another program (from step 2).
    np.testing.assert_allclose(chained[0], injected[0], rtol=1e-4)
    np.testing.assert_allclose(chained[2], injected[2], rtol=1e-5)
    for a, b in zip(injected[1], chained[1], strict=True):
        a = a.hyperparams_states["learning_rate"]
        assert (int(a.count), float(a.scale), int(a.num_bad)) == (int(b[1].count), float(b[1].scale), int(b[1].num_bad))
    assert float(chained[1][-1][1].scale) < 1.0  # it did reduce
    with pytest.raises(TypeError, match="value="):
        sched.as_transformation().update(jnp.ones(3), sched.init())


# --- validation ------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(factor=1.0), "factor must be in (0, 1), got 1.0"),
        (dict(factor=0.0), "factor must be in (0, 1), got 0.0"),
        (dict(factor=1.5), "factor must be in (0, 1), got 1.5"),
        (dict(factor=-0.5), "factor must be in (0, 1), got -0.5"),
        (dict(factor=float("nan")), "factor must be finite, got nan"),
        (dict(patience=-1), "patience must be non-negative, got -1"),
        (dict(patience=2.5), "patience must be a whole number of steps, got 2.5"),
        (dict(cooldown=-2), "cooldown must be non-negative, got -2"),
        (dict(accumulation_steps=0), "accumulation_steps must be at least 1, got 0"),
        (dict(threshold=-1e-4), "threshold must be non-negative, got -0.0001"),
        (dict(threshold=float("inf")), "threshold must be finite, got inf"),
        (dict(threshold_mode="relative"), "threshold_mode must be one of 'rel', 'abs', got 'relative'"),
        (dict(mode="minimize"), "mode must be one of 'min', 'max', got 'minimize'"),
        (dict(min_value=-1.0), "min_value must be non-negative, got -1.0"),
        (dict(min_value=float("nan")), "min_value must be finite, got nan"),
        (dict(eps=-1.0), "eps must be non-negative, got -1.0"),
        (dict(base=float("inf")), "base must be finite, got inf"),
    ],
)
def test_bad_input(kwargs, message):
    with pytest.raises(ValueError) as info:
        jaxsched.reduce_on_plateau(**kwargs)
    assert str(info.value) == f"reduce_on_plateau: {message}"


def test_bad_types():
    with pytest.raises(TypeError, match="reduce_on_plateau: base must be a number or a jaxsched schedule"):
        jaxsched.reduce_on_plateau(base=lambda t: 0.1)
    with pytest.raises(TypeError, match=r"reduce_on_plateau: base must be a real number, got \[0.1, 0.2\]"):
        jaxsched.reduce_on_plateau(base=[0.1, 0.2])
    with pytest.raises(TypeError, match=r"reduce_on_plateau: patience must be a whole number of steps, got \[1, 2\]"):
        jaxsched.reduce_on_plateau(patience=[1, 2])
    with pytest.raises(TypeError, match="reduce_on_plateau: factor must be a real number, got 'half'"):
        jaxsched.reduce_on_plateau(factor="half")
    with pytest.raises(TypeError, match="reduce_on_plateau: patience must be a whole number of steps, got True"):
        jaxsched.reduce_on_plateau(patience=True)


def test_hyperparameters_are_leaves_one_compiled_update_serves_every_instance():
    from jaxsched import _plateau

    def run(s):
        state = s.init()
        for loss in [3.0, 2.0, 2.0, 2.0]:
            state = s.update(state, value=loss)
        return float(s(state))

    run(jaxsched.reduce_on_plateau(factor=0.5, patience=1))
    compiled = _plateau._update._cache_size(), _plateau._value._cache_size()
    assert run(jaxsched.reduce_on_plateau(factor=0.25, patience=1, threshold=0.01)) == np.float32(0.25)
    assert (_plateau._update._cache_size(), _plateau._value._cache_size()) == compiled

    # Traced hyperparameters (a vmap over factor) work like any schedule's.
    def after_two_flat_metrics(factor):
        s = jaxsched.reduce_on_plateau(factor=factor, patience=0)
        state = s.update(s.update(s.init(), value=1.0), value=1.0)
        return s(state)

    np.testing.assert_array_equal(jax.vmap(after_two_flat_metrics)(jnp.array([0.5, 0.25])), [0.5, 0.25])


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"base": 0.1, "factor": 0.5, "patience": 2, "mode": "max", "threshold_mode": "abs", "cooldown": 1},
        {"base": jaxsched.warmup_cosine(peak_value=1.0, warmup_steps=3, total_steps=40), "accumulation_steps": 3},
    ],
)
def test_round_trips_like_every_schedule(kwargs):
    """Issue 10, item 11: the repr is a spec that parse reads back, and to_config exists."""
    s = jaxsched.reduce_on_plateau(**kwargs)
    assert jaxsched.parse(repr(s)) == s
    assert jaxsched.from_config(json.loads(json.dumps(s.to_config()))) == s


def test_metrics_that_are_not_real_numbers_are_refused():
    """Issue 10, item 5: bad metric types are a TypeError; an int64 beyond int32 does not wrap."""
    s = jaxsched.reduce_on_plateau(patience=0, factor=0.5)
    for bad in (True, np.bool_(False), 1 + 1j, np.complex64(1.0), "1.0"):
        with pytest.raises(TypeError, match=r"^reduce_on_plateau: value must be a real number"):
            s.update(s.init(), value=bad)
    state = s.update(s.init(), value=np.int64(2**40))
    assert float(state.best) == 2.0**40
    for big in (1e39, -1e39, 10**40):
        with pytest.raises(ValueError, match=r"^reduce_on_plateau: value must be within float32's range, got "):
            s.update(s.init(), value=big)
