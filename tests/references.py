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
