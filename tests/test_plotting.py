"""jaxsched.plotting.plot: what is drawn, the labels, the phases, and the picture itself."""

import io

import matplotlib
import matplotlib.image
import matplotlib.pyplot as plt
import numpy as np
import pytest

import jaxsched
from jaxsched.plotting import default_labels, plot

matplotlib.use("Agg")

WARMUP_COSINE = jaxsched.warmup_cosine(peak_value=1e-3, warmup_steps=100, total_steps=1000)
STEP_DECAY = jaxsched.step_decay(init_value=1e-3, period=300, decay_rate=0.5)
WSD = jaxsched.wsd(peak_value=1e-3, warmup_steps=50, total_steps=1000, decay_steps=200)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _pixels(ax) -> np.ndarray:
    buffer = io.BytesIO()
    ax.figure.savefig(buffer, format="png", dpi=60)
    buffer.seek(0)
    return matplotlib.image.imread(buffer, format="png")[..., :3]


def _phase_lines(ax) -> list[list[float]]:
    """The x of the dotted vertical lines of each schedule."""
    return [sorted({float(x) for segment in c.get_segments() for x in segment[:, 0]}) for c in ax.collections]


def test_the_picture_is_not_blank():
    ax = plot([WARMUP_COSINE, STEP_DECAY], total_steps=1000)
    image = _pixels(ax)
    colours = np.unique((image * 255).round().astype(np.uint8).reshape(-1, 3), axis=0)
    assert len(colours) > 20
    assert np.mean(np.any(image < 0.9, axis=-1)) > 0.02  # lines, text, curves: not a white page
    blue = np.all(np.abs(image - matplotlib.colors.to_rgb("C0")) < 0.05, axis=-1)
    assert blue.sum() > 200  # the first curve is there


def test_draws_each_schedule():
    ax = plot([WARMUP_COSINE, STEP_DECAY], total_steps=1000, labels=["a", "b"])
    assert [line.get_label() for line in ax.lines] == ["a", "b"]
    x, y = ax.lines[1].get_data()
    np.testing.assert_allclose(y, np.asarray(STEP_DECAY(np.asarray(x))))
    assert x[0] == 0 and x[-1] == 1000 and 299 in x and 300 in x  # the jump is drawn sharp
    assert ax.get_xlim() == (0.0, 1000.0)  # no margin past the end


def test_labels_and_title_by_default():
    ax = plot(WARMUP_COSINE, total_steps=1000)
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("step", "learning rate", "warmup_cosine")
    assert ax.get_legend() is None  # one schedule: the title names it
    ax = plot([WARMUP_COSINE, STEP_DECAY, WARMUP_COSINE], total_steps=1000)
    assert ax.get_title() == "learning-rate schedules"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["warmup_cosine 1", "step_decay", "warmup_cosine 2"]  # short names, repeated ones numbered


def test_labels_and_title_given():
    _, given = plt.subplots()
    ax = plot(WSD, total_steps=1000, labels=["WSD"], ax=given, title="my run", ylabel="weight decay")
    assert ax is given
    assert (ax.get_ylabel(), ax.get_title()) == ("weight decay", "my run")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["WSD"]


def test_legend_is_off_the_axes():
    ax = plot([WARMUP_COSINE, WSD], total_steps=1000)
    ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()
    legend_box, axes_box = ax.get_legend().get_window_extent(renderer), ax.get_window_extent(renderer)
    assert legend_box.x0 >= axes_box.x1  # to the right: it never hides a curve
    image = _pixels(ax)  # and the saved figure keeps it (constrained layout)
    assert np.any(image[:, int(image.shape[1] * 0.85) :] < 0.5)


def test_phase_boundaries_are_marked():
    ax = plot([WSD, STEP_DECAY], total_steps=1000)
    assert _phase_lines(ax) == [[50.0, 800.0, 1000.0], [300.0, 600.0, 900.0]]
    for line, collection in zip(ax.lines, ax.collections, strict=True):
        assert collection.get_linestyle()[0][1] is not None  # dashed / dotted, not solid
        np.testing.assert_allclose(collection.get_colors()[0][:3], matplotlib.colors.to_rgb(line.get_color()))
    x, _ = ax.lines[0].get_data()
    assert {49, 50, 799, 800} <= set(x.tolist())


def test_at_most_twenty_phase_lines_per_schedule():
    ax = plot(jaxsched.step_decay(init_value=1.0, period=10, decay_rate=0.9), total_steps=1000)
    assert _phase_lines(ax) == [[float(10 * k) for k in range(1, 21)]]
    x, _ = ax.lines[0].get_data()
    assert {199, 200, 989, 990} <= set(x.tolist())  # every jump drawn sharp, marked or not


def test_log_scale():
    ax = plot([WARMUP_COSINE, STEP_DECAY], total_steps=1000, log_scale=True)
    assert ax.get_yscale() == "log"
    assert plot(STEP_DECAY, total_steps=1000).get_yscale() == "linear"


def test_default_labels():
    assert default_labels([WSD, WSD, STEP_DECAY, WSD]) == ["wsd 1", "wsd 2", "step_decay", "wsd 3"]
    assert default_labels([WARMUP_COSINE]) == ["warmup_cosine"]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"total_steps": 0}, r"plot: total_steps must be a positive whole number, got 0"),
        ({"total_steps": 10.5}, r"plot: total_steps must be a positive whole number, got 10.5"),
        ({"total_steps": True}, r"plot: total_steps must be a positive whole number, got True"),
        ({"total_steps": 10, "num_points": 1}, r"plot: num_points must be at least 2, got 1"),
        ({"total_steps": 10, "labels": ["a", "b"]}, r"plot: labels must have one entry per schedule"),
    ],
)
def test_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        plot(WARMUP_COSINE, **kwargs)


def test_not_a_schedule():
    with pytest.raises(TypeError, match=r"plot: every schedule must be a jaxsched schedule, got <function"):
        plot([WARMUP_COSINE, lambda step: 0.1], total_steps=10)  # type: ignore[list-item]


def test_quickstart_writes_the_demo_figure(tmp_path, capsys):
    """``make demo``'s figure (examples/quickstart.py, a few steps): two panels, schedules and losses."""
    import importlib.util
    import pathlib

    import jax

    path = pathlib.Path(__file__).resolve().parent.parent / "examples" / "quickstart.py"
    spec = importlib.util.spec_from_file_location("quickstart_demo", path)
    assert spec is not None and spec.loader is not None
    quickstart = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(quickstart)
    out = tmp_path / "demo.png"
    with jax.numpy_dtype_promotion("standard"):  # Optax's Adam mixes int and float: user code, default promotion
        quickstart.main(["--steps", "40", "--plot", str(out)])
    assert f"wrote {out}" in capsys.readouterr().out
    image = matplotlib.image.imread(out)[..., :3]
    assert image.shape[1] > 2 * image.shape[0]  # two panels side by side
    assert np.mean(np.any(image < 0.9, axis=-1)) > 0.02
    assert len(np.unique((image * 255).round().astype(np.uint8).reshape(-1, 3), axis=0)) > 20
