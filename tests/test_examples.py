"""The training examples run (a few steps each), train, and log the schedule's learning rate."""

from __future__ import annotations

import importlib.util
import os
import pathlib
import sys
from types import ModuleType

import jax
import numpy as np
import pytest

import jaxsched

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture(autouse=True)
def _standard_promotion():
    """Optax's Adam bias correction computes ``b1 ** count`` (a float with the int32 step count),
    which the strict promotion of tests/conftest.py refuses; the examples are user code and run under
    JAX's default promotion."""
    with jax.numpy_dtype_promotion("standard"):
        yield


def _load(name: str) -> ModuleType:
    """Imports ``examples/<name>.py``, leaving the process environment as it was."""
    if name in sys.modules:
        return sys.modules[name]
    jax.devices()  # start the backend first: an example's XLA_FLAGS must not change this process's devices
    saved = os.environ.get("XLA_FLAGS")
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        if saved is None:
            os.environ.pop("XLA_FLAGS", None)
        else:
            os.environ["XLA_FLAGS"] = saved
    return module


@pytest.mark.parametrize("name", ["flax_nnx_train", "flax_linen_train"])
def test_flax_example_trains_and_logs_the_schedule(name: str, capsys) -> None:
    steps, log_every, peak = 60, 5, 1e-2
    log = _load(name).main(["--steps", str(steps), "--log-every", str(log_every), "--peak-lr", str(peak)])

    logged_steps = [entry["step"] for entry in log]
    assert logged_steps == [*range(0, steps, log_every), steps - 1]
    # The logged learning rate is exactly the schedule's value at the step of the update.
    schedule = jaxsched.warmup_cosine(peak_value=peak, warmup_steps=steps // 10, total_steps=steps)
    expected = np.array([schedule(step) for step in logged_steps])
    np.testing.assert_array_equal(np.array([entry["lr"] for entry in log], np.float32), expected)
    assert max(entry["lr"] for entry in log) > 0.9 * peak  # the warmup ended and the peak was used

    losses = np.array([entry["loss"] for entry in log])
    assert np.all(np.isfinite(losses))
    assert losses[-3:].mean() < 0.5 * losses[0]

    out = capsys.readouterr().out
    assert f"step {steps - 1:5d}" in out and "test accuracy" in out
    accuracy = float(out.rsplit("test accuracy", 1)[1])
    assert accuracy > 0.8


def test_sharded_example_on_the_devices_at_hand(capsys) -> None:
    """In-process, on however many devices this process has (the 8-device run is in test_sharded.py)."""
    sharded = _load("sharded_train")
    steps = 30
    devices = min(8, jax.device_count())
    if devices > 1 and devices % 2:
        devices = 1
    out = sharded.main(["--steps", str(steps), "--devices", str(devices), "--log-every", "10"])

    # Computed inside the compiled step, XLA may round the cosine differently from an eager call
    # (by an ulp or so; Optax's schedules do the same): float32 tolerance, not bitwise.
    np.testing.assert_allclose(out["lrs"], np.asarray(out["schedule"](np.arange(steps))), rtol=1e-6, atol=0)
    assert out["lrs"].max() > 0.0
    assert np.all(np.isfinite(out["losses"]))
    assert out["losses"][-5:].mean() < 0.5 * out["losses"][0]
    assert int(out["state"].step) == steps
    assert "mesh" in capsys.readouterr().out
