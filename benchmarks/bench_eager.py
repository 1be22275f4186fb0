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
from _common import cases, versions

EAGER_CASES = ("warmup_cosine", "wsd", "piecewise_constant(50)", "join(20)")


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
    print(versions())
    print(f"eager call, int32 step; median over {args.repeats} repeats of {len(steps)} calls")
    header = f"{'schedule':36s} {'jaxsched µs':>12s} {'optax µs':>10s} {'optax / jaxsched':>17s}"
    print(header)
    print("-" * len(header))
    for name, ours, theirs in (case for case in cases() if case[0] in EAGER_CASES):
        a = _median_us(ours, steps, args.repeats)
        b = _median_us(theirs, steps, args.repeats)
        print(f"{name:36s} {a:12.1f} {b:10.1f} {b / a:16.1f}x")


if __name__ == "__main__":
    main()
