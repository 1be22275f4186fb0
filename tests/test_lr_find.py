"""lr_find, the learning-rate range test: the suggestion lies in the analytically stable range of
quadratics, the values match NumPy references, array and iterator batches agree, bad input is refused."""

from __future__ import annotations

import importlib.util
import pathlib
import re
import sys

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxsched._lr_find import SKIP_END, LRFindResult, lr_find, lr_find_nnx

EXAMPLE = pathlib.Path(__file__).resolve().parent.parent / "examples" / "lr_find.py"


def diagonal_quadratic(curvature: float, num_steps: int = 100, seed: int = 0):
    """``0.5 * sum(c * (w - b) ** 2)`` with ``c = curvature * [0.1, 0.5, 1]`` and noisy targets ``b``:
    gradient descent is stable exactly for ``lr < 2 / curvature``."""
    c = curvature * jnp.array([0.1, 0.5, 1.0])
    targets = 0.05 * jax.random.normal(jax.random.key(seed), (num_steps, 3))
    return (lambda w, b: 0.5 * jnp.sum(c * (w - b) ** 2)), jnp.ones(3), targets


def least_squares(num_steps: int = 100, seed: int = 0, curvature: float = 5.0):
    """``0.5 * mean((x @ w - y) ** 2)`` with one fixed design ``x`` and noisy targets per batch. The
    Hessian ``x.T @ x / n`` is a dense matrix with eigenvalues ``curvature * [0.25, 0.5, 0.75, 1]``:
    gradient descent is stable exactly for ``lr < 2 / curvature``. (On an ill-conditioned problem the
    loss of the flat directions can still fall for a few steps past the bound, and so can the
    steepest descent of the smoothed loss.)"""
    rng = np.random.default_rng(seed)
    u = np.linalg.qr(rng.standard_normal((64, 4)))[0]
    v = np.linalg.qr(rng.standard_normal((4, 4)))[0]
    x = np.sqrt(64 * curvature) * u @ np.diag(np.sqrt([0.25, 0.5, 0.75, 1.0])) @ v.T
    y = x @ rng.standard_normal(4) + 0.1 * rng.standard_normal((num_steps, 64))
    loss_fn = lambda w, y: 0.5 * jnp.mean((jnp.asarray(x, jnp.float32) @ w - y) ** 2)  # noqa: E731
    return loss_fn, jnp.zeros(4), jnp.asarray(y, jnp.float32), curvature


# Problems whose stable range is known: (loss_fn, params, batches, the largest stable lr).
def problems():
    for seed, curvature in enumerate((0.3, 2.0, 50.0)):
        loss_fn, params, batches = diagonal_quadratic(curvature, seed=seed)
        yield f"diagonal-{curvature}", loss_fn, params, batches, optax.sgd, 2 / curvature
    for seed in range(3):
        loss_fn, params, batches, curvature = least_squares(seed=seed)
        yield f"least-squares-{seed}", loss_fn, params, batches, optax.sgd, 2 / curvature
    loss_fn, params, batches, curvature = least_squares()
    # Heavy-ball momentum m is stable below 2 * (1 + m) / L.
    yield "least-squares-momentum", loss_fn, params, batches, lambda lr: optax.sgd(lr, momentum=0.5), 3 / curvature


PROBLEMS = list(problems())


@pytest.mark.parametrize("name, loss_fn, params, batches, optimizer, bound", PROBLEMS, ids=[p[0] for p in PROBLEMS])
def test_the_suggestion_lies_in_the_stable_range(name, loss_fn, params, batches, optimizer, bound):
    result = lr_find(loss_fn, params, batches, optimizer=optimizer, min_lr=bound * 1e-6, max_lr=bound * 1e3)
    assert bound / 100 < result.suggested_lr < bound, (name, result.suggested_lr / bound)
    # The loss cannot diverge while the rate is stable; it does within a few steps (factors of 1.23) past it.
    assert result.stopped_early and result.lrs[-1] > bound, (name, result.lrs[-1] / bound)
    assert 1 <= np.sum(result.lrs > bound) <= 10, (name, result.lrs[-1] / bound)


def test_default_range_on_a_quadratic():
    loss_fn, params, batches = diagonal_quadratic(1.0)
    result = lr_find(loss_fn, params, batches, optimizer=optax.sgd)
    assert 2 / 100 < result.suggested_lr < 2 and result.stopped_early
    assert 2 < result.lrs[-1] and np.sum(result.lrs > 2) <= 10


def sgd_reference(curvature: float, params, targets, lrs: np.ndarray) -> np.ndarray:
    """The losses of SGD on ``diagonal_quadratic`` in float64 NumPy, update k with ``lrs[k]``."""
    c = curvature * np.array([0.1, 0.5, 1.0])
    w, targets, losses = np.array(params, np.float64), np.asarray(targets, np.float64), []
    for lr, b in zip(lrs, targets, strict=False):
        losses.append(0.5 * np.sum(c * (w - b) ** 2))
        w = w - lr * c * (w - b)
    return np.array(losses)


def smoothing_reference(losses: np.ndarray, beta: float) -> np.ndarray:
    average, out = 0.0, []
    for k, loss in enumerate(np.asarray(losses, np.float64)):
        average = beta * average + (1 - beta) * loss
        out.append(average / (1 - beta ** (k + 1)))
    return np.array(out)


@pytest.mark.parametrize("smoothing", [0.98, 0.6, 0.0])
def test_values_match_numpy_references(smoothing):
    loss_fn, params, targets = diagonal_quadratic(2.0, num_steps=60)
    kwargs = {"min_lr": 1e-4, "max_lr": 1.5, "num_steps": 60, "diverge_threshold": 1e30, "smoothing": smoothing}
    result = lr_find(loss_fn, params, targets, optimizer=optax.sgd, **kwargs)
    k = np.arange(60)
    np.testing.assert_allclose(result.lrs, 1e-4 * (1.5 / 1e-4) ** (k / 59), rtol=2e-6)
    assert result.lrs.dtype == np.float32 and not result.stopped_early and len(result.lrs) == 60
    np.testing.assert_allclose(result.losses, sgd_reference(2.0, params, targets, result.lrs), rtol=1e-5)
    np.testing.assert_allclose(result.smoothed_losses, smoothing_reference(result.losses, smoothing), rtol=1e-5)
    if smoothing == 0.0:
        np.testing.assert_array_equal(result.smoothed_losses, result.losses)


def suggestion_reference(result: LRFindResult, num_steps: int) -> float:
    """fastai's steepest point, skipping the first num_steps // 10 and the last 5 points."""
    start, end = num_steps // 10, len(result.lrs) - SKIP_END
    slope = np.gradient(result.smoothed_losses[start:end].astype(float), np.log(result.lrs[start:end].astype(float)))
    return float(result.lrs[start + np.argmin(slope)])


@pytest.mark.parametrize("num_steps", [100, 40])
def test_suggestion_rule(num_steps):
    loss_fn, params, batches, _ = least_squares(num_steps)
    result = lr_find(loss_fn, params, batches, optimizer=optax.sgd, min_lr=1e-5, max_lr=10.0, num_steps=num_steps)
    assert result.suggested_lr == suggestion_reference(result, num_steps)


def test_too_short_a_run_suggests_nan_with_a_warning():
    loss_fn = lambda w, b: jnp.where(b[0] < 4, jnp.sum(w**2), jnp.nan)  # noqa: E731
    batches = jnp.arange(100.0)[:, None]
    with pytest.warns(UserWarning, match=r"lr_find: the run has 5 steps, too few to suggest a learning rate"):
        result = lr_find(loss_fn, jnp.ones(2), batches, optimizer=optax.sgd)
    assert np.isnan(result.suggested_lr) and result.stopped_early and len(result.losses) == 5
    assert np.isnan(result.losses[-1]) and np.all(np.isfinite(result.losses[:-1]))


def stop_reference(smoothed: np.ndarray, threshold: float) -> int:
    """The index of the last step kept: the first whose smoothed loss exceeds threshold * its running minimum."""
    best = np.minimum.accumulate(smoothed)
    over = np.flatnonzero(~np.isfinite(smoothed) | (smoothed > threshold * best))
    return int(over[0]) if len(over) else len(smoothed) - 1


@pytest.mark.parametrize("threshold", [1.5, 4.0, 20.0])
@pytest.mark.parametrize("smoothing", [0.98, 0.5])
def test_early_stop_rule(threshold, smoothing):
    loss_fn, params, batches = diagonal_quadratic(2.0)
    kwargs = {"optimizer": optax.sgd, "min_lr": 1e-3, "max_lr": 30.0, "smoothing": smoothing}
    full = lr_find(loss_fn, params, batches, diverge_threshold=1e30, **kwargs)  # never stops before inf
    result = lr_find(loss_fn, params, batches, diverge_threshold=threshold, **kwargs)
    last = stop_reference(full.smoothed_losses, threshold)
    assert result.stopped_early and len(result.lrs) == last + 1 < len(full.lrs)
    np.testing.assert_array_equal(result.losses, full.losses[: last + 1])
    np.testing.assert_array_equal(result.lrs, full.lrs[: last + 1])


def test_no_stop_in_the_stable_range():
    loss_fn, params, batches = diagonal_quadratic(2.0)
    result = lr_find(loss_fn, params, batches, optimizer=optax.sgd, min_lr=1e-4, max_lr=0.9)
    assert not result.stopped_early and len(result.lrs) == 100 and result.lrs[-1] == pytest.approx(0.9, rel=1e-6)


def test_params_are_not_modified():
    params = {"w": np.ones(3, np.float32), "b": jnp.full((2,), 0.5)}
    before = jax.tree.map(np.array, params)
    loss_fn = lambda p, x: jnp.sum((p["w"] - x) ** 2) + jnp.sum(p["b"] ** 2)  # noqa: E731
    for batches in (jnp.zeros((100, 3)), [jnp.zeros(3)] * 100):
        lr_find(loss_fn, params, batches, optimizer=optax.sgd, min_lr=1e-3, max_lr=100.0)
        assert not params["b"].is_deleted()  # no donated buffers
        jax.tree.map(np.testing.assert_array_equal, params, before)


def test_array_and_iterator_batches_agree():
    loss_fn, params, batches, _ = least_squares(120)
    kwargs = {"optimizer": lambda lr: optax.sgd(lr, momentum=0.5), "min_lr": 1e-5, "max_lr": 30.0}
    from_array = lr_find(loss_fn, params, batches, **kwargs)
    assert from_array.stopped_early and len(from_array.lrs) < 100
    rows = list(batches)
    consumed = []

    def generator():
        for row in rows:
            consumed.append(1)
            yield row

    for other in (rows, iter(rows), generator()):
        result = lr_find(loss_fn, params, other, **kwargs)
        np.testing.assert_array_equal(result.lrs, from_array.lrs)
        np.testing.assert_allclose(result.losses, from_array.losses, rtol=1e-6)
        np.testing.assert_allclose(result.smoothed_losses, from_array.smoothed_losses, rtol=1e-6)
        assert result.suggested_lr == from_array.suggested_lr and result.stopped_early
    assert len(consumed) == len(from_array.lrs)  # the loop ends at the stop


def test_pytree_batches_and_an_adamw_factory():
    w_true = jnp.array([1.0, -2.0, 0.5])
    x = jax.random.normal(jax.random.key(0), (100, 32, 3))
    batches = {"x": x, "y": x @ w_true}
    loss_fn = lambda w, b: jnp.mean((b["x"] @ w - b["y"]) ** 2)  # noqa: E731
    with jax.numpy_dtype_promotion("standard"):  # Optax's Adam mixes float and int32 (user code)
        kwargs = {"optimizer": lambda lr: optax.adamw(lr, weight_decay=0.01), "min_lr": 1e-5, "max_lr": 100.0}
        result = lr_find(loss_fn, jnp.zeros(3), batches, **kwargs)
        rows = [{"x": x[k], "y": batches["y"][k]} for k in range(100)]
        from_list = lr_find(loss_fn, jnp.zeros(3), rows, **kwargs)
    assert result.stopped_early and 1e-5 < result.suggested_lr < result.lrs[-1]
    # a scan and a loop of jitted steps compile apart: after ~80 AdamW steps they may differ by a few ulp
    np.testing.assert_allclose(from_list.losses, result.losses, rtol=1e-5)


def test_only_num_steps_batches_are_used():
    loss_fn, params, batches = diagonal_quadratic(2.0, num_steps=150)
    long = lr_find(loss_fn, params, batches, optimizer=optax.sgd, min_lr=1e-3, max_lr=0.5)
    short = lr_find(loss_fn, params, batches[:100], optimizer=optax.sgd, min_lr=1e-3, max_lr=0.5)
    assert len(long.lrs) == 100
    np.testing.assert_array_equal(long.losses, short.losses)


LOSS, PARAMS, BATCHES = diagonal_quadratic(1.0)
BAD = [
    ({"min_lr": 0.0}, "min_lr must be > 0, got 0.0"),
    ({"min_lr": -1e-3}, "min_lr must be > 0, got -0.001"),
    ({"min_lr": float("nan")}, "min_lr must be a finite real number, got nan"),
    ({"max_lr": float("inf")}, "max_lr must be a finite real number, got inf"),
    ({"max_lr": "1.0"}, "max_lr must be a finite real number, got '1.0'"),
    ({"min_lr": 1e-3, "max_lr": 1e-3}, "max_lr (0.001) must be greater than min_lr (0.001)"),
    ({"min_lr": 1.0, "max_lr": 0.1}, "max_lr (0.1) must be greater than min_lr (1.0)"),
    ({"num_steps": 1}, "num_steps must be a whole number >= 2, got 1"),
    ({"num_steps": 50.0}, "num_steps must be a whole number >= 2, got 50.0"),
    ({"num_steps": True}, "num_steps must be a whole number >= 2, got True"),
    ({"smoothing": 1.0}, "smoothing must be in [0, 1), got 1.0"),
    ({"smoothing": -0.1}, "smoothing must be in [0, 1), got -0.1"),
    ({"diverge_threshold": 1.0}, "diverge_threshold must be > 1, got 1.0"),
    ({"diverge_threshold": 0.5}, "diverge_threshold must be > 1, got 0.5"),
    ({"num_steps": 101}, "batches holds 100 batches (its leading axis), fewer than num_steps (101)"),
    ({"batches": list(BATCHES[:30])}, "batches ran out after 30 batches, before num_steps (100) or a divergence"),
    ({"batches": {"a": BATCHES, "b": BATCHES[:99]}}, "batches holds 99 batches (its leading axis), fewer than "
                                                      "num_steps (100)"),
]  # fmt: skip


@pytest.mark.parametrize("kwargs, message", BAD, ids=[str(k) for k, _ in BAD])
def test_bad_arguments(kwargs, message):
    args = {"batches": BATCHES, "optimizer": optax.sgd} | kwargs
    batches = args.pop("batches")
    loss_fn = (lambda w, b: LOSS(w, b["a"])) if isinstance(batches, dict) else LOSS
    with pytest.raises(ValueError, match="^" + re.escape(f"lr_find: {message}") + "$"):
        lr_find(loss_fn, PARAMS, batches, **args)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"optimizer": 0.1}, "lr_find: optimizer must map a learning rate to an optax.GradientTransformation"),
        ({"optimizer": lambda lr: lr}, "lr_find: optimizer(lr) must return an optax.GradientTransformation"),
        ({"batches": 3.0}, "lr_find: batches must be a pytree of arrays or an iterable of batches, got 3.0"),
    ],
)
def test_bad_types(kwargs, message):
    args = {"batches": BATCHES, "optimizer": optax.sgd} | kwargs
    with pytest.raises(TypeError, match="^" + re.escape(message)):
        lr_find(LOSS, PARAMS, args.pop("batches"), **args)


def test_plot_returns_log_x_axes_with_the_suggestion():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    result = lr_find(LOSS, PARAMS, BATCHES, optimizer=optax.sgd)
    ax = result.plot()
    assert isinstance(ax, matplotlib.axes.Axes) and ax.get_xscale() == "log"
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels[:2] == ["loss", "smoothed loss"] and f"suggested {result.suggested_lr:.3g}" in labels
    np.testing.assert_array_equal(ax.get_lines()[1].get_xdata(), result.lrs)
    given = plt.figure().add_subplot()
    assert result.plot(ax=given) is given
    plt.close("all")


def test_nnx_helper_matches_lr_find_and_leaves_the_model_alone():
    from flax import nnx

    model = nnx.Linear(3, 1, rngs=nnx.Rngs(0))
    before = jax.tree.map(np.array, nnx.state(model))
    x = jax.random.normal(jax.random.key(1), (100, 16, 3))
    batches = (x, x @ jnp.array([[1.0], [0.0], [-1.0]]))
    loss_fn = lambda m, b: jnp.mean((m(b[0]) - b[1]) ** 2)  # noqa: E731
    result = lr_find_nnx(model, loss_fn, batches, optimizer=optax.sgd, min_lr=1e-4, max_lr=10.0)
    jax.tree.map(np.testing.assert_array_equal, nnx.state(model), before)

    def plain(params, b):  # the same model as a function of its parameters
        return jnp.mean((b[0] @ params["kernel"] + params["bias"] - b[1]) ** 2)

    params = {"kernel": model.kernel[...], "bias": model.bias[...]}  # (flax 0.11 has no get_value)
    expected = lr_find(plain, params, batches, optimizer=optax.sgd, min_lr=1e-4, max_lr=10.0)
    np.testing.assert_allclose(result.losses, expected.losses, rtol=1e-5)
    assert result.stopped_early and result.suggested_lr == expected.suggested_lr


def test_example(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("lr_find_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    sys.modules["lr_find_example"] = module
    spec.loader.exec_module(module)
    with jax.numpy_dtype_promotion("standard"):
        out = module.main(["--plot", str(tmp_path / "lr.png")])
    assert out["bound"] / 100 < out["suggested_lr"] < out["bound"] < out["last_lr"]
    assert out["loss_after"] < 0.05 * out["loss_before"]
    assert (tmp_path / "lr.png").stat().st_size > 5000
    printed = capsys.readouterr().out
    assert f"lr_find suggests lr = {out['suggested_lr']:.4g}" in printed and "stable for lr <" in printed
