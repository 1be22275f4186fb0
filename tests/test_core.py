"""Step handling, dtypes, compile caching, pytree behaviour and gradients of every schedule."""

from __future__ import annotations

import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from absl.testing import parameterized
from cases import params
from helpers import INT32_MAX, call_schedule, enable_x64, instructions

import jaxsched
from jaxsched import _eager

ALL = params()
FIRST = params(first_only=True)  # one per registered name
# The steps of test_config's value checks: the same shape shares the compiled programs.
STEPS = np.array([0, 1, 5, 10, 99, 100, 1000, 10**6, 2**31 - 1], dtype=np.int32)

WC = jaxsched.warmup_cosine(peak_value=1.0, warmup_steps=10, total_steps=110, end_value=0.1)
JUMPS = jaxsched.piecewise_constant(boundaries=[16_777_217, 20_000_000, INT32_MAX - 1], values=[1.0, 2.0, 3.0, 4.0])


def _cache_size() -> int:
    """Compiled entries of the eager programs (one jitted program per structure)."""
    return sum(program._cache_size() for program in _eager.PROGRAMS.values())


# --- step dtypes -------------------------------------------------------------------
INT_DTYPES = [np.int8, np.int16, np.int32, np.uint8, np.uint16, np.uint32]


def _check(out, expected, exact: bool) -> None:
    """float32, never weakly typed, the step's shape, and the expected values."""
    chex.assert_type(out, jnp.float32)
    chex.assert_shape(out, np.shape(expected))
    assert not out.weak_type
    if exact:
        chex.assert_trees_all_equal(out, expected)
    else:  # compiled with the schedule as an argument, XLA may round an ulp differently
        chex.assert_trees_all_close(out, expected, rtol=1e-6, atol=0)


class StepContract(chex.TestCase):
    """The step-handling contract under chex's variants: eager, under ``jit`` (schedule and
    step traced arguments), and eager with the schedule and the step placed on a device
    (``jax.device_put``). Every variant calls one function, ``helpers.call_schedule``, so
    the jit variant's programs are shared with the rest of the suite."""

    def _exact(self) -> bool:
        return self.variant.type is not chex.ChexVariantType.WITH_JIT

    @chex.variants(with_jit=True, without_jit=True, with_device=True)
    @parameterized.named_parameters(*[(np.dtype(d).name, d) for d in [*INT_DTYPES, np.float32, np.float64]])
    def test_same_value_for_every_step_dtype(self, dtype):
        # Exactly the same values as int32 steps of the same shape (scalar and vectorized
        # code may differ by an ulp, so scalars are compared with scalars).
        call = self.variant(call_schedule)
        steps = [0, 1, 5, 9, 10, 11, 60, 109, 110, 111, 127]
        for schedule in (WC, JUMPS):
            expected = np.asarray(schedule(np.array(steps, dtype=np.int32)))
            scalars = [np.asarray(schedule(s)) for s in steps]
            _check(call(schedule, np.array(steps, dtype=dtype)), expected, self._exact())
            for i, s in enumerate(steps):
                _check(call(schedule, dtype(s)), scalars[i], self._exact())
                _check(call(schedule, float(s)), scalars[i], self._exact())  # a Python float

    @chex.variants(with_jit=True, without_jit=True, with_device=True)
    @parameterized.named_parameters(
        ("int", 7),
        ("np_int32", np.int32(7)),
        ("jnp_int32", jnp.int32(7)),
        ("float", 7.0),
        ("np_float32_fraction", np.float32(7.5)),
        ("np_uint32", np.uint32(7)),
        ("np_int8", np.int8(7)),
    )
    def test_float32_with_the_step_shape_for_every_step_kind(self, step):
        call = self.variant(call_schedule)
        for schedule in (WC, JUMPS):
            _check(call(schedule, step), np.asarray(schedule(7)), self._exact())
        for shape in ((5,), (2, 3), (1, 3, 2), (0,)):
            steps = (np.arange(int(np.prod(shape))).reshape(shape) * 23).astype(np.asarray(step).dtype)
            expected = np.asarray(WC(steps.ravel().astype(np.int32))).reshape(shape)
            _check(call(WC, steps), expected, self._exact())
        if self.variant.type is chex.ChexVariantType.WITHOUT_JIT:  # a list of steps is an array of steps
            _check(call(WC, [0, 10, 100]), np.asarray(WC(np.array([0, 10, 100], np.int32))), exact=True)

    @chex.variants(with_jit=True, without_jit=True, with_device=True)
    @parameterized.named_parameters(
        ("true", True),
        ("false", False),
        ("np_bool", np.bool_(True)),
        ("np_bool_array", np.array([True, False])),
        ("jnp_bool", jnp.array(True)),
    )
    def test_bool_step_refused(self, step):
        with pytest.raises(TypeError, match=r"^warmup_cosine: step must be an integer or a float.*bool"):
            self.variant(call_schedule)(WC, step)


def _x64_is_on() -> bool:
    return jnp.asarray(np.int64(2**40)).dtype == jnp.int64


@pytest.mark.parametrize("x64", [False, True])
def test_64_bit_steps(x64):
    with enable_x64(x64):
        assert _x64_is_on() == x64
        for schedule in (WC, JUMPS):
            steps = [0, 5, 10, 16_777_216, 16_777_217, 19_999_999, 20_000_000, INT32_MAX - 1, INT32_MAX]
            expected = np.asarray(schedule(np.array(steps, dtype=np.int32)))
            for dtype in (np.int64, np.uint64, np.float64):
                arrays = [np.array(steps, dtype=dtype)]
                if x64:  # without x64 a jax array of these is 32-bit (float32 rounds 19_999_999)
                    arrays.append(jnp.asarray(np.array(steps, dtype=dtype)))
                for arr in arrays:
                    got = schedule(arr)
                    assert got.dtype == jnp.float32 and not got.weak_type, (dtype, got.dtype)
                    np.testing.assert_array_equal(np.asarray(got), expected, err_msg=str(dtype))
                for i in (1, 4, 5, 8):
                    assert float(schedule(dtype(steps[i]))) == float(schedule(steps[i]))
            assert float(schedule(float(steps[5]))) == float(schedule(steps[5]))
            # beyond int32: clamped, never wrapped
            last, first = float(schedule(INT32_MAX)), float(schedule(0))
            for big in (2**31, 2**32 + 3, 2**40, 2**62):
                assert float(schedule(np.int64(big))) == last
                assert float(schedule(np.uint64(big))) == last
                assert float(schedule(big)) == last
            assert float(schedule(np.uint64(2**64 - 1))) == last
            assert float(schedule(np.int64(-(2**62)))) == first
            for s in (3, 3.0, np.int32(3)):
                out = schedule(s)
                assert out.dtype == jnp.float32 and not out.weak_type


@pytest.mark.parametrize("make", ALL)
def test_output_float32_strong_and_shaped(make):
    s = make()
    out = s(7)
    assert out.shape == () and out.dtype == jnp.float32 and not out.weak_type
    out = s(STEPS)
    assert out.shape == STEPS.shape and out.dtype == jnp.float32 and not out.weak_type
    np.testing.assert_allclose(np.asarray(out), [float(s(int(t))) for t in STEPS], rtol=1e-6)
    # float32 steps are evaluated wide (int64 steps): the same bits as int32 steps (narrow)
    exact = STEPS < 2**24
    np.testing.assert_array_equal(np.asarray(s(STEPS[exact].astype(np.float32))), np.asarray(out)[exact])
    # finite at the last steps and past int32, the same from every step type
    assert np.all(np.isfinite(np.asarray(out)))
    far = [s(2**40), s(np.int64(2**40)), s(np.uint64(2**40)), s(2.0**40), s(np.float64(2**40))]  # one program
    assert np.isfinite(float(far[0])) and len({float(v) for v in far}) == 1


@pytest.mark.parametrize("make", FIRST)
def test_output_shape_follows_step(make):
    s = make()
    steps = STEPS[:6].reshape(2, 3)
    out = s(steps)
    assert out.shape == (2, 3) and out.dtype == jnp.float32 and not out.weak_type
    np.testing.assert_allclose(np.asarray(out).ravel(), np.asarray(s(STEPS))[:6], rtol=1e-6)


def test_negative_steps_give_step_zero():
    at_zero = float(WC(0))
    for step in (-1, -(10**12), np.int8(-128), np.int16(-5), np.int32(-(2**31)), -0.5, -1e30, float("-inf")):
        assert float(WC(step)) == at_zero, step
    np.testing.assert_array_equal(np.asarray(WC(np.array([-3, -1, 0]))), at_zero)
    np.testing.assert_array_equal(np.asarray(WC(jnp.array([-3.5, -1.0]))), at_zero)


def test_unsigned_steps_never_wrap():
    end = float(JUMPS(INT32_MAX))
    for step in (2**31, 2**31 + 1, 2**32 - 1, 3_000_000_000):
        assert float(JUMPS(np.uint32(step))) == end
        assert float(JUMPS(jnp.uint32(step))) == end
    np.testing.assert_array_equal(np.asarray(JUMPS(np.array([2**31, 2**32 - 1], dtype=np.uint32))), end)


def test_huge_steps_clamp():
    end = float(WC(INT32_MAX))
    for step in (2**31, 2**63, 10**30, 1e30, float("inf"), np.float32(3e38)):
        assert float(WC(step)) == end
    assert float(JUMPS(2**31)) == 4.0
    assert np.asarray(JUMPS(np.array([2**40])))[0] == 4.0  # an int64 array with x64 off


def test_nan_step_gives_nan():
    assert np.isnan(float(WC(float("nan"))))
    assert np.isnan(float(WC(np.float32("nan"))))
    out = np.asarray(WC(np.array([np.nan, 5.0, 60.0], dtype=np.float32)))
    assert np.isnan(out[0])
    np.testing.assert_array_equal(out[1:], [float(WC(5)), float(WC(60))])
    out = np.asarray(WC(np.array([np.nan, 20_000_001.0])))  # float64
    assert np.isnan(out[0]) and out[1] == float(WC(20_000_001))


@pytest.mark.parametrize(
    "schedule, jump",
    [
        (jaxsched.piecewise_constant(boundaries=[20_000_000], values=[1.0, 0.5]), 20_000_000),
        (jaxsched.piecewise_constant(boundaries=[16_777_217], values=[1.0, 0.5]), 16_777_217),
        (jaxsched.piecewise_constant(boundaries=[1_999_999_999], values=[1.0, 0.5]), 1_999_999_999),
        (jaxsched.step_decay(init_value=1.0, period=20_000_000, decay_rate=0.5), 20_000_000),
        (jaxsched.step_decay(init_value=1.0, period=16_777_217, decay_rate=0.5), 16_777_217),
        (jaxsched.multistep_decay(init_value=1.0, boundaries=[25_000_001], decay_rate=0.5), 25_000_001),
    ],
)
def test_exact_jumps_above_2_24(schedule, jump):
    before, after = float(schedule(0)), float(schedule(jump))
    assert after == 0.5 * before
    for make in (int, np.int32, np.uint32, np.int64, jnp.int32, jnp.uint32, float, np.float64):
        assert float(schedule(make(jump - 1))) == before, make
        assert float(schedule(make(jump))) == after, make
        assert float(schedule(make(jump + 1))) == after, make
    steps = np.array([jump - 1, jump, jump + 1])
    for dtype in (np.int32, np.uint32, np.int64, np.float64):
        np.testing.assert_array_equal(np.asarray(schedule(steps.astype(dtype))), [before, after, after])
    np.testing.assert_array_equal(np.asarray(jax.jit(schedule)(jnp.asarray(steps, jnp.int32))), [before, after, after])
    # float32 where representable: the nearest float32 steps on each side
    below = np.nextafter(np.float32(jump), np.float32(0))
    if float(np.float32(jump)) == jump:
        assert float(schedule(np.float32(jump))) == after
        assert float(schedule(below)) == before


# --- compile caching -----------------------------------------------------------------
def test_eager_calls_compile_once():
    def make(peak, warm, total, decay, shape):
        inner = jaxsched.wsd(peak_value=peak, warmup_steps=warm, total_steps=total, decay_steps=decay, shape=shape)
        return jaxsched.offset(jaxsched.repeat(inner, period=total + 77), steps=3)  # a structure no other test uses

    s = make(1.0, 10, 1000, 100, "cosine")
    before = _cache_size()
    s(0)
    assert _cache_size() == before + 1
    for step in range(0, 2000, 7):
        s(step)
    assert _cache_size() == before + 1
    # Other values, same structure: no recompile.
    for peak, warm, total, decay in ((0.5, 0, 500, 30), (2.0, 20, 100, 80), (3e-4, 1, 10**9, 10**6)):
        t = make(peak, warm, total, decay, "cosine")
        for step in (0, 10, 480, 10**6):
            t(step)
    assert _cache_size() == before + 1
    # A different static field is a different program.
    make(1.0, 10, 1000, 100, "square")(3)
    assert _cache_size() == before + 2
    # So are numbers that coincide differently (equal leaves share one packed slot): once.
    for peak in (1.0, 2.0):
        make(peak, 100, 1000, 100, "cosine")(5)  # warmup_steps == decay_steps
    assert _cache_size() == before + 3


def test_jit_with_schedule_argument_traces_once():
    @jax.jit
    @chex.assert_max_traces(n=1)
    def f(schedule, step):
        return schedule(step)

    for peak, warm in [(1.0, 10), (0.5, 20), (3e-4, 0)]:
        s = jaxsched.warmup_cosine(peak_value=peak, warmup_steps=warm, total_steps=110)
        for step in range(0, 120, 13):
            assert float(f(s, jnp.int32(step))) == float(s(step))


def test_jitted_train_step_compiles_once():
    schedule = jaxsched.warmup_cosine(peak_value=0.1, warmup_steps=5, total_steps=50)

    @jax.jit
    @chex.assert_max_traces(n=1)
    def train_step(w, count):
        lr = schedule(count)
        grad = 2.0 * (w - 3.0)
        return w - lr * grad, count + 1, lr

    w, count = jnp.float32(0.0), jnp.int32(0)
    lrs = []
    for _ in range(60):
        w, count, lr = train_step(w, count)
        lrs.append(float(lr))
    np.testing.assert_allclose(lrs, np.asarray(schedule(np.arange(60))), rtol=1e-6)


# --- pytree, equality ------------------------------------------------------------------
@pytest.mark.parametrize("make", ALL)
def test_pytree_round_trip(make):
    s = make()
    leaves, treedef = jax.tree.flatten(s)
    assert all(isinstance(x, (np.ndarray, jax.Array)) and x.dtype in (jnp.float32, jnp.int32) for x in leaves)
    back = jax.tree.unflatten(treedef, leaves)
    assert type(back) is type(s) and back == s and hash(back) == hash(s)
    doubled = jax.tree.map(lambda x: x * 2 if x.dtype == jnp.float32 else x, s)
    assert type(doubled) is type(s)
    if any(float(jnp.max(jnp.abs(x))) > 0 for x in leaves if x.dtype == jnp.float32):
        assert doubled != s


def test_static_fields_are_structure():
    a = jaxsched.wsd(peak_value=1.0, warmup_steps=10, total_steps=100, decay_steps=20, shape="cosine")
    b = jaxsched.wsd(peak_value=1.0, warmup_steps=10, total_steps=100, decay_steps=20, shape="linear")
    assert len(jax.tree.leaves(a)) == 6  # peak, warmup, total, decay, init, end
    assert jax.tree.structure(a) != jax.tree.structure(b)
    assert jax.tree.structure(jaxsched.cosine(init_value=1.0, total_steps=9)) != jax.tree.structure(
        jaxsched.linear(init_value=1.0, end_value=0.0, total_steps=9)
    )


def test_equality_and_hash():
    a = jaxsched.cosine(init_value=1.0, total_steps=100)
    assert a == jaxsched.cosine(init_value=1.0, total_steps=100, end_value=0.0, exponent=1)
    assert hash(a) == hash(jaxsched.cosine(init_value=1.0, total_steps=100))
    assert a != jaxsched.cosine(init_value=1.0, total_steps=101)
    assert a != jaxsched.cosine(init_value=0.5, total_steps=100)
    assert a != "cosine(init_value=1.0, total_steps=100)"
    assert a != jaxsched.warmup_cosine(peak_value=1.0, warmup_steps=0, total_steps=100)
    assert jaxsched.constant(value=-0.0) == jaxsched.constant(value=0.0)
    assert hash(jaxsched.constant(value=-0.0)) == hash(jaxsched.constant(value=0.0))
    j1 = jaxsched.join([a, jaxsched.constant(value=0.1)], boundaries=[100])
    j2 = jaxsched.join(
        [jaxsched.cosine(init_value=1.0, total_steps=100), jaxsched.constant(value=0.1)], boundaries=[100]
    )
    assert j1 == j2 and hash(j1) == hash(j2)
    assert j1 != jaxsched.join([a, jaxsched.constant(value=0.1)], boundaries=[101])
    assert len({a, jaxsched.cosine(init_value=1.0, total_steps=100), j1, j2}) == 2
    with pytest.raises(dataclasses_frozen_error()):
        a.init_value = 2.0  # type: ignore[misc]


def dataclasses_frozen_error():
    import dataclasses

    return dataclasses.FrozenInstanceError


@pytest.mark.parametrize("make", ALL)
def test_no_init_or_update_attribute(make):
    s = make()
    assert not hasattr(s, "init") and not hasattr(s, "update")
    assert callable(s)


# --- vmap over a stack of schedules, gradients ---------------------------------------------
@pytest.mark.slow  # stacks and gradients of every schedule: make test, not test-fast
def test_vmap_over_stacked_warmup_cosine():
    configs = [(1.0, 10), (3e-4, 0), (0.5, 100), (2.0, 55)]
    schedules = [
        jaxsched.warmup_cosine(peak_value=p, warmup_steps=w, total_steps=200, end_value=0.01) for p, w in configs
    ]
    stacked = jax.tree.map(lambda *x: jnp.stack(x), *schedules)
    steps = jnp.array([0, 1, 9, 10, 11, 54, 55, 56, 99, 100, 101, 199, 200, 10**6], jnp.int32)
    for fn in (lambda s: s(steps), jax.jit(lambda s: s(steps))):
        out = jax.vmap(fn)(stacked)
        assert out.shape == (len(configs), steps.size) and out.dtype == jnp.float32
        for row, s in zip(np.asarray(out), schedules, strict=True):
            np.testing.assert_allclose(row, np.asarray(s(steps)), rtol=1e-6)
    # and a scalar step per schedule
    per = jax.vmap(lambda s, t: s(t))(stacked, jnp.array([5, 5, 150, 55]))
    np.testing.assert_allclose(
        np.asarray(per), [float(s(t)) for s, t in zip(schedules, [5, 5, 150, 55], strict=True)], rtol=1e-6
    )


def test_vmap_construction_inside():
    peaks = jnp.array([1.0, 0.5, 0.25])
    warmups = jnp.array([10, 20, 0])
    out = jax.vmap(lambda p, w: jaxsched.warmup_cosine(peak_value=p, warmup_steps=w, total_steps=100)(15))(
        peaks, warmups
    )
    expected = [
        float(jaxsched.warmup_cosine(peak_value=float(p), warmup_steps=int(w), total_steps=100)(15))
        for p, w in zip(peaks, warmups, strict=True)
    ]
    np.testing.assert_allclose(np.asarray(out), expected, rtol=1e-6)


GRAD_STEPS = [0, 1, 5, 9, 10, 11, 30, 99, 100, 101, 500, 1000, 2000, 9000, 10_000, 10**6, INT32_MAX]


@pytest.mark.slow
@pytest.mark.parametrize("make", FIRST)
def test_gradients_finite(make):
    s = make()
    leaves, treedef = jax.tree.flatten(s)
    is_float = [x.dtype == jnp.float32 for x in leaves]
    floats = [x for x, f in zip(leaves, is_float, strict=True) if f]
    if not floats:
        pytest.skip("no float hyperparameter")

    def value(fl, step):
        it = iter(fl)
        rebuilt = [next(it) if f else x for x, f in zip(leaves, is_float, strict=True)]
        return jax.tree.unflatten(treedef, rebuilt)(step)

    grad = jax.jit(jax.vmap(jax.grad(value), in_axes=(None, 0)))
    grads = grad(floats, jnp.asarray(GRAD_STEPS, jnp.int32))
    for g in grads:
        assert np.all(np.isfinite(np.asarray(g))), (s, grads)


def test_grad_peak_value_matches_formula():
    # d value / d peak: t / w during the warmup, c(t) after (init = end = 0).
    w, T = 10, 110

    def f(peak, step):
        return jaxsched.warmup_cosine(peak_value=peak, warmup_steps=w, total_steps=T)(step)

    steps = np.array([0, 3, 9, 10, 11, 60, 109, 110, 5000])
    got = jax.vmap(jax.grad(f), in_axes=(None, 0))(jnp.float32(2.0), jnp.asarray(steps, jnp.int32))
    c = 0.5 * (1 + np.cos(np.pi * np.clip(steps - w, 0, T - w) / (T - w)))
    expected = np.where(steps < w, steps / w, c)
    np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-5, atol=1e-7)


# --- defects of the adversarial audit (issue 10) -------------------------------------
def test_float64_steps_with_nan_are_floored_exactly():
    s = jaxsched.piecewise_constant(boundaries=[20_000_001], values=[0.0, 1.0])
    for steps in (np.array([20_000_001.0, np.nan]), [20_000_001.0, float("nan")]):
        out = np.asarray(s(steps))
        assert out[0] == 1.0 and np.isnan(out[1])
    t = jaxsched.piecewise_constant(boundaries=[2_147_483_646], values=[0.0, 1.0])
    np.testing.assert_array_equal(np.asarray(t(np.array([2_147_483_645.0, 2_147_483_646.0]))), [0.0, 1.0])


@pytest.mark.parametrize("step", [None, "1", b"1", np.array("1.0"), np.array([True, False])], ids=repr)
def test_steps_that_are_not_numbers_are_a_type_error(step):
    from decimal import Decimal
    from fractions import Fraction

    for bad in (step, Decimal("1"), Fraction(1, 2)):
        with pytest.raises(TypeError, match=r"^constant: step must be an integer or a float"):
            jaxsched.constant(value=1.0)(bad)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: jaxsched.constant(value=10**400), "value must be finite, got 1000"),
        (lambda: jaxsched.parse("constant(value=1" + "0" * 400 + ")"), "value must be finite"),
        (lambda: jaxsched.from_config({"schedule": "constant", "value": 10**400}), "value must be finite"),
        (lambda: jaxsched.cosine(init_value=1.0, total_steps=10**400), "total_steps must be finite"),
        (lambda: jaxsched.constant(value=1e39), "value must be within the float32 range"),
        (lambda: jaxsched.linear(init_value=1.0, end_value=-1e39, total_steps=10), "end_value must be within"),
        (lambda: jaxsched.constant(value=1e-40), "value must be 0 or at least 1.175e-38 in magnitude"),
    ],
)
def test_values_beyond_float32_are_refused(build, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        build()


def test_extreme_values_within_float32_never_give_nan():
    s = jaxsched.linear(init_value=3e38, end_value=-3e38, total_steps=10)
    values = np.asarray(s(np.arange(12)))
    assert np.isfinite(values).all()
    np.testing.assert_allclose(values[[0, 5, 10]], [3e38, 0.0, -3e38], rtol=1e-6, atol=1e32)


def test_parse_refuses_repeated_keywords():
    with pytest.raises(ValueError, match=r"^parse: constant: keyword argument repeated: value"):
        jaxsched.parse("constant(value=1.0, value=2.0)")


def test_submodules_load_on_first_use():
    import subprocess
    import sys

    code = (
        "import sys, jaxsched; assert 'jaxsched.plotting' not in sys.modules; jaxsched.optax_compat; jaxsched.plotting"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.slow
def test_a_stack_from_a_vmap_sweep_is_callable_eagerly():
    """Issue 10, item 12: result shape batch + step shape, and a repr that does not pretend to be a spec."""
    peaks, warmups = jnp.array([1.0, 2.0, 3.0]), jnp.array([0, 10, 20])
    stack = jax.vmap(lambda p, w: jaxsched.warmup_cosine(peak_value=p, warmup_steps=w, total_steps=100))(peaks, warmups)
    steps = np.array([0, 5, 50, 100])
    expected = [
        np.asarray(jaxsched.warmup_cosine(peak_value=float(p), warmup_steps=int(w), total_steps=100)(steps))
        for p, w in zip(peaks, warmups, strict=True)
    ]
    np.testing.assert_array_equal(np.asarray(stack(steps)), expected)
    np.testing.assert_array_equal(np.asarray(stack(5)), np.asarray(expected)[:, 1])
    np.testing.assert_array_equal(np.asarray(jax.jit(lambda s, t: s(t))(stack, steps)), expected)
    assert repr(stack) == "warmup_cosine(<stack of (3,)>)"
    with pytest.raises(ValueError, match=r"^parse: not a valid schedule spec"):
        jaxsched.parse(repr(stack))
    grid = jax.vmap(jax.vmap(lambda p: jaxsched.cosine(init_value=p, total_steps=10)))(jnp.ones((2, 3)))
    assert grid(np.arange(4)).shape == (2, 3, 4) and grid(3).shape == (2, 3)


# --- neutral values ------------------------------------------------------------------
NEUTRAL = [  # (constructor, arguments, the field whose default changes nothing, another value)
    (jaxsched.cosine, {"init_value": 0.1, "total_steps": 1000, "end_value": 0.01}, "exponent", 2.0),
    (jaxsched.warmup_cosine, {"peak_value": 0.1, "warmup_steps": 50, "total_steps": 1000}, "exponent", 0.5),
    (jaxsched.sgdr, {"peak_value": 0.1, "cycle_steps": 100, "cycle_mult": 2.0}, "decay_rate", 0.5),
    (jaxsched.sgdr, {"peak_value": 0.1, "cycle_steps": 100}, "cycle_mult", 2.0),
    (jaxsched.cyclic, {"min_value": 0.1, "max_value": 1.0, "up_steps": 30}, "decay_rate", 0.5),
    (jaxsched.cyclic_momentum, {"min_value": 0.85, "max_value": 0.95, "up_steps": 30}, "decay_rate", 0.5),
]


@pytest.mark.parametrize("make, kw, name, other", NEUTRAL, ids=[f"{n[0].__name__}-{n[2]}" for n in NEUTRAL])
def test_neutral_values_are_skipped_by_the_eager_program(make, kw, name, other):
    """An exponent, a decay rate or a cycle multiplier of 1 changes nothing: the schedule keeps it as a
    leaf (stacks and jit arguments are unchanged), the eager program skips its arithmetic (no power
    for every step), and every path gives the same bits."""
    plain, changed = make(**kw), make(**kw, **{name: other})
    steps = np.arange(0, 1100, 7).astype(np.int32)
    want = np.asarray(plain(steps)).view(np.int32)
    as_argument = jax.jit(lambda s, t: s(t))(plain, jnp.asarray(steps))  # the arithmetic, then selected
    np.testing.assert_array_equal(np.asarray(as_argument).view(np.int32), want)
    assert jax.tree_util.tree_structure(plain) == jax.tree_util.tree_structure(changed)  # they stack

    def size(s) -> int:  # of the eager program
        s(0)
        return instructions(*s._packed, jnp.int32(5))

    assert size(plain) < size(changed)


def test_gradient_at_a_neutral_exponent():
    """A traced exponent of 1 takes the skipping program's bits, and the derivative of the power."""

    def f(e):
        return jaxsched.cosine(init_value=1.0, total_steps=100, exponent=e)(30)

    numeric = (float(f(1.001)) - float(f(0.999))) / 0.002
    assert float(jax.grad(f)(1.0)) == pytest.approx(numeric, rel=1e-3) and abs(numeric) > 0.1
