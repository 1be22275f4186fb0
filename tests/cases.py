"""The one table of example schedules: a few constructions per registered name.

Shared by the config, core, backend and property tests. A schedule added to
the registry must be added here (``test_every_registered_schedule_has_examples``).
"""

from __future__ import annotations

import pytest

import jaxsched

js = jaxsched


# Example constructions for every registered schedule. A schedule added to the
# registry must be added here (test_every_registered_schedule_has_examples).
EXAMPLES = {
    "constant": [lambda: js.constant(value=1e-3), lambda: js.constant(value=-0.0), lambda: js.constant(value=0.1)],
    "linear": [lambda: js.linear(init_value=1.0, end_value=0.0, total_steps=100)],
    "polynomial": [lambda: js.polynomial(init_value=3e-4, end_value=1e-6, total_steps=5000, power=0.7)],
    "exponential": [
        lambda: js.exponential(init_value=0.1, decay_rate=0.96, period=1000),
        lambda: js.exponential(init_value=1e-3, decay_rate=1.5, period=7, staircase=True, end_value=0.05),
    ],
    "step_decay": [lambda: js.step_decay(init_value=0.1, period=30, decay_rate=0.1)],
    "multistep_decay": [lambda: js.multistep_decay(init_value=0.1, boundaries=[30, 80], decay_rate=0.1)],
    "piecewise_constant": [
        lambda: js.piecewise_constant(boundaries=[100, 20_000_000], values=[1.0, 0.5, 0.1]),
    ],
    "piecewise_interpolate": [
        lambda: js.piecewise_interpolate(boundaries=[0, 100, 1000], values=[0.0, 1.0, 0.1]),
        lambda: js.piecewise_interpolate(boundaries=[10, 100], values=[1.0, 0.1], shape="cosine"),
    ],
    "cosine": [
        lambda: js.cosine(init_value=1.0, total_steps=100),
        lambda: js.cosine(init_value=3e-4, total_steps=10_000, end_value=3e-5, exponent=2.0),
    ],
    "warmup_cosine": [
        lambda: js.warmup_cosine(peak_value=3e-4, warmup_steps=2000, total_steps=100_000),
        lambda: js.warmup_cosine(
            peak_value=1.0, warmup_steps=0, total_steps=10, init_value=0.1, end_value=0.01, exponent=0.5
        ),
    ],
    "warmup_linear": [lambda: js.warmup_linear(peak_value=6e-4, warmup_steps=100, total_steps=1000, end_value=1e-5)],
    "warmup_constant": [lambda: js.warmup_constant(peak_value=1e-3, warmup_steps=500, init_value=1e-5)],
    "rsqrt": [
        lambda: js.rsqrt(peak_value=1e-3, warmup_steps=4000),
        lambda: js.rsqrt(peak_value=1e-3, warmup_steps=0, timescale=123),
    ],
    "wsd": [
        lambda: js.wsd(peak_value=3e-4, warmup_steps=100, total_steps=10_000, decay_steps=1000),
        lambda: js.wsd(peak_value=3e-4, warmup_steps=0, total_steps=10_000, decay_steps=10_000, shape="1-sqrt"),
        lambda: js.wsd(
            peak_value=3e-4, warmup_steps=5, total_steps=50, decay_steps=5, shape="exponential", end_value=1e-6
        ),
    ],
    "cyclic": [
        lambda: js.cyclic(min_value=1e-4, max_value=1e-3, up_steps=100),
        lambda: js.cyclic(min_value=1e-4, max_value=1e-3, up_steps=100, down_steps=50, decay_rate=0.999, period=1),
    ],
    "one_cycle": [
        lambda: js.one_cycle(peak_value=1e-3, total_steps=1000),
        lambda: js.one_cycle(peak_value=0.1, total_steps=500, pct_start=0.25, shape="linear", three_phase=True),
        lambda: js.one_cycle(peak_value=0.1, total_steps=500, init_value=0.01, end_value=0.0),
    ],
    "sgdr": [
        lambda: js.sgdr(peak_value=0.1, cycle_steps=100),
        lambda: js.sgdr(
            peak_value=0.1,
            cycle_steps=100,
            cycle_mult=1.1,
            end_value=1e-4,
            decay_rate=0.9,
            cycle_limit=5,
            warmup_steps=10,
            init_value=1e-3,
        ),
    ],
    "tanh_decay": [lambda: js.tanh_decay(init_value=0.1, total_steps=1000, end_value=1e-4, lower=-6.0, upper=4.0)],
    "tri_stage": [
        lambda: js.tri_stage(peak_value=5e-4, warmup_steps=100, hold_steps=400, decay_steps=500, end_value=2.5e-5)
    ],
    "noam": [lambda: js.noam(d_model=512, warmup_steps=4000), lambda: js.noam(d_model=64, warmup_steps=0, factor=2.0)],
    "noise": [
        lambda: js.noise(js.cosine(init_value=1.0, total_steps=90), std=0.1, seed=0),
        lambda: js.noise(js.constant(value=0.5), std=0.5, seed=7, shape="uniform"),
    ],
    "cosine_cycles": [
        lambda: js.cosine_cycles(init_value=1e-3, total_steps=1000, cycles=1.5),
        lambda: js.cosine_cycles(init_value=1e-3, total_steps=1000, cycles=3, restarts=True, end_value=1e-5),
    ],
    "join": [
        lambda: js.join(
            [js.linear(init_value=0.0, end_value=1.0, total_steps=10), js.cosine(init_value=1.0, total_steps=90)],
            boundaries=[10],
        ),
        lambda: js.join([js.constant(value=1.0)], boundaries=[]),
    ],
    "warmup": [
        lambda: js.warmup(js.cosine(init_value=1.0, total_steps=90), warmup_steps=10, init_value=0.01),
        lambda: js.warmup(js.constant(value=1e-3), warmup_steps=100, shape="cosine"),
        lambda: js.warmup(js.cosine(init_value=1.0, total_steps=90), warmup_steps=10, shape="1-sqrt", init_value=0.01),
    ],
    "multiply": [
        lambda: js.multiply([js.constant(value=0.5), js.linear(init_value=1.0, end_value=0.0, total_steps=10)]),
        lambda: js.multiply([js.constant(value=0.5)]),
    ],
    "scale": [lambda: js.scale(js.cosine(init_value=1.0, total_steps=90), factor=3e-4)],
    "clip": [
        lambda: js.clip(js.cosine(init_value=1.0, total_steps=90), min_value=0.1),
        lambda: js.clip(js.cosine(init_value=1.0, total_steps=90), max_value=0.5),
        lambda: js.clip(js.cosine(init_value=1.0, total_steps=90), min_value=0.1, max_value=0.5),
    ],
    "offset": [
        lambda: js.offset(js.cosine(init_value=1.0, total_steps=90), steps=30),
        lambda: js.offset(js.cosine(init_value=1.0, total_steps=90), steps=-30),
    ],
    "repeat": [
        lambda: js.repeat(
            js.join(
                [
                    js.warmup_constant(peak_value=1.0, warmup_steps=5),
                    js.exponential(init_value=1.0, decay_rate=0.5, period=10),
                ],
                boundaries=[5],
            ),
            period=50,
        )
    ],
    "cyclic_momentum": [
        lambda: js.cyclic_momentum(up_steps=100),
        lambda: js.cyclic_momentum(
            min_value=0.85, max_value=0.95, up_steps=100, down_steps=50, decay_rate=0.999, period=1
        ),
    ],
    "cooldown": [
        lambda: js.cooldown(js.warmup_constant(peak_value=3e-4, warmup_steps=100), start_step=5000, decay_steps=1000),
        lambda: js.cooldown(
            js.warmup_cosine(peak_value=1.0, warmup_steps=10, total_steps=1000, end_value=0.1),
            start_step=400,
            decay_steps=250,
            end_value=1e-3,
            shape="exponential",
        ),
    ],
    "per_step": [
        lambda: js.per_step(
            js.cosine(init_value=1.0, total_steps=10, end_value=0.1), steps_per_unit=20, staircase=True
        ),
        lambda: js.per_step(
            js.warmup_cosine(peak_value=3e-4, warmup_steps=3000, total_steps=100_003), units_per_step=48
        ),
    ],
}


def params(first_only: bool = False) -> list:
    """``pytest.param`` builders, ids ``name-i`` (``first_only``: one per name, id ``name``)."""
    if first_only:
        return [pytest.param(makers[0], id=name) for name, makers in EXAMPLES.items()]
    return [pytest.param(make, id=f"{name}-{i}") for name, makers in EXAMPLES.items() for i, make in enumerate(makers)]
