"""A schedule over many steps at once: ``jax.jit(jax.vmap(s))(steps)``, jaxsched vs Optax.

Evaluates each schedule over an array of int32 steps (10**7 by default,
spanning every phase of the schedules) with ``jax.jit(jax.vmap(s))``, for
jaxsched and its Optax counterpart in one process, and compares both with
the XLA write floor (``jax.jit(lambda t: t.astype(jnp.float32))``: read the
steps, write a float32 array) and jaxsched's eager ``s(steps)`` with its
jitted vmap. Ratios: median (p10-p90) over interleaved rounds.
Run: ``python benchmarks/bench_vmap.py``.
"""

from __future__ import annotations

import argparse
import time

import jax
import jax.numpy as jnp
import numpy as np
from _common import calls, cases, check_same, fmt_ratio, fmt_us, interleaved, ratios, table, versions

import jaxsched

TABLE_SIZES = (32, 50, 500, 5_000, 50_000)
NAMES = ("warmup_cosine", "one_cycle", "piecewise_constant(50)", "exponential", "wsd", "sgdr(x2)", "join(20)")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10**7, help="number of steps (default 10**7)")
    parser.add_argument("--rounds", type=int, default=9, help="interleaved rounds")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    print(versions())
    steps = jax.block_until_ready(jnp.arange(args.size, dtype=jnp.int32) % 160_000)
    print(
        f"{args.size:.0e} int32 steps (0..159999, every phase); one call per candidate per round, "
        f"{args.rounds} interleaved rounds; ratios: median (p10-p90)"
    )
    print()

    floor = jax.jit(lambda t: t.astype(jnp.float32))
    fns = {"floor": lambda: jax.block_until_ready(floor(steps))}
    selected = [c for c in cases() if c[0] in NAMES]
    for name, ours, theirs in selected:
        check_same(name, ours, theirs)
        f_ours, f_theirs = jax.jit(jax.vmap(ours)), jax.jit(jax.vmap(theirs))
        fns[f"{name}/jaxsched"] = lambda f=f_ours: jax.block_until_ready(f(steps))
        fns[f"{name}/optax"] = lambda f=f_theirs: jax.block_until_ready(f(steps))
        fns[f"{name}/eager"] = lambda s=ours: jax.block_until_ready(s(steps))
    for fn in fns.values():
        fn()  # compile and warm up
    t = interleaved(fns, args.rounds)

    rows = []
    for name, _, _ in selected:
        js, ox, eager = t[f"{name}/jaxsched"], t[f"{name}/optax"], t[f"{name}/eager"]
        rows.append(
            [
                name,
                fmt_us(js, 1000),
                fmt_us(ox, 1000),
                fmt_ratio(ratios(ox, js)),
                fmt_ratio(ratios(js, t["floor"])),
                fmt_ratio(ratios(ox, t["floor"])),
                fmt_ratio(ratios(eager, js)),
            ]
        )
    print(f"write floor (jit astype float32): {fmt_us(t['floor'], 1000).strip()} ms")
    print("ms: median time of one jax.jit(jax.vmap(s))(steps); eager: jaxsched s(steps) on the same array")
    table(
        ["schedule", "jaxsched ms", "optax ms", "optax / jaxsched", "jaxsched / floor", "optax / floor", "eager / jit"],
        [22, 11, 10, 22, 22, 22, 22],
        rows,
    )
    table_sizes(steps, fns["floor"], args.rounds)
    print(f"total {time.perf_counter() - start:.0f} s")


def table_sizes(steps, floor, rounds: int) -> None:
    """``piecewise_constant`` with n evenly spaced boundaries: ``jit(vmap)`` against the write
    floor and an eager call ``s(1000)``, to see up to which size a table stays cheap."""
    fns, eager = {"floor": floor}, {}
    for n in TABLE_SIZES:
        s = jaxsched.piecewise_constant(boundaries=np.linspace(1, 159_999, n).astype(np.int64), values=np.ones(n + 1))
        f = jax.jit(jax.vmap(s))
        fns[n] = lambda f=f: jax.block_until_ready(f(steps))
        eager[n] = calls(lambda s=s: s(1000), 200)
    for fn in [*fns.values(), *eager.values()]:
        fn()  # compile and warm up
    t, e = interleaved(fns, rounds), interleaved(eager, rounds)
    rows = [[str(n), fmt_ratio(ratios(t[n], t["floor"])), fmt_us(e[n], 200)] for n in TABLE_SIZES]
    print("== piecewise_constant with n boundaries (a table search): jit(vmap) over the same steps, eager s(1000)")
    table(["entries", "jaxsched / floor", "eager µs"], [10, 22, 10], rows)


if __name__ == "__main__":
    main()
