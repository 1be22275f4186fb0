"""from_maxtext and from_big_vision: values against float64 references of each stack's
schedule semantics, the stacks' rounding and edge cases, round trips, and every refusal.

The references are written from the semantics of MaxText's
``create_learning_rate_schedule`` (maxtext_utils.py, before and after WSD) and
big_vision's ``create_learning_rate_schedule`` / ``steps`` (big_vision/utils.py);
neither stack is needed.
"""

from __future__ import annotations

import enum
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from helpers import assert_matches, key_steps

import jaxsched
from jaxsched._stacks import from_big_vision, from_maxtext

MT_DEFAULTS = {
    "learning_rate": 3e-5,
    "lr_schedule_type": "cosine",
    "learning_rate_final_fraction": 0.1,
    "warmup_steps_fraction": 0.1,
    "wsd_decay_steps_fraction": 0.1,
    "wsd_decay_style": "linear",
    "learning_rate_schedule_steps": -1,
    "steps": -1,
}


def maxtext_reference(config):
    """MaxText's schedule in float64; past the schedule: 0 if steps > S, else the end value held."""
    c = {**MT_DEFAULTS, **config}
    S, steps = c["learning_rate_schedule_steps"], c["steps"]
    S, steps = (steps if S == -1 else S), (S if steps == -1 else steps)
    lr, legacy = c["learning_rate"], "cosine_learning_rate_final_fraction" in config
    end = lr * (config["cosine_learning_rate_final_fraction"] if legacy else c["learning_rate_final_fraction"])
    w = int(S * c["warmup_steps_fraction"])  # Python float64, truncated

    def cos_from(peak, s, n):  # MaxText's cosine: pct = s / (n - 1), 1.0 for n == 1
        pct = s / (n - 1) if n > 1 else 1.0
        a = 0.5 * (np.cos(np.pi * pct) + 1)
        return peak * a + end * (1 - a)

    def one(t):
        if t >= S and steps > S:
            return 0.0
        if legacy:  # warmup over w transition steps, then cos with pct = s / (S - w): end at S
            t = min(t, S)
            if t < w:
                return lr * t / w
            a = 0.5 * (np.cos(np.pi * (t - w) / (S - w)) + 1)
            return lr * a + end * (1 - a)
        t = min(t, S - 1)
        if t < w:  # optax.linear_schedule(0, lr, w - 1): stays at 0 for w - 1 == 0
            return lr * t / (w - 1) if w > 1 else 0.0
        if c["lr_schedule_type"] == "cosine":
            return cos_from(lr, t - w, S - w)
        d = int(S * c["wsd_decay_steps_fraction"])
        if t < S - d:
            return lr
        s = t - (S - d)
        if c["wsd_decay_style"] == "linear":
            return lr + (end - lr) * s / (d - 1) if d > 1 else lr
        return cos_from(lr, s, d)

    return lambda ts: np.array([one(int(t)) for t in np.asarray(ts)])


def bv_steps(prefix, kw, data_size, batch_size, total_steps):
    """big_vision's ``steps``: one unit given, converted and rounded (round half to even)."""
    if f"{prefix}_steps" in kw:
        return kw[f"{prefix}_steps"]

    def to_integer(x):
        return max(1, round(x)) if x else 0

    if f"{prefix}_examples" in kw:
        return to_integer(kw[f"{prefix}_examples"] / batch_size)
    if f"{prefix}_epochs" in kw:
        return to_integer(kw[f"{prefix}_epochs"] * (data_size / batch_size))
    if f"{prefix}_percent" in kw:
        return to_integer(kw[f"{prefix}_percent"] * total_steps)
    return 0


def big_vision_reference(schedule, total_steps, lr=1.0, batch_size=None, data_size=None):
    """config.lr times big_vision's multiplier in float64 (the cooldown held at 0 past total_steps)."""
    kw, T = dict(schedule), total_steps
    decay = kw.get("decay_type", "stair")
    w = bv_steps("warmup", kw, data_size, batch_size, T)
    c = bv_steps("cooldown", kw, data_size, batch_size, T)
    base = kw.get("mult", 1.0) * (batch_size / 256.0 if kw.get("scale_with_batchsize") else 1.0)

    def one(t):
        p = min(max((t - w) / float(T - w), 0.0), 1.0)
        if decay in ("linear", "polynomial"):
            zero = kw.get("end", kw.get("linear_end", 0))
            v = zero + (base - zero) * (1.0 - p) ** kw.get("power", 1)
        elif decay == "cosine":
            v = base * 0.5 * (1.0 + np.cos(np.pi * p))
        elif decay == "rsqrt":
            ts = kw["timescale_examples"] / batch_size if "timescale_examples" in kw else kw.get("timescale", 10_000)
            shift = kw.get("shift", 0)
            v = base / np.sqrt(1 + (t + shift - w) / ts) if w <= t else base / np.sqrt(1 + shift / ts)
        else:
            i = np.searchsorted(np.array(kw.get("steps", [])), t + 1)
            v = base * ([1.0, *kw.get("mults", [])])[i]
        if w:
            v *= min(1.0, t / w)
        if c:
            v *= max(0.0, min(1.0, (T - t) / c))
        return lr * v

    return lambda ts: np.array([one(int(t)) for t in np.asarray(ts)])


MAXTEXT_CASES = [
    {"learning_rate": 3e-4, "steps": 1000},
    {"learning_rate": 3e-4, "steps": 1000, "warmup_steps_fraction": 0.0},
    {"learning_rate": 1e-3, "learning_rate_schedule_steps": 100, "warmup_steps_fraction": 0.01},  # w = 1
    {"learning_rate": 1e-3, "learning_rate_schedule_steps": 100, "warmup_steps_fraction": 0.02},  # w = 2
    {"learning_rate": 1e-3, "steps": 100, "warmup_steps_fraction": 0.29},  # int(28.999999999999996) = 28
    {"learning_rate": 1e-3, "steps": 50, "warmup_steps_fraction": 1.0},  # warmup only
    {"learning_rate": 1e-3, "steps": 11, "warmup_steps_fraction": 0.9},  # a cosine of 2 steps
    {"learning_rate": 1e-3, "steps": 10, "warmup_steps_fraction": 0.9},  # a cosine of 1 step
    {"learning_rate": 2e-4, "learning_rate_schedule_steps": 800, "steps": 1000, "learning_rate_final_fraction": 0.0},
    {"learning_rate": 2e-4, "learning_rate_schedule_steps": 1200, "steps": 1000},  # stops before the end
    {"learning_rate": 1e-3, "learning_rate_schedule_steps": 1000, "lr_schedule_type": "wsd"},
    {
        "learning_rate": 1e-3, "learning_rate_schedule_steps": 1000, "steps": 1100, "lr_schedule_type": "wsd",
        "wsd_decay_style": "cosine", "wsd_decay_steps_fraction": 0.2, "learning_rate_final_fraction": 0.0,
    },
    {"learning_rate": 1e-3, "steps": 100, "lr_schedule_type": "wsd", "wsd_decay_steps_fraction": 0.01},  # d = 1
    {
        "learning_rate": 1e-3, "steps": 100, "lr_schedule_type": "wsd", "wsd_decay_steps_fraction": 0.01,
        "wsd_decay_style": "cosine",
    },
    {"learning_rate": 1e-3, "steps": 100, "lr_schedule_type": "wsd", "wsd_decay_steps_fraction": 0.9},  # no stable
    {"learning_rate": 1e-3, "steps": 100, "lr_schedule_type": "wsd", "wsd_decay_steps_fraction": 0.0},  # no decay
    {"learning_rate": 1e-3, "steps": 100, "lr_schedule_type": "wsd", "warmup_steps_fraction": 0.0},
    {"learning_rate": 3e-4, "steps": 1000, "cosine_learning_rate_final_fraction": 0.1},
    {"learning_rate": 3e-4, "steps": 1000, "cosine_learning_rate_final_fraction": 0.05, "warmup_steps_fraction": 0},
    {"learning_rate": 3e-4, "learning_rate_schedule_steps": 900, "steps": 1000,
     "cosine_learning_rate_final_fraction": 0.1},
]  # fmt: skip


def _marks(config):
    c = {**MT_DEFAULTS, **config}
    S = c["learning_rate_schedule_steps"] if c["learning_rate_schedule_steps"] != -1 else c["steps"]
    w, d = int(S * c["warmup_steps_fraction"]), int(S * c["wsd_decay_steps_fraction"])
    return [m for m in (w, S - d, S, max(c["steps"], S)) if m > 0]


@pytest.mark.parametrize("config", MAXTEXT_CASES, ids=[str(i) for i in range(len(MAXTEXT_CASES))])
def test_maxtext_matches_reference(config):
    marks = _marks(config)
    steps = np.unique(np.concatenate([key_steps(*marks), np.arange(0, max(marks) + 20, 3)]))
    assert_matches(from_maxtext(config), maxtext_reference(config), steps, rtol=2e-6, atol=1e-12)


def test_maxtext_rounding_and_edges():
    # The warmup length truncates S * fraction in float64, as MaxText (float32 would give 0 and 4 here).
    s = from_maxtext({"learning_rate": 1.0, "learning_rate_schedule_steps": 100, "warmup_steps_fraction": 0.01})
    assert [float(s(t)) for t in (0, 1)] == [0.0, 1.0]  # w = 1: a one-step warmup at 0 (optax, 0 transition steps)
    s = from_maxtext({"learning_rate": 1.0, "steps": 1000, "warmup_steps_fraction": 0.005})
    np.testing.assert_allclose([float(s(t)) for t in (3, 4, 5)], [0.75, 1.0, 1.0], rtol=1e-6)
    s = from_maxtext({"learning_rate": 1.0, "steps": 100, "warmup_steps_fraction": 0.29})
    assert int(s.boundaries[0]) == 28  # int(28.999999999999996): lr at step 27
    np.testing.assert_allclose([float(s(t)) for t in (26, 27)], [26 / 27, 1.0], rtol=1e-6)
    # The end: 0 from S when steps > S, held otherwise; the legacy cosine ends at S, the current one at S - 1.
    zero = from_maxtext({"learning_rate": 1.0, "learning_rate_schedule_steps": 100, "steps": 101})
    np.testing.assert_allclose([float(zero(t)) for t in (99, 100, 10**6)], [0.1, 0.0, 0.0], rtol=1e-6)
    held = from_maxtext({"learning_rate": 1.0, "steps": 100})
    np.testing.assert_allclose([float(held(t)) for t in (99, 100, 10**6)], [0.1, 0.1, 0.1], rtol=1e-6)
    old = from_maxtext({"learning_rate": 1.0, "steps": 100, "cosine_learning_rate_final_fraction": 0.1})
    assert old == jaxsched.warmup_cosine(peak_value=1.0, warmup_steps=10, total_steps=100, end_value=0.1)
    assert float(old(99)) > 0.1 + 1e-5 and float(old(100)) == pytest.approx(0.1)


def test_maxtext_minus_one_and_defaults():
    a = from_maxtext({"learning_rate": 1e-3, "steps": 500, "learning_rate_schedule_steps": -1})
    b = from_maxtext({"learning_rate": 1e-3, "learning_rate_schedule_steps": 500, "steps": -1})
    assert a == b == from_maxtext({"learning_rate": 1e-3, "steps": 500})
    d = from_maxtext({"steps": 1000})  # base.yml: 3e-5, 10% warmup, cosine to 10%
    assert_matches(d, maxtext_reference({"steps": 1000}), key_steps(100, 1000))

    class LearningRateScheduleType(enum.Enum):  # the shape of MaxText's config enums
        WSD = "wsd"

    e = from_maxtext({"steps": 100, "lr_schedule_type": LearningRateScheduleType.WSD})
    assert e == from_maxtext({"steps": 100, "lr_schedule_type": "wsd"})


BIG_VISION_CASES = [
    ({"decay_type": "cosine", "warmup_steps": 100}, 1000, {}),
    ({"decay_type": "cosine"}, 1000, {}),
    ({"decay_type": "cosine", "warmup_percent": 0.05, "cooldown_steps": 100}, 1000, {}),
    ({"decay_type": "linear", "warmup_steps": 50, "linear_end": 1e-5}, 700, {"lr": 1e-3}),
    ({"decay_type": "polynomial", "power": 2.0, "end": 0.01, "warmup_steps": 30}, 400, {"lr": 0.1}),
    ({"decay_type": "polynomial", "power": 0.5, "mult": 2.0}, 400, {}),
    ({"decay_type": "rsqrt", "warmup_steps": 100, "timescale": 100}, 1000, {"lr": 1e-3}),
    ({"decay_type": "rsqrt", "timescale": 50, "shift": 30, "warmup_steps": 20, "cooldown_steps": 200}, 600, {}),
    ({"decay_type": "rsqrt", "timescale_examples": 25_600, "warmup_examples": 12_800}, 900, {"batch_size": 256}),
    ({"decay_type": "rsqrt"}, 100, {"lr": 2.0}),  # timescale 10,000
    ({"decay_type": "stair", "steps": [100, 200], "mults": [0.1, 0.01], "warmup_steps": 150}, 300, {"lr": 0.4}),
    ({"steps": [10, 11, 50], "mults": [0.5, 0.25, 0.125], "cooldown_percent": 0.2}, 60, {}),  # stair: default
    ({"warmup_epochs": 2, "cooldown_epochs": 1}, 100, {"batch_size": 64, "data_size": 1000}),  # stair, no steps
    ({"decay_type": "cosine", "warmup_steps": 10, "scale_with_batchsize": True}, 100, {"batch_size": 1024}),
    ({"decay_type": "linear", "cooldown_steps": 150}, 100, {}),  # cooldown longer than the run
]


@pytest.mark.parametrize("case", BIG_VISION_CASES, ids=[str(i) for i in range(len(BIG_VISION_CASES))])
def test_big_vision_matches_reference(case):
    config, T, kw = case
    s = from_big_vision(config, total_steps=T, **kw)
    marks = [T, *config.get("steps", [])] + [p for p in s.phases(T) if p]
    steps = np.unique(np.concatenate([key_steps(*marks), np.arange(0, T + 20, 3)]))
    assert_matches(s, big_vision_reference(config, T, **kw), steps, rtol=2e-6, atol=1e-12)


def test_big_vision_rounding_stairs_and_warmup():
    # Percents, examples and epochs round half to even, at least 1 unless 0 (big_vision's to_integer).
    for pct, T, w in [(0.125, 20, 2), (0.125, 28, 4), (0.001, 100, 1), (0.0, 100, 0)]:
        s = from_big_vision({"decay_type": "cosine", "warmup_percent": pct}, total_steps=T)
        assert s == jaxsched.warmup_cosine(peak_value=1.0, warmup_steps=w, total_steps=T)
    s = from_big_vision({"decay_type": "cosine", "warmup_examples": 640}, total_steps=100, batch_size=256)
    assert s.warmup_steps == 2  # round(2.5)
    # A stair steps at t == steps[i] (searchsorted(steps, t + 1)), under the warmup if the warmup is longer.
    st = from_big_vision({"steps": [5, 8], "mults": [0.5, 0.1], "warmup_steps": 6}, total_steps=10)
    np.testing.assert_allclose([float(st(t)) for t in (4, 5, 6, 7, 8)], [4 / 6, 2.5 / 6, 0.5, 0.5, 0.1], rtol=1e-6)
    # rsqrt keeps its warmup target at B / sqrt(1 + shift / timescale) and decays past total_steps.
    r = from_big_vision({"decay_type": "rsqrt", "timescale": 10, "shift": 30, "warmup_steps": 4}, total_steps=20)
    np.testing.assert_allclose([float(r(t)) for t in (2, 4, 24)], [0.25, 0.5, 0.5 / math.sqrt(1.5)], rtol=1e-6)
    # The common ViT config reads as the native it is.
    vit = from_big_vision({"warmup_steps": 10_000, "decay_type": "cosine"}, total_steps=93_000, lr=1e-3)
    assert vit == jaxsched.warmup_cosine(peak_value=1e-3, warmup_steps=10_000, total_steps=93_000)


ROUND_TRIP = [from_maxtext(c) for c in MAXTEXT_CASES[::3]] + [
    from_big_vision(c, total_steps=T, **kw) for c, T, kw in BIG_VISION_CASES[::2]
]


@pytest.mark.parametrize("schedule", ROUND_TRIP, ids=[str(i) for i in range(len(ROUND_TRIP))])
def test_round_trips(schedule):
    assert jaxsched.parse(repr(schedule)) == schedule
    assert jaxsched.from_config(schedule.to_config()) == schedule


def test_traced_learning_rates():
    steps = jnp.arange(0, 1100, 7, dtype=jnp.int32)
    mt = {"learning_rate_schedule_steps": 1000, "steps": 1050, "lr_schedule_type": "wsd"}
    got = jax.jit(lambda lr: from_maxtext({**mt, "learning_rate": lr})(steps))(jnp.float32(3e-4))
    np.testing.assert_allclose(got, from_maxtext({**mt, "learning_rate": 3e-4})(steps), rtol=1e-6)
    bv = {"decay_type": "stair", "steps": [300, 600], "warmup_steps": 100, "cooldown_steps": 50}

    def build(lr, mults):
        return from_big_vision({**bv, "mults": mults}, total_steps=1000, lr=lr)(steps)

    got = jax.jit(build)(jnp.float32(0.1), jnp.array([0.5, 0.1], jnp.float32))
    np.testing.assert_allclose(got, build(0.1, [0.5, 0.1]), rtol=1e-6)


REFUSED_MAXTEXT = [
    ({"learning_rate": 1e-3, "warmup_steps": 10, "steps": 9},
     r"^from_maxtext: unknown key 'warmup_steps' \(did you mean 'warmup_steps_fraction'\?\); known: learning_rate, "),
    ({"lr": 1e-3}, r"unknown key 'lr'.*known: .*learning_rate_schedule_steps, steps$"),
    ({"learning_rate": 1e-3}, r"from_maxtext: needs learning_rate_schedule_steps or steps \(-1 means the other one\)"),
    ({"steps": 0}, r"needs learning_rate_schedule_steps or steps .*got 0"),
    ({"steps": -2}, r"^from_maxtext: steps must be at least -1, got -2"),
    ({"steps": 10.5}, r"^from_maxtext: steps must be a whole number of steps, got 10.5"),
    ({"steps": 10, "learning_rate": -1.0}, r"^from_maxtext: learning_rate must be non-negative, got -1.0"),
    ({"steps": 10, "learning_rate": float("nan")}, r"^from_maxtext: learning_rate must be finite, got nan"),
    ({"steps": 10, "warmup_steps_fraction": 1.5}, r"^from_maxtext: warmup_steps_fraction must be in \[0, 1\], got 1.5"),
    ({"steps": 10, "lr_schedule_type": "linear"},
     r"^from_maxtext: lr_schedule_type must be one of 'cosine', 'wsd', got 'linear'"),
    ({"steps": 10, "wsd_decay_style": "1-sqrt"}, r"wsd_decay_style must be one of 'linear', 'cosine', got '1-sqrt'"),
    ({"steps": 100, "lr_schedule_type": "wsd", "warmup_steps_fraction": 0.5, "wsd_decay_steps_fraction": 0.6},
     r"^from_maxtext: warmup and decay \(.* = 50 \+ 60\) must fit in learning_rate_schedule_steps \(100\)"),
    ({"steps": 100, "cosine_learning_rate_final_fraction": 0.1, "lr_schedule_type": "wsd"},
     r"cosine_learning_rate_final_fraction \(MaxText before WSD\) cannot be mixed with \['lr_schedule_type'\]"),
    ({"steps": 100, "cosine_learning_rate_final_fraction": 0.1, "warmup_steps_fraction": 1.0},
     r"^from_maxtext: int\(100 \* warmup_steps_fraction\) = 100 warmup steps leave no cosine steps"),
]  # fmt: skip


@pytest.mark.parametrize(("config", "message"), REFUSED_MAXTEXT, ids=[m[:40] for _, m in REFUSED_MAXTEXT])
def test_maxtext_refused(config, message):
    with pytest.raises(ValueError, match=message):
        from_maxtext(config)


REFUSED_BIG_VISION = [
    (({"decay_type": "cosine", "warmup": 10}, 100, {}),
     r"^from_big_vision: unknown key 'warmup' \(did you mean 'warmup_steps'\?\); known: decay_type, mult, "),
    (({"decay_type": "cos"}, 100, {}), r"^from_big_vision: decay_type must be one of 'stair', 'linear', .*got 'cos'"),
    (({"decay_type": "cosine", "power": 2}, 100, {}),
     r"^from_big_vision: decay_type 'cosine' does not read power; it reads: none"),
    (({"decay_type": "rsqrt", "linear_end": 0.1}, 100, {}), r"does not read linear_end; it reads: timescale, "),
    (({"decay_type": "linear", "end": 0.0, "linear_end": 0.1}, 100, {}), "give one of end and linear_end, not both"),
    (({"warmup_steps": 5, "warmup_percent": 0.1}, 100, {}), "give one of warmup_steps, warmup_percent, not several"),
    (({"warmup_steps": 100}, 100, {}), r"^from_big_vision: total_steps \(100\) must be greater than warmup_steps"),
    (({"warmup_percent": 1.0}, 100, {}), r"total_steps \(100\) must be greater than warmup_steps \(100\)"),
    (({"warmup_percent": 1.5}, 100, {}), r"^from_big_vision: warmup_percent must be in \[0, 1\], got 1.5"),
    (({"warmup_steps": -1}, 100, {}), r"^from_big_vision: warmup_steps must be non-negative, got -1"),
    (({"warmup_examples": 1000}, 100, {}), r"^from_big_vision: warmup_examples needs batch_size"),
    (({"cooldown_epochs": 1}, 100, {"batch_size": 8}), r"^from_big_vision: cooldown_epochs needs data_size"),
    (({"decay_type": "rsqrt", "timescale_examples": 1000}, 100, {"batch_size": 3}),
     r"timescale_examples / batch_size must be a whole number of steps, got 333.33"),
    (({"decay_type": "rsqrt", "timescale": 0}, 100, {}), r"^from_big_vision: timescale must be at least 1, got 0"),
    (({"decay_type": "polynomial", "power": 0}, 100, {}), r"^from_big_vision: power must be positive, got 0"),
    (({"steps": [10, 20], "mults": [0.1]}, 100, {}), r"mults must have as many entries as steps \(2\), got 1"),
    (({"steps": [20, 10], "mults": [0.1, 0.01]}, 100, {}), r"^from_big_vision: steps must be strictly increasing"),
    (({"scale_with_batchsize": True}, 100, {}), r"^from_big_vision: scale_with_batchsize needs batch_size"),
    (({}, 0, {}), r"^from_big_vision: total_steps must be at least 1, got 0"),
    (({}, 100, {"lr": float("inf")}), r"^from_big_vision: lr must be finite, got inf"),
    (([(".*", {"decay_type": "cosine"})], 100, {}),
     r"^from_big_vision: config must be one schedule dict \(a list of \(regex, schedule\) pairs is per-parameter\)"),
    ((None, 100, {}), r"config must be one schedule dict \(None freezes parameters\)"),
]  # fmt: skip


@pytest.mark.parametrize(("args", "message"), REFUSED_BIG_VISION, ids=[m[:40] for _, m in REFUSED_BIG_VISION])
def test_big_vision_refused(args, message):
    config, T, kw = args
    with pytest.raises(ValueError, match=message):
        from_big_vision(config, total_steps=T, **kw)


def test_wrong_types():
    with pytest.raises(TypeError, match=r"^from_maxtext: config must be a mapping of the stack's keys, got 'steps'"):
        from_maxtext("steps")
    with pytest.raises(TypeError, match=r"^from_big_vision: scale_with_batchsize must be True or False, got 1"):
        from_big_vision({"scale_with_batchsize": 1}, total_steps=10)
    with pytest.raises(TypeError, match=r"^from_big_vision: warmup_steps must be a whole number of steps, got None"):
        from_big_vision({"warmup_steps": None}, total_steps=10)
    with pytest.raises(TypeError):
        from_big_vision({}, 100)  # keyword-only


def test_example_prints_the_stacks_schedules(monkeypatch, tmp_path, capsys):
    """examples/pretraining_configs.py: its values are the stacks' (and its plot is written)."""
    import importlib.util
    import pathlib

    monkeypatch.setattr(jaxsched, "from_maxtext", from_maxtext, raising=False)
    monkeypatch.setattr(jaxsched, "from_big_vision", from_big_vision, raising=False)
    path = pathlib.Path(__file__).resolve().parent.parent / "examples" / "pretraining_configs.py"
    spec = importlib.util.spec_from_file_location("pretraining_configs", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    values = example.main([])
    for label, config in [("MaxText base.yml (cosine)", example.MAXTEXT_BASE), ("MaxText WSD", example.MAXTEXT_WSD)]:
        total = config["steps"]
        steps = [0, total // 20, total // 10, total // 2, (9 * total) // 10, total - 1]
        np.testing.assert_allclose(values[label], maxtext_reference(config)(steps), rtol=2e-6, atol=1e-12)
    T, lr = example.BIG_VISION_TOTAL_STEPS, example.BIG_VISION_LR
    steps = [0, T // 20, T // 10, T // 2, (9 * T) // 10, T - 1]
    for label, config in [
        ("big_vision ViT (cosine)", example.BIG_VISION_VIT),
        ("big_vision rsqrt + cooldown", example.BIG_VISION_RSQRT),
    ]:
        np.testing.assert_allclose(values[label], big_vision_reference(config, T, lr=lr)(steps), rtol=2e-6, atol=1e-12)
    assert "warmup_cosine(peak_value=0.001, warmup_steps=10000, total_steps=93835)" in capsys.readouterr().out
    pytest.importorskip("matplotlib")
    example.main(["--plot", str(tmp_path / "stacks.png")])
    assert (tmp_path / "stacks.png").stat().st_size > 10_000
