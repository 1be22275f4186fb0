"""What jaxsched's exactness buys over many steps: the relative error against
float64 NumPy of ``jax.jit(jax.vmap(s))`` for jaxsched and the Optax schedule.

- ``warmup_cosine`` (peak 3e-4, 2,000 warmup steps, 100,000 in all), on every
  7th step, the last 200 steps and the steps around the end of the warmup;
- ``exponential`` with rate 0.99994 per step, to step 200,000 (the float32
  rate is off by 3e-8, which a power of 200,000 multiplies).

Run: ``python benchmarks/accuracy.py``.
"""

from __future__ import annotations

import os
import sys

import jax
import jax.numpy as jnp
import numpy as np
import optax
from _common import versions

import jaxsched

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from references import ref_exponential, ref_warmup_cosine  # the tests' float64 references

PEAK, WARMUP, TOTAL, RATE = 3e-4, 2_000, 100_000, 0.99994


def relative_error(got: jax.Array, want: np.ndarray) -> tuple[float, float]:
    """Largest and median ``|got - want| / |want|`` (want != 0)."""
    err = np.abs(np.asarray(got, np.float64) - want) / np.abs(want)
    return float(err.max()), float(np.median(err))


def main() -> None:
    print(versions())
    t = np.concatenate([np.arange(0, TOTAL, 7), np.arange(TOTAL - 200, TOTAL), np.arange(WARMUP - 50, WARMUP + 50)])
    t = np.unique(t).astype(np.int32)
    want = ref_warmup_cosine(t.astype(np.float64), PEAK, WARMUP, TOTAL)
    keep = want != 0
    schedules = {
        "warmup_cosine": (
            jaxsched.warmup_cosine(peak_value=PEAK, warmup_steps=WARMUP, total_steps=TOTAL),
            optax.warmup_cosine_decay_schedule(0.0, PEAK, WARMUP, TOTAL),
            t[keep],
            want[keep],
        ),
    }
    steps = np.arange(0, 200_001, 13).astype(np.int32)
    schedules["exponential"] = (
        jaxsched.exponential(init_value=1e-3, decay_rate=RATE, period=1),
        optax.exponential_decay(1e-3, 1, RATE),
        steps,
        ref_exponential(steps.astype(np.float64), 1e-3, RATE, 1),
    )
    print(f"{'schedule':16s} {'jaxsched max':>13s} {'median':>9s} {'optax max':>10s} {'median':>9s}")
    for name, (ours, theirs, at, ref) in schedules.items():
        steps_ = jnp.asarray(at)
        a = relative_error(jax.jit(jax.vmap(ours))(steps_), ref)
        b = relative_error(jax.jit(jax.vmap(theirs))(steps_), ref)
        print(f"{name:16s} {a[0]:13.2g} {a[1]:9.2g} {b[0]:10.2g} {b[1]:9.2g}")


if __name__ == "__main__":
    main()
