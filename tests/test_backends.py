"""Every registered schedule on every platform in ``jax.devices()``, compared with CPU.

On a CPU-only machine this runs on CPU. On an accelerator machine run it with
``JAX_PLATFORMS`` set, e.g. ``JAX_PLATFORMS=cuda make test-backends`` (or
``tpu``): the CPU values then come from a subprocess with ``JAX_PLATFORMS=cpu``
when the CPU backend is not loaded in this process.

The schedules are the shared table of examples (``tests/cases.py``).
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
from cases import EXAMPLES

import jaxsched

J = jaxsched
INT32_MAX = 2**31 - 1


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


NAMES = [(name, i) for name in sorted(EXAMPLES) for i in range(len(EXAMPLES[name]))]


@jax.jit
def _evaluate(schedules, steps, float_steps):
    """Every example in one program: the array path, the scalar path (lax.map: e.g. join's
    lax.switch) and float steps."""
    return {
        "array": [s(steps) for s in schedules],
        "scalar": jax.lax.map(lambda t: [s(t) for s in schedules], steps),
        "float": [s(float_steps) for s in schedules],
    }


def values_on(device) -> dict[str, np.ndarray]:
    """Every example evaluated with its leaves and steps placed on ``device``."""
    schedules = [jax.device_put(EXAMPLES[name][i](), device) for name, i in NAMES]
    steps = jax.device_put(jnp.asarray(STEPS), device)
    float_steps = jax.device_put(jnp.asarray(STEPS.astype(np.float32)), device)
    out = {}
    for kind, values in _evaluate(schedules, steps, float_steps).items():
        for (name, i), value in zip(NAMES, values, strict=True):
            assert value.devices() == {device}, f"{name} ran on {value.devices()}, not {device}"
            assert value.dtype == jnp.float32 and value.shape == STEPS.shape
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


def _reference_device(device) -> bool:
    """The device the CPU values come from: comparing it with itself proves nothing."""
    return device.platform == "cpu" and device.id == 0


NOTHING_TO_COMPARE = (
    "nothing to compare against: the only device is the CPU the reference values come from; "
    "on a GPU or TPU machine run JAX_PLATFORMS=cuda (or tpu) make test-backends"
)
DEVICES = [
    pytest.param(d, marks=[pytest.mark.skip(reason=NOTHING_TO_COMPARE)] if _reference_device(d) else [])
    for d in jax.devices()
]


@pytest.mark.parametrize("device", DEVICES, ids=lambda d: f"{d.platform}{d.id}")
def test_every_schedule_matches_cpu(device, cpu_values):
    got = values_on(device)
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
