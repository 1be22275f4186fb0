"""cyclic and one_cycle: float64 references of PyTorch's CyclicLR and OneCycleLR formulas."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from helpers import (
    INT32_MAX,
    VARIANT_IDS,
    VARIANTS,
    assert_matches,
    assert_one_trace,
    assert_traced_construction,
    key_steps,
)

import jaxsched


# --- references ------------------------------------------------------------------
def cyclic_ref(min_value, max_value, up, down=None, decay_rate=1.0, period=None):
    down = up if down is None else down
    total = up + down
    period = total if period is None else period

    def ref(t):
        t = np.maximum(np.asarray(t, dtype=np.float64), 0)
        cycle = np.floor(t / total)
        p = t - cycle * total
        h = np.where(p <= up, p / up, (total - p) / max(down, 1))
        h = h * np.exp(np.floor(t / period) * math.log(decay_rate))
        return min_value + (max_value - min_value) * h

    return ref


def one_cycle_ref(peak, T, pct=0.3, init=None, end=None, shape="cosine", three_phase=False):
    """PyTorch's get_lr in float64; an empty phase is at its end value; held from T - 1 on."""
    init = peak / 25 if init is None else init
    end = init / 1e4 if end is None else end
    a = pct * T
    if three_phase:
        phases = [(a - 1, init, peak), (2 * a - 2, peak, init), (T - 1, init, end)]
    else:
        phases = [(a - 1, init, peak), (T - 1, peak, end)]

    def interp(x, y, done, left):
        if shape == "cosine":
            return x * math.sin(math.pi / 2 * left) ** 2 + y * math.sin(math.pi / 2 * done) ** 2
        return x * left + y * done

    def one(k):
        k = min(max(k, 0), T - 1)
        start = 0.0
        for i, (stop, x, y) in enumerate(phases):
            if k <= stop or i == len(phases) - 1:
                if stop == start:
                    return y
                return interp(x, y, (k - start) / (stop - start), (stop - k) / (stop - start))
            start = stop
        raise AssertionError

    return lambda t: np.array([one(int(s)) for s in np.asarray(t)])


def branches(schedule) -> set[str]:
    text = str(jax.make_jaxpr(lambda t: schedule(t))(jnp.arange(4, dtype=jnp.int32)))
    return {name for name in ("while", "scan", "cond", "switch") if f"{name}[" in text}


# --- cyclic ---------------------------------------------------------------------
CYCLIC_CASES = [
    dict(min_value=0.01, max_value=0.5, up_steps=5),
    dict(min_value=1e-4, max_value=3e-3, up_steps=2000, down_steps=3000),
    dict(min_value=0.1, max_value=1.0, up_steps=7, down_steps=0),
    dict(min_value=0.0, max_value=1.0, up_steps=1),
    dict(min_value=0.2, max_value=0.2, up_steps=3, down_steps=4),
    dict(min_value=0.01, max_value=0.5, up_steps=10, down_steps=4, decay_rate=0.5),
    dict(min_value=0.01, max_value=0.5, up_steps=1, decay_rate=0.5),
    dict(min_value=0.01, max_value=0.5, up_steps=10, down_steps=4, decay_rate=0.99, period=1),
    dict(min_value=1e-5, max_value=1e-3, up_steps=2000, decay_rate=0.99994, period=1),
    dict(min_value=0.5, max_value=2.0, up_steps=3_000_000, decay_rate=1 - 1e-9, period=1),
    dict(min_value=0.1, max_value=1.0, up_steps=INT32_MAX - 1, down_steps=1),
    dict(min_value=0.1, max_value=1.0, up_steps=10, down_steps=5, decay_rate=0.9, period=7),
    dict(min_value=0.1, max_value=1.0, up_steps=1000, decay_rate=0.8, period=5000),
    dict(min_value=0.1, max_value=1.0, up_steps=3, decay_rate=0.999, period=INT32_MAX),
]


@pytest.mark.parametrize("kwargs", CYCLIC_CASES)
def test_cyclic_matches_reference(kwargs):
    s = jaxsched.cyclic(**kwargs)
    up = kwargs["up_steps"]
    down = kwargs.get("down_steps", up)
    down = up if down is None else down
    cycle = up + down
    period = kwargs.get("period", cycle)
    bounds = [b for b in (up, cycle, cycle + up, 2 * cycle, 5 * cycle + up, period, 3 * period) if b <= INT32_MAX]
    steps = key_steps(*bounds)
    steps = np.unique(np.concatenate([steps, [up // 2, cycle + up // 3, 123_457]]))
    steps = steps[steps <= INT32_MAX]
    ref = cyclic_ref(
        kwargs["min_value"], kwargs["max_value"], up, kwargs.get("down_steps"),
        kwargs.get("decay_rate", 1.0), kwargs.get("period"),
    )  # fmt: skip
    assert_matches(s, ref, steps)


def test_cyclic_triangle_shape():
    s = jaxsched.cyclic(min_value=0.1, max_value=1.0, up_steps=4, down_steps=2)
    got = np.asarray(s(np.arange(13)))
    want = [0.1, 0.325, 0.55, 0.775, 1.0, 0.55, 0.1, 0.325, 0.55, 0.775, 1.0, 0.55, 0.1]
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_cyclic_decay_rate_one_half_halves_each_cycle():
    s = jaxsched.cyclic(min_value=0.0, max_value=1.0, up_steps=5, decay_rate=0.5)
    peaks = np.asarray(s(np.array([5, 15, 25, 35, 10 * 2000 + 5])))
    np.testing.assert_array_equal(peaks, [1.0, 0.5, 0.25, 0.125, 0.0])


def test_cyclic_decay_per_period():
    # The amplitude steps down once per period, wherever the period falls in the cycle.
    s = jaxsched.cyclic(min_value=0.0, max_value=1.0, up_steps=4, decay_rate=0.5, period=3)
    got = np.asarray(s(np.arange(9)))
    np.testing.assert_allclose(got, [0.0, 0.25, 0.5, 0.375, 0.5, 0.375, 0.125, 0.0625, 0.0], rtol=1e-6)


def test_cyclic_keeps_decay_rate_in_float64():
    # float32(0.99994) is off by 3e-8: after 200,000 steps that is 0.6%.
    rate = 0.99994
    s = jaxsched.cyclic(min_value=0.0, max_value=1.0, up_steps=100_000, decay_rate=rate, period=1)
    np.testing.assert_allclose(float(s(100_000)), rate**100_000, rtol=2e-6)
    np.testing.assert_allclose(float(s(300_000)), rate**300_000, rtol=5e-6)
    assert repr(s) == "cyclic(min_value=0.0, max_value=1.0, up_steps=100000, decay_rate=0.99994, period=1)"


@pytest.mark.parametrize("variant", VARIANTS, ids=VARIANT_IDS)
def test_cyclic_variants_and_bounds(variant):
    s = jaxsched.cyclic(min_value=0.2, max_value=0.7, up_steps=3, down_steps=5, decay_rate=0.9, period=1)
    got = np.asarray(variant(lambda t: s(t))(jnp.arange(200)))
    assert np.all(got >= np.float32(0.2)) and np.all(got <= np.float32(0.7))
    assert got.dtype == np.float32


def test_cyclic_is_branch_free():
    assert branches(jaxsched.cyclic(min_value=0.2, max_value=0.7, up_steps=3, decay_rate=0.9, period=2)) == set()


@pytest.mark.parametrize(
    "kwargs",
    [
        *CYCLIC_CASES[:2],
        *CYCLIC_CASES[5:7],
        # Traced, decay_rate is float32 only (no float64 word): a float32 rate keeps the comparison exact.
        dict(min_value=0.01, max_value=0.5, up_steps=10, down_steps=4, decay_rate=0.9921875, period=1),
        dict(min_value=0.01, max_value=0.5, up_steps=10, down_steps=4, decay_rate=0.75, period=9),
    ],
)
def test_cyclic_traced_construction(kwargs):
    up = kwargs["up_steps"]
    assert_traced_construction(jaxsched.cyclic, kwargs, key_steps(up, 2 * up))


def test_cyclic_traced_down_steps():
    steps = key_steps(10, 14, 24)
    want = np.asarray(jaxsched.cyclic(min_value=0.0, max_value=1.0, up_steps=10, down_steps=4)(steps))
    got = jax.jit(lambda d: jaxsched.cyclic(min_value=0.0, max_value=1.0, up_steps=10, down_steps=d)(steps))(4)
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-6)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(min_value=0.01, max_value=0.5, up_steps=5),
        dict(min_value=0.01, max_value=0.5, up_steps=5, down_steps=0),
        dict(min_value=0.01, max_value=0.5, up_steps=5, down_steps=5),
        dict(min_value=0.01, max_value=0.5, up_steps=5, decay_rate=0.5),
        dict(min_value=1e-5, max_value=1e-3, up_steps=2000, decay_rate=0.99994, period=1),
        dict(min_value=1e-5, max_value=1e-3, up_steps=2000, decay_rate=0.999999999, period=1),
        dict(min_value=1e-5, max_value=1e-3, up_steps=2000, decay_rate=1 / 3, period=1),
        dict(min_value=1e-5, max_value=1e-3, up_steps=2000, period=10),
    ],
)
def test_cyclic_round_trips(kwargs):
    s = jaxsched.cyclic(**kwargs)
    assert jaxsched.parse(repr(s)) == s
    assert jaxsched.from_config(s.to_config()) == s
    for key in ("decay_rate", "down_steps", "period"):
        assert (key in repr(s)) == (key in kwargs), key


def test_cyclic_round_trip_keeps_float64_decay_rate():
    s = jaxsched.cyclic(min_value=0.0, max_value=1.0, up_steps=5, decay_rate=1 / 3, period=1)
    t = jaxsched.parse(repr(s))
    assert t.to_config()["decay_rate"] == s.to_config()["decay_rate"]
    assert abs(s.to_config()["decay_rate"] - 1 / 3) < 1e-14  # float64 precision, not float32's
    np.testing.assert_array_equal(np.asarray(t(np.arange(50))), np.asarray(s(np.arange(50))))


def test_cyclic_type_errors():
    with pytest.raises(TypeError, match="cyclic: min_value"):
        jaxsched.cyclic(min_value="0.1", max_value=0.5, up_steps=5)
    with pytest.raises(TypeError, match="cyclic: decay_rate"):
        jaxsched.cyclic(min_value=0.1, max_value=0.5, up_steps=5, decay_rate=True)
    with pytest.raises(TypeError):
        jaxsched.cyclic(0.1, 0.5, 5)  # type: ignore[misc]


# --- one_cycle -------------------------------------------------------------------
ONE_CYCLE_CASES = [
    dict(peak_value=0.3, total_steps=100),
    dict(peak_value=0.3, total_steps=1001, pct_start=0.3, shape="linear"),
    dict(peak_value=3e-4, total_steps=100_000, pct_start=0.25, init_value=3e-5, end_value=3e-7),
    dict(peak_value=1.0, total_steps=37, pct_start=0.45, three_phase=True),
    dict(peak_value=1.0, total_steps=1000, pct_start=0.3, three_phase=True, shape="linear"),
    dict(peak_value=1.0, total_steps=20_000_000, pct_start=0.1, three_phase=True),
    dict(peak_value=0.5, total_steps=INT32_MAX, pct_start=0.3),
    dict(peak_value=0.5, total_steps=10, pct_start=1.0),
    dict(peak_value=0.5, total_steps=10, pct_start=0.1),
    dict(peak_value=0.5, total_steps=10, pct_start=0.1, three_phase=True, shape="linear"),
    dict(peak_value=1e-3, total_steps=500, init_value=1e-4),
    dict(peak_value=1e-3, total_steps=500, end_value=0.0, three_phase=True),
    dict(peak_value=1e-3, total_steps=500, init_value=0.0, end_value=2e-4, shape="linear"),
]


def _one_cycle_steps(kwargs):
    T = kwargs["total_steps"]
    a = kwargs.get("pct_start", 0.3) * T
    marks = [int(a) - 1, int(a), T - 1]
    if kwargs.get("three_phase"):
        marks += [int(2 * a) - 2, int(2 * a) - 1]
    steps = key_steps(*[m for m in marks if m >= 0])
    return np.unique(np.concatenate([steps, [T // 2, T // 5, T - 2]]))


@pytest.mark.parametrize("kwargs", ONE_CYCLE_CASES)
def test_one_cycle_matches_reference(kwargs):
    s = jaxsched.one_cycle(**kwargs)
    ref_kwargs = {
        "peak": kwargs["peak_value"], "T": kwargs["total_steps"], "pct": kwargs.get("pct_start", 0.3),
        "init": kwargs.get("init_value"), "end": kwargs.get("end_value"),
        "shape": kwargs.get("shape", "cosine"), "three_phase": kwargs.get("three_phase", False),
    }  # fmt: skip
    assert_matches(s, one_cycle_ref(**ref_kwargs), _one_cycle_steps(kwargs))


def test_one_cycle_shape():
    s = jaxsched.one_cycle(peak_value=1.0, total_steps=100, pct_start=0.1, end_value=0.004, shape="linear")
    np.testing.assert_allclose(float(s(0)), 0.04, rtol=1e-6)
    np.testing.assert_allclose(float(s(9)), 1.0, rtol=1e-6)
    np.testing.assert_allclose(float(s(99)), 0.004, rtol=1e-6)
    np.testing.assert_allclose(float(s(10**6)), 0.004, rtol=1e-6)
    x = np.asarray(s(np.arange(100)))
    assert np.all(np.diff(x[:10]) > 0) and np.all(np.diff(x[9:]) < 0)


def test_one_cycle_default_values_are_pytorchs():
    # init = peak / 25 and end = init / 1e4 (PyTorch's div_factor and final_div_factor), stored as absolute values.
    s = jaxsched.one_cycle(peak_value=0.1, total_steps=1000)
    np.testing.assert_allclose([float(s.init_value), float(s.end_value)], [0.1 / 25, 0.1 / 25 / 1e4], rtol=1e-7)
    np.testing.assert_allclose([float(s(0)), float(s(999))], [0.1 / 25, 0.1 / 25 / 1e4], rtol=1e-6)
    s = jaxsched.one_cycle(peak_value=0.1, total_steps=1000, init_value=0.02)
    np.testing.assert_allclose([float(s(0)), float(s(999))], [0.02, 0.02 / 1e4], rtol=1e-6)


@pytest.mark.parametrize("three_phase", [False, True])
@pytest.mark.parametrize("shape", ["cosine", "linear"])
@pytest.mark.parametrize("total_steps", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("pct_start", [0.0, 0.1, 0.2, 0.25, 0.3, 1 / 3, 0.4, 0.5, 0.75, 1.0])
def test_one_cycle_short_schedules_reach_the_peak_or_are_refused(pct_start, total_steps, shape, three_phase):
    kwargs = dict(peak_value=2.0, total_steps=total_steps, pct_start=pct_start, shape=shape, three_phase=three_phase)
    a = pct_start * total_steps
    if a < 1 or (three_phase and pct_start > 0.5):
        with pytest.raises(ValueError, match=r"^one_cycle: "):
            jaxsched.one_cycle(**kwargs)
        return
    s = jaxsched.one_cycle(**kwargs)
    x = np.asarray(s(np.arange(total_steps + 3)), dtype=np.float64)
    assert np.all(np.isfinite(x))
    assert np.all(x <= np.float32(2.0))
    # The peak lies at real step a - 1 >= 0: the curve rises to it, then falls.
    before, after = math.floor(a - 1), math.ceil(a - 1)
    if before == after:
        assert x[before] == np.float32(2.0)
    assert np.all(np.diff(x[: before + 1]) > 0)
    np.testing.assert_allclose(x[: total_steps], one_cycle_ref(2.0, total_steps, pct_start, shape=shape,
                                                               three_phase=three_phase)(np.arange(total_steps)),
                               rtol=1e-6)  # fmt: skip
    np.testing.assert_array_equal(x[total_steps:], x[total_steps - 1])


def test_one_cycle_empty_phases_are_at_their_end_value():
    # a = pct_start * T = 1: PyTorch divides by zero at step 0; here step 0 is the peak.
    for three_phase in (False, True):
        s = jaxsched.one_cycle(peak_value=1.0, total_steps=4, pct_start=0.25, three_phase=three_phase)
        assert float(s(0)) == 1.0
    s = jaxsched.one_cycle(peak_value=1.0, total_steps=4, pct_start=1.0)
    np.testing.assert_allclose(np.asarray(s(np.arange(6))), [0.04, 0.28, 0.76, 1.0, 1.0, 1.0], rtol=1e-6)


def test_one_cycle_is_branch_free():
    for three_phase in (False, True):
        assert branches(jaxsched.one_cycle(peak_value=1.0, total_steps=100, three_phase=three_phase)) == set()


@pytest.mark.parametrize(
    "kwargs",
    [
        # Traced, pct_start is float32 only (no float64 word): float32 fractions keep the comparison exact.
        dict(peak_value=0.3, total_steps=100, pct_start=0.25),
        dict(peak_value=0.3, total_steps=1001, pct_start=0.375, shape="linear"),
        dict(peak_value=1.0, total_steps=40, pct_start=0.5, three_phase=True),
        dict(peak_value=1.0, total_steps=1000, pct_start=0.125, three_phase=True, shape="linear"),
        dict(peak_value=1.0, total_steps=1000, pct_start=0.125, init_value=0.5, end_value=0.25),
    ],
)
def test_one_cycle_traced_construction(kwargs):
    assert_traced_construction(jaxsched.one_cycle, kwargs, _one_cycle_steps(kwargs))


def test_one_cycle_traced_pct_start_is_float32():
    s = jaxsched.one_cycle(peak_value=1.0, total_steps=1000, pct_start=0.3, three_phase=True)
    steps = _one_cycle_steps(dict(total_steps=1000, pct_start=0.3, three_phase=True))
    got = jax.jit(lambda p: jaxsched.one_cycle(peak_value=1.0, total_steps=1000, pct_start=p, three_phase=True)(steps))(
        0.3
    )
    np.testing.assert_allclose(np.asarray(got), np.asarray(s(steps)), rtol=1e-4)


@pytest.mark.parametrize("kwargs", ONE_CYCLE_CASES)
def test_one_cycle_round_trips(kwargs):
    s = jaxsched.one_cycle(**kwargs)
    assert jaxsched.parse(repr(s)) == s
    assert jaxsched.from_config(s.to_config()) == s


def test_one_cycle_repr_shows_the_values():
    s = jaxsched.one_cycle(peak_value=0.1, total_steps=1000, pct_start=0.3)
    assert repr(s) == "one_cycle(peak_value=0.1, total_steps=1000, init_value=0.004, end_value=4e-07)"
    s = jaxsched.one_cycle(
        peak_value=0.1, total_steps=1000, pct_start=0.1, init_value=0.01, end_value=0.0, shape="linear",
        three_phase=True,
    )  # fmt: skip
    assert repr(s) == (
        "one_cycle(peak_value=0.1, total_steps=1000, pct_start=0.1, init_value=0.01, end_value=0.0, "
        "shape='linear', three_phase=True)"
    )


def test_one_cycle_type_errors():
    with pytest.raises(TypeError, match="one_cycle: three_phase must be True or False"):
        jaxsched.one_cycle(peak_value=1.0, total_steps=10, three_phase=1)
    with pytest.raises(TypeError):
        jaxsched.one_cycle(1.0, 10)  # type: ignore[misc]


def test_no_recompile_when_values_change():
    assert_one_trace(
        [
            jaxsched.one_cycle(peak_value=peak, total_steps=100, pct_start=pct)
            for peak, pct in ((1.0, 0.3), (2.0, 0.25), (0.5, 0.4))
        ]
    )
