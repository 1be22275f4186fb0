"""per_step: schedules written in epochs, samples or tokens, against float64 NumPy
references, every example schedule, and (the parity group) PyTorch and timm stepped
per epoch and per fractional epoch."""

from __future__ import annotations

import dataclasses
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from cases import params
from helpers import INT32_MAX, assert_matches, key_steps
from references import ref_cosine

import jaxsched
from jaxsched._core import Schedule
from jaxsched._units import COUNTS, PER_STEP_ONLY, per_step

js = jaxsched
STEPS = np.array([0, 1, 2, 5, 9, 10, 11, 29, 30, 31, 99, 100, 101, 499, 500, 999, 1000, 1001, 4999, 10_000, 20_001])


def values(schedule, steps):
    return np.asarray(schedule(np.asarray(steps, np.int64)), np.float64)


# --- continuous: every length times steps_per_unit -------------------------------------
@pytest.mark.parametrize(
    ("schedule", "k", "expected"),
    [
        (js.cosine(init_value=1.0, total_steps=10), 100, js.cosine(init_value=1.0, total_steps=1000)),
        (
            js.warmup(js.step_decay(init_value=0.1, period=30, decay_rate=0.1), warmup_steps=5, init_value=1e-3),
            391,
            js.warmup(js.step_decay(init_value=0.1, period=30 * 391, decay_rate=0.1), warmup_steps=5 * 391,
                      init_value=1e-3),
        ),
        (  # boundaries scale, the number of cycles (cycle_limit) does not
            js.join([js.constant(value=1.0), js.sgdr(peak_value=1.0, cycle_steps=3, cycle_mult=2.0, cycle_limit=2)],
                    boundaries=[2]),
            7,
            js.join([js.constant(value=1.0), js.sgdr(peak_value=1.0, cycle_steps=21, cycle_mult=2.0, cycle_limit=2)],
                    boundaries=[14]),
        ),
        (js.offset(js.repeat(js.linear(init_value=1.0, end_value=0.0, total_steps=4), period=5), steps=-2), 3,
         js.offset(js.repeat(js.linear(init_value=1.0, end_value=0.0, total_steps=12), period=15), steps=-6)),
        (  # a default that _derive fills in is a length too: rsqrt's timescale (10,000 without a warmup)
            js.rsqrt(peak_value=1.0, warmup_steps=0), 4, js.rsqrt(peak_value=1.0, warmup_steps=0, timescale=40_000)
        ),
        (per_step(js.cosine(init_value=1.0, total_steps=10), steps_per_unit=5, staircase=True), 3,
         per_step(js.cosine(init_value=1.0, total_steps=10), steps_per_unit=15, staircase=True)),
        (js.one_cycle(peak_value=0.1, total_steps=10), 50, js.one_cycle(peak_value=0.1, total_steps=500)),
    ],
    ids=["cosine", "warmup-step_decay", "join-sgdr", "offset-repeat", "rsqrt-timescale", "staircase", "one_cycle"],
)  # fmt: skip
def test_continuous_is_the_schedule_with_every_length_scaled(schedule, k, expected):
    got = per_step(schedule, steps_per_unit=k)
    assert got == expected and repr(got) == repr(expected)
    assert per_step(schedule, steps_per_unit=1) == schedule


# one_cycle scales as PyTorch's OneCycleLR(epochs, steps_per_epoch) (parity below): its phase ends
# sit one step before pct_start * total_steps and total_steps, so it is no function of step / length.
NOT_FRACTIONAL = {"one_cycle"}


@pytest.mark.parametrize("make", params())
def test_continuous_at_whole_units_is_the_schedule(make):
    """At step k * t (a whole unit t) the schedule in steps equals the schedule in units at t."""
    schedule = make()
    if schedule.name in PER_STEP_ONLY:
        with pytest.raises(ValueError, match=f"per_step: {schedule.name} cannot be rescaled exactly"):
            per_step(schedule, steps_per_unit=3)
        return
    if schedule.name == "per_step" and schedule.units_per_step is not None:
        with pytest.raises(ValueError, match="per_step: a schedule in samples or tokens"):
            per_step(schedule, steps_per_unit=3)
        return
    if schedule.name in NOT_FRACTIONAL:
        return
    for k in (3, 100):
        t = STEPS[STEPS * k <= INT32_MAX]
        np.testing.assert_allclose(values(per_step(schedule, steps_per_unit=k), t * k), values(schedule, t),
                                   rtol=1e-6, atol=1e-30, err_msg=f"steps_per_unit={k}")  # fmt: skip


@pytest.mark.parametrize("k", [7, 390])
def test_continuous_between_units_matches_float64(k):
    """Between whole units: the documented formulas at the fractional unit t / k."""
    epochs = js.warmup(js.cosine(init_value=0.1, total_steps=18, end_value=1e-3), warmup_steps=2, init_value=1e-4)

    def ref(t):
        e = np.maximum(t, 0) / k
        rise = 1e-4 + (0.1 - 1e-4) * np.minimum(e, 2) / 2
        return np.where(e < 2, rise, ref_cosine(e - 2, 0.1, 18, 1e-3))

    steps = np.concatenate([key_steps(2 * k, 20 * k), np.arange(0, 22 * k, max(k // 7, 1))])
    assert_matches(per_step(epochs, steps_per_unit=k), ref, np.unique(steps))


# --- staircase and samples: the per_step wrapper ----------------------------------------
@pytest.mark.parametrize("make", params(first_only=True))  # the wrapper is one mechanism: a schedule per name
def test_staircase_holds_each_unit(make):
    schedule, k = make(), 37
    steps = np.unique(np.concatenate([STEPS, STEPS * k - 1, STEPS * k, [INT32_MAX]]))
    steps = steps[(steps >= 0) & (steps <= INT32_MAX)]
    got = values(per_step(schedule, steps_per_unit=k, staircase=True), steps)
    # the child inside the wrapper compiles apart from the child alone: an ulp apart on some XLA versions
    np.testing.assert_allclose(got, values(schedule, steps // k), rtol=2e-7, atol=1e-30)


@pytest.mark.parametrize("make", params(first_only=True))
def test_units_per_step_counts_the_units_consumed(make):
    schedule, b = make(), 48
    steps = np.concatenate([STEPS, [INT32_MAX // b, INT32_MAX // b + 1, INT32_MAX]])
    got = values(per_step(schedule, units_per_step=b), steps)
    units = steps.astype(np.int64) * b  # beyond int32 too: evaluated wide
    np.testing.assert_array_equal(got, np.asarray(schedule(units), np.float64))


def megatron_lr(samples, style, init_lr, max_lr, min_lr, warmup_samples, decay_samples):
    """Megatron-LM's OptimizerParamScheduler.get_lr in float64, counting samples (lr_warmup_samples,
    lr_decay_samples; the scheduler steps by the global batch size after each iteration)."""
    n = np.asarray(samples, np.float64)
    warm = init_lr + (max_lr - init_lr) * n / max(warmup_samples, 1)
    ratio = (n - warmup_samples) / (decay_samples - warmup_samples)
    coeff = 0.5 * (np.cos(np.pi * ratio) + 1.0) if style == "cosine" else 1.0 - ratio
    out = np.where(n > decay_samples, min_lr, min_lr + coeff * (max_lr - min_lr))
    return np.where((warmup_samples > 0) & (n <= warmup_samples), warm, out)


@pytest.mark.parametrize("style", ["cosine", "linear"])
@pytest.mark.parametrize(
    ("batch", "warmup_samples", "decay_samples"),
    [(48, 1000, 100_003), (1536, 3_000_000, 1_500_000_007), (256, 0, 7_777), (4096, 10**9, 3 * 10**11 + 7)],
)
def test_samples_match_megatron(style, batch, warmup_samples, decay_samples):
    init_lr, max_lr, min_lr = 1e-6, 3e-4, 3e-5
    build = js.warmup_cosine if style == "cosine" else js.warmup_linear
    samples = build(peak_value=max_lr, warmup_steps=warmup_samples, total_steps=decay_samples, init_value=init_lr,
                    end_value=min_lr)  # fmt: skip
    w, d = warmup_samples // batch, decay_samples // batch
    steps = key_steps(w, w + 1, d, d + 1, (w + d) // 2)
    ref = lambda t: megatron_lr(t * batch, style, init_lr, max_lr, min_lr, warmup_samples, decay_samples)  # noqa: E731
    assert_matches(per_step(samples, units_per_step=batch), ref, steps)


def test_tokens_count_past_the_int32_limit():
    """A schedule in tokens counts every token, past 2**31 - 1 (evaluated in int64)."""
    tokens_per_step = 64 * 4096
    tokens = js.warmup_cosine(peak_value=1.0, warmup_steps=100_000_000, total_steps=300_000_000_000)
    s = per_step(tokens, units_per_step=tokens_per_step)
    steps = np.array([8191, 8192, 500_000, 10**6, 2**40])
    want = ref_cosine(np.minimum(steps * tokens_per_step, 3e11) - 1e8, 1.0, 3e11 - 1e8)
    np.testing.assert_allclose(values(s, steps), want, rtol=2e-6, atol=1e-7)
    assert float(s(381)) == pytest.approx(381 * tokens_per_step / 1e8, rel=1e-6)  # in the warmup


def test_phases_are_the_first_steps_of_each_change():
    samples = js.wsd(peak_value=1.0, warmup_steps=1000, total_steps=10_000, decay_steps=2000)
    assert samples.phases(10_000) == [1000, 8000, 10_000]
    assert per_step(samples, units_per_step=96).phases(200) == [11, 84, 105]  # ceil(1000 / 96), ...
    epochs = js.step_decay(init_value=1.0, period=3, decay_rate=0.5)
    assert per_step(epochs, steps_per_unit=10, staircase=True).phases(100) == [30, 60, 90]
    assert per_step(epochs, steps_per_unit=10).phases(100) == [30, 60, 90]


# --- traced arguments, stacks ------------------------------------------------------------
def test_traced_arguments_and_stacks():
    epochs = js.warmup(js.exponential(init_value=0.1, decay_rate=0.5, period=3), warmup_steps=1)  # a precise leaf
    steps = jnp.arange(0, 400, 7, dtype=jnp.int32)
    for kwargs in [dict(steps_per_unit=11), dict(steps_per_unit=11, staircase=True), dict(units_per_step=3)]:
        expected = per_step(epochs, **kwargs)(steps)
        numeric = {k: v for k, v in kwargs.items() if k != "staircase"}
        flag = {k: v for k, v in kwargs.items() if k == "staircase"}
        traced = jax.jit(lambda s, kw, flag=flag: per_step(s, **kw, **flag)(steps))(epochs, numeric)
        np.testing.assert_allclose(np.asarray(traced), np.asarray(expected), rtol=1e-6)
    peaks = jnp.array([0.1, 0.2, 0.4])
    stack = jax.vmap(lambda p: js.warmup_cosine(peak_value=p, warmup_steps=2, total_steps=10))(peaks)
    for kwargs in [dict(steps_per_unit=5), dict(units_per_step=3)]:
        got = np.asarray(per_step(stack, **kwargs)(steps))
        for i, p in enumerate(np.asarray(peaks)):
            one = per_step(js.warmup_cosine(peak_value=float(p), warmup_steps=2, total_steps=10), **kwargs)
            np.testing.assert_allclose(got[i], np.asarray(one(steps)), rtol=1e-6)


# --- validation --------------------------------------------------------------------------
COSINE = js.cosine(init_value=1.0, total_steps=10)


@pytest.mark.parametrize(
    ("schedule", "kwargs", "error", "message"),
    [
        (COSINE, {}, ValueError, "per_step: needs exactly one of steps_per_unit and units_per_step, got neither"),
        (COSINE, dict(steps_per_unit=2, units_per_step=3), ValueError, r"got both \(2 and 3\)"),
        (COSINE, dict(units_per_step=256, staircase=True), ValueError,
         "per_step: staircase=True needs steps_per_unit, got units_per_step=256"),
        (COSINE, dict(steps_per_unit=0), ValueError, "per_step: steps_per_unit must be at least 1, got 0"),
        (COSINE, dict(steps_per_unit=2.5), ValueError, "per_step: steps_per_unit must be a whole number"),
        (COSINE, dict(units_per_step=-4), ValueError, "per_step: units_per_step must be at least 1, got -4"),
        (COSINE, dict(steps_per_unit=True), TypeError, "per_step: steps_per_unit must be a whole number"),
        (COSINE, dict(steps_per_unit=2, staircase=1), TypeError, "per_step: staircase must be True or False, got 1"),
        (1.0, dict(steps_per_unit=2), TypeError, "per_step: schedule must be a jaxsched schedule, got 1.0"),
        (js.reduce_on_plateau(), dict(steps_per_unit=2), TypeError, "not a stateful one"),
        (COSINE, dict(steps_per_unit=2**50), ValueError,
         r"per_step: cosine with every length times steps_per_unit \(1125899906842624\): cosine: total_steps must be "
         r"at most 2\*\*53 \(9007199254740992\) in magnitude, got 11258999068426240"),
        (js.noam(d_model=512, warmup_steps=4), dict(steps_per_unit=2), ValueError,
         "per_step: noam cannot be rescaled exactly to steps_per_unit=2: its value depends on the step count"),
        (js.join([COSINE, js.noise(COSINE, std=0.1, seed=0)], boundaries=[10]), dict(steps_per_unit=2), ValueError,
         r"per_step: noise cannot be rescaled exactly .* wrap the result instead: noise\(per_step"),
        (per_step(COSINE, units_per_step=8), dict(steps_per_unit=2), ValueError,
         r"per_step: a schedule in samples or tokens \(units_per_step=8\) has no steps_per_unit=2 form"),
    ],
)  # fmt: skip
def test_errors_name_the_function_argument_and_value(schedule, kwargs, error, message):
    with pytest.raises(error, match=message):
        per_step(schedule, **kwargs)


def _classes(cls=Schedule):
    for sub in cls.__subclasses__():
        yield sub
        yield from _classes(sub)


def test_every_integer_field_is_a_length_or_a_declared_count():
    """A new integer field must be named as a length or a position in steps (``*_steps``, ``*_step``,
    ``steps``, ``period``, ``timescale``, ``boundaries``) or be added to COUNTS: per_step scales the
    first and keeps the second."""
    lengths = ("steps", "period", "timescale", "boundaries", "steps_per_unit")
    for cls in _classes():
        for f in dataclasses.fields(cls):
            kind = f.metadata.get("kind")
            if cls.name and kind is not None and kind.what in ("length", "boundaries") and not cls.stateful:
                assert f.name.endswith(("_steps", "_step")) or f.name in lengths or f.name in COUNTS, (cls.name, f.name)


# --- parity: PyTorch and timm stepped per epoch and per fractional epoch ------------------
LR = 0.1


def _torch_lrs(torch, make, epochs, iters, fractional):
    """The learning rate of every iteration: one scheduler.step() per epoch, or
    scheduler.step(epoch + i / iters) before every iteration (PyTorch's documented use)."""
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=LR)
    scheduler, lrs = make(optimizer), []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the epoch argument of step() is deprecated where a closed form exists
        for epoch in range(epochs):
            for i in range(iters):
                if fractional:
                    scheduler.step(epoch + i / iters)
                lrs.append(optimizer.param_groups[0]["lr"])
                optimizer.step()
            if not fractional:
                scheduler.step()
    return np.asarray(lrs)


def _torch_cases():
    lr_scheduler = pytest.importorskip("torch").optim.lr_scheduler
    return {
        "CosineAnnealingLR": (lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=12, eta_min=1e-3),
                              js.cosine(init_value=LR, total_steps=12, end_value=1e-3), 12),
        "StepLR": (lambda o: lr_scheduler.StepLR(o, step_size=3, gamma=0.5),
                   js.step_decay(init_value=LR, period=3, decay_rate=0.5), 14),
        "MultiStepLR": (lambda o: lr_scheduler.MultiStepLR(o, milestones=[4, 9], gamma=0.1),
                        js.multistep_decay(init_value=LR, boundaries=[4, 9], decay_rate=0.1), 12),
        "ExponentialLR": (lambda o: lr_scheduler.ExponentialLR(o, gamma=0.8),
                          js.exponential(init_value=LR, decay_rate=0.8, period=1), 12),
        "CosineAnnealingWarmRestarts[T_mult=1]": (
            lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=4, eta_min=1e-4),
            js.sgdr(peak_value=LR, cycle_steps=4, end_value=1e-4), 13),
        "CosineAnnealingWarmRestarts[T_mult=2]": (
            lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=1e-4),
            js.sgdr(peak_value=LR, cycle_steps=3, cycle_mult=2.0, end_value=1e-4), 21),
    }  # fmt: skip


# Each has a closed form for step(epoch), so a fractional epoch is well defined.
TORCH = ["CosineAnnealingLR", "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingWarmRestarts[T_mult=1]",
         "CosineAnnealingWarmRestarts[T_mult=2]"]  # fmt: skip


@pytest.mark.parity
@pytest.mark.parametrize("staircase", [True, False], ids=["staircase-per-epoch", "continuous-per-fractional-epoch"])
@pytest.mark.parametrize("iters", [1, 7, 50])
@pytest.mark.parametrize("name", TORCH)
def test_matches_torch_stepped_per_epoch_or_fractional_epoch(name, iters, staircase):
    """Staircase: torch's step() once per epoch; continuous: step(epoch + i / iters) every iteration."""
    torch = pytest.importorskip("torch")
    make, epochs, n = _torch_cases()[name]
    ref = _torch_lrs(torch, make, n, iters, fractional=not staircase)
    ours = values(per_step(epochs, steps_per_unit=iters, staircase=staircase), np.arange(n * iters))
    np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=0)


@pytest.mark.parity
@pytest.mark.parametrize(("epochs", "iters", "pct"), [(10, 13, 0.3), (4, 250, 0.25)])
def test_one_cycle_matches_torch_epochs_and_steps_per_epoch(epochs, iters, pct):
    torch = pytest.importorskip("torch")
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=LR)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, LR, epochs=epochs, steps_per_epoch=iters, pct_start=pct)
    ref = []
    for _ in range(epochs * iters):
        ref.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    ours = per_step(js.one_cycle(peak_value=LR, total_steps=epochs, pct_start=pct), steps_per_unit=iters)
    np.testing.assert_allclose(values(ours, np.arange(epochs * iters)), ref, rtol=1e-5, atol=0)


TIMM = [  # (class, kwargs with lengths in epochs, the same schedule in jaxsched, epochs)
    ("CosineLRScheduler",
     dict(t_initial=6, lr_min=1e-4, cycle_limit=1, warmup_t=2, warmup_lr_init=1e-3, warmup_prefix=True),
     js.sgdr(peak_value=LR, cycle_steps=6, end_value=1e-4, cycle_limit=1, warmup_steps=2, init_value=1e-3), 10),
    ("CosineLRScheduler", dict(t_initial=3, lr_min=1e-4, cycle_mul=2.0, cycle_decay=0.5, cycle_limit=3),
     js.sgdr(peak_value=LR, cycle_steps=3, cycle_mult=2.0, end_value=1e-4, decay_rate=0.5, cycle_limit=3), 24),
    ("StepLRScheduler", dict(decay_t=3, decay_rate=0.5), js.step_decay(init_value=LR, period=3, decay_rate=0.5), 12),
]  # fmt: skip


@pytest.mark.parity
@pytest.mark.parametrize("mode", ["staircase", "continuous", "updates"])
@pytest.mark.parametrize("case", TIMM, ids=[f"{c[0]}-{i}" for i, c in enumerate(TIMM)])
def test_matches_timm_in_epochs(case, mode):
    """timm with t_in_epochs=True: scheduler.step(epoch) once per epoch (the staircase), or
    scheduler.step(epoch + i / iters) per iteration (continuous); or t_in_epochs=False with every
    length times the updates per epoch, scheduler.step_update(t) (continuous too)."""
    torch = pytest.importorskip("torch")
    from test_parity_timm import load_timm_schedulers

    name, kwargs, epochs, n = case
    iters = 9
    if mode == "updates":
        kwargs = {k: v * iters if k in ("t_initial", "warmup_t", "decay_t") else v for k, v in kwargs.items()}
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=LR)
    scheduler = load_timm_schedulers()[name](optimizer, t_in_epochs=mode != "updates", **kwargs)
    ref = []
    for epoch in range(n):
        for i in range(iters):
            if mode == "updates":
                scheduler.step_update(num_updates=epoch * iters + i)
            else:
                scheduler.step(epoch + i / iters if mode == "continuous" else epoch)
            ref.append(optimizer.param_groups[0]["lr"])
    ours = per_step(epochs, steps_per_unit=iters, staircase=mode == "staircase")
    np.testing.assert_allclose(values(ours, np.arange(n * iters)), ref, rtol=1e-5, atol=0)


def test_example_runs_and_draws(tmp_path, capsys):
    import importlib.util
    import pathlib

    path = pathlib.Path(__file__).resolve().parent.parent / "examples" / "epochs_and_samples.py"
    spec = importlib.util.spec_from_file_location("epochs_and_samples", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    plot = tmp_path / "units.png"
    args = ["--plot", str(plot)] if importlib.util.find_spec("matplotlib") else []
    s = module.main(args)
    assert s["continuous"] == js.sgdr(peak_value=0.1, cycle_steps=4 * 391, cycle_mult=2.0, end_value=1e-4)
    assert float(s["staircase"](4 * 391 - 1)) == float(s["continuous"](3 * 391)) > 0.001
    assert "1953     2999808  3.000e-04" in capsys.readouterr().out
    assert not args or 0 < plot.stat().st_size < 60_000
