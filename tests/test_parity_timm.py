"""Parity: ``sgdr``, ``tanh_decay``, ``step_decay``, ``polynomial`` and ``wsd`` against timm's schedulers.

timm's package ``__init__`` imports torchvision (which has no build on every
platform), so only the files of ``timm/scheduler`` that the comparison needs
are loaded, under a private package name; they need torch alone. The
schedulers are stepped per update (``t_in_epochs=False``, ``step_update``),
with no warmup and no noise, and drive a real ``torch.optim.SGD``.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import sys
import types
from collections.abc import Callable
from typing import Any

import jax.numpy as jnp
import numpy as np
import pytest

import jaxsched

HOW = "the timm parity tests need torch and timm: run `make test`, or `pip install --no-deps timm` next to torch"
torch = pytest.importorskip("torch", reason=HOW)

pytestmark = pytest.mark.parity
RTOL = 1e-5
_PACKAGE = "_jaxsched_parity_timm_scheduler"


def load_timm_schedulers() -> dict[str, Any]:
    """timm's scheduler classes, loaded from their files without ``timm/__init__``."""
    spec = importlib.util.find_spec("timm")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip(HOW)
    folder = os.path.join(next(iter(spec.submodule_search_locations)), "scheduler")
    if _PACKAGE not in sys.modules:
        package = types.ModuleType(_PACKAGE)
        package.__path__ = [folder]
        sys.modules[_PACKAGE] = package
    classes = {}
    try:
        for module, name in [
            ("scheduler", None),
            ("cosine_lr", "CosineLRScheduler"),
            ("tanh_lr", "TanhLRScheduler"),
            ("step_lr", "StepLRScheduler"),
            ("poly_lr", "PolyLRScheduler"),
            ("wsd_lr", "WSDLRScheduler"),
        ]:
            full = f"{_PACKAGE}.{module}"
            if full not in sys.modules:
                file_spec = importlib.util.spec_from_file_location(full, os.path.join(folder, f"{module}.py"))
                loaded = importlib.util.module_from_spec(file_spec)
                sys.modules[full] = loaded
                file_spec.loader.exec_module(loaded)
            if name:
                classes[name] = getattr(sys.modules[full], name)
    except (ImportError, OSError, AttributeError) as err:
        pytest.skip(f"timm's scheduler modules could not be loaded ({err}); {HOW}")
    return classes


@dataclasses.dataclass(frozen=True)
class Case:
    id: str
    timm: str  # class name
    kwargs: dict[str, Any]
    ours: Callable[[], jaxsched.Schedule]
    steps: int


LR = 0.1


def _cases():
    for t0, mul, decay, limit, lr_min, n in [
        (10, 1.0, 1.0, 1, 0.0, 40),
        (10, 1.0, 0.5, 4, 1e-3, 60),
        (10, 2.0, 1.0, 3, 0.0, 100),
        (8, 1.5, 0.7, 4, 1e-4, 90),
        (20, 1.3, 0.9, 5, 0.0, 200),
        (7, 2.5, 1.0, 3, 1e-3, 150),
    ]:
        yield Case(
            f"CosineLRScheduler[t_initial={t0},cycle_mul={mul},cycle_decay={decay},cycle_limit={limit},lr_min={lr_min}]",
            "CosineLRScheduler",
            dict(t_initial=t0, lr_min=lr_min, cycle_mul=mul, cycle_decay=decay, cycle_limit=limit),
            lambda t0=t0, mul=mul, decay=decay, limit=limit, lr_min=lr_min: jaxsched.sgdr(
                peak_value=LR, cycle_steps=t0, cycle_mult=mul, end_value=lr_min, decay_rate=decay, cycle_limit=limit
            ),
            n,
        )
    yield Case(  # the warmup before the first cycle: warmup_prefix=True
        "CosineLRScheduler[t_initial=10,cycle_mul=2.0,cycle_decay=0.5,cycle_limit=3,warmup_t=5,warmup_lr_init=1e-3]",
        "CosineLRScheduler",
        dict(t_initial=10, lr_min=1e-4, cycle_mul=2.0, cycle_decay=0.5, cycle_limit=3, warmup_t=5,
             warmup_lr_init=1e-3, warmup_prefix=True),
        lambda: jaxsched.sgdr(peak_value=LR, cycle_steps=10, cycle_mult=2.0, end_value=1e-4, decay_rate=0.5,
                              cycle_limit=3, warmup_steps=5, init_value=1e-3),
        100,
    )  # fmt: skip
    for t0, lb, ub, lr_min in [(100, -7.0, 3.0, 0.0), (57, -6.0, 2.0, 1e-3)]:
        yield Case(
            f"TanhLRScheduler[t_initial={t0},lb={lb},ub={ub},lr_min={lr_min}]",
            "TanhLRScheduler",
            dict(t_initial=t0, lb=lb, ub=ub, lr_min=lr_min),
            lambda t0=t0, lb=lb, ub=ub, lr_min=lr_min: jaxsched.tanh_decay(
                init_value=LR, total_steps=t0, end_value=lr_min, lower=lb, upper=ub
            ),
            t0 + 20,
        )
    for size, rate in [(30, 0.5), (7, 0.9)]:
        yield Case(
            f"StepLRScheduler[decay_t={size},decay_rate={rate}]",
            "StepLRScheduler",
            dict(decay_t=size, decay_rate=rate),
            lambda size=size, rate=rate: jaxsched.step_decay(init_value=LR, period=size, decay_rate=rate),
            200,
        )
    for t0, power, lr_min in [(100, 0.5, 1e-4), (60, 2.0, 0.0)]:
        yield Case(
            f"PolyLRScheduler[t_initial={t0},power={power},lr_min={lr_min}]",
            "PolyLRScheduler",
            dict(t_initial=t0, power=power, lr_min=lr_min),
            lambda t0=t0, power=power, lr_min=lr_min: jaxsched.polynomial(
                init_value=LR, end_value=lr_min, total_steps=t0, power=power
            ),
            t0 + 20,
        )
    for shape in ("1-sqrt", "linear", "cosine"):
        yield Case(
            f"WSDLRScheduler[t_initial=100,decay_t=20,decay_fn={shape},warmup_t=10]",
            "WSDLRScheduler",
            dict(t_initial=100, decay_t=20, lr_min=1e-4, decay_fn=shape, warmup_t=10, warmup_lr_init=1e-3),
            lambda shape=shape: jaxsched.wsd(
                peak_value=LR,
                warmup_steps=10,
                total_steps=110,
                decay_steps=20,
                shape=shape,
                init_value=1e-3,
                end_value=1e-4,
            ),
            130,
        )


CASES = list(_cases())


def run(case: Case) -> tuple[np.ndarray, np.ndarray]:
    """(jaxsched values, timm values) at steps ``0 .. case.steps - 1``."""
    cls = load_timm_schedulers()[case.timm]
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=LR)
    scheduler = cls(optimizer, t_in_epochs=False, **case.kwargs)
    ref = []
    for t in range(case.steps):
        scheduler.step_update(num_updates=t)
        ref.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
    ours = np.asarray(case.ours()(jnp.arange(case.steps, dtype=jnp.int32)), np.float64)
    return ours, np.asarray(ref, np.float64)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_matches_timm(case):
    ours, ref = run(case)
    np.testing.assert_allclose(ours, ref, rtol=RTOL, atol=0)
