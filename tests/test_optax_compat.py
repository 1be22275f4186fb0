"""optax_compat: signatures, schedules, and every documented difference from Optax.

Values against the real Optax over many inputs are in test_parity_optax.py.
"""

from __future__ import annotations

import inspect

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from helpers import call_jit

import jaxsched
from jaxsched import optax_compat as oc

EXAMPLES = {
    "constant_schedule": (0.5,),
    "polynomial_schedule": (1.0, 0.1, 2.0, 100, 10),
    "linear_schedule": (1.0, 0.1, 100, 10),
    "piecewise_constant_schedule": (1.0, {10: 0.5, 20: 0.1}),
    "exponential_decay": (1.0, 10, 0.5, 5, True, 0.01),
    "cosine_decay_schedule": (1.0, 100, 0.1, 2.0),
    "piecewise_interpolate_schedule": ("cosine", 1.0, {10: 0.5, 20: 0.1}),
    "linear_onecycle_schedule": (100, 1.0),
    "cosine_onecycle_schedule": (100, 1.0),
    "warmup_constant_schedule": (0.0, 1.0, 10),
    "warmup_cosine_decay_schedule": (0.0, 1.0, 10, 100, 0.1),
    "warmup_exponential_decay_schedule": (0.0, 1.0, 10, 10, 0.5, 5),
    "sgdr_schedule": ([dict(init_value=0.0, peak_value=1.0, warmup_steps=5, decay_steps=50)] * 2,),
    "join_schedules": ([jaxsched.constant(value=1.0), jaxsched.constant(value=0.5)], [10]),
}


def test_signatures_are_optax():
    assert set(EXAMPLES) == set(oc.__all__)
    for name in oc.__all__:
        ours = inspect.signature(getattr(oc, name)).parameters
        theirs = inspect.signature(getattr(optax.schedules, name)).parameters
        assert list(ours) == list(theirs), name
        for key in ours:
            assert ours[key].default == theirs[key].default, (name, key)
            assert ours[key].kind == theirs[key].kind, (name, key)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_returns_a_round_tripping_schedule(name):
    s = getattr(oc, name)(*EXAMPLES[name])
    assert isinstance(s, jaxsched.Schedule)
    assert jaxsched.parse(repr(s)) == s
    assert jaxsched.from_config(s.to_config()) == s
    steps = jnp.arange(-3, 130, dtype=jnp.int32)
    eager = np.asarray(s(steps))
    traced = np.asarray(call_jit(s, steps))
    np.testing.assert_array_equal(eager, traced)
    assert eager.dtype == np.float32
    np.testing.assert_array_equal(eager[:3], eager[3])  # negative steps: the value at step 0


def test_traced_construction():
    steps = jnp.arange(0, 150, dtype=jnp.int32)
    cases = [
        (lambda a, b: oc.warmup_cosine_decay_schedule(0.0, a, 10, 100, b), (1.0, 0.1)),
        (lambda a, b: oc.exponential_decay(a, 10, b), (1.0, 0.5)),
        (lambda a, b: oc.piecewise_constant_schedule(a, {10: b}), (1.0, 0.5)),
        (lambda a, b: oc.piecewise_interpolate_schedule("linear", a, {10: b}), (1.0, 0.5)),
        (lambda a, b: oc.linear_onecycle_schedule(100, a, div_factor=b), (1.0, 10.0)),
        (lambda a, b: oc.cosine_decay_schedule(a, 100, b), (1.0, 0.1)),
        (lambda a, b: oc.polynomial_schedule(a, b, 2.0, 100), (1.0, 0.1)),
    ]
    for build, args in cases:
        expected = np.asarray(build(*args)(steps))
        got = np.asarray(jax.jit(lambda a, b, build=build: build(a, b)(steps))(*map(jnp.float32, args)))
        np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_works_with_optax_optimizers():
    schedule = oc.warmup_cosine_decay_schedule(0.0, 1e-3, 10, 100)
    opt = optax.inject_hyperparams(optax.adamw)(learning_rate=schedule)
    params = {"w": jnp.ones(3)}
    with jax.numpy_dtype_promotion("standard"):  # Optax's Adam mixes dtypes internally
        state = opt.init(params)
        for _ in range(5):
            _, state = opt.update({"w": jnp.ones(3)}, state, params)
    # the hyperparameter of the 5th update (step 4)
    np.testing.assert_allclose(float(state.hyperparams["learning_rate"]), 4e-4, rtol=1e-6)


# --- the documented differences: Optax's behaviour, and the refusal ------------
def test_optax_behaviours_that_are_refused():
    """What Optax does with the inputs refused below (so the list stays true)."""
    with jax.numpy_dtype_promotion("standard"):  # Optax mixes dtypes internally
        assert float(optax.polynomial_schedule(1.0, 0.0, 2, 0)(50)) == 1.0  # constant init
        assert float(optax.warmup_constant_schedule(0.2, 1.0, 0)(50)) == 0.2  # never reaches peak
        assert float(optax.exponential_decay(1.0, 10, 0.0)(50)) == 1.0
        assert np.isnan(float(optax.exponential_decay(1.0, 10, -0.5)(15)))
        assert np.isinf(float(optax.exponential_decay(1.0, 1, 1.1)(10_000)))
        assert float(optax.exponential_decay(1.0, 10, 0.5, end_value=2.0)(0)) == 2.0
        assert float(optax.warmup_cosine_decay_schedule(0.0, 0.0, 10, 100, end_value=0.1)(100)) == 0.0
        assert float(optax.linear_schedule(1.0, 0.0, 10, transition_begin=-5)(0)) == 1.0  # begin 0
        lin = optax.linear_onecycle_schedule(10, 1.0, pct_start=0.5, pct_final=0.5)
        assert float(lin(5)) != 1.0  # the peak phase is lost
        assert float(optax.piecewise_constant_schedule(1.0, {-5: 0.1})(0)) == pytest.approx(0.1)
        joined = optax.join_schedules([optax.constant_schedule(1.0), optax.constant_schedule(2.0)], [])
        assert float(joined(100)) == 1.0  # the second schedule is dropped
        assert float(optax.cosine_decay_schedule(1.0, 100)(-50)) == pytest.approx(0.5)
        assert float(optax.piecewise_interpolate_schedule("linear", 1.0, {10: 0.5})(-1)) == 0.0


REFUSED = [
    # 1. non-positive transition_steps
    (lambda: oc.polynomial_schedule(1.0, 0.0, 2, 0), "polynomial_schedule: transition_steps must be at least 1, got 0"),
    (lambda: oc.linear_schedule(1.0, 0.0, -5), "linear_schedule: transition_steps must be at least 1, got -5"),
    (lambda: oc.exponential_decay(1.0, 0, 0.5), "exponential_decay: transition_steps must be at least 1, got 0"),
    (
        lambda: oc.warmup_exponential_decay_schedule(0.0, 1.0, 10, 0, 0.5),
        "warmup_exponential_decay_schedule: transition_steps must be at least 1, got 0",
    ),
    # 2. warmup_steps=0 in warmup_constant_schedule
    (lambda: oc.warmup_constant_schedule(0.0, 1.0, 0), "warmup_constant_schedule: warmup_steps must be at least 1"),
    # 3. negative transition_begin / warmup_steps
    (lambda: oc.polynomial_schedule(1.0, 0.0, 2, 10, -1), "polynomial_schedule: transition_begin must be non-negative"),
    (lambda: oc.linear_schedule(1.0, 0.0, 10, -5), "linear_schedule: transition_begin must be non-negative, got -5"),
    (lambda: oc.exponential_decay(1.0, 10, 0.5, -3), "exponential_decay: transition_begin must be non-negative"),
    (
        lambda: oc.warmup_exponential_decay_schedule(0.0, 1.0, -1, 10, 0.5),
        "warmup_exponential_decay_schedule: warmup_steps must be non-negative, got -1",
    ),
    (
        lambda: oc.warmup_cosine_decay_schedule(0.0, 1.0, -1, 100),
        "warmup_cosine_decay_schedule: warmup_steps must be non-negative, got -1",
    ),
    # 4. decay_rate 0 or negative
    (lambda: oc.exponential_decay(1.0, 10, 0.0), "exponential_decay: decay_rate must be positive, got 0.0"),
    (lambda: oc.exponential_decay(1.0, 10, -0.5), r"exponential_decay: decay_rate must be positive, got -0.5"),
    # 5. growth without a ceiling
    # 6. end_value on the wrong side
    (
        lambda: oc.exponential_decay(1.0, 10, 0.5, end_value=2.0),
        r"exponential_decay: end_value \(2.0\) must not exceed init_value \(1.0\)",
    ),
    (
        lambda: oc.exponential_decay(1.0, 10, 1.5, end_value=0.5),
        r"exponential_decay: end_value \(0.5\) must not be below init_value \(1.0\)",
    ),
    (lambda: oc.exponential_decay(1.0, 10, 1.0, end_value=0.5), r"end_value \(0.5\) must not be below init_value"),
    (
        lambda: oc.warmup_exponential_decay_schedule(0.0, 1.0, 5, 10, 0.5, end_value=3.0),
        r"warmup_exponential_decay_schedule: end_value \(3.0\) must not exceed peak_value \(1.0\)",
    ),
    # 7. warmup_cosine_decay_schedule
    (
        lambda: oc.warmup_cosine_decay_schedule(0.0, 0.0, 10, 100, end_value=0.1),
        r"warmup_cosine_decay_schedule: end_value \(0.1\) must be 0 when peak_value is 0",
    ),
    (
        lambda: oc.warmup_cosine_decay_schedule(0.0, 1.0, 100, 100),
        r"warmup_cosine_decay_schedule: decay_steps \(100\) must be greater than warmup_steps \(100\)",
    ),
    # 8. power / exponent
    (lambda: oc.polynomial_schedule(1.0, 0.0, 0.0, 10), "polynomial_schedule: power must be positive, got 0.0"),
    (lambda: oc.polynomial_schedule(1.0, 0.0, -1, 10), "polynomial_schedule: power must be positive, got -1"),
    (lambda: oc.cosine_decay_schedule(1.0, 10, 0.0, 0.0), "cosine_decay_schedule: exponent must be positive, got 0.0"),
    (
        lambda: oc.warmup_cosine_decay_schedule(0.0, 1.0, 1, 10, exponent=-1.0),
        "warmup_cosine_decay_schedule: exponent must be positive, got -1.0",
    ),
    (lambda: oc.cosine_decay_schedule(1.0, 0), "cosine_decay_schedule: decay_steps must be at least 1, got 0"),
    # 9. onecycle phases
    (
        lambda: oc.linear_onecycle_schedule(10, 1.0, pct_start=0.5, pct_final=0.5),
        r"linear_onecycle_schedule: phase ends \(pct_start=0.5, pct_final=0.5, transition_steps=10\) must be "
        r"strictly increasing .*got \[0, 5, 5, 10\]",
    ),
    (
        lambda: oc.linear_onecycle_schedule(10, 1.0, pct_start=0.3, pct_final=1.0),
        r"linear_onecycle_schedule: phase ends \(pct_start=0.3, pct_final=1.0, .*got \[0, 3, 10, 10\]",
    ),
    (
        lambda: oc.linear_onecycle_schedule(1, 1.0),
        r"linear_onecycle_schedule: phase ends \(pct_start=0.3, pct_final=0.85, transition_steps=1\) .*got \[0, 0, 1\]",
    ),
    (
        lambda: oc.linear_onecycle_schedule(10, 1.0, pct_start=0.9, pct_final=0.5),
        r"linear_onecycle_schedule: phase ends \(pct_start=0.9, pct_final=0.5, transition_steps=10\) must be "
        r"strictly increasing .*got \[0, 9, 5, 10\]",
    ),
    (
        lambda: oc.linear_onecycle_schedule(10, 1.0, pct_start=-0.2),
        r"phase ends \(pct_start=-0.2, .*\) must be non-negative, got \[0, -2, 8, 10\]",
    ),
    (lambda: oc.linear_onecycle_schedule(0, 1.0), "linear_onecycle_schedule: transition_steps must be at least 1"),
    (lambda: oc.linear_onecycle_schedule(10, 1.0, div_factor=0.0), "div_factor must be positive, got 0.0"),
    (lambda: oc.cosine_onecycle_schedule(10, 1.0, final_div_factor=-1.0), "final_div_factor must be positive"),
    (
        lambda: oc.cosine_onecycle_schedule(10, 1.0, pct_start=1.0),
        r"cosine_onecycle_schedule: phase ends \(pct_start=1.0, transition_steps=10\) .*got \[0, 10, 10\]",
    ),
    # 10. boundaries
    (
        lambda: oc.piecewise_constant_schedule(1.0, {-5: 0.1}),
        r"piecewise_constant_schedule: boundaries_and_scales keys must be non-negative, got \[-5\]",
    ),
    (
        lambda: oc.piecewise_constant_schedule(1.0, {10: -0.1}),
        r"piecewise_constant_schedule: boundaries_and_scales\[10\] must be non-negative, got -0.1",
    ),
    (
        lambda: oc.piecewise_interpolate_schedule("linear", 1.0, {-1: 0.5}),
        r"piecewise_interpolate_schedule: boundaries_and_scales keys must be non-negative, got \[0, -1\]",
    ),
    (
        lambda: oc.piecewise_interpolate_schedule("cubic", 1.0, {10: 0.5}),
        "piecewise_interpolate_schedule: interpolate_type must be one of 'linear', 'cosine', got 'cubic'",
    ),
    (
        lambda: oc.join_schedules([jaxsched.constant(value=1.0)] * 3, [20, 10]),
        r"join_schedules: boundaries must be strictly increasing .*got \[20, 10\]",
    ),
    (
        lambda: oc.join_schedules([jaxsched.constant(value=1.0)] * 3, [10, 10]),
        r"join_schedules: boundaries must be strictly increasing .*got \[10, 10\]",
    ),
    (
        lambda: oc.join_schedules([jaxsched.constant(value=1.0)] * 2, [-1]),
        r"join_schedules: boundaries must be non-negative, got \[-1\]",
    ),
    (
        lambda: oc.join_schedules([jaxsched.constant(value=1.0)] * 2, []),
        r"join_schedules: boundaries must have one entry fewer than schedules \(2\), got \[\]",
    ),
    (
        lambda: oc.join_schedules([jaxsched.constant(value=1.0)], [10]),
        r"join_schedules: boundaries must have one entry fewer than schedules \(1\), got \[10\]",
    ),
    (lambda: oc.join_schedules([], []), r"join_schedules: schedules must not be empty, got \[\]"),
    # 12. whole lengths, finite scalar values
    (
        lambda: oc.linear_schedule(1.0, 0.0, 100.5),
        "linear_schedule: transition_steps must be a whole number of steps, got 100.5",
    ),
    (
        lambda: oc.piecewise_constant_schedule(1.0, {10.5: 0.1}),
        r"piecewise_constant_schedule: boundaries_and_scales keys must be a whole number of steps, got \[10.5\]",
    ),
    (lambda: oc.constant_schedule(float("nan")), "constant_schedule: value must be finite, got nan"),
    (lambda: oc.linear_schedule(1.0, float("inf"), 10), "linear_schedule: end_value must be finite, got inf"),
    (lambda: oc.linear_schedule(1.0, 0.0, 2**53 + 2), r"linear_schedule: transition_steps must be at most 2\*\*53"),
    # sgdr_schedule
    (lambda: oc.sgdr_schedule([]), r"sgdr_schedule: cosine_kwargs must not be empty, got \[\]"),
    (
        lambda: oc.sgdr_schedule([dict(init_value=0.0, peak_value=1.0, warmup_steps=10, decay_steps=10)]),
        r"sgdr_schedule: cosine_kwargs\[0\]: warmup_cosine_decay_schedule: decay_steps \(10\) must be greater",
    ),
    (
        lambda: oc.sgdr_schedule([dict(init_value=0.0, peak_value=1.0, warmup_steps=0, decay_steps=2**53)] * 2),
        r"sgdr_schedule: the end of the cycles must be at most 2\*\*53 \(9007199254740992\) in magnitude, got 18014",
    ),
]


@pytest.mark.parametrize(("build", "message"), REFUSED, ids=[m[:60] for _, m in REFUSED])
def test_refused(build, message):
    with pytest.raises(ValueError, match=message):
        build()


@pytest.mark.parametrize(
    "build",
    [
        lambda: oc.join_schedules([jaxsched.constant(value=1.0), lambda step: 0.1], [10]),
        lambda: oc.join_schedules([optax.constant_schedule(1.0)], []),
        lambda: oc.join_schedules(jaxsched.constant(value=1.0), []),
        lambda: oc.piecewise_constant_schedule(1.0, [(10, 0.1)]),
        lambda: oc.exponential_decay(1.0, 10, 0.5, staircase="yes"),
        lambda: oc.sgdr_schedule({"decay_steps": 10}),
        lambda: oc.sgdr_schedule([dict(init_value=0.0, peak_value=1.0, warmup_steps=0)]),
        lambda: oc.linear_onecycle_schedule(jnp.int32(10), 1.0) and jax.jit(oc.linear_onecycle_schedule)(10, 1.0),
    ],
)
def test_wrong_types(build):
    with pytest.raises(TypeError):
        build()


def test_not_a_number():
    with pytest.raises(TypeError, match=r"constant_schedule: value must be a real number, got \[1.0, 1.0, 1.0\]"):
        oc.constant_schedule(np.ones(3))
    with pytest.raises(TypeError, match=r"exponential_decay: staircase must be True or False, got 'yes'"):
        oc.exponential_decay(1.0, 10, 0.5, staircase="yes")


def test_callables_are_refused_with_a_hint():
    with pytest.raises(TypeError, match=r"join_schedules: schedules\[1\] must be a jaxsched schedule"):
        oc.join_schedules([jaxsched.constant(value=1.0), lambda step: 0.1], [10])


def test_negative_steps_give_the_value_at_step_0():
    s = oc.cosine_decay_schedule(1.0, 100)
    assert float(s(-50)) == 1.0
    p = oc.piecewise_interpolate_schedule("linear", 1.0, {10: 0.5})
    assert float(p(-1)) == 1.0


def test_boundary_zero_scales_from_the_start():
    for kind in ("linear", "cosine"):
        s = oc.piecewise_interpolate_schedule(kind, 2.0, {0: 0.5, 10: 0.1})
        ref = optax.piecewise_interpolate_schedule(kind, 2.0, {0: 0.5, 10: 0.1})
        for t in (0, 5, 10, 20):
            with jax.numpy_dtype_promotion("standard"):
                expected = float(ref(t))
            np.testing.assert_allclose(float(s(t)), expected, rtol=1e-6)


def test_exact_integer_boundaries_at_scale():
    # Optax divides in float32: (3 * T - 1) / T rounds to 3.0 and the staircase drops one step early.
    T = 10_000_001
    t = 3 * T - 1
    with jax.numpy_dtype_promotion("standard"):
        assert float(optax.exponential_decay(1.0, T, 0.5, staircase=True)(jnp.int32(t))) == 0.125
    s = oc.exponential_decay(1.0, T, 0.5, staircase=True)
    assert float(s(t)) == 0.25
    assert float(s(t + 1)) == 0.125
    cons = oc.piecewise_constant_schedule(1.0, {20_000_000: 0.1})
    assert float(cons(19_999_999)) == 1.0
    assert float(cons(20_000_000)) == np.float32(0.1)
