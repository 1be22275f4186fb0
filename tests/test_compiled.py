"""What every schedule compiles to: branch-free (no ``while``, no ``conditional``).

On a GPU each loop iteration or conditional reads its predicate on the host,
a sync inside every training step. Instruction counts, never times.
"""

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from cases import params
from helpers import instructions

from jaxsched._math import once

# noise draws from JAX's threefry PRNG, which XLA:CPU compiles to a loop over its rounds.
LOOPS_OUTSIDE_JAXSCHED = {"noise"}


def _scalar_and_array(schedule, step, steps):
    return schedule(step), schedule(steps)


@pytest.mark.parametrize("make", params())
def test_branch_free(make):
    schedule = make()
    # One program per schedule: a scalar step and an array of steps.
    lowered = jax.jit(_scalar_and_array).lower(schedule, jnp.int32(5), jnp.arange(4, dtype=jnp.int32))
    hlo = lowered.compile().as_text()
    loops = sorted(set(re.findall(r"\b(while|conditional)\(", hlo)))
    if loops and schedule.name in LOOPS_OUTSIDE_JAXSCHED:
        pytest.xfail(f"{schedule.name}: JAX's threefry compiles to {loops} on {jax.default_backend()}")
    assert loops == [], schedule


STEPS = 100_003  # a size no hyperparameter has


@pytest.mark.parametrize("make", params())
def test_one_loop_over_the_steps(make):
    """``jax.vmap(s)`` over an array of steps compiles to one loop (XLA:CPU's fusion): no array of the
    steps' size is written out and read back between two parts of the arithmetic, which took a
    schedule 2-3x as long. XLA ends a loop where a division, a root or a gather has two readers,
    and where a reduction feeds the rest (sgdr, one_cycle, the 1-sqrt shapes and small tables did)."""
    schedule = make()
    steps = jnp.arange(STEPS, dtype=jnp.int32)
    for program, args in [(lambda t: schedule(t), (steps,)), (lambda s, t: s(t), (schedule, steps))]:
        hlo = jax.jit(jax.vmap(program, (None,) * (len(args) - 1) + (0,))).lower(*args).compile().as_text()
        entry = hlo[hlo.index("\nENTRY") :].splitlines()[1:]
        written = [line for line in entry if re.search(rf"= \S*\[{STEPS}\b", line) and "parameter(" not in line]
        if len(written) > 1 and schedule.name in LOOPS_OUTSIDE_JAXSCHED:
            pytest.xfail(f"{schedule.name}: JAX's threefry writes {len(written)} arrays")
        assert len(written) == 1, (schedule, written)


# Extra optimized-HLO instructions per parameter leaf that a schedule may add to a
# step whose learning rate is a float: the schedule is computed once per step
# (``_math.once``); each leaf only reads the result (1 instruction on CPU, where
# the formula ends in a division; 3 on CPU with the sort that other backends get). Optax's add 8-500.
PER_LEAF_BOUND = 2 if jax.default_backend() == "cpu" else 6


def _instructions(lr, n_leaves: int) -> int:
    """Optimized-HLO instructions of an SGD-with-momentum-like update of ``n_leaves`` leaves."""

    def step(params, count):
        rate = lr(count) if callable(lr) else lr
        return [p - rate * (p * p + 1.0) for p in params]

    args = [jnp.ones((4, 3)) for _ in range(n_leaves)], jnp.int32(7)
    return instructions(step, *args)


@pytest.mark.parametrize("make", params(first_only=True))
def test_computed_once_per_step(make):
    schedule = make()
    growth = [_instructions(schedule, n) - _instructions(0.1, n) for n in (2, 10)]
    per_leaf = (growth[1] - growth[0]) / 8
    assert per_leaf <= PER_LEAF_BOUND, (schedule, growth)


def test_once_keeps_every_bit():
    """``once`` in a compiled step returns its value's every bit: zeros of both signs, subnormals
    (which a float division would flush), infinities, NaN; under vmap and grad it is the identity."""
    values = np.array([0.0, -0.0, 1e-40, -1e-40, np.inf, -np.inf, np.nan, 3e-4, 3.4e38], np.float32)
    step = jax.jit(lambda v: [p * once(v) for p in [jnp.ones(3), jnp.ones(4)]] + [once(v)])
    got = np.array([np.asarray(step(jnp.float32(v))[-1]) for v in values])
    np.testing.assert_array_equal(got.view(np.int32), values.view(np.int32))
    np.testing.assert_array_equal(jax.vmap(once)(values).view(np.int32), values.view(np.int32))
    assert jax.jit(jax.grad(lambda v: once(v * v)))(3.0) == 6.0
