"""Building and dispatching a schedule: jaxsched vs Optax, in one process.

- construction with new hyperparameters (each call a new peak value), for
  warmup + cosine and a 20-segment join;
- cold start: build + first eager call in a fresh Python process (after the
  imports and the backend start-up; no persistent compilation cache), for the
  20-segment join and SGDR;
- ``f = jax.jit(s)`` built once, then ``f(step)`` called inline, against the
  jit dispatch floor ``jax.jit(lambda t: t)(step)``;
- ``hash(s)`` and ``s == s2`` (equal, distinct instances), on fresh instances
  and again (cached).

Ratios: median (p10-p90) over interleaved rounds.
Run: ``python benchmarks/bench_build.py``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

import jax
import jax.numpy as jnp
import optax
from _common import PEAK, TOTAL, WARMUP, calls, fmt_ratio, fmt_us, interleaved, ratios, table, versions

import jaxsched

SEG = 5_000


def js_warmup_cosine(peak: float):
    return jaxsched.warmup_cosine(peak_value=peak, warmup_steps=WARMUP, total_steps=TOTAL)


def ox_warmup_cosine(peak: float):
    return optax.warmup_cosine_decay_schedule(0.0, peak, WARMUP, TOTAL)


def js_join20(peak: float):
    return jaxsched.join(
        [jaxsched.cosine(init_value=peak * 0.5**i, total_steps=SEG) for i in range(20)],
        boundaries=[SEG * (i + 1) for i in range(19)],
    )


def ox_join20(peak: float):
    return optax.join_schedules(
        [optax.cosine_decay_schedule(peak * 0.5**i, SEG) for i in range(20)],
        [SEG * (i + 1) for i in range(19)],
    )


# Cold start: the source a fresh interpreter runs (imports first, then the timed part).
COLD = {
    "join(20)/jaxsched": "s = jaxsched.join([jaxsched.cosine(init_value=3e-4 * 0.5**i, total_steps=5000) "
    "for i in range(20)], boundaries=[5000 * (i + 1) for i in range(19)])",
    "join(20)/optax": "s = optax.join_schedules([optax.cosine_decay_schedule(3e-4 * 0.5**i, 5000) "
    "for i in range(20)], [5000 * (i + 1) for i in range(19)])",
    "sgdr(x2)/jaxsched": "s = jaxsched.sgdr(peak_value=3e-4, cycle_steps=5000, cycle_mult=2.0)",
    "sgdr(x2)/optax": "s = optax.sgdr_schedule([dict(init_value=3e-4, peak_value=3e-4, warmup_steps=0, "
    "decay_steps=5000 * 2**i, end_value=0.0) for i in range(5)])",
}
COLD_PRELUDE = """
import time
import jax, jax.numpy as jnp, optax, jaxsched
step = jax.block_until_ready(jnp.int32(777))
t0 = time.perf_counter()
{build}
jax.block_until_ready(s(step))
print(time.perf_counter() - t0)
"""


PAIRS = {"warmup_cosine": (js_warmup_cosine, ox_warmup_cosine), "join(20)": (js_join20, ox_join20)}


def cold_start(rounds: int) -> None:
    env = dict(os.environ, JAX_ENABLE_COMPILATION_CACHE="false", JAX_PLATFORMS=jax.default_backend())

    def run(name: str):
        def fn():
            out = subprocess.run(
                [sys.executable, "-c", COLD_PRELUDE.format(build=COLD[name])],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            t[name].append(float(out.stdout.split()[-1]))

        return fn

    t: dict[str, list[float]] = {k: [] for k in COLD}
    interleaved({k: run(k) for k in COLD}, rounds)
    rows = []
    for name in ("join(20)", "sgdr(x2)"):
        js, ox = t[f"{name}/jaxsched"], t[f"{name}/optax"]
        rows.append([name, fmt_us(js, 1000), fmt_us(ox, 1000), fmt_ratio(ratios(ox, js))])  # ms
    print(
        f"== cold start: build + first eager call s(jnp.int32(777)), fresh process each ({rounds} rounds; "
        "after imports and backend start-up)"
    )
    table(["schedule", "jaxsched ms", "optax ms", "optax / jaxsched"], [22, 11, 10, 22], rows)


def construction(args) -> None:
    fns = {}
    peaks = [PEAK * (1 + i / 1e4) for i in range(args.calls)]

    def build_all(make):
        def fn():
            for p in peaks:
                make(p)

        return fn

    for name, (js, ox) in PAIRS.items():
        fns[f"{name}/jaxsched"], fns[f"{name}/optax"] = build_all(js), build_all(ox)
    for fn in fns.values():
        fn()
    t = interleaved(fns, args.rounds)
    rows = []
    for name in PAIRS:
        js, ox = t[f"{name}/jaxsched"], t[f"{name}/optax"]
        rows.append([name, fmt_us(js, args.calls), fmt_us(ox, args.calls), fmt_ratio(ratios(js, ox))])
    print(f"== construction with new hyperparameters ({args.calls} builds per round, {args.rounds} rounds)")
    table(["schedule", "jaxsched µs", "optax µs", "jaxsched / optax"], [22, 11, 10, 22], rows)


def jit_dispatch(args) -> None:
    step = jnp.int32(777)
    floor = jax.jit(lambda t: t)
    fns = {"floor": calls(lambda: floor(step), args.calls)}
    for name, (js, ox) in PAIRS.items():
        f_js, f_ox = jax.jit(js(PEAK)), jax.jit(ox(PEAK))
        fns[f"{name}/jaxsched"] = calls(lambda f=f_js: f(step), args.calls)
        fns[f"{name}/optax"] = calls(lambda f=f_ox: f(step), args.calls)
    for fn in fns.values():
        fn()  # compile and warm up
    t = interleaved(fns, args.rounds)
    rows = []
    for name in PAIRS:
        js, ox = t[f"{name}/jaxsched"], t[f"{name}/optax"]
        rows.append(
            [
                name,
                fmt_us(js, args.calls),
                fmt_us(ox, args.calls),
                fmt_ratio(ratios(js, t["floor"])),
                fmt_ratio(ratios(ox, t["floor"])),
            ]
        )
    print(
        f"== f = jax.jit(s) once, then f(jnp.int32(777)) inline; floor: jax.jit(lambda t: t) "
        f"{fmt_us(t['floor'], args.calls).strip()} µs"
    )
    table(["schedule", "jaxsched µs", "optax µs", "jaxsched / floor", "optax / floor"], [22, 11, 10, 22, 22], rows)


def hashing(args) -> None:
    n, rounds = args.calls, args.rounds
    pairs = {"warmup_cosine": js_warmup_cosine, "join(20)": js_join20}
    rows = []
    for name, make in pairs.items():
        # fresh instances for every round, built before the timing
        pools = [[(make(PEAK), make(PEAK)) for _ in range(n)] for _ in range(rounds)]
        cached = [(make(PEAK), make(PEAK)) for _ in range(n)]
        for a, b in cached:
            hash(a), hash(b)
        fresh_h, fresh_e, cached_h, cached_e = [], [], [], []
        for r in range(rounds):
            pool = pools[r]  # fresh: even rounds hash, odd rounds compare
            start = time.perf_counter()
            if r % 2 == 0:
                for a, _ in pool:
                    hash(a)
                fresh_h.append(time.perf_counter() - start)
            else:
                for a, b in pool:
                    _ = a == b
                fresh_e.append(time.perf_counter() - start)
            start = time.perf_counter()
            for a, _ in cached:
                hash(a)
            cached_h.append(time.perf_counter() - start)
            start = time.perf_counter()
            for a, b in cached:
                _ = a == b
            cached_e.append(time.perf_counter() - start)
        assert cached[0][0] == cached[0][1] and hash(cached[0][0]) == hash(cached[0][1])
        rows.append([name, fmt_us(fresh_h, n), fmt_us(cached_h, n), fmt_us(fresh_e, n), fmt_us(cached_e, n)])
    f = ox_warmup_cosine(PEAK)
    t = interleaved({"optax": calls(lambda: hash(f), n)}, rounds)["optax"]
    print(f"== hash(s) and s == s2 (equal, distinct instances), jaxsched; {n} per round, {rounds} rounds")
    print("   fresh: the first hash / comparison of new instances (computes the key); cached: again")
    table(
        ["schedule", "hash fresh µs", "hash cached µs", "== fresh µs", "== cached µs"],
        [22, 13, 14, 11, 12],
        rows,
    )
    print(f"for reference, hash of an Optax schedule (a function): {statistics.median(t) / n * 1e6:.2f} µs")
    print()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=11, help="interleaved rounds (in-process timings)")
    parser.add_argument("--calls", type=int, default=200, help="calls per round")
    parser.add_argument("--cold-rounds", type=int, default=5, help="fresh processes per cold-start case")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    print(versions())
    print("ratios: median (p10-p90) over interleaved rounds")
    print()
    construction(args)
    jit_dispatch(args)
    hashing(args)
    cold_start(args.cold_rounds)
    print(f"total {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
