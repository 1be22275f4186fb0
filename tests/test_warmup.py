"""warmup_cosine, warmup_linear, warmup_constant, rsqrt and wsd against NumPy float64 references."""

from __future__ import annotations

import jax
import numpy as np
import pytest
from helpers import assert_matches, assert_traced_construction, key_steps
from references import f32, ref_warm, ref_warmup_cosine

import jaxsched


def ref_warmup_linear(t, peak_value, warmup_steps, total_steps, init_value=0.0, end_value=0.0):
    peak, init, end = f32(peak_value), f32(init_value), f32(end_value)
    w, T = warmup_steps, total_steps
    return ref_warm(t, init, peak, w, end + (peak - end) * (T - np.minimum(t, T)) / (T - w))


def ref_warmup_constant(t, peak_value, warmup_steps, init_value=0.0):
    return ref_warm(t, f32(init_value), f32(peak_value), warmup_steps, np.full_like(t, f32(peak_value)))


def ref_rsqrt(t, peak_value, warmup_steps, timescale=None, init_value=0.0):
    peak, init = f32(peak_value), f32(init_value)
    w = warmup_steps
    s = timescale if timescale is not None else (w if w > 0 else 10_000)
    return ref_warm(t, init, peak, w, peak * np.sqrt(s / (s + np.maximum(t - w, 0))))


WSD_SHAPES = {
    "linear": lambda x: 1 - x,
    "cosine": lambda x: 0.5 * (1 + np.cos(np.pi * x)),  # x is a multiple of 1/D with D small enough here
    "1-sqrt": lambda x: 1 - np.sqrt(x),
    "square": lambda x: 1 - x**2,
}


def ref_wsd(t, peak_value, warmup_steps, total_steps, decay_steps, shape="linear", init_value=0.0, end_value=0.0):
    peak, init, end = f32(peak_value), f32(init_value), f32(end_value)
    w, T, D = warmup_steps, total_steps, decay_steps
    S = T - D
    x = np.clip(np.minimum(t, T) - S, 0, D) / D
    if shape == "exponential":
        decayed = peak * (end / peak) ** x
    else:
        decayed = end + (peak - end) * WSD_SHAPES[shape](x)
    return ref_warm(t, init, peak, w, np.where(t < S, peak, decayed))


WARMUP_COSINE = [
    {"peak_value": 1.0, "warmup_steps": 10, "total_steps": 110},
    {"peak_value": 3e-4, "warmup_steps": 2000, "total_steps": 100_000},
    {"peak_value": 3e-4, "warmup_steps": 0, "total_steps": 1000, "end_value": 3e-5},
    {"peak_value": 1e-3, "warmup_steps": 100, "total_steps": 101, "init_value": 1e-4, "end_value": 1e-5},
    {"peak_value": 2.0, "warmup_steps": 7, "total_steps": 50, "init_value": 0.5, "end_value": 0.2, "exponent": 2.0},
    {"peak_value": 0.1, "warmup_steps": 30_000_000, "total_steps": 2_000_000_000, "exponent": 0.7},
    {"peak_value": 0.0, "warmup_steps": 5, "total_steps": 20, "end_value": 0.01},
]


@pytest.mark.parametrize("kwargs", WARMUP_COSINE)
def test_warmup_cosine(kwargs):
    s = jaxsched.warmup_cosine(**kwargs)
    w, T = kwargs["warmup_steps"], kwargs["total_steps"]
    steps = key_steps(w // 2, w, (w + T) // 2, T)
    assert_matches(s, lambda t: ref_warmup_cosine(t, **kwargs), steps, atol=1e-15)
    assert_traced_construction(jaxsched.warmup_cosine, kwargs, steps)


@pytest.mark.parametrize("kwargs", WARMUP_COSINE[:-1])
def test_warmup_cosine_matches_optax(kwargs):
    import optax

    theirs = optax.warmup_cosine_decay_schedule(
        init_value=kwargs.get("init_value", 0.0),
        peak_value=kwargs["peak_value"],
        warmup_steps=kwargs["warmup_steps"],
        decay_steps=kwargs["total_steps"],
        end_value=kwargs.get("end_value", 0.0),
        exponent=kwargs.get("exponent", 1.0),
    )
    ours = jaxsched.warmup_cosine(**kwargs)
    w, T = kwargs["warmup_steps"], kwargs["total_steps"]
    # Optax loses relative precision close to the end of the decay: stop at 90 % of it.
    steps = np.unique(np.concatenate([np.linspace(0, w + 0.9 * (T - w), 60), [w - 1, w, w + 1]]))
    steps = steps[steps >= 0].astype(np.int32)
    with jax.numpy_dtype_promotion("standard"):
        expected = np.asarray(theirs(steps))
    np.testing.assert_allclose(np.asarray(ours(steps)), expected, rtol=1e-5, atol=1e-9)


def test_warmup_cosine_honours_end_value_at_zero_peak():
    s = jaxsched.warmup_cosine(peak_value=0.0, warmup_steps=5, total_steps=20, end_value=0.01)
    assert float(s(20)) == pytest.approx(0.01, rel=1e-6)
    assert float(s(10**9)) == pytest.approx(0.01, rel=1e-6)


WARMUP_LINEAR = [
    {"peak_value": 1.0, "warmup_steps": 10, "total_steps": 110},
    {"peak_value": 6e-4, "warmup_steps": 0, "total_steps": 5000, "end_value": 6e-5},
    {"peak_value": 1e-3, "warmup_steps": 3, "total_steps": 4, "init_value": 1e-4},
    {"peak_value": 0.02, "warmup_steps": 25_000_000, "total_steps": 1_000_000_000, "init_value": 0.001},
]


@pytest.mark.parametrize("kwargs", WARMUP_LINEAR)
def test_warmup_linear(kwargs):
    s = jaxsched.warmup_linear(**kwargs)
    w, T = kwargs["warmup_steps"], kwargs["total_steps"]
    steps = key_steps(w // 2, w, (w + T) // 2, T)
    assert_matches(s, lambda t: ref_warmup_linear(t, **kwargs), steps, atol=1e-15)
    assert_traced_construction(jaxsched.warmup_linear, kwargs, steps)


WARMUP_CONSTANT = [
    {"peak_value": 1.0, "warmup_steps": 4},
    {"peak_value": 3e-4, "warmup_steps": 0},
    {"peak_value": 3e-4, "warmup_steps": 1, "init_value": 1e-5},
    {"peak_value": 0.5, "warmup_steps": 40_000_000, "init_value": 0.25},
]


@pytest.mark.parametrize("kwargs", WARMUP_CONSTANT)
def test_warmup_constant(kwargs):
    s = jaxsched.warmup_constant(**kwargs)
    w = kwargs["warmup_steps"]
    steps = key_steps(w // 3, w)
    assert_matches(s, lambda t: ref_warmup_constant(t, **kwargs), steps)
    assert_traced_construction(jaxsched.warmup_constant, kwargs, steps)


RSQRT = [
    {"peak_value": 1.0, "warmup_steps": 100},
    {"peak_value": 1e-3, "warmup_steps": 0},
    {"peak_value": 1e-3, "warmup_steps": 4000, "timescale": 10_000, "init_value": 1e-5},
    {"peak_value": 0.5, "warmup_steps": 0, "timescale": 1},
]


@pytest.mark.parametrize("kwargs", RSQRT)
def test_rsqrt(kwargs):
    s = jaxsched.rsqrt(**kwargs)
    w = kwargs["warmup_steps"]
    scale = kwargs.get("timescale") or (w or 10_000)
    steps = key_steps(w // 2, w, w + scale, w + 4 * scale)
    assert_matches(s, lambda t: ref_rsqrt(t, **kwargs), steps)
    assert_traced_construction(jaxsched.rsqrt, kwargs, steps)


def test_rsqrt_matches_hf_formula():
    # transformers' get_inverse_sqrt_schedule: lr * 1 / sqrt((step + shift) / timescale), shift = timescale - warmup.
    lr, w = 1e-3, 50
    s = jaxsched.rsqrt(peak_value=lr, warmup_steps=w)
    steps = np.arange(w, 1000)
    hf = lr / np.sqrt((steps + (w - w)) / w)
    np.testing.assert_allclose(np.asarray(s(steps)), hf, rtol=2e-6)


WSD_BASE = [
    {"peak_value": 1.0, "warmup_steps": 10, "total_steps": 100, "decay_steps": 20},
    {"peak_value": 3e-4, "warmup_steps": 0, "total_steps": 10_000, "decay_steps": 1000, "end_value": 3e-6},
    {"peak_value": 3e-4, "warmup_steps": 100, "total_steps": 1100, "decay_steps": 1000, "init_value": 1e-6},
    {"peak_value": 2e-3, "warmup_steps": 2000, "total_steps": 1_000_000_000, "decay_steps": 1, "end_value": 1e-4},
]
ALL_SHAPES = ["linear", "cosine", "1-sqrt", "square", "exponential"]
WSD = [
    {**base, "shape": shape, **({"end_value": 1e-5} if shape == "exponential" else {})}
    for i, base in enumerate(WSD_BASE)
    for shape in (ALL_SHAPES if i < 2 else ["linear", "exponential"] if i == 2 else ["cosine", "1-sqrt"])
]


@pytest.mark.parametrize("kwargs", WSD, ids=lambda kw: f"{kw['shape']}-{kw['total_steps']}-{kw['warmup_steps']}")
def test_wsd(kwargs):
    s = jaxsched.wsd(**kwargs)
    w, T, D = kwargs["warmup_steps"], kwargs["total_steps"], kwargs["decay_steps"]
    steps = key_steps(w // 2, w, T - D, T - D // 2, T)
    assert_matches(s, lambda t: ref_wsd(t, **kwargs), steps, atol=1e-15)
    assert_traced_construction(jaxsched.wsd, kwargs, steps)


def test_wsd_default_shape_is_linear():
    a = jaxsched.wsd(peak_value=1.0, warmup_steps=10, total_steps=100, decay_steps=20)
    b = jaxsched.wsd(peak_value=1.0, warmup_steps=10, total_steps=100, decay_steps=20, shape="linear")
    assert a == b
