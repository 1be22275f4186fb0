"""from_hf: values against float64 references of transformers' formulas, and every refusal.

The comparison with the real transformers is in test_parity_hf.py; these
tests need neither torch nor transformers.
"""

from __future__ import annotations

import enum

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from helpers import assert_matches, key_steps

import jaxsched

PEAK = 2e-3


def reference(name, w, T, peak=PEAK, **kw):
    """transformers' multiplier times peak, in float64; held at the end after ``num_training_steps``."""

    def warm(t):
        return t / max(1, w)

    def waves(p, n):
        return 0.5 * (1 + np.cos(np.pi * 2 * n * p))

    def restarts(s, n):
        # 0.5 * (1 + cos(pi * frac(n * p))) as sin(pi/2 * (1 - frac))**2, the phase from integers:
        # float64 cancels next to the end of each cycle otherwise (T of 2e7 steps).
        d = T - w
        return np.sin(np.pi / 2 * (d - (n * (s - w)) % d) / d) ** 2

    def f(t):
        t = np.maximum(np.asarray(t, np.float64), 0)
        out = np.empty_like(t)
        for k, s in enumerate(t):
            out[k] = one(s)
        return peak * out

    def one(s):
        if name == "constant":
            return 1.0
        if name == "cosine_warmup_with_min_lr":
            s = min(s, T - 1)
            r = kw["min_lr_rate"] if "min_lr_rate" in kw else kw["min_lr"] / peak
            if s < w:
                wr = kw.get("warmup_lr_rate")
                return (s + 1) / max(1, w) if wr is None else wr + (1 - wr) * s / max(1, w - 1)
            return waves((s - w + 1) / (T - w), kw.get("num_cycles", 0.5)) * (1 - r) + r
        if name == "warmup_stable_decay":
            r, d = kw.get("min_lr_ratio", 0.0), kw["num_decay_steps"]
            stable = kw.get("num_stable_steps", T - w - d if T is not None else None)
            if s < w:
                p = s / w
                shape = {"linear": p, "cosine": 0.5 * (1 - np.cos(np.pi * p)), "1-sqrt": 1 - np.sqrt(1 - p)}
                return shape[kw.get("warmup_type", "linear")] * (1 - r) + r
            if s < w + stable:
                return 1.0
            if s < w + stable + d:
                p = (s - w - stable) / d
                kind = kw.get("decay_type", "cosine")
                shape = {"linear": 1 - p, "cosine": waves(p, kw.get("num_cycles", 0.5)), "1-sqrt": 1 - np.sqrt(p)}
                return shape[kind] * (1 - r) + r
            return r
        if s < w:
            return warm(s)
        if name == "constant_with_warmup":
            return 1.0
        if name == "inverse_sqrt":
            ts = kw.get("timescale") or (w or 10_000)
            return 1 / np.sqrt((s + ts - w) / ts)
        p = (min(s, T) - w) / (T - w)
        if name == "linear":
            return 1 - p
        if name == "cosine":
            return waves(p, kw.get("num_cycles", 0.5))
        if name == "cosine_with_restarts":
            return 0.0 if p >= 1 else restarts(int(s), kw.get("num_cycles", 1))
        if name == "polynomial":
            end, power = kw.get("lr_end", 1e-7), kw.get("power", 1.0)
            return ((peak - end) * (1 - p) ** power + end) / peak
        if name == "cosine_with_min_lr":
            r = kw["min_lr_rate"] if "min_lr_rate" in kw else kw["min_lr"] / peak
            return waves(p, kw.get("num_cycles", 0.5)) * (1 - r) + r
        raise AssertionError(name)

    return f


CASES = [
    ("linear", 10, 200, {}),
    ("linear", 0, 7, {}),
    ("cosine", 10, 200, {}),
    ("cosine", 10, 210, {"num_cycles": 1.0}),
    ("cosine", 3, 1003, {"num_cycles": 2.5}),
    ("cosine_with_restarts", 10, 200, {}),
    ("cosine_with_restarts", 7, 107, {"num_cycles": 3}),
    ("cosine_with_restarts", 0, 20_000_000, {"num_cycles": 7}),
    ("polynomial", 10, 200, {}),
    ("polynomial", 5, 105, {"lr_end": 1e-5, "power": 3.0}),
    ("constant", None, None, {}),
    ("constant_with_warmup", 25, None, {}),
    ("inverse_sqrt", 100, None, {}),
    ("inverse_sqrt", 0, None, {}),
    ("inverse_sqrt", 10, None, {"timescale": 3}),
    ("cosine_with_min_lr", 10, 200, {"min_lr": 1e-5}),
    ("cosine_with_min_lr", 10, 210, {"min_lr_rate": 0.1, "num_cycles": 1.5}),
    ("cosine_warmup_with_min_lr", 10, 200, {"min_lr_rate": 0.1}),
    ("cosine_warmup_with_min_lr", 10, 200, {"min_lr": 1e-4, "warmup_lr_rate": 0.25}),
    ("cosine_warmup_with_min_lr", 0, 50, {"min_lr_rate": 0.0, "num_cycles": 1.0}),
    ("warmup_stable_decay", 10, 200, {"num_decay_steps": 50}),
    ("warmup_stable_decay", 10, None, {"num_decay_steps": 40, "num_stable_steps": 90, "decay_type": "1-sqrt"}),
    ("warmup_stable_decay", 30, 200, {"num_decay_steps": 50, "warmup_type": "cosine", "min_lr_ratio": 0.1}),
    ("warmup_stable_decay", 30, 200, {"num_decay_steps": 50, "warmup_type": "1-sqrt", "decay_type": "linear"}),
    ("warmup_stable_decay", 10, 200, {"num_decay_steps": 60, "num_cycles": 1.5, "warmup_type": "cosine"}),
    ("warmup_stable_decay", 10, 200, {"num_decay_steps": 60, "num_cycles": 1.0, "min_lr_ratio": 0.2}),
]


def _build(name, w, T, kw, peak=PEAK):
    return jaxsched.from_hf(name, peak_value=peak, num_warmup_steps=w, num_training_steps=T, **kw)


def _ids(case):
    name, w, T, kw = case
    return f"{name}-{w}-{T}-" + ",".join(f"{k}={v}" for k, v in kw.items())


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_matches_reference(case):
    name, w, T, kw = case
    s = _build(name, w, T, kw)
    marks = [b for b in (w, T, (T or 0) - 1) if b]
    if name == "warmup_stable_decay":
        stable = kw.get("num_stable_steps", (T or 0) - w - kw["num_decay_steps"])
        marks += [w + stable, w + stable + kw["num_decay_steps"]]
    horizon = min(max(marks, default=100), 1000) + 30
    steps = np.unique(np.concatenate([key_steps(*marks), np.arange(0, horizon, 1 if horizon < 300 else 7)]))
    assert_matches(s, reference(name, w, T, **kw), steps, rtol=2e-6)


@pytest.mark.parametrize("case", CASES[::3], ids=[_ids(c) for c in CASES[::3]])
def test_round_trips(case):
    s = _build(*case)
    assert jaxsched.parse(repr(s)) == s
    assert jaxsched.from_config(s.to_config()) == s


def test_traced_peak_and_lengths():
    steps = jnp.arange(0, 260, dtype=jnp.int32)
    for name, w, T, kw in CASES:
        if name == "constant":
            continue
        expected = np.asarray(_build(name, w, T, kw)(steps))
        numeric = {k: v for k, v in kw.items() if isinstance(v, float)}
        rest = {k: v for k, v in kw.items() if k not in numeric}

        def build(peak, num, name=name, w=w, T=T, rest=rest):
            return _build(name, w, T, {**rest, **num}, peak=peak)(steps)

        got = jax.jit(build)(jnp.float32(PEAK), {k: jnp.float32(v) for k, v in numeric.items()})
        np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-6, err_msg=name)


def test_names_and_enums():
    class SchedulerType(enum.Enum):  # the shape of transformers.SchedulerType
        COSINE = "cosine"

    a = jaxsched.from_hf(SchedulerType.COSINE, peak_value=1.0, num_warmup_steps=5, num_training_steps=50)
    assert a == jaxsched.warmup_cosine(peak_value=1.0, warmup_steps=5, total_steps=50)
    assert jaxsched.from_hf("constant", peak_value=0.1, num_warmup_steps=None) == jaxsched.constant(value=0.1)
    assert jaxsched.from_hf("constant", peak_value=0.1, num_warmup_steps=0, num_training_steps=9) == jaxsched.constant(
        value=0.1
    )


def test_cosine_cycles_and_warmup_shapes():
    s = jaxsched.cosine_cycles(init_value=1.0, total_steps=30, cycles=3, restarts=True, end_value=0.1)
    ref = reference("cosine_with_restarts", 0, 30, peak=1.0, num_cycles=3)
    assert_matches(s, lambda t: 0.1 + 0.9 * ref(t), key_steps(10, 20, 30))
    inner = jaxsched.constant(value=2.0)
    for kind, shape in [
        ("linear", lambda p: p),
        ("cosine", lambda p: 0.5 * (1 - np.cos(np.pi * p))),
        ("1-sqrt", lambda p: 1 - np.sqrt(1 - p)),
    ]:
        w = jaxsched.warmup(inner, warmup_steps=16, shape=kind, init_value=0.5)
        assert_matches(w, lambda t, shape=shape: 0.5 + 1.5 * shape(np.minimum(t, 16) / 16), np.arange(0, 40))


REFUSED = [
    (("plateau", 1, 10, {}), r"from_hf: unknown scheduler 'plateau'"),
    (("cosin", 1, 10, {}), r"did you mean 'cosine'\?"),
    (("reduce_lr_on_plateau", 1, 10, {}), r"'reduce_lr_on_plateau' is not a function of the step.*reduce_on_plateau"),
    (("greedy", 1, 10, {}), "'greedy' is not a function of the step"),
    (("linear", 10, 10, {}), r"num_training_steps \(10\) must be greater than num_warmup_steps \(10\)"),
    (("cosine_warmup_with_min_lr", 20, 10, {"min_lr": 0.0}), r"num_training_steps \(10\) must be greater"),
    (
        ("cosine", 30, 20, {"num_cycles": 1.5}),
        r"num_training_steps \(20\) must be greater than num_warmup_steps \(30\)",
    ),
    (("polynomial", 5, 5, {"power": 2.0}), r"num_training_steps \(5\) must be greater than num_warmup_steps \(5\)"),
    (("linear", -1, 10, {}), "from_hf: num_warmup_steps must be non-negative, got -1"),
    (("linear", 1, 0, {}), "from_hf: num_training_steps must be at least 1, got 0"),
    (("linear", 1.5, 10, {}), "num_warmup_steps must be a whole number of steps, got 1.5"),
    (("cosine", 1, 10, {"num_cycle": 1}), r"'cosine' takes no keyword argument 'num_cycle'; it accepts: num_cycles"),
    (("linear", 1, 10, {"last_epoch": 3}), r"'linear' takes no keyword argument 'last_epoch'; it accepts: none"),
    (("constant", 10, None, {}), r"'constant' has no warmup.*num_warmup_steps=10.*constant_with_warmup"),
    (("polynomial", 1, 10, {"lr_end": PEAK}), r"lr_end \(0.002\) must be smaller than peak_value \(0.002\)"),
    (("polynomial", 1, 10, {"power": 0.0}), "from_hf: power must be positive, got 0.0"),
    (
        ("cosine_with_min_lr", 1, 10, {}),
        r"from_hf: needs exactly one of min_lr .absolute. and min_lr_rate .*"
        r"got min_lr=None and min_lr_rate=None",
    ),
    (
        ("cosine_with_min_lr", 1, 10, {"min_lr": 0.1, "min_lr_rate": 0.1}),
        r"from_hf: needs exactly one of min_lr .* got min_lr=0.1 and min_lr_rate=0.1",
    ),
    (("cosine_with_min_lr", 1, 10, {"min_lr": -0.1}), "from_hf: min_lr must be non-negative, got -0.1"),
    (("cosine_warmup_with_min_lr", 1, 10, {"min_lr_rate": -0.5}), "min_lr_rate must be non-negative, got -0.5"),
    (("cosine", 1, 10, {"num_cycles": 0}), "from_hf: num_cycles must be positive, got 0"),
    (("cosine_with_restarts", 1, 10, {"num_cycles": 0}), "from_hf: num_cycles must be positive, got 0"),
    (
        ("cosine_with_restarts", 0, 2**52, {"num_cycles": 3}),
        r"from_hf: \(num_training_steps - num_warmup_steps\) \* num_cycles \(4503599627370496 \* 3\) must be at most",
    ),
    (
        ("cosine", 10, 2**52 + 10, {"num_cycles": 1.5}),
        r"from_hf: \(num_training_steps - num_warmup_steps\) \* num_cycles \(4503599627370496 \* 1.5\) must be at",
    ),
    (
        ("warmup_stable_decay", 0, 2**52 + 10, {"num_decay_steps": 2**52, "num_cycles": 1.5}),
        r"from_hf: num_decay_steps \* num_cycles \(4503599627370496 \* 1.5\) must be at most 2\*\*53",
    ),
    (("inverse_sqrt", 0, None, {"timescale": 0}), "from_hf: timescale must be at least 1, got 0"),
    (("warmup_stable_decay", 1, None, {"num_decay_steps": 10}), "needs num_training_steps or num_stable_steps"),
    (("warmup_stable_decay", 10, 100, {"num_decay_steps": 0}), "num_decay_steps must be at least 1, got 0"),
    (
        ("warmup_stable_decay", 10, 50, {"num_decay_steps": 60}),
        r"from_hf: num_decay_steps \(60\) must be at most num_training_steps - num_warmup_steps \(50 - 10\)",
    ),
    (
        ("warmup_stable_decay", 10, 100, {"num_decay_steps": 20, "num_stable_steps": 50}),
        r"\(10 \+ 50 \+ 20\) must equal num_training_steps \(100\)",
    ),
    (
        ("warmup_stable_decay", 1, 100, {"num_decay_steps": 5, "decay_type": "exp"}),
        r"from_hf: decay_type must be one of 'linear', 'cosine', '1-sqrt', got 'exp'",
    ),
    (
        ("warmup_stable_decay", 1, 100, {"num_decay_steps": 5, "warmup_type": "step"}),
        r"from_hf: warmup_type must be one of 'linear', 'cosine', '1-sqrt', got 'step'",
    ),
    (
        ("warmup_stable_decay", 1, 100, {"num_decay_steps": 5, "decay_type": "linear", "num_cycles": 1.0}),
        r"num_cycles \(1.0\) only applies to decay_type='cosine'",
    ),
    (("warmup_stable_decay", 1, 100, {"num_decay_steps": 5, "min_lr_ratio": -0.1}), "min_lr_ratio must be non-neg"),
    (("linear", 1, 10, {}, float("nan")), "from_hf: peak_value must be finite, got nan"),
]


@pytest.mark.parametrize(("args", "message"), REFUSED, ids=[m[:50] for _, m in REFUSED])
def test_refused(args, message):
    with pytest.raises(ValueError, match=message):
        _build(*args)


MISSING = [
    (("cosine", 10, None, {}), "from_hf: num_training_steps must be a whole number of steps, got None"),
    (("linear", 10, None, {}), "from_hf: num_training_steps must be a whole number of steps, got None"),
    (("polynomial", 10, None, {}), "from_hf: num_training_steps must be a whole number of steps, got None"),
    (("cosine_with_min_lr", 10, None, {"min_lr": 0.0}), "from_hf: num_training_steps must be a whole number"),
    (("linear", None, 10, {}), "from_hf: num_warmup_steps must be a whole number of steps, got None"),
    (("inverse_sqrt", None, None, {}), "from_hf: num_warmup_steps must be a whole number of steps, got None"),
    (("warmup_stable_decay", 1, 100, {}), "from_hf: num_decay_steps must be a whole number of steps, got None"),
    (("linear", 1, 10, {}, np.ones(2)), r"from_hf: peak_value must be a real number, got \[1.0, 1.0\]"),
]


@pytest.mark.parametrize(("args", "message"), MISSING, ids=[m[:50] for _, m in MISSING])
def test_missing_or_not_a_number(args, message):
    with pytest.raises(TypeError, match=message):
        _build(*args)


def test_wrong_types():
    with pytest.raises(TypeError, match="from_hf: name must be a transformers scheduler name"):
        jaxsched.from_hf(3, peak_value=1.0, num_warmup_steps=0)
    with pytest.raises(TypeError, match="from_hf: peak_value must be a real number"):
        jaxsched.from_hf("linear", peak_value="1e-3", num_warmup_steps=0, num_training_steps=10)
    with pytest.raises(TypeError):
        jaxsched.from_hf("linear", 1.0, 0, 10)  # keyword-only


def test_constant_needs_no_warmup_argument():
    """transformers defaults num_warmup_steps to None (issue 10, item 16)."""
    s = jaxsched.from_hf("constant", peak_value=0.1)
    assert s == jaxsched.constant(value=0.1)
    with pytest.raises(TypeError, match=r"^from_hf: num_warmup_steps must be a whole number of steps, got None"):
        jaxsched.from_hf("linear", peak_value=0.1, num_training_steps=10)
