"""Eager call cost: jaxsched vs the Optax equivalent, in one process.

Times ``schedule(step)`` called eagerly (outside jit, as in a logging or
plotting loop) with an int32 step, for warmup + cosine, WSD, a 50-boundary
piecewise-constant table and a 20-segment join, and prints the medians and
the ratios. Run: ``make bench`` or ``python benchmarks/bench_eager.py``.
"""

from __future__ import annotations

import argparse
import statistics
import time

import jax
import jax.numpy as jnp
import optax

import jaxsched


def _cases():
    peak, w, total, decay = 3e-4, 2_000, 100_000, 20_000
    yield (
        "warmup_cosine",
        jaxsched.warmup_cosine(peak_value=peak, warmup_steps=w, total_steps=total),
        optax.warmup_cosine_decay_schedule(0.0, peak, w, total),
    )
    yield (
        "wsd (linear cooldown)",
        jaxsched.wsd(peak_value=peak, warmup_steps=w, total_steps=total, decay_steps=decay),
        optax.join_schedules(
            [
                optax.linear_schedule(0.0, peak, w),
                optax.constant_schedule(peak),
                optax.linear_schedule(peak, 0.0, decay),
            ],
            [w, total - decay],
        ),
    )
    bounds = [1_000 * (i + 1) for i in range(50)]
    values = [0.95**i for i in range(51)]
    yield (
        "piecewise_constant (50 boundaries)",
        jaxsched.piecewise_constant(boundaries=bounds, values=values),
        optax.piecewise_constant_schedule(1.0, {b: 0.95 for b in bounds}),
    )
    seg = 5_000
    yield (
        "join (20 segments)",
        jaxsched.join(
            [jaxsched.cosine(init_value=0.5**i, total_steps=seg) for i in range(20)],
            boundaries=[seg * (i + 1) for i in range(19)],
        ),
        optax.join_schedules(
            [optax.cosine_decay_schedule(0.5**i, seg) for i in range(20)],
            [seg * (i + 1) for i in range(19)],
        ),
    )


def _median_us(fn, steps, repeats: int) -> float:
    for s in steps[:20]:  # warm up: compile and fill caches
        jax.block_until_ready(fn(s))
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for s in steps:
            jax.block_until_ready(fn(s))
        times.append((time.perf_counter() - start) / len(steps))
    return statistics.median(times) * 1e6


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200, help="calls per repeat")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    steps = [jnp.int32(s) for s in range(0, 100_000, 100_000 // args.calls)][: args.calls]
    print(f"jax {jax.__version__}, optax {optax.__version__}, backend {jax.default_backend()}")
    print(f"eager call, int32 step; median over {args.repeats} repeats of {len(steps)} calls")
    header = f"{'schedule':36s} {'jaxsched µs':>12s} {'optax µs':>10s} {'optax / jaxsched':>17s}"
    print(header)
    print("-" * len(header))
    for name, ours, theirs in _cases():
        a = _median_us(ours, steps, args.repeats)
        b = _median_us(theirs, steps, args.repeats)
        print(f"{name:36s} {a:12.1f} {b:10.1f} {b / a:16.1f}x")


if __name__ == "__main__":
    main()
