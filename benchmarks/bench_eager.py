"""Eager call cost: jaxsched vs the Optax equivalent, in one process.

Times ``schedule(step)`` called eagerly (outside jit, as in a logging or
plotting loop) with an int32 step, for warmup + cosine, WSD, a 50-boundary
piecewise-constant table and a 20-segment join, against the Optax schedule
and against the jit dispatch floor (``jax.jit(lambda t: t)(step)``): medians
and ratios with their p10-p90 over interleaved rounds. Run: ``make bench`` or
``python benchmarks/bench_eager.py``.
"""

from __future__ import annotations

import argparse

import jax
import jax.numpy as jnp
from _common import cases, fmt_ratio, fmt_us, interleaved, ratios, table, versions

EAGER_CASES = ("warmup_cosine", "wsd", "piecewise_constant(50)", "join(20)")


def _each(fn, steps):
    """A round body: ``fn(step)`` for every step, waiting for each result (an eager loop)."""

    def body() -> None:
        for s in steps:
            jax.block_until_ready(fn(s))

    return body


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200, help="calls per round")
    parser.add_argument("--rounds", type=int, default=11, help="interleaved rounds")
    args = parser.parse_args(argv)
    steps = [jnp.int32(s) for s in range(0, 100_000, 100_000 // args.calls)][: args.calls]
    floor = jax.jit(lambda t: t)
    selected = [case for case in cases() if case[0] in EAGER_CASES]
    fns = {"floor": _each(floor, steps)}
    for name, ours, theirs in selected:
        fns[f"{name}/jaxsched"], fns[f"{name}/optax"] = _each(ours, steps), _each(theirs, steps)
    for fn in fns.values():
        fn()  # compile and fill the caches
    t = interleaved(fns, args.rounds)
    rows = []
    for name, _, _ in selected:
        js, ox = t[f"{name}/jaxsched"], t[f"{name}/optax"]
        n = len(steps)
        rows.append([name, fmt_us(js, n), fmt_us(ox, n), fmt_ratio(ratios(js, t["floor"])), fmt_ratio(ratios(ox, js))])
    print(versions())
    print(
        f"== eager call s(jnp.int32(t)), waiting for each; floor: jax.jit(lambda t: t) "
        f"{fmt_us(t['floor'], len(steps)).strip()} µs ({args.rounds} rounds of {len(steps)} calls)"
    )
    table(["schedule", "jaxsched µs", "optax µs", "jaxsched / floor", "optax / jaxsched"], [22, 11, 10, 22, 22], rows)


if __name__ == "__main__":
    main()
