"""The command line (python -m jaxsched) and the plotting helper."""

import json

import matplotlib
import numpy as np
import pytest

import jaxsched
from jaxsched.__main__ import main
from jaxsched.plotting import plot

matplotlib.use("Agg")

SPEC = "warmup_cosine(peak_value=0.001, warmup_steps=100, total_steps=1000)"


def test_prints_values_at_requested_steps(capsys):
    assert main([SPEC, "--steps", "0", "50", "100", "1000"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == SPEC
    rows = [line.split() for line in out[2:]]
    assert [int(r[0]) for r in rows] == [0, 50, 100, 1000]
    expected = [0.0, 0.0005, 0.001, 0.0]
    np.testing.assert_allclose([float(r[1]) for r in rows], expected, rtol=1e-5)


def test_default_steps_cover_the_whole_join(capsys):
    spec = "join(schedules=[constant(value=1.0), cosine(init_value=1.0, total_steps=500)], boundaries=[100])"
    assert main([spec]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()[2:]]
    assert int(rows[-1][0]) >= 600  # past the end of the second segment
    assert float(rows[-1][1]) == 0.0


def test_config_output_round_trips(capsys):
    assert main([SPEC, "--config"]) == 0
    config = json.loads(capsys.readouterr().out)
    assert jaxsched.from_config(config) == jaxsched.parse(SPEC)
    assert main([json.dumps(config), "--steps", "100"]) == 0
    assert "0.001" in capsys.readouterr().out


def test_bad_spec_is_a_clear_error(capsys):
    assert main(["warmup_cosin(peak_value=1.0)"]) == 2
    err = capsys.readouterr().err
    assert "unknown schedule 'warmup_cosin'" in err and "did you mean 'warmup_cosine'" in err


def test_plot_file(tmp_path, capsys):
    out = tmp_path / "lr.png"
    assert main([SPEC, "--plot", str(out)]) == 0
    assert out.stat().st_size > 1000


def test_plot_draws_each_schedule():
    a = jaxsched.parse(SPEC)
    b = jaxsched.step_decay(init_value=0.001, period=300, decay_rate=0.5)
    ax = plot([a, b], total_steps=1000, labels=["a", "b"])
    assert [line.get_label() for line in ax.lines] == ["a", "b"]
    x, y = ax.lines[1].get_data()
    np.testing.assert_allclose(y, np.asarray(b(np.asarray(x, dtype=np.int32))))
    assert x[0] == 0 and x[-1] == 1000 and 299 in x and 300 in x  # the jump is drawn sharp


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"total_steps": 0}, r"plot: total_steps must be a positive whole number, got 0"),
        ({"total_steps": 10, "num_points": 1}, r"plot: num_points must be at least 2, got 1"),
        ({"total_steps": 10, "labels": ["a", "b"]}, r"plot: labels must have one entry per schedule"),
    ],
)
def test_plot_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        plot(jaxsched.parse(SPEC), **kwargs)


@pytest.mark.parametrize("depth", [200, 100_000])
def test_deep_input_is_a_one_line_error(capsys, depth):
    text = (
        '{"schedule": "scale", "factor": 1.0, "schedule_": ' * depth
        + '{"schedule": "constant", "value": 1}'
        + "}" * depth
    )
    assert main([text]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1
    assert main(["constant(value=1" + "0" * 400 + ")"]) == 2
    assert "value must be finite" in capsys.readouterr().err
