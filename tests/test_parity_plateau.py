"""reduce_on_plateau against the real torch.optim.lr_scheduler.ReduceLROnPlateau."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxsched

torch = pytest.importorskip(
    "torch", reason="the parity tests need torch: run `make test`, which installs torch==2.13.0 (CPU)"
)

pytestmark = pytest.mark.parity

LR = 0.3


class MagnitudeReduceLROnPlateau(torch.optim.lr_scheduler.ReduceLROnPlateau):
    """PyTorch's scheduler with the rel threshold measured on |best| (jaxsched's rule)."""

    def _is_better(self, a, best):
        if self.threshold_mode == "rel":
            margin = abs(best) * self.threshold if np.isfinite(best) else 0.0
            return a < best - margin if self.mode == "min" else a > best + margin
        return super()._is_better(a, best)


def torch_lrs(cls, metrics, **kwargs):
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=LR)
    scheduler = cls(optimizer, **kwargs)
    out = []
    for m in metrics:
        scheduler.step(float(m))
        out.append(optimizer.param_groups[0]["lr"])
    return np.array(out)


def ours(metrics, **kwargs):
    kwargs = dict(kwargs)
    kwargs["min_value"] = kwargs.pop("min_lr", 0.0)
    sched = jaxsched.reduce_on_plateau(base=LR, **kwargs)

    @jax.jit
    def go(ms):
        def body(state, m):
            state = sched.update(state, value=m)
            return state, sched(state)

        return jax.lax.scan(body, sched.init(), ms)[1]

    return np.asarray(go(jnp.asarray(metrics, jnp.float32)), np.float64)


def random_metrics(rng, n, negative):
    """A noisy, plateauing sequence on a 1/64 grid (exact in float32 and float64)."""
    walk = 4.0 + np.cumsum(rng.choice([-1, 0, 0, 0, 1], size=n)) / 16
    m = walk + rng.integers(-2, 3, size=n) / 64
    repeat = rng.random(n) < 0.3
    m[1:][repeat[1:]] = m[:-1][repeat[1:]]
    return -m if negative else m


def random_kwargs(rng, mode, threshold_mode):
    return dict(
        mode=mode,
        threshold_mode=threshold_mode,
        threshold=float(rng.choice([1e-4, 3e-3])) if threshold_mode == "rel" else float(rng.choice([0.01, 0.1])),
        patience=int(rng.integers(0, 6)),
        cooldown=int(rng.integers(0, 4)),
        factor=float(rng.choice([0.1, 0.5, 0.8])),
        min_lr=float(rng.choice([0.0, 0.0037, 0.05])),
    )


@pytest.mark.parametrize("threshold_mode", ["rel", "abs"])
@pytest.mark.parametrize("mode", ["min", "max"])
@pytest.mark.parametrize("seed", range(5))
def test_matches_torch_on_positive_metrics(seed, mode, threshold_mode):
    rng = np.random.default_rng([seed, mode == "max", threshold_mode == "abs"])
    kwargs = random_kwargs(rng, mode, threshold_mode)
    metrics = random_metrics(rng, 150, negative=False)
    expected = torch_lrs(torch.optim.lr_scheduler.ReduceLROnPlateau, metrics, **kwargs)
    assert len(np.unique(expected)) > 1, "the sequence should trigger at least one reduction"
    np.testing.assert_allclose(ours(metrics, **kwargs), expected, rtol=1e-5, err_msg=str(kwargs))


@pytest.mark.parametrize("threshold_mode", ["rel", "abs"])
@pytest.mark.parametrize("mode", ["min", "max"])
@pytest.mark.parametrize("seed", range(5))
def test_matches_the_magnitude_variant_on_negative_metrics(seed, mode, threshold_mode):
    rng = np.random.default_rng([seed, mode == "max", threshold_mode == "abs", 7])
    kwargs = random_kwargs(rng, mode, threshold_mode)
    metrics = random_metrics(rng, 150, negative=True)
    expected = torch_lrs(MagnitudeReduceLROnPlateau, metrics, **kwargs)
    assert len(np.unique(expected)) > 1, "the sequence should trigger at least one reduction"
    np.testing.assert_allclose(ours(metrics, **kwargs), expected, rtol=1e-5, err_msg=str(kwargs))


def test_the_deliberate_difference_on_a_flat_negative_metric():
    metrics = np.full(30, -2.0)
    kwargs = dict(patience=3, factor=0.5)
    # PyTorch's bar best * (1 - threshold) lies above a negative best: it never reduces.
    np.testing.assert_array_equal(torch_lrs(torch.optim.lr_scheduler.ReduceLROnPlateau, metrics, **kwargs), LR)
    expected = torch_lrs(MagnitudeReduceLROnPlateau, metrics, **kwargs)
    assert expected[-1] < LR
    np.testing.assert_allclose(ours(metrics, **kwargs), expected, rtol=1e-6)


def test_eps_matches_torch():
    metrics = np.ones(20)
    kwargs = dict(patience=0, factor=0.5, eps=0.02)
    expected = torch_lrs(torch.optim.lr_scheduler.ReduceLROnPlateau, metrics, **kwargs)
    assert expected[-1] > LR * 0.5**10  # eps stopped the reductions
    np.testing.assert_allclose(ours(metrics, **kwargs), expected, rtol=1e-6)


def test_nan_matches_torch():
    metrics = np.array([2.0, np.nan, 1.0, np.nan, np.nan, np.nan, 0.5, np.nan, np.nan])
    for mode in ("min", "max"):
        kwargs = dict(patience=1, factor=0.5, mode=mode)
        expected = torch_lrs(torch.optim.lr_scheduler.ReduceLROnPlateau, metrics, **kwargs)
        np.testing.assert_allclose(ours(metrics, **kwargs), expected, rtol=1e-6)


def test_accumulation_equals_torch_on_the_means():
    rng = np.random.default_rng(3)
    metrics = random_metrics(rng, 120, negative=False)
    kwargs = dict(patience=2, factor=0.5, cooldown=1)
    means = metrics.reshape(-1, 4).mean(axis=1)
    expected = torch_lrs(torch.optim.lr_scheduler.ReduceLROnPlateau, means, **kwargs)
    assert len(np.unique(expected)) > 1
    got = ours(metrics, accumulation_steps=4, **kwargs)
    np.testing.assert_allclose(got[3::4], expected, rtol=1e-5)


def edge_metrics(rng, n, kwargs):
    """Float32 metrics fed to torch one by one, each drawn at or next to the bar of torch's current
    best (a few ulps either side, or at the best itself) or anywhere near it: the threshold's edge."""
    param = torch.nn.Parameter(torch.zeros(1))
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(torch.optim.SGD([param], lr=LR), **kwargs)
    sign = 1.0 if kwargs["mode"] == "max" else -1.0
    metrics = [np.float32(rng.uniform(1, 10))]
    for _ in range(n - 1):
        scheduler.step(float(metrics[-1]))
        best, t = scheduler.best, kwargs["threshold"]
        bar = best * (1 + sign * t) if kwargs["threshold_mode"] == "rel" else best + sign * t
        if rng.random() < 0.7:
            m = np.float32(bar)
            for _ in range(int(rng.integers(-3, 4))):  # a few ulps either side
                m = np.nextafter(m, np.float32(np.inf if rng.random() < 0.5 else -np.inf))
        else:
            m = np.float32(best * (1 + rng.normal(0, 3 * t)))
        metrics.append(m)
    return np.array(metrics, np.float32)


@pytest.mark.parametrize("threshold_mode", ["rel", "abs"])
@pytest.mark.parametrize("mode", ["min", "max"])
@pytest.mark.parametrize("seed", range(3))
def test_decisions_at_the_threshold_edge_match_torch(seed, mode, threshold_mode):
    """Issue 10, item 5: the same decisions as PyTorch's float64 comparisons, for float32 metrics
    at and next to the bar (a float32 comparison made 9 of 600 such decisions differently)."""
    rng = np.random.default_rng([seed, mode == "max", threshold_mode == "abs", 11])
    kwargs = dict(mode=mode, threshold_mode=threshold_mode, patience=1, factor=0.5, min_lr=0.0)
    kwargs["threshold"] = float(rng.choice([1e-4, 3e-3, 0.1])) if threshold_mode == "rel" else 0.01
    metrics = edge_metrics(rng, 200, kwargs)
    expected = torch_lrs(torch.optim.lr_scheduler.ReduceLROnPlateau, metrics, **kwargs)
    assert len(np.unique(expected)) > 3
    np.testing.assert_allclose(ours(metrics, **kwargs), expected, rtol=1e-6, err_msg=str(kwargs))
