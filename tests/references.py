"""Float64 NumPy references of the basic schedules, shared by the test files."""

from __future__ import annotations

import numpy as np


def f32(x: float) -> float:
    """A hyperparameter as jaxsched stores it (float32), back in float64."""
    return float(np.float32(x))


def ref_constant(t, value):
    return np.full_like(np.asarray(t, dtype=np.float64), f32(value))


def ref_linear(t, init_value, end_value, total_steps):
    init, end = f32(init_value), f32(end_value)
    return init + (end - init) * np.minimum(t, total_steps) / total_steps


def ref_polynomial(t, init_value, end_value, total_steps, power):
    init, end, p = f32(init_value), f32(end_value), f32(power)
    return end + (init - end) * (1.0 - np.minimum(t, total_steps) / total_steps) ** p


def ref_cosine(t, init_value, total_steps, end_value=0.0, exponent=1.0):
    init, end, p = f32(init_value), f32(end_value), f32(exponent)
    c = 0.5 * (1.0 + np.cos(np.pi * np.minimum(t, total_steps) / total_steps))
    return end + (init - end) * c**p


def ref_warm(t, init, peak, w, after):
    """Linear from init at 0 to peak at w, then ``after``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ramp = init + (peak - init) * t / w
    return np.where(t < w, ramp, after)


def ref_warmup_cosine(t, peak_value, warmup_steps, total_steps, init_value=0.0, end_value=0.0, exponent=1.0):
    peak, init, end, p = f32(peak_value), f32(init_value), f32(end_value), f32(exponent)
    w, T = warmup_steps, total_steps
    D = T - w
    # 0.5 * (1 + cos(pi * x)) written as sin(pi/2 * (1 - x))**2: the same number, without
    # float64's cancellation near x = 1 (steps close to 2**31).
    c = np.sin(np.pi / 2 * (D - np.clip(t - w, 0, D)) / D) ** 2
    return ref_warm(t, init, peak, w, end + (peak - end) * c**p)


def ref_exponential(t, init_value, decay_rate, period, staircase=False, end_value=None):
    init, rate = f32(init_value), decay_rate  # the rate is kept to float64 precision
    exponent = t / period
    if staircase:
        exponent = np.floor(exponent)
    with np.errstate(over="ignore"):
        value = init * rate**exponent
    if end_value is not None:
        end = f32(end_value)
        if rate < 1:
            value = np.maximum(value, end)  # a floor
        elif rate > 1:
            value = np.minimum(value, end)  # a ceiling
    return value
