"""Bad input: each case is a clear error naming the function, the argument and the value."""

from __future__ import annotations

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxsched

js = jaxsched
INT32_MAX = 2**31 - 1
COS = js.cosine(init_value=1.0, total_steps=10)

# Valid arguments of each constructor, its float-valued and its length arguments.
VALID = {
    "constant": ({"value": 0.1}, ["value"], []),
    "linear": ({"init_value": 1.0, "end_value": 0.0, "total_steps": 10}, ["init_value", "end_value"], ["total_steps"]),
    "polynomial": (
        {"init_value": 1.0, "end_value": 0.0, "total_steps": 10, "power": 2.0},
        ["init_value", "end_value", "power"],
        ["total_steps"],
    ),
    "exponential": (
        {"init_value": 1.0, "decay_rate": 0.5, "period": 10, "end_value": 0.1},
        ["init_value", "decay_rate", "end_value"],
        ["period"],
    ),
    "step_decay": ({"init_value": 1.0, "period": 10, "decay_rate": 0.5}, ["init_value", "decay_rate"], ["period"]),
    "multistep_decay": (
        {"init_value": 1.0, "boundaries": [10, 20], "decay_rate": 0.5},
        ["init_value", "decay_rate"],
        [],
    ),
    "piecewise_constant": ({"boundaries": [10, 20], "values": [1.0, 0.5, 0.1]}, [], []),
    "cosine": (
        {"init_value": 1.0, "total_steps": 10, "end_value": 0.0, "exponent": 1.0},
        ["init_value", "end_value", "exponent"],
        ["total_steps"],
    ),
    "warmup_cosine": (
        {
            "peak_value": 1.0,
            "warmup_steps": 10,
            "total_steps": 100,
            "init_value": 0.0,
            "end_value": 0.0,
            "exponent": 1.0,
        },
        ["peak_value", "init_value", "end_value", "exponent"],
        ["warmup_steps", "total_steps"],
    ),
    "warmup_linear": (
        {"peak_value": 1.0, "warmup_steps": 10, "total_steps": 100, "init_value": 0.0, "end_value": 0.0},
        ["peak_value", "init_value", "end_value"],
        ["warmup_steps", "total_steps"],
    ),
    "warmup_constant": (
        {"peak_value": 1.0, "warmup_steps": 10, "init_value": 0.0},
        ["peak_value", "init_value"],
        ["warmup_steps"],
    ),
    "rsqrt": (
        {"peak_value": 1.0, "warmup_steps": 10, "timescale": 100, "init_value": 0.0},
        ["peak_value", "init_value"],
        ["warmup_steps", "timescale"],
    ),
    "wsd": (
        {
            "peak_value": 1.0,
            "warmup_steps": 10,
            "total_steps": 100,
            "decay_steps": 20,
            "init_value": 0.0,
            "end_value": 0.0,
        },
        ["peak_value", "init_value", "end_value"],
        ["warmup_steps", "total_steps", "decay_steps"],
    ),
}
WRAPPERS = {
    "warmup": (
        lambda **kw: js.warmup(COS, **kw),
        {"warmup_steps": 5, "init_value": 0.0},
        ["init_value"],
        ["warmup_steps"],
    ),
    "scale": (lambda **kw: js.scale(COS, **kw), {"factor": 2.0}, ["factor"], []),
    "clip": (lambda **kw: js.clip(COS, **kw), {"min_value": 0.1, "max_value": 0.9}, ["min_value", "max_value"], []),
    "offset": (lambda **kw: js.offset(COS, **kw), {"steps": 5}, [], []),
    "repeat": (lambda **kw: js.repeat(COS, **kw), {"period": 5}, [], ["period"]),
}


def constructors():
    for name, (kwargs, floats, lengths) in VALID.items():
        yield name, getattr(js, name), kwargs, floats, lengths
    for name, (fn, kwargs, floats, lengths) in WRAPPERS.items():
        yield name, fn, kwargs, floats, lengths


def message(fn: str, *parts: str) -> str:
    """A regex: starts with ``fn: `` and mentions every part (in any order)."""
    return rf"^{re.escape(fn)}: " + "".join(rf"(?=.*{re.escape(p)})" for p in parts)


def test_valid_arguments_are_valid():
    for _, fn, kwargs, _, _ in constructors():
        fn(**kwargs)


NON_FINITE = [(float("nan"), "nan"), (float("inf"), "inf"), (-float("inf"), "-inf"), (np.float32("nan"), "nan")]
FLOAT_CASES = [
    pytest.param(name, fn, kwargs, arg, bad, text, id=f"{name}-{arg}-{text}")
    for name, fn, kwargs, floats, _ in constructors()
    for arg in floats
    for bad, text in NON_FINITE
]


@pytest.mark.parametrize("name, fn, kwargs, arg, bad, text", FLOAT_CASES)
def test_non_finite_values(name, fn, kwargs, arg, bad, text):
    with pytest.raises(ValueError, match=message(name, arg, "finite", text)):
        fn(**{**kwargs, arg: bad})


LENGTH_CASES = [
    pytest.param(name, fn, kwargs, arg, bad, text, id=f"{name}-{arg}-{text}")
    for name, fn, kwargs, _, lengths in constructors()
    for arg in lengths
    for bad, text in [
        (-1, "-1"),
        (-(10**12), "-1000000000000"),
        (10.5, "10.5"),
        (float("nan"), "nan"),
        (float("inf"), "inf"),
        (2**53 + 1, "9007199254740993"),  # exact in Python, 2**53 in float64: refused all the same
        (10**20, "100000000000000000000"),
        (np.int64(2**60), "1152921504606846976"),
    ]
]


@pytest.mark.parametrize("name, fn, kwargs, arg, bad, text", LENGTH_CASES)
def test_bad_lengths(name, fn, kwargs, arg, bad, text):
    with pytest.raises(ValueError, match=message(name, arg, text)):
        fn(**{**kwargs, arg: bad})


@pytest.mark.parametrize(
    "bad",
    [
        True,
        None,
        "10",
        {"a": 1},
        [1, 2],
        [[1.0]],
    ],
)
def test_wrong_types(bad):
    optional = {("clip", "min_value"), ("clip", "max_value"), ("exponential", "end_value"), ("rsqrt", "timescale")}
    for name, fn, kwargs, floats, lengths in constructors():
        for arg in floats + lengths:
            if bad is None and (name, arg) in optional:
                continue  # None is a valid "not given"
            with pytest.raises((TypeError, ValueError), match=rf"^{re.escape(name)}: .*{re.escape(arg)}"):
                fn(**{**kwargs, arg: bad})


def test_lengths_accept_whole_floats_and_numpy_ints():
    a = js.warmup_cosine(peak_value=1.0, warmup_steps=10.0, total_steps=np.int64(100))
    assert a == js.warmup_cosine(peak_value=1.0, warmup_steps=10, total_steps=100)
    assert js.linear(init_value=1.0, end_value=0.0, total_steps=INT32_MAX)(INT32_MAX) == 0.0


@pytest.mark.parametrize("fn", ["warmup_cosine", "warmup_linear"])
@pytest.mark.parametrize("warmup_steps, total_steps", [(100, 100), (100, 50), (0, 0)])
def test_total_steps_must_exceed_warmup(fn, warmup_steps, total_steps):
    if total_steps == 0:
        pattern = message(fn, "total_steps", "0")
    else:
        pattern = message(fn, f"total_steps ({total_steps}) must be greater than warmup_steps ({warmup_steps})")
    with pytest.raises(ValueError, match=pattern):
        getattr(js, fn)(peak_value=1.0, warmup_steps=warmup_steps, total_steps=total_steps)


def test_documented_message():
    with pytest.raises(
        ValueError, match=r"^warmup_cosine: total_steps \(100\) must be greater than warmup_steps \(100\)$"
    ):
        js.warmup_cosine(peak_value=3e-4, warmup_steps=100, total_steps=100)


def test_wsd_lengths():
    with pytest.raises(ValueError, match=message("wsd", "total_steps (10)", "warmup_steps (10)")):
        js.wsd(peak_value=1.0, warmup_steps=10, total_steps=10, decay_steps=1)
    with pytest.raises(
        ValueError, match=message("wsd", "decay_steps (91)", "total_steps", "100", "warmup_steps", "10")
    ):
        js.wsd(peak_value=1.0, warmup_steps=10, total_steps=100, decay_steps=91)
    with pytest.raises(ValueError, match=message("wsd", "decay_steps", "0")):
        js.wsd(peak_value=1.0, warmup_steps=10, total_steps=100, decay_steps=0)
    js.wsd(peak_value=1.0, warmup_steps=10, total_steps=100, decay_steps=90)  # the limit is fine


@pytest.mark.parametrize("end_value", [0.0, -1e-5])
def test_wsd_exponential_needs_positive_end(end_value):
    with pytest.raises(ValueError, match=message("wsd", "end_value", repr(end_value), "exponential")):
        js.wsd(
            peak_value=1.0,
            warmup_steps=1,
            total_steps=10,
            decay_steps=5,
            shape="exponential",
            end_value=end_value,
        )
    with pytest.raises(ValueError, match=message("wsd", "peak_value", "0.0", "exponential")):
        js.wsd(peak_value=0.0, warmup_steps=1, total_steps=10, decay_steps=5, shape="exponential", end_value=0.1)


def test_wsd_shape_typo_lists_allowed():
    with pytest.raises(ValueError, match=message("wsd", "shape", "'sqrt'", "'1-sqrt'", "'linear'", "'cosine'")):
        js.wsd(peak_value=1.0, warmup_steps=1, total_steps=10, decay_steps=5, shape="sqrt")


@pytest.mark.parametrize("power", [0.0, -1.0, -1e-9])
def test_power_must_be_positive(power):
    with pytest.raises(ValueError, match=message("polynomial", "power", repr(power))):
        js.polynomial(init_value=1.0, end_value=0.0, total_steps=10, power=power)


@pytest.mark.parametrize("fn", ["cosine", "warmup_cosine"])
@pytest.mark.parametrize("exponent", [0.0, -2.0])
def test_exponent_must_be_positive(fn, exponent):
    kwargs = dict(VALID[fn][0], exponent=exponent)
    with pytest.raises(ValueError, match=message(fn, "exponent", repr(exponent))):
        getattr(js, fn)(**kwargs)


@pytest.mark.parametrize("rate", [0.0, -0.5, -2.0])
def test_decay_rate_must_be_positive(rate):
    with pytest.raises(ValueError, match=message("exponential", "decay_rate", repr(rate))):
        js.exponential(init_value=1.0, decay_rate=rate, period=10)


def test_exponential_bounds():
    with pytest.raises(
        ValueError, match=message("exponential", "end_value (2.0)", "init_value (1.0)", "decay_rate (0.5)")
    ):
        js.exponential(init_value=1.0, decay_rate=0.5, period=10, end_value=2.0)
    with pytest.raises(
        ValueError, match=message("exponential", "end_value (0.5)", "init_value (1.0)", "decay_rate (2.0)")
    ):
        js.exponential(init_value=1.0, decay_rate=2.0, period=10, end_value=0.5)
    with pytest.raises(TypeError, match=message("exponential", "staircase", "1")):
        js.exponential(init_value=1.0, decay_rate=0.5, period=10, staircase=1)


def test_decay_rates():
    for bad in (0.0, -0.5):
        with pytest.raises(ValueError, match=message("step_decay", "decay_rate", "(0, 1]", repr(bad))):
            js.step_decay(init_value=1.0, period=10, decay_rate=bad)
        with pytest.raises(ValueError, match=message("multistep_decay", "decay_rate", "positive", repr(bad))):
            js.multistep_decay(init_value=1.0, boundaries=[10], decay_rate=bad)
    with pytest.raises(ValueError, match=message("step_decay", "decay_rate", "(0, 1]", "1.5")):
        js.step_decay(init_value=1.0, period=10, decay_rate=1.5)


BAD_BOUNDARIES = [
    ([200, 100], "[200, 100]", "increasing"),
    ([100, 100], "[100, 100]", "increasing"),
    ([-1, 10], "-1", "non-negative"),
    ([10, 2**54], "18014398509481984", "2**53"),
    ([10.5, 20], "10.5", "whole"),
    ([], "[]", "non-empty"),
    (10, "10", "list"),
]


@pytest.mark.parametrize("bad, text, why", BAD_BOUNDARIES)
def test_bad_boundaries(bad, text, why):
    n = len(bad) if isinstance(bad, list) else 1
    with pytest.raises(ValueError, match=message("piecewise_constant", "boundaries", text, why)):
        js.piecewise_constant(boundaries=bad, values=[1.0] * (n + 1))
    if bad != [100, 100]:  # multistep_decay takes a repeated boundary, as MultiStepLR does
        why_multistep = "sorted" if why == "increasing" else why
        with pytest.raises(ValueError, match=message("multistep_decay", "boundaries", text, why_multistep)):
            js.multistep_decay(init_value=1.0, boundaries=bad, decay_rate=0.5)
    if n >= 1:
        with pytest.raises(ValueError, match=message("join", "boundaries", text, why)):
            js.join([COS] * (n + 1), boundaries=bad)


@pytest.mark.parametrize("values", [[1.0], [1.0, 2.0, 3.0, 4.0], []])
def test_values_length(values):
    with pytest.raises(ValueError, match=message("piecewise_constant", "values", "boundaries", str(len(values)))):
        js.piecewise_constant(boundaries=[10, 20], values=values)


def test_values_non_finite():
    with pytest.raises(ValueError, match=message("piecewise_constant", "values", "finite", "nan")):
        js.piecewise_constant(boundaries=[10], values=[1.0, float("nan")])


def test_join_errors():
    with pytest.raises(ValueError, match=message("join", "schedules", "empty")):
        js.join([], boundaries=[])
    with pytest.raises(ValueError, match=message("join", "boundaries", "[10, 20]")):
        js.join([COS, COS], boundaries=[10, 20])
    with pytest.raises(ValueError, match=message("join", "boundaries", "[]")):
        js.join([COS, COS], boundaries=[])
    with pytest.raises(TypeError, match=message("join", "schedules[1]", "0.1")):
        js.join([COS, 0.1], boundaries=[10])
    with pytest.raises(TypeError, match=message("join", "schedules")):
        js.join(COS, boundaries=[])
    with pytest.raises(TypeError, match=message("join", "schedules[0]")):
        js.join([lambda t: 0.1], boundaries=[])


def test_wrapper_errors():
    with pytest.raises(ValueError, match=message("clip", "min_value", "max_value")):
        js.clip(COS)
    with pytest.raises(ValueError, match=message("clip", "min_value (0.9)", "max_value (0.1)")):
        js.clip(COS, min_value=0.9, max_value=0.1)
    with pytest.raises(ValueError, match=message("multiply", "schedule")):
        js.multiply([])
    with pytest.raises(TypeError, match=message("multiply", "schedules[1]", "2.0")):
        js.multiply([COS, 2.0])
    for name in ("warmup", "scale", "clip", "offset", "repeat"):
        kwargs = WRAPPERS[name][1]
        with pytest.raises(TypeError, match=message(name, "schedule", "0.5")):
            getattr(js, name)(0.5, **kwargs)
    with pytest.raises(ValueError, match=message("rsqrt", "timescale", "0")):
        js.rsqrt(peak_value=1.0, warmup_steps=10, timescale=0)
    with pytest.raises(ValueError, match=message("offset", "steps", str(-(2**53) - 2))):
        js.offset(COS, steps=-(2**53) - 2)


def test_arguments_are_keyword_only():
    with pytest.raises(TypeError):
        js.cosine(1.0, 100)  # type: ignore[misc]
    with pytest.raises(TypeError):
        js.warmup(COS, 10)  # type: ignore[misc]
    with pytest.raises(TypeError):
        js.join([COS], [])  # type: ignore[misc]


@pytest.mark.parametrize("step", [True, np.bool_(False), np.array([True]), jnp.array([False, True])])
def test_bool_step(step):
    with pytest.raises(TypeError, match=message("cosine", "step", "bool")):
        COS(step)


def test_traced_values_skip_the_checks():
    # Invalid values, traced: no error at construction (they cannot be inspected).
    out = jax.jit(lambda w: js.warmup_cosine(peak_value=1.0, warmup_steps=w, total_steps=100)(5))(200)
    assert out.dtype == jnp.float32
    jax.jit(lambda p: js.polynomial(init_value=1.0, end_value=0.0, total_steps=10, power=p)(5))(-1.0)
    jax.jit(lambda b: js.piecewise_constant(boundaries=b, values=[1.0, 2.0, 3.0])(5))(jnp.array([20, 10]))
    jax.vmap(lambda r: js.exponential(init_value=1.0, decay_rate=r, period=10)(5))(jnp.array([-1.0, 0.5]))
    # Valid traced values work and give the same result.
    got = jax.jit(lambda w, t: js.warmup_cosine(peak_value=1.0, warmup_steps=w, total_steps=t)(15))(10, 110)
    assert float(got) == float(js.warmup_cosine(peak_value=1.0, warmup_steps=10, total_steps=110)(15))


def test_concrete_values_inside_jit_are_still_checked():
    with pytest.raises(ValueError, match=message("warmup_cosine", "total_steps (100)", "warmup_steps (100)")):
        jax.jit(lambda: js.warmup_cosine(peak_value=1.0, warmup_steps=100, total_steps=100)(0))()
    with pytest.raises(ValueError, match=message("piecewise_constant", "boundaries", "[20, 10]")):
        jax.jit(lambda v: js.piecewise_constant(boundaries=[20, 10], values=v)(0))(jnp.ones(3))
    with pytest.raises(ValueError, match=message("polynomial", "power", "-1.0")):
        jax.jit(lambda x: js.polynomial(init_value=x, end_value=0.0, total_steps=10, power=-1.0)(0))(1.0)


# The one table of refused arguments: (constructor, arguments, text of the ValueError).
BASE = js.warmup_cosine(peak_value=1.0, warmup_steps=100, total_steps=10_000, end_value=0.1)
REFUSED = [
    ("cyclic", dict(min_value=1.0, max_value=0.5, up_steps=5), "min_value (1.0) must not exceed max_value (0.5)"),
    ("cyclic", dict(min_value=float("nan"), max_value=0.5, up_steps=5), "min_value must be finite, got nan"),
    ("cyclic", dict(min_value=0.1, max_value=float("inf"), up_steps=5), "max_value must be finite, got inf"),
    ("cyclic", dict(min_value=0.1, max_value=0.5, up_steps=0), "up_steps must be at least 1, got 0"),
    ("cyclic", dict(min_value=0.1, max_value=0.5, up_steps=2.5), "up_steps must be a whole number of steps, got 2.5"),
    ("cyclic", dict(min_value=0.1, max_value=0.5, up_steps=5, down_steps=-1), "down_steps must be non-negative"),
    ("cyclic", dict(min_value=0.1, max_value=0.5, up_steps=2**54), "up_steps must be at most 2**53"),
    (
        "cyclic",
        dict(min_value=0.1, max_value=0.5, up_steps=2**52, down_steps=2**52 + 1),
        "up_steps + down_steps (4503599627370496 + 4503599627370497) must be at most 2**53",
    ),
    ("cyclic", dict(min_value=0.1, max_value=0.5, up_steps=2**53), "up_steps + down_steps (9007199254740992 + 9007"),
    ("cyclic", dict(min_value=0.1, max_value=0.5, up_steps=5, decay_rate=0.0), "decay_rate must be in (0, 1], got 0.0"),
    ("cyclic", dict(min_value=0.1, max_value=0.5, up_steps=5, decay_rate=1.5), "decay_rate must be in (0, 1], got 1.5"),
    (
        "cyclic",
        dict(min_value=0.1, max_value=0.5, up_steps=5, decay_rate=float("nan")),
        "decay_rate must be finite, got nan",
    ),
    ("cyclic", dict(min_value=0.1, max_value=0.5, up_steps=5, period=0), "period must be at least 1, got 0"),
    (
        "cyclic",
        dict(min_value=0.1, max_value=0.5, up_steps=5, period=1.5),
        "period must be a whole number of steps, got 1.5",
    ),
    ("one_cycle", dict(peak_value=1.0, total_steps=0), "total_steps must be at least 1, got 0"),
    ("one_cycle", dict(peak_value=1.0, total_steps=-5), "total_steps must be at least 1, got -5"),
    ("one_cycle", dict(peak_value=1.0, total_steps=10.5), "total_steps must be a whole number of steps, got 10.5"),
    ("one_cycle", dict(peak_value=float("nan"), total_steps=10), "peak_value must be finite, got nan"),
    ("one_cycle", dict(peak_value=1.0, total_steps=10, pct_start=1.5), "pct_start must be in [0, 1], got 1.5"),
    ("one_cycle", dict(peak_value=1.0, total_steps=10, pct_start=-0.1), "pct_start must be in [0, 1], got -0.1"),
    (
        "one_cycle",
        dict(peak_value=1.0, total_steps=100, pct_start=0.6, three_phase=True),
        "pct_start must be at most 0.5 with three_phase=True, got 0.6",
    ),
    ("one_cycle", dict(peak_value=1.0, total_steps=3), "pct_start * total_steps (0.3 * 3) must be at least 1"),
    ("one_cycle", dict(peak_value=1.0, total_steps=1000, pct_start=0.0), "pct_start * total_steps (0.0 * 1000)"),
    ("one_cycle", dict(peak_value=1.0, total_steps=10, init_value=float("inf")), "init_value must be finite, got inf"),
    ("one_cycle", dict(peak_value=1.0, total_steps=10, end_value=float("nan")), "end_value must be finite, got nan"),
    (
        "one_cycle",
        dict(peak_value=1.0, total_steps=10, shape="cos"),
        "shape must be one of 'cosine', 'linear', got 'cos'",
    ),
    ("noam", dict(d_model=0, warmup_steps=10), "d_model must be positive, got 0"),
    ("noam", dict(d_model=-512, warmup_steps=10), "d_model must be positive, got -512"),
    ("noam", dict(d_model=float("nan"), warmup_steps=10), "d_model must be finite, got nan"),
    ("noam", dict(d_model=512, warmup_steps=-1), "warmup_steps must be non-negative, got -1"),
    ("noam", dict(d_model=512, warmup_steps=2.5), "warmup_steps must be a whole number of steps, got 2.5"),
    ("noam", dict(d_model=512, warmup_steps=10, factor=0.0), "factor must be positive, got 0.0"),
    ("noam", dict(d_model=512, warmup_steps=10, factor=float("inf")), "factor must be finite, got inf"),
    ("noise", dict(schedule=BASE, std=-0.1, seed=0), "std must be in [0, 0.5] for shape='normal', got -0.1"),
    ("noise", dict(schedule=BASE, std=0.6, seed=0), "std must be in [0, 0.5] for shape='normal', got 0.6"),
    (
        "noise",
        dict(schedule=BASE, std=1.5, seed=0, shape="uniform"),
        "std must be in [0, 1] for shape='uniform', got 1.5",
    ),
    ("noise", dict(schedule=BASE, std=float("nan"), seed=0), "std must be finite, got nan"),
    ("noise", dict(schedule=BASE, std=0.1, seed=-1), "seed must be in [0, 2147483647], got -1"),
    ("noise", dict(schedule=BASE, std=0.1, seed=2**31), "seed must be in [0, 2147483647], got 2147483648"),
    (
        "noise",
        dict(schedule=BASE, std=0.1, seed=0, shape="gaussian"),
        "shape must be one of 'normal', 'uniform', got 'gaussian'",
    ),
    ("piecewise_interpolate", dict(boundaries=[], values=[]), "boundaries must be a non-empty list of steps, got []"),
    (
        "piecewise_interpolate",
        dict(boundaries=[0, 10], values=[1.0]),
        "values must have one entry per boundary (2), got 1 values",
    ),
    (
        "piecewise_interpolate",
        dict(boundaries=[0, 10], values=[1.0, 2.0, 3.0]),
        "values must have one entry per boundary (2), got 3",
    ),
    ("piecewise_interpolate", dict(boundaries=[10, 10], values=[1.0, 2.0]), "boundaries must be strictly increasing"),
    ("piecewise_interpolate", dict(boundaries=[10, 5], values=[1.0, 2.0]), "boundaries must be strictly increasing"),
    (
        "piecewise_interpolate",
        dict(boundaries=[-1, 5], values=[1.0, 2.0]),
        "boundaries must be non-negative, got [-1, 5]",
    ),
    (
        "piecewise_interpolate",
        dict(boundaries=[0, 2.5], values=[1.0, 2.0]),
        "boundaries must be a whole number of steps, got [0, 2.5]",
    ),
    ("piecewise_interpolate", dict(boundaries=[0, 2**54], values=[1.0, 2.0]), "boundaries must be at most 2**53"),
    (
        "piecewise_interpolate",
        dict(boundaries=[0, 5], values=[1.0, float("nan")]),
        "values must be finite, got [1.0, nan]",
    ),
    ("piecewise_interpolate", dict(boundaries=[0, 5], values=[1.0, float("inf")]), "values must be finite"),
    (
        "piecewise_interpolate",
        dict(boundaries=[0, 5], values=[1.0, 2.0], shape="cos"),
        "shape must be one of 'linear', 'cosine', got 'cos'",
    ),
    ("sgdr", dict(peak_value=1.0, cycle_steps=0), "cycle_steps must be at least 1, got 0"),
    ("sgdr", dict(peak_value=1.0, cycle_steps=2**54), "cycle_steps must be at most 2**53"),
    ("sgdr", dict(peak_value=1.0, cycle_steps=10, cycle_mult=0.5), "cycle_mult must be 1 or in [1.01, 4096], got 0.5"),
    (
        "sgdr",
        dict(peak_value=1.0, cycle_steps=10, cycle_mult=1.001),
        "cycle_mult must be 1 or in [1.01, 4096], got 1.001",
    ),
    (
        "sgdr",
        dict(peak_value=1.0, cycle_steps=10, cycle_mult=5000),
        "cycle_mult must be 1 or in [1.01, 4096], got 5000",
    ),
    ("sgdr", dict(peak_value=1.0, cycle_steps=10, cycle_mult=float("inf")), "cycle_mult must be finite, got inf"),
    ("sgdr", dict(peak_value=1.0, cycle_steps=10, decay_rate=0.0), "decay_rate must be in (0, 1], got 0.0"),
    ("sgdr", dict(peak_value=1.0, cycle_steps=10, decay_rate=1.5), "decay_rate must be in (0, 1], got 1.5"),
    ("sgdr", dict(peak_value=1.0, cycle_steps=10, cycle_limit=0), "cycle_limit must be at least 1, got 0"),
    ("sgdr", dict(peak_value=1.0, cycle_steps=10, cycle_limit=2.5), "cycle_limit must be a whole number of"),
    ("sgdr", dict(peak_value=1.0, cycle_steps=10, warmup_steps=-1), "warmup_steps must be non-negative, got -1"),
    ("sgdr", dict(peak_value=1.0, cycle_steps=10, end_value=float("nan")), "end_value must be finite, got nan"),
    ("tanh_decay", dict(init_value=1.0, total_steps=0), "total_steps must be at least 1, got 0"),
    ("tanh_decay", dict(init_value=1.0, total_steps=2**54), "total_steps must be at most 2**53"),
    ("tanh_decay", dict(init_value=1.0, total_steps=1.5), "total_steps must be a whole number of steps, got 1.5"),
    ("tanh_decay", dict(init_value=float("inf"), total_steps=10), "init_value must be finite, got inf"),
    ("tanh_decay", dict(init_value=1.0, total_steps=10, end_value=float("nan")), "end_value must be finite, got nan"),
    (
        "tanh_decay",
        dict(init_value=1.0, total_steps=10, lower=3.0, upper=3.0),
        "lower (3.0) must be less than upper (3.0)",
    ),
    ("tanh_decay", dict(init_value=1.0, total_steps=10, lower=4.0), "lower (4.0) must be less than upper (3.0)"),
    ("tanh_decay", dict(init_value=1.0, total_steps=10, upper=float("inf")), "upper must be finite, got inf"),
    (
        "tri_stage",
        dict(peak_value=1.0, warmup_steps=-1, hold_steps=0, decay_steps=1),
        "warmup_steps must be non-negative",
    ),
    (
        "tri_stage",
        dict(peak_value=1.0, warmup_steps=0, hold_steps=-2, decay_steps=1),
        "hold_steps must be non-negative, got -2",
    ),
    (
        "tri_stage",
        dict(peak_value=1.0, warmup_steps=0, hold_steps=0, decay_steps=0),
        "decay_steps must be at least 1, got 0",
    ),
    (
        "tri_stage",
        dict(peak_value=1.0, warmup_steps=2**52, hold_steps=2**52, decay_steps=1),
        "warmup_steps + hold_steps + decay_steps (4503599627370496 + 4503599627370496 + 1) must be at most 2**53",
    ),
    (
        "tri_stage",
        dict(peak_value=float("nan"), warmup_steps=1, hold_steps=1, decay_steps=1),
        "peak_value must be finite",
    ),
    (
        "tri_stage",
        dict(peak_value=1.0, warmup_steps=1, hold_steps=1, decay_steps=1, init_value=-0.1),
        "init_value must be in [0, peak_value] (peak_value 1.0), got -0.1",
    ),
    (
        "tri_stage",
        dict(peak_value=1.0, warmup_steps=1, hold_steps=1, decay_steps=1, init_value=2.0),
        "init_value must be in [0, peak_value] (peak_value 1.0), got 2.0",
    ),
    (
        "tri_stage",
        dict(peak_value=1.0, warmup_steps=1, hold_steps=1, decay_steps=1, end_value=0.0),
        "end_value must be in (0, peak_value] (peak_value 1.0), got 0.0",
    ),
    (
        "tri_stage",
        dict(peak_value=1.0, warmup_steps=1, hold_steps=1, decay_steps=1, end_value=1.5),
        "end_value must be in (0, peak_value] (peak_value 1.0), got 1.5",
    ),
    (
        "tri_stage",
        dict(peak_value=1.0, warmup_steps=1, hold_steps=1, decay_steps=1, end_value=-0.5),
        "end_value must be in (0, peak_value] (peak_value 1.0), got -0.5",
    ),
    (
        "tri_stage",
        dict(peak_value=-1.0, warmup_steps=1, hold_steps=1, decay_steps=1, init_value=0.5),
        "init_value must be in [0, peak_value] (peak_value -1.0), got 0.5",
    ),
    (
        "tri_stage",
        dict(peak_value=0.0, warmup_steps=1, hold_steps=1, decay_steps=1, end_value=0.0),
        "end_value must be in (0, peak_value] (peak_value 0.0), got 0.0",
    ),
]


@pytest.mark.parametrize(
    ("name", "kwargs", "message"), [pytest.param(*r, id=f"{r[0]}-{i}") for i, r in enumerate(REFUSED)]
)
def test_refused(name, kwargs, message):
    with pytest.raises(ValueError, match=rf"^{name}: ") as e:
        getattr(js, name)(**kwargs)
    assert message in str(e.value)
