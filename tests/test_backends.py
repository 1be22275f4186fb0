"""Every registered schedule on every platform in ``jax.devices()``, compared with CPU.

On a CPU-only machine this runs on CPU. On an accelerator machine run it with
``JAX_PLATFORMS`` set, e.g. ``JAX_PLATFORMS=cuda make test-backends`` (or
``tpu``): the CPU values then come from a subprocess with ``JAX_PLATFORMS=cpu``
when the CPU backend is not loaded in this process.

Every schedule in ``jaxsched._core.REGISTRY`` must have an entry in ``EXAMPLES``:
a new schedule without one fails ``test_every_registered_schedule_has_examples``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxsched
from jaxsched._core import REGISTRY

J = jaxsched
INT32_MAX = 2**31 - 1


def _child():
    return J.cosine(init_value=1.0, total_steps=200, end_value=0.1)


# name -> builders of example schedules (nested ones use other schedules as children).
EXAMPLES = {
    "constant": [lambda: J.constant(value=0.5)],
    "linear": [lambda: J.linear(init_value=0.0, end_value=1.0, total_steps=200)],
    "polynomial": [lambda: J.polynomial(init_value=1.0, end_value=0.01, total_steps=1000, power=2.0)],
    "cosine": [
        lambda: J.cosine(init_value=1.0, total_steps=1000),
        lambda: J.cosine(init_value=1.0, total_steps=200, end_value=0.1, exponent=2.0),
    ],
    "exponential": [
        lambda: J.exponential(init_value=1.0, decay_rate=0.5, decay_steps=100),
        lambda: J.exponential(init_value=1.0, decay_rate=0.5, decay_steps=100, staircase=True, end_value=0.2),
    ],
    "step_decay": [lambda: J.step_decay(init_value=1.0, step_size=100, factor=0.5)],
    "multistep_decay": [lambda: J.multistep_decay(init_value=1.0, milestones=[100, 500], factor=0.1)],
    "piecewise_constant": [lambda: J.piecewise_constant(boundaries=[100, 200], values=[1.0, 0.5, 0.1])],
    "piecewise_interpolate": [
        lambda: J.piecewise_interpolate(boundaries=[0, 100, 1000], values=[0.0, 1.0, 0.1]),
        lambda: J.piecewise_interpolate(boundaries=[10, 100, 1000], values=[0.0, 1.0, 0.1], interpolation="cosine"),
    ],
    "warmup_constant": [lambda: J.warmup_constant(peak_value=1.0, warmup_steps=100)],
    "warmup_cosine": [
        lambda: J.warmup_cosine(peak_value=1.0, warmup_steps=100, total_steps=1000),
        lambda: J.warmup_cosine(
            peak_value=1.0, warmup_steps=100, total_steps=1000, init_value=0.1, end_value=0.01, exponent=0.5
        ),
    ],
    "warmup_linear": [lambda: J.warmup_linear(peak_value=1.0, warmup_steps=100, total_steps=1000, end_value=0.1)],
    "rsqrt": [
        lambda: J.rsqrt(peak_value=1.0, warmup_steps=100),
        lambda: J.rsqrt(peak_value=1.0, warmup_steps=0, timescale=50),
    ],
    "wsd": [
        lambda shape=shape: J.wsd(
            peak_value=1.0, warmup_steps=100, total_steps=1000, decay_steps=200, shape=shape, end_value=0.01
        )
        for shape in ("linear", "cosine", "1-sqrt", "square", "exponential")
    ],
    "cyclic": [
        lambda mode=mode: J.cyclic(min_value=0.1, max_value=1.0, step_size_up=100, step_size_down=50, mode=mode)
        for mode in ("triangular", "triangular2")
    ]
    + [lambda: J.cyclic(min_value=0.1, max_value=1.0, step_size_up=100, mode="exp_range", gamma=0.999)],
    "one_cycle": [
        lambda: J.one_cycle(peak_value=1.0, total_steps=1000),
        lambda: J.one_cycle(peak_value=1.0, total_steps=1000, pct_start=0.25, anneal="linear", three_phase=True),
    ],
    "noam": [lambda: J.noam(d_model=512, warmup_steps=100), lambda: J.noam(d_model=64, warmup_steps=0, factor=2.0)],
    "tanh_decay": [lambda: J.tanh_decay(init_value=1.0, total_steps=1000, end_value=0.01)],
    "tri_stage": [lambda: J.tri_stage(peak_value=1.0, warmup_steps=100, hold_steps=200, decay_steps=500)],
    "noise": [
        lambda kind=kind: J.noise(_child(), std=0.1, seed=3, kind=kind) for kind in ("normal", "uniform")
    ],  # threefry is integer arithmetic: the same noise on every backend
    # Registered, reached through jaxsched.optax_compat / from_hf rather than the top level.
    "hf_cosine": [
        lambda: REGISTRY["hf_cosine"](init_value=1.0, total_steps=1000, num_cycles=1.5),
        lambda: REGISTRY["hf_cosine"](init_value=1.0, total_steps=1000, num_cycles=3, restarts=True, end_value=0.1),
    ],
    "hf_warmup": [
        lambda kind=kind: REGISTRY["hf_warmup"](_child(), warmup_steps=100, warmup_type=kind)
        for kind in ("linear", "cosine", "1-sqrt")
    ],
    "sgdr": [
        lambda: REGISTRY["sgdr"](peak_value=1.0, cycle_steps=100),
        lambda: REGISTRY["sgdr"](
            peak_value=1.0,
            cycle_steps=50,
            cycle_mult=1.5,
            end_value=0.01,
            cycle_decay=0.8,
            cycle_limit=6,
            warmup_steps=10,
        ),
    ],
    "join": [
        lambda: J.join(
            [J.linear(init_value=0.0, end_value=1.0, total_steps=100), _child(), J.constant(value=0.05)],
            boundaries=[100, 500],
        )
    ],
    "warmup": [lambda: J.warmup(_child(), warmup_steps=50, init_value=0.01)],
    "multiply": [lambda: J.multiply(_child(), J.linear(init_value=1.0, end_value=0.5, total_steps=300))],
    "scale": [lambda: J.scale(_child(), factor=0.5)],
    "clip": [lambda: J.clip(_child(), min_value=0.2, max_value=0.8)],
    "offset": [lambda: J.offset(_child(), steps=100), lambda: J.offset(_child(), steps=-100)],
    "repeat": [lambda: J.repeat(_child(), period=150)],
}

# Step 0, 1 and each boundary of the examples -1 / 0 / +1, far past the end, the int32 limit.
BOUNDARIES = [50, 100, 150, 200, 250, 300, 500, 800, 1000]
STEPS = np.array(
    sorted(
        {0, 1, 2, 3, 5, 7, 10, 1234, 10**6, INT32_MAX - 1, INT32_MAX} | {b + d for b in BOUNDARIES for d in (-1, 0, 1)}
    ),
    dtype=np.int32,
)
PLATEAU_METRICS = np.array([4, 3, 3, 3, 3, 2.5, 2.5, 2.5, 2.5, 2.5, 2.5, -1, -1, -1, -1, np.nan, 5], np.float32)


def _plateau():
    return J.reduce_on_plateau(base=J.warmup_cosine(peak_value=1.0, warmup_steps=3, total_steps=40), patience=1)


def values_on(device) -> dict[str, np.ndarray]:
    """Every example evaluated with its leaves and steps placed on ``device``."""
    out = {}
    # One program per example: the array path, the scalar path (lax.map: e.g. join's
    # lax.switch) and float steps.
    evaluate = jax.jit(lambda s, t, tf: {"array": s(t), "scalar": jax.lax.map(s, t), "float": s(tf)})
    steps = jax.device_put(jnp.asarray(STEPS), device)
    float_steps = jax.device_put(jnp.asarray(STEPS.astype(np.float32)), device)
    for name in sorted(EXAMPLES):
        for i, build in enumerate(EXAMPLES[name]):
            values = evaluate(jax.device_put(build(), device), steps, float_steps)
            for kind, value in values.items():
                assert value.devices() == {device}, f"{name} ran on {value.devices()}, not {device}"
                assert value.dtype == jnp.float32
                out[f"{name}/{i}/{kind}"] = np.asarray(value)

    sched = _plateau()

    @jax.jit
    def plateau_run(metrics):
        def body(state, m):
            state = sched.update(state, value=m)
            return state, sched(state)

        return jax.lax.scan(body, sched.init(), metrics)[1]

    value = plateau_run(jax.device_put(jnp.asarray(PLATEAU_METRICS), device))
    assert value.devices() == {device}
    out["reduce_on_plateau/0/scan"] = np.asarray(value)
    return out


@pytest.fixture(scope="module")
def cpu_values():
    try:
        cpu = jax.devices("cpu")[0]
    except RuntimeError:  # JAX_PLATFORMS excludes cpu: ask a CPU-only process
        env = {**os.environ, "JAX_PLATFORMS": "cpu"}
        out = Path(os.environ.get("TMPDIR", "/tmp")) / f"jaxsched-cpu-values-{os.getpid()}.npz"
        subprocess.run([sys.executable, __file__, str(out)], check=True, env=env, timeout=300)
        with np.load(out) as data:
            values = dict(data)
        out.unlink()
        return values
    return values_on(cpu)


def test_every_registered_schedule_has_examples():
    missing = sorted(set(REGISTRY) - set(EXAMPLES))
    assert not missing, f"add examples for {missing} to EXAMPLES in tests/test_backends.py"
    unknown = sorted(set(EXAMPLES) - set(REGISTRY))
    assert not unknown, f"EXAMPLES names schedules that are not registered: {unknown}"
    for name, builders in EXAMPLES.items():
        for build in builders:
            assert build().name == name


@pytest.mark.parametrize("device", jax.devices(), ids=lambda d: f"{d.platform}{d.id}")
def test_every_schedule_matches_cpu(device, cpu_values):
    got = cpu_values if device.platform == "cpu" and device.id == 0 else values_on(device)
    assert got.keys() == cpu_values.keys()
    for key, expected in cpu_values.items():
        finite = np.isfinite(expected)
        assert finite.all() or key.startswith("reduce_on_plateau"), key
        # float32 tolerance: transcendental functions may differ by a few ulps across backends.
        np.testing.assert_allclose(got[key], expected, rtol=1e-5, atol=1e-7, err_msg=f"{key} on {device}")


def test_values_are_sensible_on_cpu(cpu_values):
    """The CPU values themselves: guards against comparing two wrong answers."""
    # Float steps: large ones round in float32 (2**31 - 2 -> 2**31, then clamped).
    float_steps = sorted({float(np.float32(t)) for t in STEPS})
    for name, builders in EXAMPLES.items():
        for i, build in enumerate(builders):
            sched = build()
            eager = {t: float(sched(t)) for t in [*map(int, STEPS), *float_steps]}
            for kind in ("array", "scalar", "float"):
                steps = [float(np.float32(t)) for t in STEPS] if kind == "float" else [int(t) for t in STEPS]
                expected = np.array([eager[t] for t in steps])
                key = f"{name}/{i}/{kind}"
                np.testing.assert_allclose(cpu_values[key], expected, rtol=1e-6, atol=1e-12, err_msg=key)
    plateau = cpu_values["reduce_on_plateau/0/scan"]
    assert plateau[0] > 0 and plateau[-1] < plateau[5]


if __name__ == "__main__":  # the CPU reference, run in a subprocess
    np.savez(sys.argv[1], **values_on(jax.devices("cpu")[0]))
