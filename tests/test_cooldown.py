"""cooldown: a float64 NumPy reference in every shape, ``wsd`` where they coincide, configs,
validation, and a cooldown branched from an Orbax checkpoint of the stable run."""

from __future__ import annotations

import re

import jax
import jax.numpy as jnp
import numpy as np
import optax
import orbax.checkpoint as ocp
import pytest
from helpers import assert_matches, assert_traced_construction, key_steps
from references import f32

import jaxsched
from jaxsched._cooldown import cooldown
from jaxsched._math import SHAPES


def ref_cooldown(child, start_step, decay_steps, end_value=0.0, shape="linear"):
    """The documented formula in float64; the child's own values (float32) before and at ``start_step``."""
    S, D, end = start_step, decay_steps, f32(end_value)
    v = float(child(S))

    def ref(t):
        t = np.asarray(t, np.float64)
        x = (np.clip(t, S, S + D) - S) / D
        weight = {
            "linear": lambda: 1 - x,
            "cosine": lambda: 0.5 * (1 + np.cos(np.pi * x)),
            "1-sqrt": lambda: 1 - np.sqrt(x),
            "square": lambda: 1 - x**2,
            "exponential": lambda: None,
        }[shape]()
        decayed = v * (end / v) ** x if shape == "exponential" else end + (v - end) * weight
        before = np.asarray(child(np.clip(t, 0, S).astype(np.int64)), np.float64)
        return np.where(t < S, before, decayed)

    return ref


STABLE = jaxsched.warmup_constant(peak_value=3e-4, warmup_steps=100, init_value=1e-6)
DECAYING = jaxsched.warmup_cosine(peak_value=1.0, warmup_steps=10, total_steps=1000, end_value=0.1)


CHILDREN = {
    "stable": (STABLE, 5000, 1000),
    "one-step": (STABLE, 100, 1),
    "in-the-warmup": (STABLE, 50, 300),
    "decaying": (DECAYING, 400, 250),
    "from-step-0": (DECAYING, 0, 7),  # DECAYING(0) is 0: no exponential shape from there
}


@pytest.mark.parametrize(
    "child, start, length, shape",
    [
        pytest.param(*CHILDREN[name], shape, id=f"{name}-{shape}")
        for name in CHILDREN
        for shape in SHAPES
        if (name, shape) != ("from-step-0", "exponential")
    ],
)
def test_matches_reference(child, start, length, shape):
    end = 3e-6 if shape == "exponential" else 1e-5
    s = cooldown(child, start_step=start, decay_steps=length, end_value=end, shape=shape)
    steps = key_steps(start, start + length // 3, start + length // 2, start + length)
    assert_matches(s, ref_cooldown(child, start, length, end, shape), steps)


def test_decay_to_zero_keeps_relative_precision():
    s = cooldown(STABLE, start_step=1_000_000, decay_steps=1_000_000)
    steps = np.array([1_999_990, 1_999_999, 2_000_000])
    np.testing.assert_allclose(np.asarray(s(steps)), [3e-4 * 1e-5, 3e-4 * 1e-6, 0.0], rtol=1e-6)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("warmup_steps, total_steps, decay_steps", [(100, 10_000, 1000), (10, 110, 100), (0, 50, 5)])
def test_equals_wsd(warmup_steps, total_steps, decay_steps, shape):
    """``cooldown(warmup_constant(...), start_step=T - D, decay_steps=D)`` is ``wsd``, bit for bit."""
    init, peak, end = 1e-6, 3e-4, 1e-6
    stable = jaxsched.warmup_constant(peak_value=peak, warmup_steps=warmup_steps, init_value=init)
    ours = cooldown(stable, start_step=total_steps - decay_steps, decay_steps=decay_steps, end_value=end, shape=shape)
    wsd = jaxsched.wsd(
        peak_value=peak, warmup_steps=warmup_steps, total_steps=total_steps, decay_steps=decay_steps,
        shape=shape, init_value=init, end_value=end,
    )  # fmt: skip
    steps = np.concatenate([np.arange(total_steps + 20), key_steps(warmup_steps, total_steps - decay_steps)])
    np.testing.assert_array_equal(np.asarray(ours(steps)), np.asarray(wsd(steps)))
    assert ours.phases(2 * total_steps) == wsd.phases(2 * total_steps)


def test_follows_the_schedule_before_the_start_and_holds_the_end_after():
    s = cooldown(DECAYING, start_step=400, decay_steps=250, end_value=0.01, shape="cosine")
    before = np.arange(400)
    np.testing.assert_array_equal(np.asarray(s(before)), np.asarray(DECAYING(before)))
    assert float(s(400)) == float(DECAYING(400))
    np.testing.assert_array_equal(np.asarray(s([650, 651, 10**6, 2**31 - 1])), np.float32(0.01))
    assert np.all(np.diff(np.asarray(s(np.arange(400, 660)))) <= 0)


def test_phases():
    s = cooldown(
        jaxsched.wsd(peak_value=1.0, warmup_steps=10, total_steps=1000, decay_steps=100), start_step=500, decay_steps=50
    )
    assert s.phases(10_000) == [10, 500, 550]  # the child's cooldown at 900 is never reached
    assert s.phases(520) == [10, 500]
    assert cooldown(STABLE, start_step=0, decay_steps=5).phases(100) == [5]


@pytest.mark.parametrize(
    "make",
    [
        lambda: cooldown(STABLE, start_step=5000, decay_steps=1000),
        lambda: cooldown(DECAYING, start_step=400, decay_steps=7, end_value=1e-4, shape="exponential"),
        lambda: cooldown(
            cooldown(STABLE, start_step=500, decay_steps=9), start_step=300, decay_steps=2, shape="1-sqrt"
        ),
    ],
)
def test_round_trips(make):
    s = make()
    assert repr(s).startswith("cooldown(schedule=")
    assert jaxsched.parse(repr(s)) == s
    assert jaxsched.from_config(s.to_config()) == s
    steps = np.array([0, 1, 300, 301, 5000, 5500, 10**7])
    np.testing.assert_array_equal(np.asarray(jaxsched.parse(repr(s))(steps)), np.asarray(s(steps)))


def test_repr():
    s = cooldown(jaxsched.constant(value=0.5), start_step=80, decay_steps=20, shape="square")
    assert repr(s) == "cooldown(schedule=constant(value=0.5), start_step=80, decay_steps=20, shape='square')"


def test_traced_construction():
    constructor = lambda **kw: cooldown(STABLE, **kw)  # noqa: E731
    for shape in ("linear", "exponential"):
        kwargs = dict(start_step=300, decay_steps=100, end_value=1e-6, shape=shape)
        assert_traced_construction(constructor, kwargs, key_steps(300, 400))
    # A sweep over the cooldown length in one program.
    lengths = jnp.array([10, 20, 40])
    got = jax.vmap(lambda d: cooldown(STABLE, start_step=200, decay_steps=d)(jnp.int32(215)))(lengths)
    want = [cooldown(STABLE, start_step=200, decay_steps=int(d))(215) for d in lengths]
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-6)
    grad = jax.grad(lambda e: cooldown(STABLE, start_step=200, decay_steps=20, end_value=e)(210))(1e-5)
    assert np.isfinite(grad) and grad == pytest.approx(0.5)


_EXP = dict(end_value=0.1, shape="exponential")
_ZERO_AT_0 = jaxsched.warmup_constant(peak_value=1.0, warmup_steps=10)


@pytest.mark.parametrize(
    "child, kwargs, message",
    [
        (STABLE, dict(start_step=10, decay_steps=0), "decay_steps must be at least 1, got 0"),
        (STABLE, dict(start_step=-1, decay_steps=5), "start_step must be non-negative, got -1"),
        (STABLE, dict(start_step=2.5, decay_steps=5), "start_step must be a whole number of steps, got 2.5"),
        (STABLE, dict(start_step=1, decay_steps=5, end_value=float("nan")), "end_value must be finite, got nan"),
        (
            STABLE,
            dict(start_step=10, decay_steps=5, shape="cos"),
            "shape must be one of 'linear', 'cosine', '1-sqrt', 'square', 'exponential', got 'cos'",
        ),
        (
            STABLE,
            dict(start_step=10, decay_steps=5, shape="exponential"),
            "end_value must be positive with shape='exponential', got 0.0",
        ),
        (
            _ZERO_AT_0,
            dict(start_step=0, decay_steps=5, **_EXP),
            "the schedule's value at start_step (0) must be positive with shape='exponential', got 0.0",
        ),
    ],
)
def test_errors_name_the_function_the_argument_and_the_value(child, kwargs, message):
    with pytest.raises(ValueError, match=f"^{re.escape('cooldown: ' + message)}$"):
        cooldown(child, **kwargs)


def test_the_schedule_must_be_a_schedule():
    with pytest.raises(TypeError, match=r"^cooldown: schedule must be a jaxsched schedule, got"):
        cooldown(lambda t: 0.1, start_step=10, decay_steps=5)


# --- resume: a cooldown branched from an Orbax checkpoint of the stable run -------------------
STABLE_STEPS, COOLDOWN_STEPS, AFTER = 20, 15, 5


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 4)).astype(np.float32)
    y = (x @ rng.standard_normal(4).astype(np.float32) + 0.5).astype(np.float32)
    return x, y


def _optimizer(schedule: jaxsched.Schedule) -> optax.GradientTransformation:
    return optax.inject_hyperparams(optax.adamw)(learning_rate=schedule, weight_decay=1e-4)


def _train(opt: optax.GradientTransformation, state: dict, steps: int) -> tuple[dict, list[float]]:
    """``steps`` full-batch updates; the learning rate each one used (``inject_hyperparams`` stores it)."""
    x, y = _data()

    def loss(params):
        return jnp.mean((x @ params["w"] + params["b"] - y) ** 2)

    @jax.jit
    def step(state):
        grads = jax.grad(loss)(state["params"])
        updates, opt_state = opt.update(grads, state["opt_state"], state["params"])
        return {"params": optax.apply_updates(state["params"], updates), "opt_state": opt_state}

    used = []
    for _ in range(steps):
        state = step(state)
        used.append(np.asarray(state["opt_state"].hyperparams["learning_rate"]))
    return state, used


def _fresh(opt: optax.GradientTransformation, seed: int) -> dict:
    params = {"w": jax.random.normal(jax.random.key(seed), (4,)), "b": jnp.zeros(())}
    return {"params": params, "opt_state": opt.init(params)}


def test_cooldown_resumes_from_an_orbax_checkpoint_of_the_stable_run(tmp_path):
    stable = jaxsched.warmup_constant(peak_value=0.05, warmup_steps=5)
    branch = cooldown(stable, start_step=STABLE_STEPS, decay_steps=COOLDOWN_STEPS, end_value=1e-4, shape="1-sqrt")
    with jax.numpy_dtype_promotion("standard"):  # Adam's bias correction mixes b1 ** count
        # The stable run, checkpointed at STABLE_STEPS.
        saved, stable_lrs = _train(_optimizer(stable), _fresh(_optimizer(stable), seed=0), STABLE_STEPS)
        with ocp.StandardCheckpointer() as checkpointer:
            checkpointer.save(tmp_path / "stable", saved)
        np.testing.assert_allclose(stable_lrs, np.asarray(stable(np.arange(STABLE_STEPS))), rtol=1e-6)

        # Later, another process: the cooldown's optimizer, restored from the stable checkpoint.
        opt = _optimizer(branch)
        with ocp.StandardCheckpointer() as checkpointer:
            restored = checkpointer.restore(tmp_path / "stable", _fresh(opt, seed=123))
        assert int(restored["opt_state"].count) == STABLE_STEPS  # the step count continues
        jax.tree.map(np.testing.assert_array_equal, restored, jax.tree.map(np.asarray, saved))
        end, cooled = _train(opt, restored, COOLDOWN_STEPS + AFTER)

        # The branch never stopped: a run with the cooldown schedule from step 0 is the same run.
        straight, straight_lrs = _train(opt, _fresh(opt, seed=0), STABLE_STEPS + COOLDOWN_STEPS + AFTER)

    steps = np.arange(STABLE_STEPS, STABLE_STEPS + COOLDOWN_STEPS + AFTER)
    # Inside the compiled update XLA may round the curve an ulp away from an eager call (see docs/checkpointing.md).
    np.testing.assert_allclose(cooled, np.asarray(branch(steps)), rtol=1e-6)
    assert cooled[0] == np.float32(0.05) and cooled[COOLDOWN_STEPS:] == [np.float32(1e-4)] * AFTER
    assert np.all(np.asarray(cooled[1:]) < np.asarray(stable(steps[1:])))  # not the stable schedule's rates
    np.testing.assert_array_equal(stable_lrs + cooled, straight_lrs)
    jax.tree.map(np.testing.assert_array_equal, end["params"], straight["params"])


# --- examples/wsd_cooldowns.py ----------------------------------------------------------
def test_example_branches_three_cooldowns_from_one_checkpoint(monkeypatch, tmp_path):
    import importlib.util
    import pathlib

    monkeypatch.setattr(jaxsched, "cooldown", cooldown, raising=False)  # until exported
    path = pathlib.Path(__file__).resolve().parent.parent / "examples" / "wsd_cooldowns.py"
    spec = importlib.util.spec_from_file_location("example_wsd_cooldowns", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    args = ["--steps", "400", "--branch-step", "200", "--cooldowns", "20", "60", "200", "--peak-lr", "1e-2"]
    with jax.numpy_dtype_promotion("standard"):
        logs = example.main([*args, "--plot", str(tmp_path / "cooldowns.png")])
    stable = jaxsched.warmup_constant(peak_value=1e-2, warmup_steps=20)
    head = [e for e in logs["stable"] if e["step"] <= 200]
    for length in (20, 60, 200):
        log = logs[f"cooldown {length}"]
        assert log[: len(head)] == head  # one stable run: the branches share everything up to the checkpoint
        branch = cooldown(stable, start_step=200, decay_steps=length, shape="1-sqrt")
        later = log[len(head) :]
        used = np.asarray(branch(np.array([e["step"] - 1 for e in later])))
        np.testing.assert_allclose([e["lr"] for e in later], used, rtol=1e-6)
        assert (later[-1]["lr"] == 0.0) == (length < 200)  # the update at step 399 ends the longest one
    # The long cooldown ends below the stable run's loss.
    assert logs["cooldown 200"][-1]["test_loss"] < logs["stable"][-1]["test_loss"]
    assert (tmp_path / "cooldowns.png").stat().st_size > 1000
