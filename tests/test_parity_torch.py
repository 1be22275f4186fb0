"""Parity: jaxsched schedules against the real ``torch.optim.lr_scheduler``.

Each PyTorch scheduler drives a real ``torch.optim.SGD``; its learning rate
(``param_groups[0]["lr"]``) is read before every step, over whole schedules.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import jax.numpy as jnp
import numpy as np
import pytest

import jaxsched

HOW = "the parity tests need torch: run `make test`, or `pip install -e '.[parity]'`"
torch = pytest.importorskip("torch", reason=HOW)
lr_scheduler = torch.optim.lr_scheduler

pytestmark = pytest.mark.parity
RTOL = 1e-5


@dataclasses.dataclass(frozen=True)
class Case:
    id: str
    lr: float
    torch: Callable[[Any], Any]  # optimizer -> torch scheduler
    ours: Callable[[], jaxsched.Schedule]
    steps: int  # steps 0 .. steps - 1 are compared


def _cases():
    lr = 0.1
    for mode, up, down, gamma, n in [
        ("triangular", 10, None, 1.0, 100),
        ("triangular", 7, 13, 1.0, 150),
        ("triangular2", 10, None, 1.0, 200),
        ("triangular2", 5, 11, 1.0, 200),
        ("exp_range", 10, None, 0.99, 200),
        ("exp_range", 6, 9, 0.995, 300),
    ]:
        # triangular: decay_rate 1; triangular2: 0.5 per cycle; exp_range: gamma per step.
        rate, period = {"triangular": (1.0, None), "triangular2": (0.5, None), "exp_range": (gamma, 1)}[mode]
        yield Case(
            f"CyclicLR[{mode},up={up},down={down},gamma={gamma}]",
            lr,
            lambda o, mode=mode, up=up, down=down, gamma=gamma: lr_scheduler.CyclicLR(
                o, 0.01, 0.1, step_size_up=up, step_size_down=down, mode=mode, gamma=gamma, cycle_momentum=False
            ),
            lambda up=up, down=down, rate=rate, period=period: jaxsched.cyclic(
                min_value=0.01, max_value=0.1, up_steps=up, down_steps=down, decay_rate=rate, period=period
            ),
            n,
        )
    for anneal, three, total, pct, div, final_div in [
        ("cos", False, 100, 0.3, 25.0, 1e4),
        ("linear", False, 97, 0.25, 25.0, 1e4),
        ("cos", True, 100, 0.3, 25.0, 1e4),
        ("linear", True, 120, 0.4, 25.0, 1e4),
        ("cos", False, 1000, 0.1, 25.0, 1e4),
        ("cos", False, 200, 0.25, 10.0, 100.0),
        ("linear", True, 150, 0.3, 5.0, 1e3),
    ]:
        # div_factor and final_div_factor are absolute values here: None for PyTorch's defaults.
        init, end = (None, None) if (div, final_div) == (25.0, 1e4) else (0.1 / div, 0.1 / div / final_div)
        yield Case(
            f"OneCycleLR[{anneal},three_phase={three},total={total},pct={pct},div={div},final_div={final_div}]",
            lr,
            lambda o, anneal=anneal, three=three, total=total, pct=pct, div=div, final_div=final_div: (
                lr_scheduler.OneCycleLR(
                    o,
                    0.1,
                    total_steps=total,
                    pct_start=pct,
                    anneal_strategy=anneal,
                    div_factor=div,
                    final_div_factor=final_div,
                    three_phase=three,
                    cycle_momentum=False,
                )
            ),
            lambda anneal=anneal, three=three, total=total, pct=pct, init=init, end=end: jaxsched.one_cycle(
                peak_value=0.1,
                total_steps=total,
                pct_start=pct,
                init_value=init,
                end_value=end,
                shape={"cos": "cosine", "linear": "linear"}[anneal],
                three_phase=three,
            ),
            total,
        )
    for t0, mult, eta, n in [(10, 1, 0.0, 50), (10, 2, 0.0, 160), (7, 3, 1e-3, 300)]:
        yield Case(
            f"CosineAnnealingWarmRestarts[T_0={t0},T_mult={mult},eta_min={eta}]",
            lr,
            lambda o, t0=t0, mult=mult, eta=eta: lr_scheduler.CosineAnnealingWarmRestarts(o, t0, mult, eta),
            lambda t0=t0, mult=mult, eta=eta: jaxsched.sgdr(
                peak_value=lr, cycle_steps=t0, cycle_mult=float(mult), end_value=eta
            ),
            n,
        )
    for tmax, eta in [(100, 0.0), (37, 1e-3)]:
        yield Case(
            f"CosineAnnealingLR[T_max={tmax},eta_min={eta}]",
            lr,
            lambda o, tmax=tmax, eta=eta: lr_scheduler.CosineAnnealingLR(o, tmax, eta),
            lambda tmax=tmax, eta=eta: jaxsched.cosine(init_value=lr, total_steps=tmax, end_value=eta),
            tmax + 1,
        )
    yield Case(
        "StepLR[step_size=30,gamma=0.1]",
        lr,
        lambda o: lr_scheduler.StepLR(o, 30, 0.1),
        lambda: jaxsched.step_decay(init_value=lr, period=30, decay_rate=0.1),
        200,
    )
    yield Case(
        "MultiStepLR[milestones=[10,25,70],gamma=0.5]",
        lr,
        lambda o: lr_scheduler.MultiStepLR(o, [10, 25, 70], 0.5),
        lambda: jaxsched.multistep_decay(init_value=lr, boundaries=[10, 25, 70], decay_rate=0.5),
        100,
    )
    yield Case(  # a repeated milestone applies gamma twice there (issue 10, item 16)
        "MultiStepLR[milestones=[1,1,5],gamma=0.5]",
        lr,
        lambda o: lr_scheduler.MultiStepLR(o, [1, 1, 5], 0.5),
        lambda: jaxsched.multistep_decay(init_value=lr, boundaries=[1, 1, 5], decay_rate=0.5),
        10,
    )
    yield Case(
        "ExponentialLR[gamma=0.97]",
        lr,
        lambda o: lr_scheduler.ExponentialLR(o, 0.97),
        lambda: jaxsched.exponential(init_value=lr, decay_rate=0.97, period=1),
        200,
    )
    for total, power in [(50, 1.0), (40, 2.0), (30, 0.5)]:
        yield Case(
            f"PolynomialLR[total_iters={total},power={power}]",
            lr,
            lambda o, total=total, power=power: lr_scheduler.PolynomialLR(o, total, power),
            lambda total=total, power=power: jaxsched.polynomial(
                init_value=lr, end_value=0.0, total_steps=total, power=power
            ),
            total + 20,
        )
    for start, end, total in [(1 / 3, 1.0, 5), (1.0, 0.05, 40), (0.01, 1.0, 100)]:
        yield Case(
            f"LinearLR[start_factor={start:.3g},end_factor={end},total_iters={total}]",
            lr,
            lambda o, start=start, end=end, total=total: lr_scheduler.LinearLR(o, start, end, total),
            lambda start=start, end=end, total=total: jaxsched.linear(
                init_value=lr * start, end_value=lr * end, total_steps=total
            ),
            total + 20,
        )


CASES = list(_cases())


def run(case: Case) -> tuple[np.ndarray, np.ndarray]:
    """(jaxsched values, PyTorch values) at steps ``0 .. case.steps - 1``."""
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=case.lr)
    scheduler = case.torch(optimizer)
    ref = []
    for _ in range(case.steps):
        ref.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    ours = np.asarray(case.ours()(jnp.arange(case.steps, dtype=jnp.int32)), np.float64)
    return ours, np.asarray(ref, np.float64)


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_matches_torch(case):
    ours, ref = run(case)
    np.testing.assert_allclose(ours, ref, rtol=RTOL, atol=0)
