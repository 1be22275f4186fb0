"""What every schedule compiles to: branch-free (no ``while``, no ``conditional``).

On a GPU each loop iteration or conditional reads its predicate on the host,
a sync inside every training step. Instruction counts, never times.
"""

import re

import jax
import jax.numpy as jnp
import pytest
from cases import params
from helpers import instructions

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


# Extra optimized-HLO instructions per parameter leaf that a schedule may add to a
# step whose learning rate is a float: the schedule is computed once per step
# (``_math.once``); each leaf only reads the result. Optax's schedules add 8-500.
PER_LEAF_BOUND = 6


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
