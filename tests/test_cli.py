"""The command line (``jaxsched`` / ``python -m jaxsched``)."""

import json
import pathlib
import subprocess
import sys

import matplotlib
import numpy as np
import pytest

import jaxsched
import jaxsched.__main__ as cli
from jaxsched.__main__ import main
from jaxsched._core import REGISTRY

matplotlib.use("Agg")

SPEC = "warmup_cosine(peak_value=0.001, warmup_steps=100, total_steps=1000)"
WSD = "wsd(peak_value=0.0003, warmup_steps=100, total_steps=10000, decay_steps=1000)"


def _table(out: str, n_schedules: int = 1) -> tuple[list[str], list[int], np.ndarray]:
    """The header's column names, the steps and the values (one column per schedule) of a printed table."""
    lines = out.splitlines()
    header = lines[n_schedules].split()
    rows = [line.split() for line in lines[n_schedules + 1 :]]
    return header, [int(r[0]) for r in rows], np.array([[float(v) for v in r[1:]] for r in rows])


def _one_line_error(capsys, argv: list[str]) -> str:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("jaxsched: error: ") and len(captured.err.strip().splitlines()) == 1
    return captured.err


def test_prints_values_at_requested_steps(capsys):
    assert main([SPEC, "--steps", "0", "50", "100", "1000"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == SPEC
    header, steps, values = _table(out)
    assert header == ["step", "warmup_cosine"]
    assert steps == [0, 50, 100, 1000]
    np.testing.assert_allclose(values[:, 0], [0.0, 0.0005, 0.001, 0.0], rtol=1e-5)


def test_default_table_shows_every_phase_boundary(capsys):
    assert main([WSD]) == 0
    _, steps, values = _table(capsys.readouterr().out)
    assert steps[0] == 0 and steps == sorted(set(steps))
    assert {99, 100, 8999, 9000, 9999, 10000} <= set(steps)  # warmup end, cooldown start, end: b - 1 and b
    assert steps[-1] == 11000  # the last boundary + 10%
    schedule = jaxsched.parse(WSD)
    np.testing.assert_allclose(values[:, 0], np.asarray(schedule(np.asarray(steps))), rtol=1e-5)


def test_default_steps_cover_the_whole_join(capsys):
    spec = "join(schedules=[constant(value=1.0), cosine(init_value=1.0, total_steps=500)], boundaries=[100])"
    assert main([spec]) == 0
    _, steps, values = _table(capsys.readouterr().out)
    assert {99, 100, 599, 600} <= set(steps)
    assert steps[-1] >= 600 and values[-1, 0] == 0.0  # past the end of the second segment


def test_periodic_schedule_table_stays_short(capsys):
    assert main(["step_decay(init_value=0.1, period=30, decay_rate=0.5)"]) == 0
    _, steps, _ = _table(capsys.readouterr().out)
    assert {29, 30, 59, 60, 179, 180} <= set(steps) and steps[-1] == 198  # six periods + 10%
    assert len(steps) <= 30
    assert main(["step_decay(init_value=0.1, period=30, decay_rate=0.5)", "--total-steps", "30000"]) == 0
    _, steps, _ = _table(capsys.readouterr().out)
    assert steps[-1] == 30000 and 29 in steps and len(steps) <= 40  # the first phases only, not a thousand


def test_schedule_without_phases_gets_a_view(capsys):
    assert main(["rsqrt(peak_value=0.001, warmup_steps=0, timescale=123)"]) == 0
    _, steps, _ = _table(capsys.readouterr().out)
    assert steps[-1] == 1230  # ten timescales
    assert main(["constant(value=0.5)", "--total-steps", "40"]) == 0
    _, steps, values = _table(capsys.readouterr().out)
    assert steps == [0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40] and np.all(values == 0.5)


def test_config_output_round_trips(capsys):
    assert main([SPEC, "--config"]) == 0
    config = json.loads(capsys.readouterr().out)  # the JSON config alone
    assert jaxsched.from_config(config) == jaxsched.parse(SPEC)
    assert main([json.dumps(config), "--steps", "100"]) == 0
    assert "0.001" in capsys.readouterr().out


def test_config_and_plot_together(tmp_path, capsys):
    out = tmp_path / "x.png"
    assert main([WSD, "--config", "--plot", str(out)]) == 0
    captured = capsys.readouterr()
    assert jaxsched.from_config(json.loads(captured.out)) == jaxsched.parse(WSD)
    assert out.stat().st_size > 1000 and f"saved {out}" in captured.err


def test_config_with_steps_prints_both(capsys):
    assert main([SPEC, "--config", "--steps", "100"]) == 0
    out = capsys.readouterr().out
    config, _, table = out.partition("}\n")
    assert jaxsched.from_config(json.loads(config + "}")) == jaxsched.parse(SPEC)
    assert table.splitlines()[0] == SPEC and table.splitlines()[-1].split() == ["100", "0.001"]


def test_config_of_several_specs_is_a_list(capsys):
    assert main([SPEC, WSD, "--config"]) == 0
    configs = json.loads(capsys.readouterr().out)
    assert [jaxsched.from_config(c) for c in configs] == [jaxsched.parse(SPEC), jaxsched.parse(WSD)]


def test_config_file(tmp_path, capsys):
    path = tmp_path / "lr.json"
    path.write_text(json.dumps(jaxsched.parse(WSD).to_config(), indent=2))
    assert main([str(path), "--steps", "9000"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == WSD
    err = _one_line_error(capsys, [str(tmp_path / "missing.json")])
    assert "No such file" in err and "missing.json" in err


def test_several_specs_one_column_each(capsys):
    other = "constant(value=0.5)"
    assert main([SPEC, other, SPEC, "--steps", "0", "100"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[:3] == [SPEC, other, SPEC]
    header, _, values = _table(out, 3)
    assert header == ["step", "warmup_cosine", "1", "constant", "warmup_cosine", "2"]  # "warmup_cosine 1", ...
    np.testing.assert_allclose(values, [[0.0, 0.5, 0.0], [0.001, 0.5, 0.001]], rtol=1e-6)
    assert main([SPEC, other, "--label", "warm", "--label", "flat", "--steps", "0"]) == 0
    assert _table(capsys.readouterr().out, 2)[0] == ["step", "warm", "flat"]


def test_comparison_plot_with_labels_and_log_scale(tmp_path, capsys, monkeypatch):
    drawn = {}
    real_plot = cli.plot

    def spy(*args, **kwargs):
        drawn["ax"] = ax = real_plot(*args, **kwargs)
        return ax

    monkeypatch.setattr(cli, "plot", spy)
    out = tmp_path / "cmp.png"
    assert main([SPEC, WSD, "--log", "--label", "cosine", "wsd", "--plot", str(out)]) == 0
    assert out.stat().st_size > 1000
    ax = drawn["ax"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["cosine", "wsd"]
    assert ax.get_yscale() == "log" and ax.get_xlim() == (0.0, 11000.0)  # the longer horizon of the two
    assert main([SPEC, WSD, "--plot", str(out)]) == 0
    assert [t.get_text() for t in drawn["ax"].get_legend().get_texts()] == ["warmup_cosine", "wsd"]
    assert drawn["ax"].get_yscale() == "linear"
    capsys.readouterr()
    assert "1 label(s) for 2 schedule(s)" in _one_line_error(capsys, [SPEC, WSD, "--label", "a"])


def test_list_shows_every_schedule(capsys):
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == sorted(REGISTRY)
    wsd = next(line for line in lines if line.startswith("wsd "))
    assert wsd.split(maxsplit=1)[1] == jaxsched.wsd.__doc__.strip().splitlines()[0]


def test_show_prints_signature_and_doc(capsys):
    assert main(["show", "wsd"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("wsd(*, peak_value, warmup_steps, total_steps, decay_steps, shape='linear',")
    assert "Warmup-stable-decay" in out and "Args:" in out
    assert main(["show", "clip"]) == 0
    assert capsys.readouterr().out.startswith("clip(schedule, *, min_value=")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["show", "wsdd"], "unknown schedule 'wsdd' (did you mean 'wsd'?)"),
        (["show"], "show needs a schedule's name"),
        (["warmup_cosin(peak_value=1.0)"], "unknown schedule 'warmup_cosin' (did you mean 'warmup_cosine'?)"),
        (["wsd(peak_value=1.0"], "jaxsched: error: "),
        (['{"schedule": "constant", "value": }'], "Expecting value"),
        (['{"schedule": "constant", "valu": 1}'], "did you mean 'value'"),
        (["constant(value=1" + "0" * 400 + ")"], "value must be finite"),
    ],
)
def test_user_errors_are_one_line(capsys, argv, message):
    assert message in _one_line_error(capsys, argv)


def test_plot_without_matplotlib_is_a_clear_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)  # import matplotlib.pyplot: ImportError
    err = _one_line_error(capsys, [SPEC, "--plot", str(tmp_path / "x.png")])
    assert "pip install 'jaxsched[plot]'" in err and not (tmp_path / "x.png").exists()


def test_bad_plot_path_is_a_one_line_error(tmp_path, capsys):
    assert "No such file" in _one_line_error(capsys, [SPEC, "--plot", str(tmp_path / "no" / "x.png")])


def test_bad_options_exit_with_status_2(capsys):
    for argv in ([], [SPEC, "--steps", "x"], [SPEC, "--bogus"]):
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
        assert exit_info.value.code == 2
        assert "jaxsched: error: " in capsys.readouterr().err


def test_a_closed_pipe_is_not_an_error(monkeypatch):
    class ClosedPipe:  # `jaxsched list | head -3`: the reader has gone
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    assert main(["list"]) == 0


@pytest.mark.parametrize("depth", [200, 100_000])
def test_deep_input_is_a_one_line_error(capsys, depth):
    text = (
        '{"schedule": "scale", "factor": 1.0, "schedule_": ' * depth
        + '{"schedule": "constant", "value": 1}'
        + "}" * depth
    )
    _one_line_error(capsys, [text])


def test_module_entry_point_in_a_subprocess():
    def run(*argv: str) -> subprocess.CompletedProcess:
        root = pathlib.Path(__file__).resolve().parent.parent  # this checkout's jaxsched, not an installed one
        return subprocess.run([sys.executable, "-m", "jaxsched", *argv], capture_output=True, text=True, cwd=root)

    ok = run("show", "wsd")
    assert ok.returncode == 0 and ok.stdout.startswith("wsd(*, ")
    bad = run("wsd(peak_value=1)")
    assert bad.returncode == 2 and bad.stdout == ""
    assert (
        bad.stderr.startswith("jaxsched: error: parse: wsd is missing") and len(bad.stderr.splitlines()) == 1
    )  # no traceback
