"""sgdr: cosine with warm restarts, against an exact (decimal) reference of the cycle starts."""

from __future__ import annotations

import itertools
import math
from decimal import Decimal, getcontext

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from helpers import (
    INT32_MAX,
    assert_matches,
    assert_one_trace,
    assert_traced_construction,
    instructions,
    key_steps,
    padded,
)

import jaxsched

getcontext().prec = 60


def stored_mult(s) -> Decimal:
    """The multiplier as written: the shortest decimal that the schedule's two float32 words hold."""
    return Decimal(repr(s.to_config().get("cycle_mult", 1.0)))


def starts_of(c: int, m: Decimal, horizon: int = INT32_MAX) -> list[Decimal]:
    starts, length = [Decimal(0)], Decimal(c)
    while starts[-1] <= horizon:
        starts.append(starts[-1] + length)
        length *= m
    return starts


def reference(s, peak, c, end=0.0, decay=1.0, limit=None, warmup=0, init=0.0):
    m = stored_mult(s)
    starts = starts_of(c, m) if m != 1 else None
    floats = None if starts is None else np.array([float(x) for x in starts])

    def one(t: int) -> float:
        t = max(t, 0)
        if t < warmup:
            return init + (peak - init) * t / warmup
        u = t - warmup
        if starts is None:  # equal cycles
            i = u // c
            start, stop = Decimal(i * c), Decimal((i + 1) * c)
        else:
            i = int(np.searchsorted(floats, u, side="right")) - 1
            while starts[i + 1] <= u:  # exact, past float64 rounding of the starts
                i += 1
            while starts[i] > u:
                i -= 1
            start, stop = starts[i], starts[i + 1]
        if limit is not None and i >= limit:
            return end
        length = stop - start
        done, left = float((u - start) / length), float((stop - u) / length)
        p = peak * decay**i
        return p * math.sin(math.pi / 2 * left) ** 2 + end * math.sin(math.pi / 2 * done) ** 2

    return lambda ts: np.array([one(int(t)) for t in np.asarray(ts)])


def restart_steps(c: int, m: float, warmup: int = 0, cycles: int = 6) -> np.ndarray:
    """Key steps around the first cycles' starts and the last cycle before 2**31."""
    if m == 1:
        last = (INT32_MAX - warmup) // c * c
        starts = [Decimal(c * i) for i in range(cycles + 1)] + [Decimal(last - c), Decimal(last), Decimal(last + c)]
    else:
        starts = starts_of(c, Decimal(m))
    chosen = starts[:cycles] + starts[-3:-1]
    marks = [warmup + math.ceil(x) for x in chosen] + [warmup + math.floor(x) for x in chosen]
    marks += [warmup + int((a + b) / 2) for a, b in itertools.pairwise(starts[: cycles + 1])]
    steps = key_steps(*[x for x in marks if 0 < x <= INT32_MAX], *([warmup] if warmup else []))
    return steps[steps <= INT32_MAX]


INTEGER_CASES = [
    dict(peak_value=0.5, cycle_steps=10),
    dict(peak_value=0.5, cycle_steps=10, cycle_mult=2, end_value=0.001),
    dict(peak_value=1.0, cycle_steps=7, cycle_mult=3),
    dict(peak_value=1.0, cycle_steps=1, cycle_mult=2),
    dict(peak_value=1.0, cycle_steps=5, decay_rate=0.9, cycle_limit=7, end_value=0.01),
    dict(peak_value=3e-4, cycle_steps=1000, cycle_mult=2, warmup_steps=100, decay_rate=0.5),
    dict(peak_value=3e-4, cycle_steps=1000, warmup_steps=100, decay_rate=0.5, init_value=1e-5),
    dict(peak_value=1.0, cycle_steps=3, cycle_mult=4096),
    dict(peak_value=1.0, cycle_steps=INT32_MAX),
]
FRACTIONAL_CASES = [
    dict(peak_value=1.0, cycle_steps=10, cycle_mult=1.5),
    dict(peak_value=1.0, cycle_steps=16, cycle_mult=1.5, decay_rate=0.5, end_value=0.01),
    dict(peak_value=1.0, cycle_steps=10, cycle_mult=1.1, decay_rate=0.9, cycle_limit=50),
    dict(peak_value=2.0, cycle_steps=3, cycle_mult=1.01),
    dict(peak_value=1.0, cycle_steps=123_457, cycle_mult=2.5, warmup_steps=1000),
    dict(peak_value=1.0, cycle_steps=7, cycle_mult=1.3, warmup_steps=20, init_value=0.1, end_value=0.01),
]


def _reference_for(s, kwargs):
    return reference(
        s, kwargs["peak_value"], kwargs["cycle_steps"], kwargs.get("end_value", 0.0), kwargs.get("decay_rate", 1.0),
        kwargs.get("cycle_limit"), kwargs.get("warmup_steps", 0), kwargs.get("init_value", 0.0),
    )  # fmt: skip


@pytest.mark.parametrize("kwargs", INTEGER_CASES)
def test_integer_multipliers_match_reference(kwargs):
    s = jaxsched.sgdr(**kwargs)
    steps = restart_steps(kwargs["cycle_steps"], kwargs.get("cycle_mult", 1), kwargs.get("warmup_steps", 0))
    assert_matches(s, _reference_for(s, kwargs), steps)


@pytest.mark.parametrize("kwargs", FRACTIONAL_CASES)
def test_fractional_multipliers_match_reference(kwargs):
    s = jaxsched.sgdr(**kwargs)
    steps = restart_steps(kwargs["cycle_steps"], kwargs["cycle_mult"], kwargs.get("warmup_steps", 0))
    # Restarts fall between steps: the step just before one is a few 1e-9 of
    # a cycle from its end, where the value is ~1e-17 of the peak; the
    # position there is good to ~1e-11 of a cycle, so allow 1e-12 of the peak.
    assert_matches(s, _reference_for(s, kwargs), steps, atol=1e-12 * kwargs["peak_value"])


def test_restart_on_the_exact_step():
    # 16 * (1 + 1.5 + ... + 1.5**4) = 211 exactly: step 211 starts cycle 5
    # (timm's float64 logarithm puts it at the end of cycle 4).
    s = jaxsched.sgdr(peak_value=1.0, cycle_steps=16, cycle_mult=1.5)
    assert float(s(211)) == 1.0
    assert float(s(210)) < 1e-3
    # The multiplier as written: 20 * (1 + 1.3) = 46 and 10 * (1 + 1.1) = 21 are restarts, although the
    # float64 nearest to 1.3 is a little more than 1.3 (and float64 arithmetic in timm rounds to 46).
    for c, m, start in ((20, 1.3, 46), (10, 1.1, 21), (100, 1.01, 201)):
        s = jaxsched.sgdr(peak_value=1.0, cycle_steps=c, cycle_mult=m)
        assert float(s(start)) == 1.0 and float(s(start - 1)) < 0.1
    # Integer multipliers: every restart up to 2**31 is exact.
    for c, m in ((1, 2), (10, 2), (7, 3), (3, 10), (1, 4096)):
        s = jaxsched.sgdr(peak_value=1.0, cycle_steps=c, cycle_mult=m)
        starts = [c * (m**i - 1) // (m - 1) for i in range(1, 64)]
        before = [c * m ** (i - 1) for i in range(1, 64)]  # the length of the cycle before
        keep = [k for k, x in enumerate(starts) if x <= INT32_MAX]
        starts, before = np.array(starts)[keep], np.array(before)[keep]
        np.testing.assert_array_equal(np.asarray(s(padded(starts.astype(np.int32)))), 1.0)
        ends = (starts - 1)[before >= 3]  # the last step of a cycle of 3 steps or more
        assert np.all(np.asarray(s(padded(ends.astype(np.int32)))) < 0.5)


def test_matches_torch_formula_recursively():
    # PyTorch's CosineAnnealingWarmRestarts.step(): T_cur += 1; if T_cur >= T_i: T_cur -= T_i; T_i *= T_mult.
    for c, m in ((10, 1), (10, 2), (4, 3)):
        s = jaxsched.sgdr(peak_value=0.5, cycle_steps=c, cycle_mult=m, end_value=0.01)
        t_cur, t_i, want = 0, c, []
        for _ in range(2000):
            want.append(0.01 + (0.5 - 0.01) * (1 + math.cos(math.pi * t_cur / t_i)) / 2)
            t_cur += 1
            if t_cur >= t_i:
                t_cur, t_i = t_cur - t_i, t_i * m
        np.testing.assert_allclose(np.asarray(s(np.arange(2000))), want, rtol=1e-6, atol=1e-9)


def test_limit_decay_and_warmup():
    s = jaxsched.sgdr(peak_value=1.0, cycle_steps=10, cycle_mult=2, decay_rate=0.5, cycle_limit=3, warmup_steps=4)
    np.testing.assert_allclose(np.asarray(s(np.array([0, 1, 2, 4, 14, 34, 73, 74, 10**9]))),
                               [0.0, 0.25, 0.5, 1.0, 0.5, 0.25, 0.25 * math.sin(math.pi / 80) ** 2, 0.0, 0.0],
                               rtol=1e-6, atol=1e-9)  # fmt: skip
    s = jaxsched.sgdr(peak_value=1.0, cycle_steps=10, warmup_steps=4, init_value=0.2)
    np.testing.assert_allclose(np.asarray(s(np.array([-3, 0, 1, 2, 3, 4, 14]))), [0.2, 0.2, 0.4, 0.6, 0.8, 1.0, 1.0],
                               rtol=1e-6)  # fmt: skip


def test_grows_and_stays_bounded():
    s = jaxsched.sgdr(peak_value=1.0, cycle_steps=10, cycle_mult=1.5, end_value=0.1)
    x = np.asarray(s(np.arange(5000)))
    assert np.all(x <= 1.0) and np.all(x >= np.float32(0.1))
    restarts = np.flatnonzero(np.diff(x) > 0) + 1
    np.testing.assert_array_equal(restarts[:5], [10, 25, 48, 82, 132])  # ceil of 10, 25, 47.5, 81.25, 131.875


@pytest.mark.parametrize(
    "kwargs", [INTEGER_CASES[1], INTEGER_CASES[4], INTEGER_CASES[5], INTEGER_CASES[6], FRACTIONAL_CASES[0]]
)
def test_traced_construction(kwargs):
    # Built inside jit the cycle table is computed in float32: restarts are exact up to 2**24 steps.
    steps = restart_steps(kwargs["cycle_steps"], kwargs.get("cycle_mult", 1), kwargs.get("warmup_steps", 0))
    assert_traced_construction(jaxsched.sgdr, kwargs, steps[steps <= 2**24])


def test_traced_equal_cycles_are_exact_everywhere():
    kwargs = INTEGER_CASES[4]
    assert_traced_construction(jaxsched.sgdr, kwargs, restart_steps(kwargs["cycle_steps"], 1))


def test_vmap_over_multipliers():
    stack = jax.tree_util.tree_map(
        lambda *xs: jnp.stack(xs), *[jaxsched.sgdr(peak_value=1.0, cycle_steps=10, cycle_mult=m) for m in (1, 2, 1.5)]
    )
    got = np.asarray(jax.vmap(lambda sch: sch(25))(stack))
    want = [float(jaxsched.sgdr(peak_value=1.0, cycle_steps=10, cycle_mult=m)(25)) for m in (1, 2, 1.5)]
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_eager_program_skips_the_equal_cycles():
    """In the eager program a multiplier of 1 is None, so a present one grows the cycles: the equal
    cycles' division is not computed there, as it is for a schedule passed traced (whose multiplier
    may be 1). The values are the same."""
    s = jaxsched.sgdr(peak_value=1.0, cycle_steps=10, cycle_mult=1.5)
    steps = jnp.arange(2000, dtype=jnp.int32)
    eager, traced = instructions(lambda t: s(t), steps), instructions(lambda x, t: x(t), s, steps)
    assert eager + 40 < traced, (eager, traced)
    np.testing.assert_array_equal(s(steps), jax.jit(lambda x, t: x(t))(s, steps))


def test_eager_program_skips_a_zero_warmup():
    """Without a warmup (``warmup_steps=0``, the default) the eager program computes none: the length
    is None there, as a neutral value is. The values are those of the program that computes it."""
    s = jaxsched.sgdr(peak_value=1.0, cycle_steps=10, cycle_mult=1.5, init_value=0.5)
    warmed = jaxsched.sgdr(peak_value=1.0, cycle_steps=10, cycle_mult=1.5, init_value=0.5, warmup_steps=1)
    steps = jnp.arange(2000, dtype=jnp.int32)
    assert instructions(lambda t: s(t), steps) + 20 < instructions(lambda t: warmed(t), steps)
    np.testing.assert_array_equal(s(steps), jax.jit(lambda x, t: x(t))(s, steps))


def test_gradients_are_finite():
    def f(peak, end):
        return jaxsched.sgdr(peak_value=peak, cycle_steps=10, cycle_mult=1.5, end_value=end)(jnp.arange(100)).sum()

    g = jax.jit(jax.grad(f, argnums=(0, 1)))(1.0, 0.1)  # one program, not one per operation
    assert all(np.isfinite(float(x)) for x in g)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(peak_value=0.5, cycle_steps=10),
        dict(peak_value=0.5, cycle_steps=10, cycle_mult=2),
        dict(peak_value=0.5, cycle_steps=10, cycle_mult=1.1, decay_rate=0.7, cycle_limit=4, warmup_steps=5),
        dict(peak_value=0.5, cycle_steps=10, cycle_mult=1 + 1 / 3, decay_rate=1 / 3, end_value=1e-6),
    ],
)
def test_round_trips(kwargs):
    s = jaxsched.sgdr(**kwargs)
    assert jaxsched.parse(repr(s)) == s
    assert jaxsched.from_config(s.to_config()) == s


def test_repr():
    s = jaxsched.sgdr(peak_value=0.5, cycle_steps=10, cycle_mult=1.1)
    assert repr(s) == "sgdr(peak_value=0.5, cycle_steps=10, cycle_mult=1.1)"
    assert repr(jaxsched.sgdr(peak_value=0.5, cycle_steps=10)) == "sgdr(peak_value=0.5, cycle_steps=10)"


def test_branch_free():
    s = jaxsched.sgdr(peak_value=1.0, cycle_steps=10, cycle_mult=1.5, cycle_limit=4, warmup_steps=3)
    text = str(jax.make_jaxpr(lambda t: s(t))(jnp.arange(4, dtype=jnp.int32)))
    assert not any(f"{name}[" in text for name in ("while", "scan", "cond", "switch"))


def test_positional_arguments_are_refused():
    with pytest.raises(TypeError):
        jaxsched.sgdr(1.0, 10)  # type: ignore[misc]


def test_no_recompile_when_values_change():
    assert_one_trace(
        [jaxsched.sgdr(peak_value=peak, cycle_steps=10, cycle_mult=m) for m, peak in ((1, 1.0), (2, 0.5), (1.5, 0.3))],
        step=30,
    )
