"""``Schedule.phases``: the steps where a schedule changes formula (the command
line's default table and the plots mark them)."""

import pytest
from cases import EXAMPLES

import jaxsched as js

CASES = [
    (js.constant(value=1.0), 100, []),
    (js.linear(init_value=1.0, end_value=0.0, total_steps=40), 100, [40]),
    (js.cosine(init_value=1.0, total_steps=300), 100, []),
    (js.warmup_cosine(peak_value=1.0, warmup_steps=10, total_steps=90), 100, [10, 90]),
    (js.wsd(peak_value=1.0, warmup_steps=10, total_steps=100, decay_steps=20), 100, [10, 80, 100]),
    (js.rsqrt(peak_value=1.0, warmup_steps=7), 100, [7]),
    (js.tri_stage(peak_value=1.0, warmup_steps=5, hold_steps=10, decay_steps=20), 100, [5, 15, 35]),
    (js.step_decay(init_value=1.0, period=30, decay_rate=0.5), 100, [30, 60, 90]),
    (js.exponential(init_value=1.0, decay_rate=0.5, period=30), 100, []),
    (js.exponential(init_value=1.0, decay_rate=0.5, period=30, staircase=True), 100, [30, 60, 90]),
    (js.multistep_decay(init_value=1.0, boundaries=[10, 10, 50], decay_rate=0.5), 100, [10, 50]),
    (js.piecewise_constant(boundaries=[20, 200], values=[1.0, 0.5, 0.1]), 100, [20]),
    (js.cyclic(min_value=0.0, max_value=1.0, up_steps=10, down_steps=30), 100, [10, 40, 50, 80, 90]),
    (js.one_cycle(peak_value=1.0, total_steps=100, pct_start=0.25), 100, [24, 99]),
    (js.one_cycle(peak_value=1.0, total_steps=100, pct_start=0.255), 100, [25, 99]),
    (js.sgdr(peak_value=1.0, cycle_steps=10, cycle_mult=2.0, warmup_steps=5), 100, [5, 15, 35, 75]),
    (js.sgdr(peak_value=1.0, cycle_steps=30, cycle_limit=2), 100, [30, 60]),
    (js.cosine_cycles(init_value=1.0, total_steps=90, cycles=3, restarts=True), 100, [30, 60, 90]),
    (js.noam(d_model=512, warmup_steps=40), 100, [40]),
    (
        js.join(
            [js.linear(init_value=0.0, end_value=1.0, total_steps=10), js.cosine(init_value=1.0, total_steps=50)],
            boundaries=[10],
        ),
        100,
        [10, 60],
    ),
    (js.warmup(js.cosine(init_value=1.0, total_steps=50), warmup_steps=20), 100, [20, 70]),
    (js.offset(js.warmup_cosine(peak_value=1.0, warmup_steps=10, total_steps=90), steps=5), 100, [5, 85]),
    (js.offset(js.cosine(init_value=1.0, total_steps=50), steps=-20), 100, [20, 70]),
    (js.repeat(js.linear(init_value=1.0, end_value=0.0, total_steps=10), period=40), 100, [10, 40, 50, 80, 90]),
    (
        js.multiply([js.warmup_constant(peak_value=1.0, warmup_steps=3), js.cosine(init_value=1.0, total_steps=9)]),
        100,
        [3, 9],
    ),
    (js.scale(js.linear(init_value=1.0, end_value=0.0, total_steps=40), factor=2.0), 30, []),
]


@pytest.mark.parametrize(("schedule", "until", "expected"), CASES, ids=lambda x: getattr(x, "name", None))
def test_phases(schedule, until, expected):
    assert schedule.phases(until) == expected


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_example_has_sorted_phases_in_range(name):
    for make in EXAMPLES[name]:
        phases = make().phases(10_000)
        assert phases == sorted(set(phases)) and all(0 < p <= 10_000 for p in phases)


def test_a_periodic_schedule_lists_its_first_thousand_phases():
    assert len(js.step_decay(init_value=1.0, period=1, decay_rate=0.5).phases(2**31 - 1)) == 1000


def test_phases_of_a_traced_schedule_are_refused():
    import jax

    def f(peak):
        js.constant(value=peak).phases(10)

    with pytest.raises(TypeError, match="constant: phases needs one concrete schedule"):
        jax.jit(f)(1.0)
