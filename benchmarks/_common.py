"""Shared timing helpers for the benchmark scripts (not a benchmark itself).

Every comparison is made from interleaved rounds: each round times every
candidate once, in a rotating order, so that a slow spell of a shared machine
hits all of them alike. A ratio is computed per round (same round, both
sides) and summarised by its median and its 10th-90th percentile range. As
``timeit`` does, the garbage collector is off while a call is timed (and
collects before each round), so that a collection lands in no measurement.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import jax
import optax


def versions() -> str:
    """One line: the JAX and Optax versions and the backend."""
    return f"jax {jax.__version__}, optax {optax.__version__}, backend {jax.default_backend()}"


def quantiles(xs: Sequence[float]) -> tuple[float, float, float]:
    """Median, 10th and 90th percentile (inclusive method; any length >= 1)."""
    xs = sorted(xs)
    if len(xs) == 1:
        return xs[0], xs[0], xs[0]
    deciles = statistics.quantiles(xs, n=10, method="inclusive")
    return statistics.median(xs), deciles[0], deciles[-1]


def interleaved(fns: Mapping[str, Callable[[], object]], rounds: int) -> dict[str, list[float]]:
    """Seconds per call of each ``fn()`` in each of ``rounds`` rounds, in a rotating order.

    ``fn`` must do (and wait for) the whole measured work itself; it is called
    once per round.
    """
    names = list(fns)
    times: dict[str, list[float]] = {n: [] for n in names}
    for r in range(rounds):
        k = r % len(names)
        gc.collect()
        for name in names[k:] + names[:k]:
            fn = fns[name]
            gc.disable()
            try:
                start = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - start)
            finally:
                gc.enable()
    return times


def ratios(num: Sequence[float], den: Sequence[float]) -> tuple[float, float, float]:
    """Median and p10-p90 of the per-round ratios ``num[i] / den[i]``."""
    return quantiles([a / b for a, b in zip(num, den, strict=True)])


def fmt_ratio(q: tuple[float, float, float], width: int = 22) -> str:
    """``1.02x (0.98-1.05)``: the median and the p10-p90 range, right-aligned."""
    med, lo, hi = q
    return f"{med:.2f}x ({lo:.2f}-{hi:.2f})".rjust(width)


def fmt_us(seconds: Sequence[float], per: int = 1, width: int = 10) -> str:
    """The median of ``seconds`` divided by ``per`` calls, in microseconds."""
    return f"{statistics.median(seconds) / per * 1e6:.1f}".rjust(width)


def calls(fn: Callable[[], object], n: int) -> Callable[[], None]:
    """A round body: ``n`` calls of ``fn``, then wait for the last result."""

    def body() -> None:
        out = None
        for _ in range(n):
            out = fn()
        jax.block_until_ready(out)

    return body


def table(header: Sequence[str], widths: Sequence[int], rows: Sequence[Sequence[str]]) -> None:
    """Prints a table: the first column left-aligned, the others right-aligned."""

    def line(cells: Sequence[str]) -> str:
        first, *rest = cells
        return " ".join([first.ljust(widths[0])] + [c.rjust(w) for c, w in zip(rest, widths[1:], strict=True)])

    head = line(header)
    print(head)
    print("-" * len(head))
    for row in rows:
        print(line(row))
    print()


PEAK, WARMUP, TOTAL, DECAY = 3e-4, 2_000, 100_000, 20_000


def cases() -> list[tuple[str, Callable[..., Any], Callable[..., Any]]]:
    """(name, jaxsched schedule, Optax counterpart) for the stateless schedules compared."""
    import jaxsched

    peak, w, total, decay = PEAK, WARMUP, TOTAL, DECAY
    bounds = [1_000 * (i + 1) for i in range(50)]
    seg = 5_000
    cycles = [5_000 * 2**i for i in range(5)]  # sgdr, cycle_mult=2: 5k, 10k, 20k, 40k, 80k
    return [
        (
            "warmup_cosine",
            jaxsched.warmup_cosine(peak_value=peak, warmup_steps=w, total_steps=total),
            optax.warmup_cosine_decay_schedule(0.0, peak, w, total),
        ),
        (
            "one_cycle",
            jaxsched.one_cycle(peak_value=peak, total_steps=total),
            optax.cosine_onecycle_schedule(total, peak, pct_start=0.3, div_factor=25.0, final_div_factor=1e4),
        ),
        (
            "wsd",
            jaxsched.wsd(peak_value=peak, warmup_steps=w, total_steps=total, decay_steps=decay),
            optax.join_schedules(
                [
                    optax.linear_schedule(0.0, peak, w),
                    optax.constant_schedule(peak),
                    optax.linear_schedule(peak, 0.0, decay),
                ],
                [w, total - decay],
            ),
        ),
        (
            "piecewise_constant(50)",
            jaxsched.piecewise_constant(boundaries=bounds, values=[0.95**i for i in range(51)]),
            optax.piecewise_constant_schedule(1.0, {b: 0.95 for b in bounds}),
        ),
        (
            "join(20)",
            jaxsched.join(
                [jaxsched.cosine(init_value=0.5**i, total_steps=seg) for i in range(20)],
                boundaries=[seg * (i + 1) for i in range(19)],
            ),
            optax.join_schedules(
                [optax.cosine_decay_schedule(0.5**i, seg) for i in range(20)],
                [seg * (i + 1) for i in range(19)],
            ),
        ),
        (
            "sgdr(x2)",
            jaxsched.sgdr(peak_value=peak, cycle_steps=cycles[0], cycle_mult=2.0),
            optax.sgdr_schedule(
                [dict(init_value=peak, peak_value=peak, warmup_steps=0, decay_steps=c, end_value=0.0) for c in cycles]
            ),
        ),
        (
            "exponential",
            jaxsched.exponential(init_value=peak, decay_rate=0.5, period=10_000),
            optax.exponential_decay(peak, transition_steps=10_000, decay_rate=0.5),
        ),
    ]


def check_same(name: str, ours: Callable, theirs: Callable, until: int = 150_000) -> None:
    """Warns when the two schedules disagree by more than 1% (the comparison would be unfair).

    (``one_cycle`` places its phase ends as PyTorch does, 0.6% away from Optax's.)
    """
    import jax.numpy as jnp
    import numpy as np

    steps = jnp.arange(0, until, 997, dtype=jnp.int32)
    a = np.asarray(jax.vmap(ours)(steps))
    b = np.asarray(jax.vmap(theirs)(steps))
    err = np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-12 + 1e-6 * np.max(np.abs(b))))
    if not err < 1e-2:
        print(f"WARNING: {name}: jaxsched and optax differ (max relative difference {err:.2g})")
