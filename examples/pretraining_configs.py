"""The learning-rate configs of MaxText and big_vision, read as jaxsched schedules.

``jaxsched.from_maxtext`` reads MaxText's schedule keys (``base.yml``) and
``jaxsched.from_big_vision`` a big_vision ``config.schedule`` dict; each
returns the curve its stack trains with, as a native schedule that prints,
serializes and runs under ``jit``. Run: ``python examples/pretraining_configs.py
[--plot FILE]`` (the plot needs matplotlib).
"""

from __future__ import annotations

import argparse

import numpy as np

import jaxsched

# MaxText: base.yml's schedule keys (learning_rate_schedule_steps -1 means "steps"),
# with a pretraining learning rate, and the same run with the WSD schedule.
MAXTEXT_BASE = {
    "learning_rate": 3e-4,
    "lr_schedule_type": "cosine",
    "learning_rate_final_fraction": 0.1,
    "warmup_steps_fraction": 0.1,
    "learning_rate_schedule_steps": -1,
    "steps": 150_001,
}
MAXTEXT_WSD = {**MAXTEXT_BASE, "lr_schedule_type": "wsd", "wsd_decay_steps_fraction": 0.2, "wsd_decay_style": "cosine"}

# big_vision: a ViT-on-ImageNet style config (config.lr and config.schedule), 300 epochs
# of 1,281,167 images at batch 4096; and an inverse-square-root run with a cooldown.
BIG_VISION_LR = 1e-3
BIG_VISION_VIT = {"warmup_steps": 10_000, "decay_type": "cosine"}
BIG_VISION_RSQRT = {"decay_type": "rsqrt", "timescale": 10_000, "warmup_steps": 10_000, "cooldown_steps": 20_000}
BIG_VISION_TOTAL_STEPS = round(300 * 1_281_167 / 4096)  # big_vision's total_epochs -> steps


def build() -> dict[str, tuple[jaxsched.Schedule, int]]:
    """Each config's schedule and its number of training steps."""
    T = BIG_VISION_TOTAL_STEPS
    return {
        "MaxText base.yml (cosine)": (jaxsched.from_maxtext(MAXTEXT_BASE), MAXTEXT_BASE["steps"]),
        "MaxText WSD": (jaxsched.from_maxtext(MAXTEXT_WSD), MAXTEXT_WSD["steps"]),
        "big_vision ViT (cosine)": (jaxsched.from_big_vision(BIG_VISION_VIT, total_steps=T, lr=BIG_VISION_LR), T),
        "big_vision rsqrt + cooldown": (
            jaxsched.from_big_vision(BIG_VISION_RSQRT, total_steps=T, lr=BIG_VISION_LR),
            T,
        ),
    }


def main(argv: list[str] | None = None) -> dict[str, list[float]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plot", default="", metavar="FILE", help="write a PNG comparing the schedules")
    args = parser.parse_args(argv)

    schedules, values = build(), {}
    for label, (schedule, total) in schedules.items():
        steps = [0, total // 20, total // 10, total // 2, (9 * total) // 10, total - 1]
        values[label] = [float(v) for v in schedule(np.array(steps))]
        print(f"{label}\n  {schedule!r}")
        print("  " + "  ".join(f"{s}: {v:.3e}" for s, v in zip(steps, values[label], strict=True)))
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        import jaxsched.plotting

        fig, axes = plt.subplots(2, 1, figsize=(8, 5.2), dpi=80)
        for ax, stack in zip(axes, ("MaxText", "big_vision"), strict=True):
            chosen = {k: v for k, v in schedules.items() if k.startswith(stack)}
            total = max(t for _, t in chosen.values())
            labels = [k.removeprefix(stack).strip() for k in chosen]
            jaxsched.plotting.plot(
                [s for s, _ in chosen.values()], total_steps=total, labels=labels, ax=ax, title=stack
            )
        fig.tight_layout()
        fig.savefig(args.plot)
        print(f"wrote {args.plot}")
    return values


if __name__ == "__main__":
    main()
