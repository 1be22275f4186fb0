"""Parity: ``jaxsched.from_hf`` against the real ``transformers.get_scheduler``.

Each transformers scheduler drives a real ``torch.optim.SGD``; its learning
rate is read before every step, over the whole schedule.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import jax.numpy as jnp
import numpy as np
import pytest

import jaxsched

HOW = "the parity tests need torch and transformers: run `make test`, or `pip install -e '.[parity]'`"
torch = pytest.importorskip("torch", reason=HOW)
transformers = pytest.importorskip("transformers", reason=HOW)

pytestmark = pytest.mark.parity
RTOL = 1e-5
PEAK = 3e-4


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    warmup: int | None
    total: int | None
    kwargs: dict[str, Any]
    steps: int  # steps 0 .. steps - 1 are compared

    @property
    def id(self) -> str:
        extra = ",".join(f"{k}={v}" for k, v in self.kwargs.items())
        return f"{self.name}[w={self.warmup},T={self.total}{',' if extra else ''}{extra}]"


def _cases():
    yield Case("linear", 10, 200, {}, 230)
    yield Case("linear", 0, 50, {}, 60)
    yield Case("linear", 1, 2, {}, 5)
    yield Case("cosine", 10, 200, {}, 201)
    yield Case("cosine", 0, 97, {}, 98)
    yield Case("cosine", 10, 210, {"num_cycles": 1.0}, 211)
    yield Case("cosine", 5, 103, {"num_cycles": 1.5}, 104)
    yield Case("cosine", 0, 1000, {"num_cycles": 3}, 1001)
    yield Case("cosine_with_restarts", 10, 200, {}, 230)
    yield Case("cosine_with_restarts", 10, 310, {"num_cycles": 3}, 340)
    yield Case("cosine_with_restarts", 7, 107, {"num_cycles": 3}, 130)
    yield Case("cosine_with_restarts", 0, 1000, {"num_cycles": 4}, 1010)
    yield Case("cosine_with_restarts", 10, 410, {"num_cycles": 1.5}, 420)  # fractional (issue 10, item 16)
    yield Case("cosine", 0, 500, {"num_cycles": 0.3}, 501)
    yield Case("polynomial", 10, 200, {}, 230)
    yield Case("polynomial", 20, 300, {"lr_end": 1e-5, "power": 2.0}, 330)
    yield Case("polynomial", 0, 77, {"lr_end": 0.0, "power": 0.5}, 90)
    yield Case("constant", None, None, {}, 50)
    yield Case("constant_with_warmup", 25, None, {}, 100)
    yield Case("constant_with_warmup", 0, 100, {}, 20)
    yield Case("inverse_sqrt", 100, None, {}, 1000)
    yield Case("inverse_sqrt", 0, None, {}, 300)
    yield Case("inverse_sqrt", 10, None, {"timescale": 50}, 300)
    yield Case("cosine_with_min_lr", 10, 200, {"min_lr": 1e-5}, 201)
    yield Case("cosine_with_min_lr", 0, 150, {"min_lr_rate": 0.1}, 151)
    yield Case("cosine_with_min_lr", 5, 205, {"min_lr_rate": 0.05, "num_cycles": 1.0}, 206)
    yield Case("cosine_warmup_with_min_lr", 10, 200, {"min_lr_rate": 0.1}, 200)
    yield Case("cosine_warmup_with_min_lr", 10, 200, {"min_lr": 1e-5, "warmup_lr_rate": 0.1}, 200)
    yield Case("cosine_warmup_with_min_lr", 0, 120, {"min_lr_rate": 0.0}, 120)
    yield Case("cosine_warmup_with_min_lr", 1, 50, {"min_lr_rate": 0.2, "warmup_lr_rate": 0.5}, 50)
    yield Case("cosine_warmup_with_min_lr", 7, 107, {"min_lr_rate": 0.1, "num_cycles": 1.5}, 107)
    wsd = "warmup_stable_decay"
    yield Case(wsd, 10, 200, {"num_decay_steps": 50}, 230)
    yield Case(wsd, 10, 200, {"num_decay_steps": 50, "decay_type": "linear", "min_lr_ratio": 0.1}, 230)
    yield Case(wsd, 10, 200, {"num_decay_steps": 37, "decay_type": "1-sqrt"}, 230)
    yield Case(wsd, 20, 200, {"num_decay_steps": 50, "warmup_type": "cosine", "min_lr_ratio": 0.05}, 230)
    yield Case(wsd, 20, 200, {"num_decay_steps": 50, "warmup_type": "1-sqrt", "decay_type": "linear"}, 230)
    yield Case(wsd, 10, None, {"num_decay_steps": 30, "num_stable_steps": 60}, 120)
    yield Case(wsd, 10, 200, {"num_decay_steps": 60, "num_cycles": 1.0, "min_lr_ratio": 0.1}, 230)
    yield Case(wsd, 12, 200, {"num_decay_steps": 60, "num_cycles": 1.5, "warmup_type": "1-sqrt"}, 230)
    yield Case(wsd, 0, 100, {"num_decay_steps": 100, "decay_type": "linear"}, 120)


CASES = list(_cases())


def run(case: Case) -> tuple[np.ndarray, np.ndarray]:
    """(jaxsched values, transformers values) at steps ``0 .. case.steps - 1``."""
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=PEAK)
    scheduler = transformers.get_scheduler(
        case.name,
        optimizer,
        num_warmup_steps=case.warmup,
        num_training_steps=case.total,
        scheduler_specific_kwargs=dict(case.kwargs),
    )
    ref = []
    for _ in range(case.steps):
        ref.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    schedule = jaxsched.from_hf(
        case.name, peak_value=PEAK, num_warmup_steps=case.warmup, num_training_steps=case.total, **case.kwargs
    )
    ours = np.asarray(schedule(jnp.arange(case.steps, dtype=jnp.int32)), np.float64)
    return ours, np.asarray(ref, np.float64)


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_matches_transformers(case):
    ours, ref = run(case)
    np.testing.assert_allclose(ours, ref, rtol=RTOL, atol=0)


def test_every_step_function_scheduler_is_covered():
    names = {t.value for t in transformers.SchedulerType} - {"reduce_lr_on_plateau", "greedy"}
    assert names == {c.name for c in CASES}
    assert names == set(jaxsched._hf.HF_KWARGS)
