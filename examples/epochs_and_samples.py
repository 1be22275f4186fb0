"""Schedules written in epochs and in samples, evaluated per optimizer step.

Two recipes as their papers write them:

- in epochs (PyTorch's ``CosineAnnealingWarmRestarts(T_0=4, T_mult=2)``, CIFAR-10
  at batch 128: 391 steps per epoch), both ways PyTorch users step it: per
  fractional epoch (``scheduler.step(epoch + i / iters)``, continuous) and once per
  epoch (``scheduler.step()``, a staircase);
- in samples (Megatron-LM's ``--lr-warmup-samples`` / ``--lr-decay-samples``,
  global batch 1536): the schedule at the samples consumed so far.

Run: ``python examples/epochs_and_samples.py [--plot units.png]`` (the plot needs
matplotlib).
"""

from __future__ import annotations

import argparse

import numpy as np
import optax

import jaxsched

STEPS_PER_EPOCH = 50_000 // 128 + 1  # 391: CIFAR-10 at batch 128, the last batch partial
EPOCHS = 28  # cycles of 4, 8 and 16 epochs
BATCH = 1536  # Megatron's global batch size, in samples


def schedules() -> dict[str, jaxsched.Schedule]:
    epochs = jaxsched.sgdr(peak_value=0.1, cycle_steps=4, cycle_mult=2.0, end_value=1e-4)  # lengths in epochs
    samples = jaxsched.warmup_cosine(  # lengths in samples
        peak_value=3e-4, warmup_steps=3_000_000, total_steps=300_000_000, init_value=0.0, end_value=3e-5
    )
    return {
        "continuous": jaxsched.per_step(epochs, steps_per_unit=STEPS_PER_EPOCH),
        "staircase": jaxsched.per_step(epochs, steps_per_unit=STEPS_PER_EPOCH, staircase=True),
        "samples": jaxsched.per_step(samples, units_per_step=BATCH),
    }


def main(argv: list[str] | None = None) -> dict[str, jaxsched.Schedule]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plot", default="", help="write a PNG of the three schedules here (needs matplotlib)")
    args = parser.parse_args(argv)
    s = schedules()

    # The continuous form is an ordinary schedule, its lengths in steps: exact, and it serializes as one.
    print("continuous:", repr(s["continuous"]))
    print("staircase: ", repr(s["staircase"]))
    print("samples:   ", repr(s["samples"]))
    print(f"\n{'epoch':>8} {'step':>6} {'continuous':>11} {'staircase':>10}")
    for epoch in (0, 0.5, 1, 3.5, 4, 11.9, 12, 27.99):
        step = round(epoch * STEPS_PER_EPOCH)
        print(f"{epoch:8.2f} {step:6d} {float(s['continuous'](step)):11.6f} {float(s['staircase'](step)):10.6f}")
    print(f"\n{'step':>7} {'samples':>11} {'lr':>10}")
    for step in (0, 977, 1953, 1954, 50_000, 195_312, 195_313, 250_000):
        print(f"{step:7d} {step * BATCH:11d} {float(s['samples'](step)):10.3e}")

    optax.adamw(learning_rate=s["samples"])  # any of them is an Optax schedule of the step count
    if args.plot:
        plot(s, args.plot)
    return s


def plot(s: dict[str, jaxsched.Schedule], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 5.2))
    steps = np.arange(EPOCHS * STEPS_PER_EPOCH)
    for name, style in (("staircase", "-"), ("continuous", "--")):
        top.plot(steps / STEPS_PER_EPOCH, np.asarray(s[name](steps)), style, lw=1.2, label=name)
    top.set(title="sgdr(cycle_steps=4, cycle_mult=2) in epochs, 391 steps per epoch", xlabel="epoch", ylabel="lr")
    top.legend(loc="upper right", fontsize=8)
    steps = np.arange(0, 230_000, 50)
    bottom.plot(steps, np.asarray(s["samples"](steps)), lw=1.2, color="C2")
    bottom.set(
        title="warmup_cosine in samples (3M warmup, 300M in all), 1536 per step",
        xlabel="optimizer step",
        ylabel="lr",
    )
    fig.tight_layout()
    fig.savefig(path, dpi=72)
    plt.close(fig)


if __name__ == "__main__":
    main()
