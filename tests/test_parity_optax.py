"""Parity: ``jaxsched.optax_compat`` against the real ``optax.schedules``.

Optax is evaluated in float64 (``jax.enable_x64``): its float32 formulas lose
up to 0.3% next to the end of a cosine decay (``1 + cos(x)`` cancels), which
would hide the comparison. The same builder is called on both modules.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from helpers import bucket, enable_x64

from jaxsched import optax_compat

pytestmark = pytest.mark.parity
RTOL = 1e-5


@dataclasses.dataclass(frozen=True)
class Case:
    id: str
    build: Callable[[Any], Any]  # module -> schedule
    horizon: int  # every step in [0, horizon) is compared, plus a few far steps

    def steps(self) -> np.ndarray:
        far = [3 * self.horizon, 10**6, 2**31 - 1]
        steps = np.unique(np.concatenate([np.arange(self.horizon), far])).astype(np.int64)
        # Padded to a power of two, at least 512 steps (repeating the last), so that
        # cases share array shapes and compiled code (Optax's eager per-operation programs).
        return np.pad(steps, (0, max(512, bucket(len(steps))) - len(steps)), mode="edge")


def call(name: str, *args: Any, **kwargs: Any) -> Callable[[Any], Any]:
    return lambda m: getattr(m, name)(*args, **kwargs)


def _fixed() -> Iterator[Case]:
    yield Case("constant", call("constant_schedule", 0.25), 10)
    yield Case("polynomial/basic", call("polynomial_schedule", 1.0, 0.01, 2, 100), 150)
    yield Case("polynomial/begin", call("polynomial_schedule", 1.0, 0.01, 2, 100, transition_begin=5), 150)
    yield Case("polynomial/growth", call("polynomial_schedule", 0.1, 2.0, 0.5, 37, 11), 80)
    yield Case("linear/basic", call("linear_schedule", 1.0, 0.0, 100), 150)
    yield Case("linear/one-step", call("linear_schedule", 0.0, 1.0, 1), 5)
    yield Case("linear/begin", call("linear_schedule", 3e-4, 3e-5, 1000, 250), 1400)
    yield Case("piecewise_constant/basic", call("piecewise_constant_schedule", 1.0, {100: 0.1, 200: 0.01}), 300)
    yield Case("piecewise_constant/unsorted", call("piecewise_constant_schedule", 0.5, {30: 2.0, 10: 0.5, 0: 0.9}), 40)
    yield Case("piecewise_constant/none", call("piecewise_constant_schedule", 0.5), 5)
    yield Case("piecewise_constant/zero-scale", call("piecewise_constant_schedule", 0.5, {3: 0.0}), 6)
    yield Case("exponential/basic", call("exponential_decay", 1.0, 10, 0.5), 200)
    yield Case("exponential/staircase", call("exponential_decay", 1.0, 7, 0.9, staircase=True), 200)
    yield Case("exponential/begin-end", call("exponential_decay", 2.0, 10, 0.5, 25, end_value=0.1), 150)
    yield Case("exponential/growth", call("exponential_decay", 1e-3, 5, 1.5, end_value=0.02), 60)
    yield Case("exponential/growth-stair", call("exponential_decay", 1e-3, 5, 2.0, 3, True, 0.05), 60)
    yield Case("exponential/rate-1", call("exponential_decay", 0.3, 5, 1.0, end_value=0.5), 20)
    yield Case("cosine_decay/basic", call("cosine_decay_schedule", 1.0, 1000), 1100)
    yield Case("cosine_decay/alpha", call("cosine_decay_schedule", 0.1, 333, alpha=0.05), 400)
    yield Case("cosine_decay/exponent", call("cosine_decay_schedule", 1.0, 100, 0.1, 2.5), 120)
    yield Case("cosine_decay/alpha>1", call("cosine_decay_schedule", 0.5, 50, 3.0), 60)
    for kind in ("linear", "cosine"):
        yield Case(f"interpolate/{kind}", call("piecewise_interpolate_schedule", kind, 1.0, {4: 0.1, 8: 0.01}), 12)
        yield Case(
            f"interpolate/{kind}-zero",
            call("piecewise_interpolate_schedule", kind, 2.0, {0: 0.5, 50: 3.0, 90: 0.1}),
            120,
        )
        yield Case(f"interpolate/{kind}-none", call("piecewise_interpolate_schedule", kind, 2.0, None), 5)
        table = {2000: 30.0, 2500: 1e-3}
        yield Case(f"interpolate/{kind}-long", call("piecewise_interpolate_schedule", kind, 1e-4, table), 2600)
    yield Case("linear_onecycle/default", call("linear_onecycle_schedule", 1000, 0.1), 1100)
    yield Case("linear_onecycle/odd", call("linear_onecycle_schedule", 97, 2.0, 0.25, 0.7, 10.0, 100.0), 120)
    yield Case("linear_onecycle/zero-start", call("linear_onecycle_schedule", 50, 1.0, 0.0, 0.5), 60)
    yield Case("linear_onecycle/short", call("linear_onecycle_schedule", 4, 1.0, 0.3, 0.6), 8)
    yield Case("cosine_onecycle/default", call("cosine_onecycle_schedule", 1000, 0.1), 1100)
    yield Case("cosine_onecycle/odd", call("cosine_onecycle_schedule", 77, 3.0, 0.41, 5.0, 50.0), 100)
    yield Case("cosine_onecycle/zero-start", call("cosine_onecycle_schedule", 20, 1.0, 0.0), 30)
    yield Case("cosine_onecycle/short", call("cosine_onecycle_schedule", 2, 1.0, 0.5), 4)
    yield Case("warmup_constant/basic", call("warmup_constant_schedule", 0.0, 1.0, 10), 20)
    yield Case("warmup_constant/init", call("warmup_constant_schedule", 0.3, 0.1, 7), 20)
    yield Case("warmup_cosine/basic", call("warmup_cosine_decay_schedule", 0.0, 1.0, 100, 1000), 1100)
    yield Case("warmup_cosine/no-warmup", call("warmup_cosine_decay_schedule", 0.0, 1.0, 0, 500, 0.01), 600)
    yield Case("warmup_cosine/all", call("warmup_cosine_decay_schedule", 1e-5, 3e-4, 37, 411, 1e-5, 1.7), 500)
    yield Case("warmup_cosine/peak0", call("warmup_cosine_decay_schedule", 0.1, 0.0, 5, 50), 60)
    yield Case("warmup_exponential/basic", call("warmup_exponential_decay_schedule", 0.0, 1.0, 10, 10, 0.5), 120)
    yield Case(
        "warmup_exponential/all",
        call("warmup_exponential_decay_schedule", 1e-4, 1e-2, 13, 7, 0.8, 9, True, 1e-3),
        150,
    )
    yield Case("warmup_exponential/no-warmup", call("warmup_exponential_decay_schedule", 0.0, 1.0, 0, 10, 0.5), 60)
    cycles = [
        dict(init_value=0.0, peak_value=1.0, warmup_steps=10, decay_steps=110),
        dict(init_value=0.1, peak_value=0.5, warmup_steps=0, decay_steps=57, end_value=0.05),
        dict(init_value=0.0, peak_value=0.25, warmup_steps=20, decay_steps=200, exponent=2.0),
    ]
    yield Case("sgdr/three", call("sgdr_schedule", cycles), 420)
    yield Case("sgdr/one", call("sgdr_schedule", cycles[:1]), 130)
    yield Case(
        "join/three",
        lambda m: m.join_schedules(
            [m.linear_schedule(0.0, 1.0, 10), m.cosine_decay_schedule(1.0, 90), m.constant_schedule(0.05)],
            [10, 100],
        ),
        130,
    )
    yield Case(
        "join/nested",
        lambda m: m.join_schedules(
            [
                m.exponential_decay(1.0, 5, 0.7),
                m.join_schedules([m.linear_schedule(0.5, 0.0, 20), m.constant_schedule(0.2)], [15]),
            ],
            [30],
        ),
        80,
    )


def _random(seed: int = 0, n: int = 4) -> Iterator[Case]:
    """Random valid inputs, the same on every run (seeded)."""
    rng = np.random.default_rng(seed)

    def u(a, b):
        return float(rng.uniform(a, b))

    def i(a, b):
        return int(rng.integers(a, b))

    for k in range(n):
        init, T, B = u(0.1, 2), i(1, 300), i(0, 40)
        yield Case(f"random/polynomial{k}", call("polynomial_schedule", init, u(0, init), u(0.3, 3), T, B), T + B + 20)
        yield Case(f"random/linear{k}", call("linear_schedule", u(-1, 1), u(-1, 1) + 3, T, B), T + B + 20)
        yield Case(
            f"random/exponential{k}",
            call("exponential_decay", init, i(1, 30), u(0.2, 0.99), B, bool(k % 2), init * u(0, 0.5)),
            T + B + 200,
        )
        yield Case(f"random/cosine{k}", call("cosine_decay_schedule", init, T, u(0, 0.5), u(0.5, 3)), T + 20)
        bounds = np.unique(rng.integers(1, 300, size=i(1, 6)))
        table = {int(b): u(0.05, 3) for b in bounds}
        yield Case(f"random/piecewise_constant{k}", call("piecewise_constant_schedule", init, table), 320)
        kind = ("linear", "cosine")[k % 2]
        yield Case(f"random/interpolate{k}", call("piecewise_interpolate_schedule", kind, init, table), 320)
        T = i(10, 2000)
        yield Case(
            f"random/linear_onecycle{k}",
            call("linear_onecycle_schedule", T, init, u(0.05, 0.45), u(0.5, 0.95), u(2, 50), u(10, 1e4)),
            T + 20,
        )
        yield Case(
            f"random/cosine_onecycle{k}",
            call("cosine_onecycle_schedule", T, init, u(0.05, 0.9), u(2, 50), u(10, 1e4)),
            T + 20,
        )
        w = i(0, 200)
        yield Case(
            f"random/warmup_cosine{k}",
            call("warmup_cosine_decay_schedule", u(0, 0.1), init, w, w + i(1, 800), init * u(0, 0.3), u(0.5, 2)),
            1020,
        )
        yield Case(
            f"random/warmup_exponential{k}",
            call("warmup_exponential_decay_schedule", u(0, 0.1), init, w, i(1, 50), u(0.3, 0.99), i(0, 30)),
            600,
        )


CASES = [*_fixed(), *_random()]


def run(case: Case) -> tuple[np.ndarray, np.ndarray]:
    """(jaxsched values, Optax values in float64) at the distinct steps of ``case.steps()``."""
    steps = case.steps()
    distinct = len(np.unique(steps))  # the padding repeats the last step
    ours = np.asarray(case.build(optax_compat)(jnp.asarray(steps.astype(np.int32))), np.float64)
    with enable_x64(True), jax.numpy_dtype_promotion("standard"):
        reference = case.build(optax.schedules)
        t = jnp.asarray(steps)
        if "interpolate" in case.id or "onecycle" in case.id:  # these take a scalar step only
            ref = np.asarray(jax.vmap(reference)(t), np.float64)
        else:
            ref = np.broadcast_to(np.asarray(reference(t), np.float64), steps.shape)
    return ours[:distinct], ref[:distinct]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_matches_optax(case):
    ours, ref = run(case)
    np.testing.assert_allclose(ours, ref, rtol=RTOL, atol=0)


class _Recorder:
    """Stands for the module and records which constructors a case calls."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def __getattr__(self, name: str) -> Any:
        self.names.add(name)
        return getattr(optax_compat, name)


def test_every_optax_constructor_is_covered():
    optax_names = {
        n for n in dir(optax.schedules) if n.endswith(("_schedule", "_decay", "_schedules")) and not n.startswith("_")
    }
    assert optax_names == set(optax_compat.__all__)
    recorder = _Recorder()
    for case in CASES:
        case.build(recorder)
    assert recorder.names == optax_names
