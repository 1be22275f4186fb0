"""Multi-device: the sharded example's train step on 8 simulated CPU devices (mesh data=4 x
model=2) gives the same losses and learning rates as on one device."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"
STEPS = 25

# Runs in a fresh process, where XLA_FLAGS takes effect before JAX starts.
SCRIPT = textwrap.dedent(
    """
    import json, sys
    sys.path.insert(0, sys.argv[1])
    import jax
    import numpy as np
    import sharded_train

    steps, out_dir = int(sys.argv[2]), sys.argv[3]
    report = {"device_count": jax.device_count(), "platform": jax.devices()[0].platform}
    for n in (1, 8):
        run = sharded_train.train(num_devices=n, steps=steps)
        params = run["state"].params
        mu = run["state"].opt_state[0].mu  # Adam's first moment, sharded like the parameters
        report[n] = {
            "mesh": dict(run["mesh"].shape),
            "w1_spec": list(params["w1"].sharding.spec),
            "w2_spec": list(params["w2"].sharding.spec),
            "mu_w1_spec": list(mu["w1"].sharding.spec),
            "w1_devices": len(params["w1"].sharding.device_set),
            "w1_shard_shape": list(params["w1"].addressable_shards[0].data.shape),
            "schedule_repr": repr(run["schedule"]),
        }
        np.save(f"{out_dir}/losses_{n}.npy", run["losses"])
        np.save(f"{out_dir}/lrs_{n}.npy", run["lrs"])
        np.save(f"{out_dir}/schedule_{n}.npy", np.asarray(run["schedule"](np.arange(steps))))
    with open(f"{out_dir}/report.json", "w") as f:
        json.dump(report, f)
    """
)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> tuple[dict, pathlib.Path]:
    out = tmp_path_factory.mktemp("sharded")
    env = dict(os.environ)
    env["XLA_FLAGS"] = (env.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=8").strip()
    env["JAX_PLATFORMS"] = "cpu"  # compare like with like: simulated CPU devices, whatever else the machine has
    env.pop("JAX_NUMPY_DTYPE_PROMOTION", None)  # user code: Optax's Adam is not strict-promotion clean
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(EXAMPLES), str(STEPS), str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return json.loads((out / "report.json").read_text()), out


def test_runs_on_8_simulated_devices_with_data_and_model_sharding(runs) -> None:
    report, _ = runs
    assert report["device_count"] == 8 and report["platform"] == "cpu"
    eight, one = report["8"], report["1"]
    assert eight["mesh"] == {"data": 4, "model": 2}
    assert one["mesh"] == {"data": 1, "model": 1}
    assert eight["w1_spec"] == [None, "model"]
    assert eight["w2_spec"] == ["model", None]
    assert eight["mu_w1_spec"] == eight["w1_spec"]
    assert eight["w1_devices"] == 8
    assert eight["w1_shard_shape"] == [16, 32]  # (IN_DIM, HIDDEN / 2): split over 'model'
    assert one["w1_devices"] == 1 and one["w1_shard_shape"] == [16, 64]
    assert eight["schedule_repr"] == one["schedule_repr"]


def test_same_losses_and_learning_rates_on_1_and_8_devices(runs) -> None:
    _, out = runs
    losses_1, losses_8 = np.load(out / "losses_1.npy"), np.load(out / "losses_8.npy")
    lrs_1, lrs_8 = np.load(out / "lrs_1.npy"), np.load(out / "lrs_8.npy")
    assert losses_1.shape == losses_8.shape == lrs_1.shape == (STEPS,)
    assert lrs_1.dtype == lrs_8.dtype == np.float32

    # The learning rate depends on the step only: bit-identical whatever the mesh.
    np.testing.assert_array_equal(lrs_8, lrs_1)
    # and it is the schedule (evaluated inside the compiled step, XLA may round the cosine
    # an ulp away from an eager call, hence a float32 tolerance here).
    np.testing.assert_allclose(lrs_1, np.load(out / "schedule_1.npy"), rtol=1e-6, atol=0)
    assert lrs_1[0] == 0.0 and lrs_1.max() > 0.0

    # Sharded reductions sum in another order: equal up to float32 rounding.
    np.testing.assert_allclose(losses_8, losses_1, rtol=1e-5, atol=1e-7)
    assert losses_1[-5:].mean() < 0.5 * losses_1[0]  # it trains
