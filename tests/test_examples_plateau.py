"""examples/plateau.py runs briefly, and its learning rates are reduce_on_plateau's."""

from __future__ import annotations

import importlib.util
import pathlib
import sys

import jax
import numpy as np
import pytest

import jaxsched

EXAMPLE = pathlib.Path(__file__).resolve().parent.parent / "examples" / "plateau.py"


@pytest.fixture(autouse=True)
def _standard_promotion():
    """The example is user code (Optax's Adam mixes float and int32): JAX's default promotion."""
    with jax.numpy_dtype_promotion("standard"):
        yield


def _load():
    spec = importlib.util.spec_from_file_location("plateau_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    sys.modules["plateau_example"] = module
    spec.loader.exec_module(module)
    return module


def test_plateau_example(capsys):
    steps, peak = 120, 1e-2
    log = _load().main(["--steps", str(steps), "--peak-lr", str(peak)])
    out = capsys.readouterr().out
    assert len(log) == steps
    assert "plateau, scale -> 0.5" in out

    # The logged rates are those of reduce_on_plateau fed the same validation losses.
    base = jaxsched.warmup_cosine(peak_value=peak, warmup_steps=steps // 20, total_steps=steps)
    sched = jaxsched.reduce_on_plateau(
        base=base, factor=0.5, patience=4, threshold=1e-3, cooldown=2, min_value=1e-5, accumulation_steps=5
    )
    state, expected = sched.init(), []
    for entry in log:
        expected.append(float(sched(state)))  # the rate the update used
        state = sched.update(state, value=np.float32(entry["val_loss"]))
    np.testing.assert_allclose([e["lr"] for e in log], expected, rtol=1e-6)

    scales = np.array([e["scale"] for e in log])
    assert np.all(np.diff(scales) <= 0) and scales[-1] < 1.0
    lrs = np.array([e["lr"] for e in log])
    base_values = np.asarray(base(np.arange(steps)))
    assert np.all(lrs <= base_values * (1 + 1e-6)) and lrs[90] < 0.5 * base_values[90]
    assert log[-1]["train_loss"] < 0.5 * log[0]["train_loss"]
