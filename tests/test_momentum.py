"""cyclic_momentum and one_cycle_momentum: float64 references, PyTorch's cycled momentum
(``cycle_momentum=True``) step by step, configs, validation and Optax's ``momentum`` / ``b1``."""

from __future__ import annotations

import math
import re

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from helpers import assert_matches, assert_traced_construction, key_steps
from references import f32
from test_cyclic import one_cycle_ref

import jaxsched
from jaxsched._momentum import cyclic_momentum, one_cycle_momentum


# --- references ------------------------------------------------------------------
def cyclic_momentum_ref(min_value, max_value, up, down=None, decay_rate=1.0, period=None):
    """``max - (max - min) * h(t) * decay_rate ** floor(t / P)`` in float64."""
    low, high = f32(min_value), f32(max_value)
    down = up if down is None else down
    total = up + down
    period = total if period is None else period

    def ref(t):
        t = np.maximum(np.asarray(t, dtype=np.float64), 0)
        p = t - np.floor(t / total) * total
        h = np.where(p <= up, p / up, (total - p) / max(down, 1))
        return high - (high - low) * h * np.exp(np.floor(t / period) * math.log(decay_rate))

    return ref


CYCLIC_CASES = [
    dict(min_value=0.8, max_value=0.9, up_steps=5),
    dict(min_value=0.85, max_value=0.95, up_steps=2000, down_steps=3000),
    dict(min_value=0.5, max_value=0.99, up_steps=7, down_steps=0),
    dict(min_value=0.9, max_value=0.9, up_steps=3, down_steps=4),
    dict(min_value=0.8, max_value=0.9, up_steps=10, down_steps=4, decay_rate=0.5),
    dict(min_value=0.8, max_value=0.95, up_steps=10, down_steps=4, decay_rate=0.99, period=1),
    dict(min_value=0.0, max_value=0.9, up_steps=1000, decay_rate=0.8, period=5000),
]


@pytest.mark.parametrize("kwargs", CYCLIC_CASES)
def test_cyclic_momentum_matches_reference(kwargs):
    up = kwargs["up_steps"]
    down = kwargs.get("down_steps", up)
    cycle = up + down
    steps = key_steps(up, cycle, cycle + up, 2 * cycle, 5 * cycle + up, kwargs.get("period", cycle))
    steps = np.unique(np.concatenate([steps, [up // 2, cycle + up // 3, 123_457]]))
    ref = cyclic_momentum_ref(
        kwargs["min_value"], kwargs["max_value"], up, kwargs.get("down_steps"),
        kwargs.get("decay_rate", 1.0), kwargs.get("period"),
    )  # fmt: skip
    assert_matches(cyclic_momentum(**kwargs), ref, steps)


def test_cyclic_momentum_mirrors_the_learning_rate():
    """Where ``cyclic`` peaks the momentum bottoms out, and the dips shrink as the peaks do."""
    lr = jaxsched.cyclic(min_value=1e-3, max_value=1e-2, up_steps=4, down_steps=2, decay_rate=0.5)
    mom = cyclic_momentum(min_value=0.8, max_value=0.9, up_steps=4, down_steps=2, decay_rate=0.5)
    t = np.arange(60)
    lr_h = (np.asarray(lr(t), np.float64) - f32(1e-3)) / (f32(1e-2) - f32(1e-3))
    mom_h = (f32(0.9) - np.asarray(mom(t), np.float64)) / (f32(0.9) - f32(0.8))
    np.testing.assert_allclose(mom_h, lr_h, atol=2e-6)
    np.testing.assert_array_equal(np.asarray(mom([0, 4, 6, 10])), np.float32([0.9, 0.8, 0.9, 0.85]))


ONE_CYCLE_CASES = [
    dict(total_steps=100),
    dict(total_steps=97, pct_start=0.25, shape="linear"),
    dict(total_steps=100, three_phase=True),
    dict(total_steps=120, pct_start=0.4, shape="linear", three_phase=True, min_value=0.8, max_value=0.99),
    dict(total_steps=10, pct_start=0.1),
]


@pytest.mark.parametrize("kwargs", ONE_CYCLE_CASES)
def test_one_cycle_momentum_matches_reference(kwargs):
    low, high = kwargs.get("min_value", 0.85), kwargs.get("max_value", 0.95)
    T, pct = kwargs["total_steps"], kwargs.get("pct_start", 0.3)
    ref = one_cycle_ref(
        f32(low), T, pct, f32(high), f32(high), kwargs.get("shape", "cosine"), kwargs.get("three_phase", False)
    )
    a = round(pct * T)
    steps = key_steps(a - 1, 2 * a - 2, T - 1)
    assert_matches(one_cycle_momentum(**kwargs), ref, steps[steps < 10 * T])


def test_one_cycle_momentum_is_one_cycle_with_the_values_swapped():
    m = one_cycle_momentum(min_value=0.8, max_value=0.99, total_steps=200, pct_start=0.25, three_phase=True)
    lr = jaxsched.one_cycle(peak_value=0.8, total_steps=200, pct_start=0.25, init_value=0.99, end_value=0.99)
    assert m != lr  # three_phase differs
    assert m == jaxsched.one_cycle(
        peak_value=0.8, total_steps=200, pct_start=0.25, init_value=0.99, end_value=0.99, three_phase=True
    )
    assert repr(m) == (
        "one_cycle(peak_value=0.8, total_steps=200, pct_start=0.25, init_value=0.99, end_value=0.99, three_phase=True)"
    )
    assert jaxsched.parse(repr(m)) == m and jaxsched.from_config(m.to_config()) == m
    # The third phase holds max_value while the learning rate anneals.
    np.testing.assert_array_equal(np.asarray(m(np.arange(98, 300))), np.float32(0.99))


@pytest.mark.parametrize(
    "kwargs", [dict(up_steps=100), dict(min_value=0.5, max_value=0.95, up_steps=3, decay_rate=0.9, period=1)]
)
def test_cyclic_momentum_round_trips(kwargs):
    m = cyclic_momentum(**kwargs)
    assert repr(m).startswith("cyclic_momentum(")
    assert jaxsched.parse(repr(m)) == m
    assert jaxsched.from_config(m.to_config()) == m
    wave = {k: v for k, v in kwargs.items() if k not in ("min_value", "max_value")}
    assert m.phases(1000) == jaxsched.cyclic(min_value=0.0, max_value=1.0, **wave).phases(1000)


def test_defaults_are_pytorchs():
    assert repr(cyclic_momentum(up_steps=10)) == "cyclic_momentum(up_steps=10)"
    np.testing.assert_array_equal(np.asarray(cyclic_momentum(up_steps=10)([0, 10])), np.float32([0.9, 0.8]))
    m = one_cycle_momentum(total_steps=100)
    np.testing.assert_array_equal(np.asarray(m([0, 29, 99])), np.float32([0.95, 0.85, 0.95]))


def test_traced_construction():
    for kwargs in [*CYCLIC_CASES[:2], dict(min_value=0.8, max_value=0.9, up_steps=10, decay_rate=0.75, period=9)]:
        assert_traced_construction(cyclic_momentum, kwargs, key_steps(kwargs["up_steps"], 2 * kwargs["up_steps"]))
    steps = jnp.arange(64)
    want = one_cycle_momentum(min_value=0.8, max_value=0.9, total_steps=50)(steps)
    got = jax.jit(lambda lo, hi: one_cycle_momentum(min_value=lo, max_value=hi, total_steps=50)(steps))(0.8, 0.9)
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-6)


@pytest.mark.parametrize(
    "fn, kwargs, message",
    [
        (cyclic_momentum, dict(min_value=0.95, up_steps=5), "min_value (0.95) must not exceed max_value (0.9)"),
        (cyclic_momentum, dict(up_steps=0), "up_steps must be at least 1, got 0"),
        (cyclic_momentum, dict(up_steps=5, decay_rate=1.5), "decay_rate must be in (0, 1], got 1.5"),
        (one_cycle_momentum, dict(min_value=0.99, total_steps=10), "min_value (0.99) must not exceed max_value (0.95)"),
        (one_cycle_momentum, dict(max_value=math.inf, total_steps=10), "max_value must be finite, got inf"),
        (one_cycle_momentum, dict(total_steps=0), "total_steps must be at least 1, got 0"),
        (one_cycle_momentum, dict(total_steps=10, shape="cos"), "shape must be one of 'cosine', 'linear', got 'cos'"),
        (
            one_cycle_momentum,
            dict(total_steps=10, pct_start=0.6, three_phase=True),
            "pct_start must be at most 0.5 with three_phase=True, got 0.6",
        ),
    ],
)
def test_errors_name_the_function_the_argument_and_the_value(fn, kwargs, message):
    with pytest.raises(ValueError, match=f"^{re.escape(fn.__name__ + ': ' + message)}$"):
        fn(**kwargs)


# --- Optax: momentum= of sgd, b1= of adam -----------------------------------------
@pytest.mark.parametrize("optimizer, key", [(optax.sgd, "momentum"), (optax.adam, "b1")])
def test_optax_uses_the_momentum_schedule(optimizer, key):
    lr = jaxsched.one_cycle(peak_value=0.1, total_steps=30)
    mom = one_cycle_momentum(total_steps=30)
    opt = optax.inject_hyperparams(optimizer)(learning_rate=lr, **{key: mom})
    params = {"w": jnp.ones(3)}
    state = opt.init(params)
    used = []
    with jax.numpy_dtype_promotion("standard"):  # Adam's bias correction mixes b1 ** count
        update = jax.jit(opt.update)
        for _ in range(30):
            updates, state = update({"w": params["w"] * 0.5}, state, params)
            params = optax.apply_updates(params, updates)
            used.append(state.hyperparams[key])
    np.testing.assert_array_equal(np.asarray(used), np.asarray(mom(np.arange(30))))
    assert float(used[0]) == np.float32(0.95) and float(min(used)) == np.float32(0.85)


# --- parity with PyTorch ------------------------------------------------------------
def _torch():
    return pytest.importorskip("torch", reason="the parity tests need torch: run `make test`")


def torch_momentum(make_scheduler, adam: bool, steps: int) -> np.ndarray:
    """The momentum (SGD) or betas[0] (Adam) of each of ``steps`` updates, read before each step."""
    torch = _torch()
    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.Adam([param], lr=0.1) if adam else torch.optim.SGD([param], lr=0.1, momentum=0.9)
    scheduler = make_scheduler(opt)
    out = []
    for _ in range(steps):
        group = opt.param_groups[0]
        out.append(group["betas"][0] if adam else group["momentum"])
        opt.step()
        scheduler.step()
    return np.asarray(out, np.float64)


CYCLIC_TORCH = [
    ("triangular", 10, None, 1.0, 0.8, 0.9, 100),
    ("triangular", 7, 13, 1.0, 0.85, 0.95, 150),
    ("triangular2", 10, None, 1.0, 0.8, 0.9, 200),
    ("triangular2", 5, 11, 1.0, 0.5, 0.99, 200),
    ("exp_range", 10, None, 0.99, 0.8, 0.9, 200),
    ("exp_range", 6, 9, 0.995, 0.85, 0.95, 300),
]


@pytest.mark.parity
@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("adam", [False, True], ids=["sgd", "adam"])
@pytest.mark.parametrize("mode, up, down, gamma, low, high, n", CYCLIC_TORCH, ids=lambda v: str(v))
def test_cyclic_momentum_matches_torch(mode, up, down, gamma, low, high, n, adam):
    lr_scheduler = _torch().optim.lr_scheduler
    ref = torch_momentum(
        lambda o: lr_scheduler.CyclicLR(
            o, 0.01, 0.1, step_size_up=up, step_size_down=down, mode=mode, gamma=gamma,
            base_momentum=low, max_momentum=high,
        ),
        adam,
        n,
    )  # fmt: skip
    rate, period = {"triangular": (1.0, None), "triangular2": (0.5, None), "exp_range": (gamma, 1)}[mode]
    m = cyclic_momentum(min_value=low, max_value=high, up_steps=up, down_steps=down, decay_rate=rate, period=period)
    ours = np.asarray(m(jnp.arange(n, dtype=jnp.int32)), np.float64)
    np.testing.assert_allclose(ours, ref, rtol=1e-6, atol=0)
    assert ref.min() < high - 0.5 * (high - low)  # the momentum did cycle


ONE_CYCLE_TORCH = [
    ("cos", False, 100, 0.3, 0.85, 0.95),
    ("linear", False, 97, 0.25, 0.85, 0.95),
    ("cos", True, 100, 0.3, 0.85, 0.95),
    ("linear", True, 120, 0.4, 0.8, 0.99),
    ("cos", False, 1000, 0.1, 0.9, 0.99),
    ("cos", True, 150, 1 / 3, 0.5, 0.9),
]


@pytest.mark.parity
@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("adam", [False, True], ids=["sgd", "adam"])
@pytest.mark.parametrize("anneal, three, total, pct, low, high", ONE_CYCLE_TORCH, ids=lambda v: str(v))
def test_one_cycle_momentum_matches_torch(anneal, three, total, pct, low, high, adam):
    lr_scheduler = _torch().optim.lr_scheduler
    ref = torch_momentum(
        lambda o: lr_scheduler.OneCycleLR(
            o, 0.1, total_steps=total, pct_start=pct, anneal_strategy=anneal, three_phase=three,
            base_momentum=low, max_momentum=high,
        ),
        adam,
        total,
    )  # fmt: skip
    shape = {"cos": "cosine", "linear": "linear"}[anneal]
    m = one_cycle_momentum(
        min_value=low, max_value=high, total_steps=total, pct_start=pct, shape=shape, three_phase=three
    )
    ours = np.asarray(m(jnp.arange(total, dtype=jnp.int32)), np.float64)
    np.testing.assert_allclose(ours, ref, rtol=1e-6, atol=0)
    assert ref.min() < low + 0.05 * (high - low)  # the momentum went down to its lower bound


# --- examples/momentum.py -------------------------------------------------------------
def test_example_uses_the_momentum_schedules(monkeypatch, tmp_path):
    import importlib.util
    import pathlib

    monkeypatch.setattr(jaxsched, "cyclic_momentum", cyclic_momentum, raising=False)  # until exported
    monkeypatch.setattr(jaxsched, "one_cycle_momentum", one_cycle_momentum, raising=False)
    path = pathlib.Path(__file__).resolve().parent.parent / "examples" / "momentum.py"
    spec = importlib.util.spec_from_file_location("example_momentum", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    steps = 60
    with jax.numpy_dtype_promotion("standard"):
        logs = example.main(["--steps", str(steps), "--plot", str(tmp_path / "momentum.png")])
    t = np.arange(steps)
    sgd, adam = logs["SGD, one_cycle"], logs["Adam, cyclic"]
    want_sgd = one_cycle_momentum(min_value=0.85, max_value=0.95, total_steps=steps)(t)
    want_adam = cyclic_momentum(min_value=0.8, max_value=0.9, up_steps=steps // 6, decay_rate=0.5)(t)
    # Inside the compiled update XLA may round a curve an ulp away from an eager call.
    np.testing.assert_allclose([e["momentum"] for e in sgd], np.asarray(want_sgd), rtol=1e-6)
    np.testing.assert_allclose([e["momentum"] for e in adam], np.asarray(want_adam), rtol=1e-6)
    for log in (sgd, adam):
        losses = np.array([e["loss"] for e in log])
        assert np.all(np.isfinite(losses)) and losses[-10:].mean() < 0.7 * losses[:10].mean()
    assert (tmp_path / "momentum.png").stat().st_size > 1000
